/** What the tests read of other processes from /proc. */
import { readFileSync } from 'node:fs';

/** The nice value of a process, from /proc/<pid>/stat (field 19). */
export function niceOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}
