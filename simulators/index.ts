/**
 * Starts every simulator that exists (vCenter, AWX, TFE, ACI — each `simulators/<system>/index.ts`
 * exporting `simulator: SimulatorModule`) on free ports around one lab world, plus the SMTP sink
 * and an admin server, and returns their URLs, the credentials in use and `stop()`.
 */
import fs from 'node:fs';
import path from 'node:path';
import express from 'express';
import {
  adminRouter,
  applyFaultsFromEnv,
  createContext,
  serve,
  type RunningSimulator,
  type SimulatorContext,
  type SimulatorCredentials,
  type SimulatorModule,
  type SystemName,
} from './common';
import { Mailbox, mailRouter, startSmtpSink } from './smtp';
import type { World } from './world';

/** Every system a simulator may exist for, in start order. */
export const simulatorSystems: SystemName[] = ['vcenter', 'awx', 'tfe', 'aci'];

/** Options of `startSimulators`. */
export interface StartSimulatorsOptions {
  /** Where the world (world.json) and received mail live; created when missing. */
  dataDir: string;
  /** Duration overrides in ms (`{ '*': 0 }` makes every transition immediate). */
  durations?: Record<string, number>;
  /** Seed for fault decisions and generated ids. */
  seed?: number | string;
  /** Credentials to enforce; random ones are generated for what is not given. */
  credentials?: Partial<SimulatorCredentials>;
  /** Only these systems (default: every one whose module exists). */
  systems?: SystemName[];
  /** Listen address (default 127.0.0.1). */
  host?: string;
  /** Fixed ports (default: free ports). */
  ports?: Partial<Record<SystemName | 'smtp' | 'admin', number>>;
  /** Read SIM_FAULTS from this environment (the process entry passes process.env). */
  env?: NodeJS.ProcessEnv;
  logLevel?: string;
}

/** What `startSimulators` returns. */
export interface RunningSimulators {
  /** Base URL per started system (no API prefix). */
  urls: Partial<Record<SystemName, string>>;
  smtp: { host: string; port: number };
  /** Admin server: `/_sim/...` routes plus `/_sim/mail`. */
  adminUrl: string;
  credentials: SimulatorCredentials;
  dataDir: string;
  /** In-process handles for tests. */
  world: World;
  mailbox: Mailbox;
  context: SimulatorContext;
  stop(): Promise<void>;
}

/** Loads `simulators/<system>/index.ts` when it exists; undefined otherwise. */
async function loadModule(system: SystemName): Promise<SimulatorModule | undefined> {
  const dir = path.join(__dirname, system);
  if (!['index.ts', 'index.js'].some((f) => fs.existsSync(path.join(dir, f)))) return undefined;
  // require, not import(): the project is CommonJS and a dynamic import() would go through the
  // ESM loader, which refuses directory imports under tsx/cjs.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require(`./${system}`) as { simulator?: SimulatorModule };
  if (!loaded.simulator || typeof loaded.simulator.start !== 'function') {
    throw new Error(`simulators/${system}/index.ts does not export simulator: SimulatorModule`);
  }
  return loaded.simulator;
}

/** Starts the simulators, the SMTP sink and the admin server; `stop()` ends them all. */
export async function startSimulators(options: StartSimulatorsOptions): Promise<RunningSimulators> {
  fs.mkdirSync(options.dataDir, { recursive: true });
  const context = createContext({
    dataDir: options.dataDir,
    durations: options.durations,
    seed: options.seed,
    credentials: options.credentials,
    logLevel: options.logLevel,
  });
  if (options.env) applyFaultsFromEnv(context.world, options.env);
  const host = options.host ?? '127.0.0.1';
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    context.world.close();
  };

  try {
    const urls: Partial<Record<SystemName, string>> = {};
    for (const system of options.systems ?? simulatorSystems) {
      const module = await loadModule(system);
      if (!module) continue;
      const running: RunningSimulator = await module.start(context, { host, port: options.ports?.[system] });
      stops.push(running.stop);
      urls[system] = running.url;
    }
    const mailbox = new Mailbox(options.dataDir);
    const smtp = await startSmtpSink({ mailbox, host, port: options.ports?.smtp, log: context.log });
    stops.push(smtp.stop);
    const admin = express();
    admin.use('/_sim', adminRouter(context, [mailRouter(mailbox)]));
    const adminServer = await serve(admin, { host, port: options.ports?.admin });
    stops.push(adminServer.stop);
    return {
      urls,
      smtp: { host: smtp.host, port: smtp.port },
      adminUrl: adminServer.url,
      credentials: context.credentials,
      dataDir: options.dataDir,
      world: context.world,
      mailbox,
      context,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
