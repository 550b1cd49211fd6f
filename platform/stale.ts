/**
 * Cleans up after a launcher that was killed too hard to stop its children: a pid file per
 * long-lived child, and the server's own pid file for PostgreSQL.
 */
import { existsSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** Sends `signal` to `pid` if it is alive and its command line contains `marker`; waits for it to go. */
export async function stopStale(
  pid: number,
  marker: string,
  signal: NodeJS.Signals,
  log: (m: string) => void,
): Promise<void> {
  if (!alive(pid) || !commandLine(pid).includes(marker)) return;
  log(`stopping a stale ${marker} process (pid ${pid}) left by an earlier run`);
  process.kill(pid, signal);
  for (let i = 0; i < 100 && alive(pid); i++) await delay(100);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

/** Stops the process recorded in `pidFile` (first line) when it is still running as `marker`. */
export async function stopStaleFromPidFile(
  pidFile: string,
  marker: string,
  signal: NodeJS.Signals,
  log: (m: string) => void,
): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (pid > 0) await stopStale(pid, marker, signal, log);
}

export function writePidFile(pidFile: string, pid: number | undefined): void {
  if (pid === undefined) return;
  mkdirSync(path.dirname(pidFile), { recursive: true });
  writeFileSync(pidFile, `${pid}\n`);
}

export function removePidFile(pidFile: string): void {
  rmSync(pidFile, { force: true });
}
