/**
 * The metrics as an operator gets them: a real Prometheus (Debian's `prometheus`) scrapes the
 * API's `/metrics` and the worker's metrics port every second, and PromQL over what it stored
 * answers requests by outcome, step-duration quantiles per template and task, end-system calls
 * and the API's routes, with the Temporal SDK's own metrics beside ours.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { issueToken } from '../../../api/auth/tokens';
import { portOf, serveMetrics } from '../../../platform/metrics';
import { freePort, waitFor } from '../../../platform/net';
import { startProcess, type ManagedProcess } from '../../../platform/processes';
import { getStack, type TestStack } from '../../harness/stack';
import { startTestApi, vm, type TestApi } from '../api/api-client';

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

describe('Prometheus metrics scraped by a real Prometheus', function () {
  this.timeout(180_000);
  let stack: TestStack;
  let api: TestApi;
  let workerMetrics: Server;
  let prometheus: ManagedProcess;
  let promUrl: string;

  /** The instant vector PromQL answers for `query`. */
  async function query(promql: string): Promise<Sample[]> {
    const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as { status: string; data?: { result: Sample[] }; error?: string };
    assert.equal(body.status, 'success', `${promql}: ${body.error}`);
    return body.data!.result;
  }

  /** Waits until `query` answers something that `ok` accepts, and returns it. */
  async function until(promql: string, ok: (samples: Sample[]) => boolean): Promise<Sample[]> {
    let last: Sample[] = [];
    await waitFor(
      `Prometheus to answer ${promql} (last: ${JSON.stringify(last)})`,
      async () => {
        last = await query(promql);
        return ok(last);
      },
      60_000,
      500,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; last answer: ${JSON.stringify(last)}`);
    });
    return last;
  }

  before(async function () {
    const binary = (() => {
      try {
        return execFileSync('sh', ['-c', 'command -v prometheus'], { encoding: 'utf8' }).trim();
      } catch {
        throw new Error('prometheus is not on the PATH: run `bash scripts/ensure-deps.sh`');
      }
    })();
    stack = await getStack();
    api = await startTestApi(stack);
    workerMetrics = await serveMetrics({ host: '127.0.0.1', port: 0, sdkMetricsUrl: stack.sdkMetricsUrl });

    const dir = path.join(stack.tmpDir, 'prometheus');
    mkdirSync(dir, { recursive: true });
    const config = path.join(dir, 'prometheus.yml');
    writeFileSync(
      config,
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        'scrape_configs:',
        `  - { job_name: api, static_configs: [{ targets: ['${new URL(api.baseUrl).host}'] }] }`,
        `  - { job_name: worker, static_configs: [{ targets: ['127.0.0.1:${portOf(workerMetrics)}'] }] }`,
        '',
      ].join('\n'),
    );
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    prometheus = startProcess(
      'prometheus',
      binary,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      {
        onLine: (line) =>
          void (process.env.TEST_VERBOSE === '1' && process.stderr.write(`[prometheus] ${line}\n`)),
      },
    );
    await waitFor('Prometheus to be ready', async () => (await fetch(`${promUrl}/-/ready`)).ok, 60_000, 250);
  });

  after(async () => {
    await prometheus?.stop();
    await new Promise((resolve) => (workerMetrics ? workerMetrics.close(resolve) : resolve(undefined)));
    await api?.close();
  });

  it('answers requests by outcome, step quantiles, end-system calls and routes after a few requests', async () => {
    const alice = await api.tokenFor('requester', 'alice@example.test');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await api.call<{ requestId: string }>('POST', '/v1/requests', {
        token: alice,
        body: { resources: [vm(`metrics-${Date.now().toString(36)}-${i}`)] },
      });
      assert.equal(res.status, 202, JSON.stringify(res.body));
      ids.push(res.body.requestId);
    }
    for (const id of ids)
      await waitFor(
        `request ${id} to end`,
        async () => {
          const res = await api.call<{ status: string }>('GET', `/v1/requests/${id}`, { token: alice });
          return ['succeeded', 'failed', 'cancelled'].includes(res.body.status);
        },
        120_000,
        250,
      );

    await until('up', (s) => s.length === 2 && s.every((x) => x.value[1] === '1'));

    const byOutcome = await until('sum by (outcome) (oo_requests_total{job="worker"})', (s) =>
      s.some((x) => x.metric.outcome === 'succeeded' && Number(x.value[1]) >= 3),
    );
    assert.ok(byOutcome.every((x) => ['succeeded', 'failed', 'cancelled'].includes(x.metric.outcome!)));

    const resources = await query(
      'sum by (type, action, outcome) (oo_request_resources_total{job="worker"})',
    );
    assert.ok(
      resources.some(
        (x) => x.metric.type === 'virtual_machine' && x.metric.action === 'create' && Number(x.value[1]) >= 3,
      ),
      JSON.stringify(resources),
    );

    const quantiles = await until(
      'histogram_quantile(0.9, sum by (le, template, task) (oo_step_duration_seconds_bucket{job="worker"}))',
      (s) => s.some((x) => x.metric.template !== 'none' && x.metric.task?.startsWith('vcenter:')),
    );
    for (const q of quantiles) assert.ok(Number(q.value[1]) >= 0, JSON.stringify(q));

    const templates = await query(
      'sum by (template, outcome) (oo_template_duration_seconds_count{job="worker"})',
    );
    assert.ok(
      templates.some((x) => x.metric.outcome === 'succeeded'),
      JSON.stringify(templates),
    );

    const calls = await query(
      'sum by (system, status_class, error_type) (oo_end_system_calls_total{job="worker", system="vcenter"})',
    );
    assert.ok(
      calls.some((x) => x.metric.status_class === '2xx' && x.metric.error_type === 'none'),
      JSON.stringify(calls),
    );

    const routes = await until(
      'sum by (route, status) (oo_http_request_duration_seconds_count{job="api", method="POST"})',
      (s) => s.some((x) => x.metric.route === '/v1/requests' && x.metric.status === '202'),
    );
    assert.ok(
      routes.every((x) => !/[0-9A-HJKMNP-TV-Z]{26}/.test(x.metric.route!)),
      'no request IDs as labels',
    );

    // The Temporal SDK's own metrics come through the worker's port too.
    const sdk = await until(
      'count({job="worker", __name__=~"temporal_.+"})',
      (s) => Number(s[0]?.value[1]) > 0,
    );
    assert.ok(Number(sdk[0]!.value[1]) > 0);
  });

  it('counts the approvals waiting, by group that may decide, with the quiet groups at 0', async () => {
    const quiet = `quiet-${Date.now().toString(36)}`;
    await issueToken(
      stack.pool,
      { subject: `${quiet}@example.test`, role: 'approver', groups: [quiet] },
      'test',
    );
    const bob = await api.tokenFor('requester', 'bob@example.test');
    // More than 8 CPUs: the VM waits for the capacity group.
    const res = await api.call<{ requestId: string }>('POST', '/v1/requests', {
      token: bob,
      body: { resources: [vm(`metrics-big-${Date.now().toString(36)}`, { cpu: 12, memoryGb: 32 })] },
    });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    try {
      await until(
        'oo_approvals_waiting{job="api"}',
        (s) =>
          s.some((x) => x.metric.group === 'capacity' && Number(x.value[1]) >= 1) &&
          s.some((x) => x.metric.group === quiet && x.value[1] === '0'),
      );
    } finally {
      await api.call('POST', `/v1/requests/${res.body.requestId}/cancel`, { token: bob });
    }
  });

  it("the Grafana dashboard's queries parse and name only series Prometheus has", async () => {
    const dashboard = JSON.parse(
      readFileSync(path.join(__dirname, '../../../docs/grafana-dashboard.json'), 'utf8'),
    ) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    const names = await fetch(`${promUrl}/api/v1/label/__name__/values`).then(
      async (res) => new Set(((await res.json()) as { data: string[] }).data),
    );
    for (const panel of dashboard.panels)
      for (const { expr } of panel.targets) {
        await query(expr.replaceAll('$__rate_interval', '1m').replace(/\$(template|system)/g, '.*'));
        for (const metric of expr.match(/\b(oo|temporal)_[a-z0-9_]+/g) ?? [])
          assert.ok(names.has(metric), `${panel.title}: Prometheus has no ${metric}`);
      }
  });
});
