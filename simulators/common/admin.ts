/**
 * The simulators' own admin API at `/_sim` (not part of any real API): fault and outcome rules,
 * durations, counters (jobs, runs, VMs created — so tests prove there are no duplicates),
 * request statistics, the lab's side tables, and reset. No authentication: it listens on
 * loopback for tests and the launcher only.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { parseHttpFaultRule, parseOutcomeRule } from './faults';
import type { SimulatorContext } from './types';

const durationsSchema = z.record(z.string(), z.number().int().min(0).nullable());

/** The `/_sim` router; `extensions` add routes of a particular simulator (mail, for instance). */
export function adminRouter(ctx: SimulatorContext, extensions: Router[] = []): Router {
  const { world, stats } = ctx;
  const router = express.Router();
  router.use(express.json());

  router.get('/health', (_req, res) => {
    res.json({ ok: true });
  });
  router.get('/counters', (req, res) => {
    const prefix = typeof req.query.prefix === 'string' ? req.query.prefix : '';
    res.json(Object.fromEntries(Object.entries(world.state.counters).filter(([k]) => k.startsWith(prefix))));
  });
  router.get('/requests', (req, res) => {
    res.json(stats.snapshot(typeof req.query.filter === 'string' ? req.query.filter : undefined));
  });
  router.get('/durations', (_req, res) => {
    res.json(world.durations());
  });
  router.put('/durations', (req, res) => {
    world.setDurations(durationsSchema.parse(req.body));
    res.json(world.durations());
  });
  router.get('/faults', (_req, res) => {
    res.json({ http: world.state.faults.http, outcomes: world.state.faults.outcomes });
  });
  router.post('/faults', (req, res) => {
    res.status(201).json(world.addHttpFault(parseHttpFaultRule(req.body)));
  });
  router.post('/outcomes', (req, res) => {
    res.status(201).json(world.addOutcomeRule(parseOutcomeRule(req.body)));
  });
  router.delete('/faults', (_req, res) => {
    world.clearFaults();
    res.status(204).end();
  });
  router.delete('/faults/:id', (req, res) => {
    if (world.removeFault(req.params.id)) res.status(204).end();
    else res.status(404).json({ error: `no fault rule ${req.params.id}` });
  });
  router.get('/lab/networks', (_req, res) => {
    res.json(Object.values(world.state.lab.networks).map(({ next_host: _n, ...facts }) => facts));
  });
  router.get('/lab/images', (_req, res) => {
    res.json(Object.values(world.state.lab.images));
  });
  router.get('/world', (_req, res) => {
    res.json(world.state);
  });
  router.post('/reset', (_req, res) => {
    world.reset();
    stats.clear();
    res.status(204).end();
  });
  for (const extension of extensions) router.use(extension);

  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (err instanceof z.ZodError) {
      res.status(400).json({ error: 'invalid admin request', issues: err.issues });
      return;
    }
    next(err);
  });
  return router;
}
