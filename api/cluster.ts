/**
 * Several API processes on one port: with API_PROCESSES above 1 the process started becomes a
 * node:cluster primary that only forks that many API processes (they share its listening socket,
 * connections handed out in turn) and starts again any that dies. Everything an API process keeps
 * is in PostgreSQL or Temporal (the ledger, pending starts under a lease, idempotency keys,
 * sessions, event streams woken by LISTEN/NOTIFY, the log bundle), so it does not matter which one
 * answers; the rate limit alone counts per process (docs/deployment.md).
 */
import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { exitWithParent } from '../platform/parent-watch';

/** How long a dead API process waits before it is started again. */
const RESTART_DELAY_MS = 500;
/** Processes that die this many times in a row before listening stop the primary: a bad configuration. */
const MAX_FAILED_STARTS = 5;

const say = (msg: string, fields: Record<string, unknown> = {}) =>
  process.stdout.write(
    `${JSON.stringify({ level: 30, time: Date.now(), pid: process.pid, name: 'api-primary', msg, ...fields })}\n`,
  );

/** Runs the cluster primary: forks `count` API processes and keeps them running until SIGINT or SIGTERM. */
export function runPrimary(count: number): void {
  // One key for every sibling: the portal's loopback call may reach any of them (api/portal/client.ts).
  const env = {
    API_PORTAL_KEY: process.env.API_PORTAL_KEY || randomBytes(24).toString('base64url'),
    // Each API process watches this primary; the primary watches the launcher.
    STACK_PARENT_PID: String(process.pid),
  };
  let stopping = false;
  let exitCode = 0;
  let failedStarts = 0;
  const listening = new WeakSet<Worker>();
  const live = new Set<Worker>();

  const fork = () => {
    const worker = cluster.fork(env);
    live.add(worker);
    worker.once('listening', () => {
      listening.add(worker);
      failedStarts = 0;
      say('api process listening', { apiPid: worker.process.pid });
    });
  };
  cluster.on('exit', (worker, code, signal) => {
    live.delete(worker);
    if (stopping) {
      if (live.size === 0) process.exit(exitCode);
      return;
    }
    const started = listening.has(worker);
    say('api process exited; starting another', { apiPid: worker.process.pid, code, signal });
    if (!started && ++failedStarts >= MAX_FAILED_STARTS) {
      say(`${failedStarts} API processes in a row exited before listening; stopping`);
      stop(1);
      return;
    }
    setTimeout(() => stopping || fork(), RESTART_DELAY_MS);
  });

  const stop = (code = 0) => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    const workers = [...live];
    if (workers.length === 0) process.exit(code);
    for (const w of workers) w.process.kill('SIGTERM');
    // A process that does not stop in time is killed; the primary then exits with it.
    setTimeout(() => {
      for (const w of workers) w.process.kill('SIGKILL');
      process.exit(code);
    }, 20_000).unref();
  };
  process.on('SIGINT', () => stop());
  process.on('SIGTERM', () => stop());
  exitWithParent(() => stop());
  say('api primary starting processes', { count });
  for (let i = 0; i < count; i++) fork();
}

/** True in a process the primary forked (it then runs the API itself). */
export const isApiProcess = () => !cluster.isPrimary;
