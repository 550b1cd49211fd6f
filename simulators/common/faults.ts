/**
 * Fault injection for every simulator: 5xx answers, 429 with Retry-After, added latency and
 * dropped connections, per endpoint, configured as rules in the world (admin API or
 * SIM_FAULTS). A rule can act before the API sees the request, or after it has acted (the
 * answer is lost: the classic "did my launch happen?" case that idempotency keys exist for).
 * Probabilistic rules draw from the world's seeded random source, so a seed repeats a run.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import type { HttpFaultRule, World } from '../world';
import type { RequestStats, SystemName } from './types';

/** Renders a fault answer in the system's own error envelope. */
export type FaultBody = (status: number, message: string) => { contentType: string; body: string };

/** A plain JSON envelope for systems that give none. */
export const defaultFaultBody: FaultBody = (status, message) => ({
  contentType: 'application/json',
  body: JSON.stringify({ status, error: message }),
});

/** True when `pattern` (exact, or a glob with `*`) matches `path`. */
export function pathMatches(pattern: string, path: string): boolean {
  if (!pattern.includes('*')) return pattern === path;
  const regex = new RegExp(`^${pattern.split('*').map(escapeRegex).join('.*')}$`);
  return regex.test(path);
}

function escapeRegex(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

/** Picks the rules that fire for this request and records that they fired. */
function firingRules(world: World, system: SystemName, method: string, path: string): HttpFaultRule[] {
  const candidates = world.state.faults.http.filter(
    (r) =>
      (r.system === '*' || r.system === system) &&
      (!r.method || r.method.toUpperCase() === method) &&
      pathMatches(r.path, path),
  );
  if (candidates.length === 0) return [];
  return world.change(() => {
    const firing: HttpFaultRule[] = [];
    for (const rule of candidates) {
      rule.seen++;
      if (rule.seen <= (rule.skip ?? 0)) continue;
      if (rule.times !== undefined && rule.fired >= rule.times) continue;
      if ((rule.rate ?? 1) < 1 && world.random() >= (rule.rate ?? 1)) continue;
      rule.fired++;
      firing.push(rule);
    }
    return firing;
  });
}

function sendFault(res: Response, rule: HttpFaultRule, render: FaultBody): void {
  if (rule.kind === 'rate-limit') {
    const seconds = rule.retry_after_seconds ?? 1;
    const { contentType, body } = render(429, 'Too many requests: simulated rate limit');
    res.status(429).set('Retry-After', String(seconds)).set('X-RateLimit-Reset', String(seconds));
    res.type(contentType).send(body);
    return;
  }
  const status = rule.status ?? 503;
  const { contentType, body } = render(status, `Simulated fault ${rule.id}: HTTP ${status}`);
  res.status(status).type(contentType).send(body);
}

/** Replaces whatever the API answers with the fault, once the API has done its work. */
function faultAfter(req: Request, res: Response, rule: HttpFaultRule, render: FaultBody): void {
  const originalEnd = res.end.bind(res) as (...args: unknown[]) => Response;
  res.end = ((..._args: unknown[]) => {
    if (rule.kind === 'drop') {
      req.socket.destroy();
      return res;
    }
    const status = rule.status ?? 503;
    const { contentType, body } = render(
      status,
      `Simulated fault ${rule.id}: HTTP ${status} after the request was processed`,
    );
    res.statusCode = status;
    for (const header of ['content-length', 'etag', 'location']) res.removeHeader(header);
    res.setHeader('content-type', contentType);
    return originalEnd(body);
  }) as Response['end'];
}

/** Express middleware applying the world's fault rules for `system`; `/_sim` paths are exempt. */
export function faultMiddleware(
  system: SystemName,
  world: World,
  stats: RequestStats,
  render: FaultBody,
): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.path.startsWith('/_sim')) return next();
    stats.record(system, req.method, req.path);
    const firing = firingRules(world, system, req.method, req.path);
    const latency = firing
      .filter((r) => r.kind === 'latency')
      .reduce((ms, r) => ms + (r.latency_ms ?? 1000), 0);
    const terminal = firing.find((r) => r.kind !== 'latency');
    const act = () => {
      if (!terminal) return next();
      if (terminal.phase === 'after' && terminal.kind !== 'rate-limit') {
        faultAfter(req, res, terminal, render);
        return next();
      }
      if (terminal.kind === 'drop') {
        req.socket.destroy();
        return;
      }
      sendFault(res, terminal, render);
    };
    if (latency > 0) setTimeout(act, latency);
    else act();
  };
}

/**
 * Fault and outcome rules from the environment: SIM_FAULTS is a JSON array; entries with an
 * `outcome` field are outcome rules, the rest HTTP rules.
 */
export function applyFaultsFromEnv(world: World, env: NodeJS.ProcessEnv = process.env): void {
  if (!env.SIM_FAULTS) return;
  const rules = JSON.parse(env.SIM_FAULTS) as unknown;
  if (!Array.isArray(rules)) throw new Error('SIM_FAULTS must be a JSON array of fault rules');
  for (const rule of rules as Record<string, unknown>[]) {
    if ('outcome' in rule) world.addOutcomeRule(parseOutcomeRule(rule));
    else world.addHttpFault(parseHttpFaultRule(rule));
  }
}

const systemSchema = z.enum(['vcenter', 'awx', 'tfe', 'aci']);

/** Schema of an HTTP fault rule as the admin API and SIM_FAULTS take it. */
export const httpFaultRuleSchema = z
  .object({
    id: z.string().min(1).optional(),
    system: z.union([systemSchema, z.literal('*')]).default('*'),
    method: z.string().optional(),
    path: z.string().min(1),
    kind: z.enum(['error', 'rate-limit', 'latency', 'drop']),
    phase: z.enum(['before', 'after']).optional(),
    status: z.number().int().min(400).max(599).optional(),
    retry_after_seconds: z.number().min(0).optional(),
    latency_ms: z.number().int().min(0).optional(),
    rate: z.number().min(0).max(1).optional(),
    skip: z.number().int().min(0).optional(),
    times: z.number().int().min(0).optional(),
  })
  .strict();

/** Schema of an outcome ("this job / run fails") rule. */
export const outcomeRuleSchema = z
  .object({
    id: z.string().min(1).optional(),
    system: systemSchema,
    match: z.record(z.string(), z.string()).default({}),
    outcome: z.string().min(1),
    phase: z.string().optional(),
    message: z.string().default('Simulated failure'),
    times: z.number().int().min(0).optional(),
  })
  .strict();

/** Validates an HTTP fault rule (throws a zod error naming the field). */
export function parseHttpFaultRule(input: unknown) {
  return httpFaultRuleSchema.parse(input);
}

/** Validates an outcome rule (throws a zod error naming the field). */
export function parseOutcomeRule(input: unknown) {
  return outcomeRuleSchema.parse(input);
}
