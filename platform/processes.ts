/**
 * Child processes of the launcher and the test harness: spawned in their own process group (so a
 * terminal's Ctrl-C reaches only the parent, which stops them in order), their output prefixed,
 * and stopped with SIGTERM, then SIGKILL to the whole group after a grace period.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL to the group after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions extends Pick<SpawnOptions, 'cwd' | 'env'> {
  /** Where each output line goes; default: the parent's stderr with a `[name]` prefix. */
  onLine?: (line: string) => void;
}

/** Starts `command args` as a managed child process. */
export function startProcess(
  name: string,
  command: string,
  args: string[],
  opts: StartOptions = {},
): ManagedProcess {
  const child = spawn(command, args, {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const onLine = opts.onLine ?? ((line: string) => process.stderr.write(`[${name}] ${line}\n`));
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream }).on('line', onLine);
  }
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
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
      signalGroup('SIGTERM');
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
