/**
 * A lab for simulator tests: starts the simulators on free ports in a temporary data directory
 * and gives small authenticated helpers for each API and the admin API.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSimulators, type RunningSimulators, type StartSimulatorsOptions } from '../../../simulators';

/** A response with its parsed body (JSON when it parses, else text). */
export interface Answer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

async function answer<T>(res: Response): Promise<Answer<T>> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  return { status: res.status, headers: res.headers, body: body as T };
}

/** Sends a request; a JSON `body` is serialised with the JSON content type. */
export async function call<T = unknown>(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown; raw?: string } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...init.headers };
  let body: string | undefined = init.raw;
  if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] ??= 'application/json';
  }
  return answer<T>(await fetch(url, { method: init.method ?? 'GET', headers, body }));
}

/** A started lab and its helpers. */
export interface Lab {
  sims: RunningSimulators;
  dataDir: string;
  /** Admin API call (`/_sim/...`). */
  admin<T = unknown>(p: string, init?: Parameters<typeof call>[1]): Promise<Answer<T>>;
  /** vCenter /api call with a session (logs in on first use). */
  vcenter<T = unknown>(p: string, init?: Parameters<typeof call>[1]): Promise<Answer<T>>;
  /** AWX call with the bearer token. */
  awx<T = unknown>(p: string, init?: Parameters<typeof call>[1]): Promise<Answer<T>>;
  /** Stops the simulators (the data directory stays, for restart tests). */
  stop(): Promise<void>;
  /** Stops and deletes the data directory. */
  dispose(): Promise<void>;
}

/** Starts vCenter and AWX (by default) with immediate transitions in a fresh temp directory. */
export async function startLab(options: Partial<StartSimulatorsOptions> = {}): Promise<Lab> {
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'sim-lab-'));
  const sims = await startSimulators({
    systems: ['vcenter', 'awx'],
    durations: { '*': 0 },
    seed: 42,
    ...options,
    dataDir,
  });
  let session: string | undefined;
  const login = async () => {
    const { username, password } = sims.credentials.vcenter;
    const res = await call<string>(`${sims.urls.vcenter}/api/session`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` },
    });
    if (res.status !== 201) throw new Error(`vCenter login failed: ${res.status}`);
    return res.body;
  };
  const lab: Lab = {
    sims,
    dataDir,
    admin: (p, init) => call(`${sims.adminUrl}/_sim${p}`, init),
    vcenter: async (p, init = {}) => {
      session ??= await login();
      return call(`${sims.urls.vcenter}${p}`, {
        ...init,
        headers: { 'vmware-api-session-id': session, ...init.headers },
      });
    },
    awx: (p, init = {}) =>
      call(`${sims.urls.awx}${p}`, {
        ...init,
        headers: { authorization: `Bearer ${sims.credentials.awx.token}`, ...init.headers },
      }),
    stop: () => sims.stop(),
    dispose: async () => {
      await sims.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return lab;
}

/** Polls `read` until `done` holds for its value; fails with the last value after `timeoutMs`. */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await read();
  while (!done(last)) {
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 20));
    last = await read();
  }
  return last;
}
