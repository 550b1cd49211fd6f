/**
 * The AWX simulator driven by awxkit, AWX's own client: the `awx` CLI as a user types it
 * (session and token log-in, me, lists with filters and paging, launch with extra_vars and
 * --monitor, stdout, tokens) and the awxkit Python API (test/conformance/clients/awx_awxkit.py).
 */
import assert from 'node:assert/strict';
import { startConformanceLab, type ClientRun, type ConformanceLab } from './fixture';

interface Page<T> {
  count: number;
  next: string | null;
  results: T[];
}
interface Job {
  id: number;
  status: string;
  job_template: number;
  extra_vars: string;
  launch_type: string;
}

/** The JSON document a CLI command printed last (after any monitor output). */
function lastJson<T>(run: ClientRun): T {
  const start = run.stdout.lastIndexOf('\n{');
  return JSON.parse(start < 0 ? run.stdout : run.stdout.slice(start + 1)) as T;
}

describe('AWX simulator with awxkit (conformance)', function () {
  this.timeout(120_000);
  let lab: ConformanceLab;
  /** `awx …` logged in by session (user and password), JSON output. */
  const awx = async (...args: string[]) => {
    const run = await lab.run('awx', ['-f', 'json', ...args], {
      CONTROLLER_HOST: lab.env.AWX_URL!,
      CONTROLLER_USERNAME: lab.env.AWX_USER!,
      CONTROLLER_PASSWORD: lab.env.AWX_PASSWORD!,
    });
    assert.equal(run.code, 0, `awx ${args.join(' ')} failed:\n${run.stdout}\n${run.stderr}`);
    return run;
  };

  before(async () => {
    lab = await startConformanceLab();
  });
  after(async () => {
    await lab?.dispose();
  });

  it('awx CLI: logs in by session and answers me and ping', async () => {
    const me = lastJson<Page<{ username: string }>>(await awx('me'));
    assert.equal(me.results[0]?.username, lab.env.AWX_USER);
    assert.equal(lastJson<{ version: string }>(await awx('ping')).version, '24.6.1');
    const refused = await lab.run('awx', ['me'], {
      CONTROLLER_HOST: lab.env.AWX_URL!,
      CONTROLLER_USERNAME: lab.env.AWX_USER!,
      CONTROLLER_PASSWORD: 'wrong',
    });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stdout + refused.stderr, /Valid credentials were not provided/);
  });

  it('awx CLI: launches with extra_vars and --monitor, streaming the events until the job ends', async () => {
    const vars = JSON.stringify({ vm_name: 'cli-vm', cpu: 2, memory_gb: 4, network: 'INTRANET_DEV' });
    const run = await awx('job_templates', 'launch', 'vm-create', '--extra_vars', vars, '--monitor');
    assert.match(run.stdout, /Starting Standard Out Stream/);
    assert.match(run.stdout, /TASK \[Ensure virtual machine is present\][^\n]*\nchanged: \[localhost\]/);
    assert.match(run.stdout, /PLAY RECAP/);
    const job = lastJson<Job>(run);
    assert.equal(job.status, 'successful');
    assert.equal(JSON.parse(job.extra_vars).vm_name, 'cli-vm');

    const stdout = await awx('jobs', 'stdout', String(job.id));
    assert.match(stdout.stdout, /changed=1/);
    const shown = lastJson<Job>(await awx('jobs', 'get', String(job.id)));
    assert.equal(shown.status, 'successful');
    const finished = await awx('jobs', 'monitor', String(job.id));
    assert.match(finished.stdout, /Unable to monitor finished job/);
  });

  it('awx CLI: lists with field filters (names resolved to ids) and pages through with --all', async () => {
    // 30 jobs: more than a page of 25.
    for (let i = 0; i < 30; i++) {
      const res = await fetch(`${lab.env.AWX_URL}/api/v2/job_templates/9/launch/`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${lab.sims.credentials.awx.token}`,
          'content-type': 'application/json',
        },
        body: '{}',
      });
      assert.equal(res.status, 201);
    }
    await lastJson<Job>(await awx('job_templates', 'launch', 'lab-ping', '--wait'));
    const ping = lastJson<Page<Job>>(await awx('jobs', 'list', '--job_template', 'lab-ping', '--all'));
    assert.equal(ping.count, 31);
    assert.equal(ping.results.length, 31);
    assert.ok(ping.results.every((j) => j.job_template === 9));
    const firstPage = lastJson<Page<Job>>(await awx('jobs', 'list', '--job_template', '9'));
    assert.equal(firstPage.results.length, 25);
    assert.ok(firstPage.next);
    const created = lastJson<Page<Job>>(
      await awx('jobs', 'list', '--job_template', 'vm-create', '--status', 'successful'),
    );
    assert.deepEqual(
      created.results.map((j) => j.job_template),
      [7],
    );
    const newestFirst = lastJson<Page<Job>>(
      await awx('jobs', 'list', '--order_by=-id', '--launch_type', 'manual'),
    );
    const ids = newestFirst.results.map((j) => j.id);
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => b - a),
    );
    const unified = lastJson<Page<{ type: string }>>(
      await awx('unified_jobs', 'list', '--job_template', '7'),
    );
    assert.deepEqual(
      unified.results.map((j) => j.type),
      ['job'],
    );
  });

  it('awx CLI: `awx login` issues a personal token that the other commands accept', async () => {
    const login = await lab.run('awx', ['-f', 'json', 'login', '--description', 'cli token'], {
      CONTROLLER_HOST: lab.env.AWX_URL!,
      CONTROLLER_USERNAME: lab.env.AWX_USER!,
      CONTROLLER_PASSWORD: lab.env.AWX_PASSWORD!,
    });
    assert.equal(login.code, 0, login.stdout + login.stderr);
    const { token } = lastJson<{ token: string }>(login);
    const withToken = (...args: string[]) =>
      lab.run('awx', ['-f', 'json', ...args], {
        CONTROLLER_HOST: lab.env.AWX_URL!,
        CONTROLLER_OAUTH_TOKEN: token,
      });
    const me = await withToken('me');
    assert.equal(me.code, 0, me.stdout + me.stderr);
    assert.equal(lastJson<Page<{ username: string }>>(me).results[0]?.username, lab.env.AWX_USER);
    const tokens = lastJson<Page<{ id: number; description: string; token: string }>>(
      await withToken('tokens', 'list'),
    );
    const mine = tokens.results.find((t) => t.description === 'cli token');
    assert.equal(mine?.token, '************');
    assert.equal((await withToken('tokens', 'delete', String(mine!.id))).code, 0);
    const revoked = await withToken('me');
    assert.notEqual(revoked.code, 0);
  });

  it('awx CLI: meets the injected faults of the endpoints it calls', async () => {
    const rule = await fetch(`${lab.sims.adminUrl}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        system: 'awx',
        method: 'GET',
        path: '/api/v2/job_templates/',
        kind: 'error',
        status: 503,
        times: 1,
      }),
    });
    assert.equal(rule.status, 201);
    const failed = await lab.run('awx', ['job_templates', 'list'], {
      CONTROLLER_HOST: lab.env.AWX_URL!,
      CONTROLLER_USERNAME: lab.env.AWX_USER!,
      CONTROLLER_PASSWORD: lab.env.AWX_PASSWORD!,
    });
    assert.notEqual(failed.code, 0);
    assert.equal(lastJson<Page<unknown>>(await awx('job_templates', 'list')).count, 6);
  });

  it('awxkit API: session and token log-in, filters and paging, launch, events, stdout, cancel, relaunch, related links', async () => {
    const steps = await lab.script('awx_awxkit.py');
    assert.deepEqual(
      steps.map((line) => line.split(' ')[1]),
      [
        'session-login',
        'token-login',
        'list-filters-paging',
        'launch-extra-vars',
        'job-events',
        'stdout',
        'cancel',
        'relaunch',
        'unified-jobs',
        'related-links',
        'delete',
        'csrf-logout',
      ],
    );
  });
});
