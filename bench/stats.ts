/** Small measuring helpers of the benchmark: percentiles, and the memory and CPU time of a process from /proc. */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** The p-th percentile (0-100) of `values` by nearest rank; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** p50, p99 and the maximum of a list of milliseconds, rounded to 0.1 ms. */
export function summary(values: readonly number[]): { n: number; p50: number; p99: number; max: number } {
  const round = (v: number) => Math.round(v * 10) / 10;
  return {
    n: values.length,
    p50: round(percentile(values, 50)),
    p99: round(percentile(values, 99)),
    max: round(values.length ? Math.max(...values) : Number.NaN),
  };
}

/** A field of /proc/<pid>/status in MiB (VmRSS, VmHWM), or undefined once the process is gone. */
export function procMemoryMiB(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
    return kb === undefined ? undefined : Math.round((Number(kb) / 1024) * 10) / 10;
  } catch {
    return undefined;
  }
}

/** The processes `pid` started (the worker's git process); none when it is gone. */
function childPids(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
    );
  } catch {
    // Gone meanwhile, or a kernel without the children file: the process alone.
    return [];
  }
}

/** The resident memory (MiB) of `pid` and every process below it (the worker's git process). */
export function treeRssMiB(pid: number): number | undefined {
  const own = procMemoryMiB(pid, 'VmRSS');
  if (own === undefined) return undefined;
  const children = childPids(pid).reduce((sum, child) => sum + (treeRssMiB(child) ?? 0), 0);
  return Math.round((own + children) * 10) / 10;
}

/** Clock ticks per second of /proc's CPU times (`getconf CLK_TCK`; 100 on Linux unless told). */
let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/**
 * CPU time (ms, user and system) that `pid` and the processes below it (the worker's git process)
 * have used so far; undefined when the process is gone.
 */
export function treeCpuMs(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The fields after the command name (which may hold spaces), from field 3 on: utime is 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const own = ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond();
  return own + childPids(pid).reduce((sum, child) => sum + (treeCpuMs(child) ?? 0), 0);
}

/**
 * Samples the resident memory of some processes, each with the processes it started, twice a
 * second; `peaks()` gives the largest sample per process since the last `mark()` and overall,
 * together with the kernel's own high-water mark of the process itself (VmHWM), which catches a
 * peak between two samples.
 */
export class RssSampler {
  private readonly overall = new Map<string, number>();
  private readonly phase = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pids: Record<string, number>) {
    this.timer = setInterval(() => this.sample(), 500);
    this.timer.unref();
    this.sample();
  }

  private sample(): void {
    for (const [name, pid] of Object.entries(this.pids)) {
      const rss = treeRssMiB(pid);
      if (rss === undefined) continue;
      this.overall.set(name, Math.max(this.overall.get(name) ?? 0, rss));
      this.phase.set(name, Math.max(this.phase.get(name) ?? 0, rss));
    }
  }

  /** The peak RSS (MiB) of each process since the previous mark; starts a new phase. */
  mark(): Record<string, number> {
    this.sample();
    const peaks = Object.fromEntries(this.phase);
    this.phase.clear();
    return peaks;
  }

  /** The peak RSS (MiB) of each process since the previous mark, without starting a new phase. */
  sincePreviousMark(): Record<string, number> {
    this.sample();
    return Object.fromEntries(this.phase);
  }

  /** Peak RSS (MiB) per process over the whole run: the larger of the samples and VmHWM. */
  peaks(): Record<string, number> {
    this.sample();
    return Object.fromEntries(
      Object.entries(this.pids).map(([name, pid]) => [
        name,
        Math.max(this.overall.get(name) ?? 0, procMemoryMiB(pid, 'VmHWM') ?? 0),
      ]),
    );
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/**
 * Prometheus text expositions summed per metric name over all their label sets (`_sum` and
 * `_count` of histograms included) and over the URLs; one that cannot be read counts as empty.
 */
export async function scrapeMetrics(urls: readonly string[]): Promise<Record<string, number>> {
  const totals: Record<string, number> = {};
  for (const url of urls) {
    const text = await fetch(url)
      .then((res) => res.text())
      .catch(() => '');
    for (const line of text.split('\n')) {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{[^}]*\})?\s+(\S+)/.exec(line);
      if (m && !line.startsWith('#')) totals[m[1]!] = (totals[m[1]!] ?? 0) + Number(m[2]);
    }
  }
  return totals;
}
