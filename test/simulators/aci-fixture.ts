/** A running APIC simulator over a fresh world in a temp directory, with a clock the test moves. */
/* eslint-disable @typescript-eslint/no-explicit-any -- the tests read the upstream JSON documents by path, as a client would */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createContext, type SimulatorContext } from '../../simulators/common';
import { startAci } from '../../simulators/aci';

/** An APIC simulator for one test, with helpers that speak its REST API. */
export interface AciFixture {
  url: string;
  ctx: SimulatorContext;
  dataDir: string;
  /** Moves the simulated clock forward. */
  advance(ms: number): void;
  /** Logs in with the simulator's credentials and returns the token. */
  login(): Promise<string>;
  /** A request with the session cookie of `token`; the body is sent as JSON. */
  call(
    method: string,
    urlPath: string,
    token: string | undefined,
    body?: unknown,
  ): Promise<{ status: number; json: any }>;
  /** Stops the server and closes the world, leaving the data directory for a restart. */
  stop(): Promise<void>;
  /** Starts a new simulator on the same data directory (a restart). */
  restart(): Promise<AciFixture>;
}

/** Starts the APIC simulator on `dataDir` (a new temp directory when absent). */
export async function startAciFixture(
  dataDir?: string,
  durations: Record<string, number> = {},
): Promise<AciFixture> {
  const dir = dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'aci-sim-'));
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const ctx = createContext({
    dataDir: dir,
    durations,
    now: () => clock,
    credentials: { aci: { username: 'admin', password: 'lab-pass' } },
  });
  const running = await startAci(ctx);
  const call = async (method: string, urlPath: string, token: string | undefined, body?: unknown) => {
    const headers: Record<string, string> = {};
    if (token) headers.cookie = `APIC-cookie=${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${running.url}${urlPath}`, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };
  const fixture: AciFixture = {
    url: running.url,
    ctx,
    dataDir: dir,
    advance: (ms) => {
      clock += ms;
    },
    async login() {
      const res = await call('POST', '/api/aaaLogin.json', undefined, {
        aaaUser: { attributes: { name: 'admin', pwd: 'lab-pass' } },
      });
      if (res.status !== 200) throw new Error(`login failed: ${res.status}`);
      return res.json.imdata[0].aaaLogin.attributes.token as string;
    },
    call,
    async stop() {
      await running.stop();
      ctx.world.close();
    },
    async restart() {
      await fixture.stop();
      return startAciFixture(dir, durations);
    },
  };
  return fixture;
}
