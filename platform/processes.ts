/**
 * Child processes of the launcher and the test harness: spawned in their own process group (so a
 * terminal's Ctrl-C reaches only the parent, which stops them in order), their output prefixed,
 * and stopped with SIGTERM, then SIGKILL to the whole group after a grace period.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL to the group after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions extends Pick<SpawnOptions, 'cwd' | 'env' | 'uid' | 'gid'> {
  /** Where each output line goes; default: the parent's stderr with a `[name]` prefix. */
  onLine?: (line: string) => void;
  /**
   * A lower CPU priority (a nice value, 1-19) for a process whose work can wait while an
   * interactive one (the API) needs a CPU: see `lowerPriority`.
   */
  niceness?: number;
  /** The signal that asks it to stop (default SIGTERM; PostgreSQL's fast shutdown is SIGINT). */
  stopSignal?: NodeJS.Signals;
}

/**
 * The groups still running. When this process exits without having stopped them (an uncaught
 * error, mocha's forced exit, process.exit anywhere), each is asked to stop on the way out, so
 * nothing it started is left running.
 */
const live = new Map<number, NodeJS.Signals>();
process.on('exit', () => {
  for (const [pid, signal] of live) {
    try {
      process.kill(-pid, signal);
    } catch {
      // Already gone.
    }
  }
});

/**
 * The nice value the launcher gives the processes that work in the background (the Temporal dev
 * server and the worker), so that on a machine they keep busy the API still answers at once:
 * `STACK_BACKGROUND_NICE`, 0 (no change) to 19, default 10.
 */
export function backgroundNiceness(env: NodeJS.ProcessEnv = process.env): number {
  return nicenessFromEnv(env, 'STACK_BACKGROUND_NICE', 10);
}

/**
 * The nice value of the worker processes that serve the bulk lane (`orchestrator-bulk`):
 * `STACK_BULK_NICE`, 0 to 19, default 19, the lowest priority, so a requester's burst gets the CPU
 * that everyone else's requests leave (docs/waits.md, "Two lanes").
 */
export function bulkNiceness(env: NodeJS.ProcessEnv = process.env): number {
  return nicenessFromEnv(env, 'STACK_BULK_NICE', 19);
}

function nicenessFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name] ?? String(fallback);
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value > 19) {
    throw new Error(`${name} must be a whole number from 0 to 19, not '${raw}'`);
  }
  return value;
}

/**
 * Gives a child a lower CPU priority. `nice` sets it for the process, so every thread and child
 * it starts inherits it; and since a detached child leads a session of its own, which a Linux
 * kernel with autogroup schedules as a group weighed against other groups whatever its threads'
 * nice values, the group's own nice value is set too (`/proc/<pid>/autogroup`, where it exists).
 */
function lowerPriority(pid: number, niceness: number): void {
  try {
    writeFileSync(`/proc/${pid}/autogroup`, String(niceness));
  } catch {
    // No autogroup here (another kernel or OS): the process's own nice value is what counts.
  }
}

/** Starts `command args` as a managed child process. */
export function startProcess(
  name: string,
  command: string,
  args: string[],
  opts: StartOptions = {},
): ManagedProcess {
  const niced = opts.niceness !== undefined && opts.niceness > 0;
  const child = spawn(
    niced ? 'nice' : command,
    niced ? ['-n', String(opts.niceness), command, ...args] : args,
    {
      cwd: opts.cwd,
      env: opts.env,
      uid: opts.uid,
      gid: opts.gid,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  if (child.pid !== undefined) live.set(child.pid, opts.stopSignal ?? 'SIGTERM');
  if (niced && child.pid !== undefined) lowerPriority(child.pid, opts.niceness!);
  const onLine = opts.onLine ?? ((line: string) => process.stderr.write(`[${name}] ${line}\n`));
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream }).on('line', onLine);
  }
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      if (child.pid !== undefined) live.delete(child.pid);
      resolve(code ?? signal ?? 'unknown');
    });
    child.once('error', (err) => {
      onLine(`failed to start: ${err.message}`);
      resolve('spawn-error');
    });
  });
  let stopping: Promise<void> | undefined;
  const signalGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // Already gone.
    }
  };
  const stop = (graceMs = 10_000): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      signalGroup(opts.stopSignal ?? 'SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
      // Reap anything the child left in its group.
      signalGroup('SIGKILL');
    })();
    return stopping;
  };
  return { name, child, exited, stop };
}
