/**
 * The Prometheus metrics of every process, declared once on one registry: requests and their
 * resources by outcome, template and step durations, end-system calls, and the API's routes.
 * Labels are bounded sets (types, actions, templates, task ids, systems, calls, route patterns,
 * status classes, failure types): never request IDs, names or anything a user types freely.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The registry of this process; `/metrics` on the API and the worker's metrics port serve it. */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'oo_process_' });

/** Durations of things that take minutes: a step, a template, a request. */
const longBuckets = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600];
/** Durations of HTTP calls and API answers. */
const shortBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export const requestsTotal = new Counter({
  name: 'oo_requests_total',
  help: 'Requests that ended, by outcome (succeeded, failed, cancelled).',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

export const requestDuration = new Histogram({
  name: 'oo_request_duration_seconds',
  help: 'From the request workflow starting to its end, by outcome.',
  labelNames: ['outcome'] as const,
  buckets: longBuckets,
  registers: [registry],
});

export const requestResourcesTotal = new Counter({
  name: 'oo_request_resources_total',
  help: 'Resources of ended requests, by resource type, action (create, delete) and outcome.',
  labelNames: ['type', 'action', 'outcome'] as const,
  registers: [registry],
});

export const templateDuration = new Histogram({
  name: 'oo_template_duration_seconds',
  help: 'Template runs (the template interpreter workflow), by template and outcome.',
  labelNames: ['template', 'outcome'] as const,
  buckets: longBuckets,
  registers: [registry],
});

export const stepDuration = new Histogram({
  name: 'oo_step_duration_seconds',
  help: 'Activity attempts of template steps, by template, task id and outcome (ok or the failure type).',
  labelNames: ['template', 'task', 'outcome'] as const,
  buckets: longBuckets,
  registers: [registry],
});

export const endSystemCallsTotal = new Counter({
  name: 'oo_end_system_calls_total',
  help: 'HTTP calls to end systems, by system, client call, status class (2xx … 5xx, none) and failure type (none when it succeeded).',
  labelNames: ['system', 'call', 'status_class', 'error_type'] as const,
  registers: [registry],
});

export const endSystemCallDuration = new Histogram({
  name: 'oo_end_system_call_duration_seconds',
  help: 'HTTP calls to end systems, re-authentication included, by system and client call.',
  labelNames: ['system', 'call'] as const,
  buckets: shortBuckets,
  registers: [registry],
});

export const httpRequestDuration = new Histogram({
  name: 'oo_http_request_duration_seconds',
  help: "The API's answers, by method, route pattern and status code.",
  labelNames: ['method', 'route', 'status'] as const,
  buckets: shortBuckets,
  registers: [registry],
});

/** Where this process reads the approvals waiting now, by group; only the API process sets one. */
let approvalsWaitingSource: (() => Promise<Map<string, number>>) | undefined;

export const approvalsWaiting = new Gauge({
  name: 'oo_approvals_waiting',
  help: 'Template workflows waiting at an approval step now, by group that may decide (one open to two groups counts in both). Read from Temporal at each scrape; every API process reports the whole deployment, so aggregate with max, not sum.',
  labelNames: ['group'] as const,
  registers: [registry],
  async collect() {
    if (!approvalsWaitingSource) return;
    // A failed read leaves no series rather than stale counts: the scrape still succeeds.
    const counts = await approvalsWaitingSource().catch(() => undefined);
    this.reset();
    for (const [group, n] of counts ?? []) this.set({ group }, n);
  },
});

/** Makes `oo_approvals_waiting` read `source` at each scrape; the returned function stops it. */
export function countApprovalsWaiting(source: () => Promise<Map<string, number>>): () => void {
  approvalsWaitingSource = source;
  return () => {
    if (approvalsWaitingSource === source) approvalsWaitingSource = undefined;
  };
}

/** The horizons of `oo_leases_expiring`, by label, in seconds. */
export const leaseHorizons = { '1h': 3600, '1d': 86_400, '7d': 7 * 86_400, '30d': 30 * 86_400 } as const;

/** Where `oo_leases_expiring` reads its counts: set by the process that has the inventory (the API). */
let leaseCounts: ((horizons: readonly number[]) => Promise<number[]>) | undefined;

export const leasesExpiring = new Gauge({
  name: 'oo_leases_expiring',
  help: 'Resources not removed whose lease ends within the horizon (1h, 1d, 7d, 30d; an ended lease counts in all), read from the inventory at each scrape.',
  labelNames: ['within'] as const,
  registers: [registry],
  async collect() {
    if (!leaseCounts) return;
    const labels = Object.keys(leaseHorizons) as (keyof typeof leaseHorizons)[];
    const counts = await leaseCounts(labels.map((l) => leaseHorizons[l]));
    labels.forEach((within, i) => this.set({ within }, counts[i] ?? 0));
  },
});

/** Makes `oo_leases_expiring` read its counts from `count` (the API, from PostgreSQL). */
export function countLeasesWith(count: (horizons: readonly number[]) => Promise<number[]>): void {
  leaseCounts = count;
}

/** `2xx` … `5xx` for an HTTP status; `none` when no answer came. */
export const requestLogLinesDropped = new Counter({
  name: 'oo_request_log_lines_dropped_total',
  help: "Request log lines this process dropped because PostgreSQL did not take them in time (the buffer's bound).",
  registers: [registry],
});

export function statusClass(status: number | undefined): string {
  return status === undefined ? 'none' : `${Math.floor(status / 100)}xx`;
}

/** Seconds since `startNs` (from `process.hrtime.bigint()`). */
export function secondsSince(startNs: bigint): number {
  return Number(process.hrtime.bigint() - startNs) / 1e9;
}

/** This process's metrics in the text format, followed by `extra()`'s (the Temporal SDK's). */
export async function metricsText(extra?: () => Promise<string>): Promise<string> {
  const own = await registry.metrics();
  return extra ? `${own}\n${await extra()}` : own;
}

/**
 * Serves `GET /metrics` on `port` (the worker's metrics port), adding the Temporal SDK's own
 * metrics read from `sdkMetricsUrl` so one scrape target carries both.
 */
export async function serveMetrics(opts: {
  host: string;
  port: number;
  sdkMetricsUrl?: string;
}): Promise<Server> {
  const sdk = opts.sdkMetricsUrl
    ? async () => {
        const res = await fetch(opts.sdkMetricsUrl!, { signal: AbortSignal.timeout(5_000) });
        return res.ok ? res.text() : '';
      }
    : undefined;
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics here\n');
      return;
    }
    metricsText(sdk).then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${err.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return server;
}

/** The port a server listens on. */
export const portOf = (server: Server): number => (server.address() as AddressInfo).port;
