/**
 * Where does the fixed wait of a bare Temporal step come from? A bare dev server (in memory,
 * nothing of ours but the CLI binary) and a bare TypeScript worker; one workflow runs N
 * sequential do-nothing activities on its own task queue, on another queue, or as local
 * activities, and the time per step is (wall(N) - wall(0)) / N, the median of a few runs.
 *
 *   node --import tsx bench/fixed-wait/run.ts [--dc KEY=JSON]... [--steps N] [--runs R]
 *
 * Each `--dc` is passed to the dev server as `--dynamic-config-value`, so a setting's effect is
 * one command away (bench/README.md, "The fixed wait").
 */
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { freePort, isListening, waitFor } from '../../platform/net';
import { startProcess } from '../../platform/processes';
import { ensureTemporalCli } from '../../platform/temporal/cli';
import { percentile } from '../stats';

const { values: args } = parseArgs({
  options: {
    dc: { type: 'string', multiple: true, default: [] },
    steps: { type: 'string', default: '20' },
    runs: { type: 'string', default: '5' },
  },
});
const EventType = temporal.api.enums.v1.EventType;
const steps = Number(args.steps);
const runs = Number(args.runs);

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const port = await freePort();
  const server = startProcess(
    'temporal',
    ensureTemporalCli(),
    [
      'server',
      'start-dev',
      '--headless',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--log-level',
      'warn',
      ...args.dc.flatMap((kv) => ['--dynamic-config-value', kv]),
    ],
    { onLine: (line) => process.stderr.write(`[temporal] ${line}\n`) },
  );
  try {
    await waitFor('the dev server', () => isListening(port, '127.0.0.1'), 60_000);
    const address = `127.0.0.1:${port}`;
    const connection = await NativeConnection.connect({ address });
    const activities = { async noop() {} };
    const workers = await Promise.all([
      Worker.create({
        connection,
        taskQueue: 'fixed-wait',
        workflowsPath: require.resolve('./workflows'),
        activities,
      }),
      Worker.create({ connection, taskQueue: 'fixed-wait-other', activities }),
    ]);
    const client = new Client({ connection: await Connection.connect({ address }) });
    let id = 0;
    const wall = async (kind: string, n: number) => {
      const t = performance.now();
      await client.workflow.execute('sequential', {
        taskQueue: 'fixed-wait',
        workflowId: `fixed-wait-${id++}`,
        args: [kind, n],
      });
      return performance.now() - t;
    };
    await Promise.race([
      (async () => {
        for (const kind of ['own', 'other', 'local']) await wall(kind, 3); // warm-up
        const result: Record<string, number> = {};
        const gaps: Record<string, Record<string, number>> = {};
        const base = [];
        for (let r = 0; r < runs; r++) base.push(await wall('own', 0));
        result.workflowOnlyMs = round(percentile(base, 50));
        for (const kind of ['own', 'other', 'local']) {
          const per = [];
          for (let r = 0; r < runs; r++) per.push((await wall(kind, steps)) - result.workflowOnlyMs);
          result[`${kind}MsPerStep`] = round(percentile(per, 50) / steps);
          gaps[kind] = await eventGaps(client, `fixed-wait-${id - 1}`);
        }
        process.stdout.write(`${JSON.stringify({ dynamicConfig: args.dc, steps, runs, ...result, gaps })}\n`);
      })(),
      ...workers.map((w) => w.run()),
    ]);
  } finally {
    await server.stop(10_000);
  }
}

/**
 * Median time between consecutive events of a history, per pair of event types (where the wait
 * sits: in dispatching a workflow task, an activity task, or in the worker).
 */
async function eventGaps(client: Client, workflowId: string): Promise<Record<string, number>> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const name = (t: unknown) => String(EventType[t as number]).replace(/^EVENT_TYPE_/, '');
  const at = (e: temporal.api.history.v1.IHistoryEvent) =>
    Number(e.eventTime?.seconds ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;
  const byPair: Record<string, number[]> = {};
  for (let i = 1; i < events.length; i++)
    (byPair[`${name(events[i - 1]!.eventType)} -> ${name(events[i]!.eventType)}`] ??= []).push(
      at(events[i]!) - at(events[i - 1]!),
    );
  return Object.fromEntries(
    Object.entries(byPair).map(([pair, ms]) => [`${pair} (${ms.length})`, round(percentile(ms, 50))]),
  );
}

const round = (v: number) => Math.round(v * 10) / 10;

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
