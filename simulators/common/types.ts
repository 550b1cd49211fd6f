/**
 * The contract between the simulator launcher and each simulator. Every system folder
 * (`simulators/<system>/index.ts`) exports `simulator: SimulatorModule`; `startSimulators`
 * finds those modules and starts each on a free port with the same context.
 */
import type { Logger } from 'pino';
import type { World } from '../world';

/** The end systems that have an HTTP simulator. */
export type SystemName = 'vcenter' | 'awx' | 'tfe' | 'aci';

/** Credentials the simulators accept; generated per start unless given, never committed. */
export interface SimulatorCredentials {
  vcenter: { username: string; password: string };
  /** AWX accepts the bearer token and also HTTP Basic with the user and password. */
  awx: { username: string; password: string; token: string };
  tfe: { token: string };
  aci: { username: string; password: string };
}

/** What every simulator receives: the shared world, the credentials it must enforce, a logger. */
export interface SimulatorContext {
  world: World;
  credentials: SimulatorCredentials;
  log: Logger;
  /** Per-process request statistics and fault decisions shared by all simulators. */
  stats: RequestStats;
}

/** Where to listen; port 0 or absent means a free port chosen by the OS. */
export interface ListenOptions {
  host?: string;
  port?: number;
}

/** A started simulator. */
export interface RunningSimulator {
  system: SystemName;
  /** Base URL, e.g. http://127.0.0.1:40123 (no trailing slash, no API prefix). */
  url: string;
  stop(): Promise<void>;
}

/** Starts one simulator. */
export type SimulatorFactory = (ctx: SimulatorContext, listen?: ListenOptions) => Promise<RunningSimulator>;

/** What `simulators/<system>/index.ts` exports as `simulator`. */
export interface SimulatorModule {
  system: SystemName;
  start: SimulatorFactory;
}

/** In-memory request counts by `system METHOD path` (not persisted: they describe this process). */
export class RequestStats {
  private readonly counts = new Map<string, number>();

  /** Records one request. */
  record(system: string, method: string, path: string): void {
    const key = `${system} ${method} ${path}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  /** Counts, optionally only those whose key contains `filter`. */
  snapshot(filter?: string): Record<string, number> {
    return Object.fromEntries([...this.counts].filter(([k]) => !filter || k.includes(filter)).sort());
  }

  /** Forgets every count. */
  clear(): void {
    this.counts.clear();
  }
}
