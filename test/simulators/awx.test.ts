/** The AWX simulator answers like AWX's /api/v2: auth, lists, launch rules, job lifecycle, effects on vCenter. */
import assert from 'node:assert/strict';
import { createVmExtraVars } from '../../activities/ansible/extra-vars';
import { choosePlacement } from '../../resource-handlers/placement';
import { labCatalog } from '../../resource-handlers/store/seed';
import { virtualMachine } from '../../resource-handlers/virtual_machine';
import { call, eventually, startLab, type Answer, type Lab } from './common/fixture';

const catalog = labCatalog();

interface Job {
  id: number;
  status: string;
  failed: boolean;
  started: string | null;
  finished: string | null;
  elapsed: number;
  extra_vars: string;
  artifacts: Record<string, unknown>;
  job_explanation: string;
}
interface Launched extends Job {
  job: number;
  ignored_fields: Record<string, unknown>;
}
interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

const GiB = 1024 ** 3;

describe('AWX simulator', () => {
  let lab: Lab;
  const launch = (template: number | string, body: unknown) =>
    lab.awx<Launched>(`/api/v2/job_templates/${template}/launch/`, { method: 'POST', body });
  const job = async (id: number) => (await lab.awx<Job>(`/api/v2/jobs/${id}/`)).body;
  const finished = (id: number) =>
    eventually(
      () => job(id),
      (j) => ['successful', 'failed', 'error', 'canceled'].includes(j.status),
    );

  beforeEach(async () => {
    lab = await startLab();
  });
  afterEach(async () => {
    await lab.dispose();
  });

  describe('authentication', () => {
    it('answers 401 with DRF detail without credentials, with a wrong token and with a wrong password', async () => {
      const url = `${lab.sims.urls.awx}/api/v2/job_templates/`;
      const none = await call<{ detail: string }>(url);
      assert.equal(none.status, 401);
      assert.equal(none.body.detail, 'Authentication credentials were not provided.');
      assert.equal((await call(url, { headers: { authorization: 'Bearer nope' } })).status, 401);
      const badBasic = await call<{ detail: string }>(url, {
        headers: {
          authorization: `Basic ${Buffer.from(`${lab.sims.credentials.awx.username}:wrong`).toString('base64')}`,
        },
      });
      assert.equal(badBasic.status, 401);
      assert.equal(badBasic.body.detail, 'Invalid username/password.');
    });

    it('accepts Basic auth, issues a personal access token, and accepts that token', async () => {
      const { username, password } = lab.sims.credentials.awx;
      const basic = { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` };
      const issued = await call<{ token: string; scope: string }>(`${lab.sims.urls.awx}/api/v2/tokens/`, {
        method: 'POST',
        headers: basic,
        body: { description: 'test', application: null, scope: 'write' },
      });
      assert.equal(issued.status, 201);
      assert.equal(issued.body.scope, 'write');
      const me = await call(`${lab.sims.urls.awx}/api/v2/me/`, {
        headers: { authorization: `Bearer ${issued.body.token}` },
      });
      assert.equal(me.status, 200);
    });

    it('serves /api/v2/ping/ without credentials', async () => {
      const ping = await call<{ version: string }>(`${lab.sims.urls.awx}/api/v2/ping/`);
      assert.equal(ping.status, 200);
      assert.ok(ping.body.version);
    });
  });

  describe('sessions, metadata and events (what awxkit relies on)', () => {
    const cookieOf = (res: Answer, name: string) =>
      res.headers
        .getSetCookie()
        .map((c) => c.split(';')[0]!)
        .find((c) => c.startsWith(`${name}=`))
        ?.slice(name.length + 1);
    const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
    const login = async (password: string, csrfHeader?: string) => {
      const root = await call(`${lab.sims.urls.awx}/api/`);
      const csrf = cookieOf(root, 'csrftoken')!;
      const res = await fetch(`${lab.sims.urls.awx}/api/login/`, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          cookie: `csrftoken=${csrf}`,
          'x-csrftoken': csrfHeader ?? csrf,
        },
        body: form({ username: lab.sims.credentials.awx.username, password, next: '/api/' }),
      });
      return { res, csrf };
    };

    it('serves the API roots without credentials, and still refuses wrong ones there', async () => {
      const root = await call<{ current_version: string }>(`${lab.sims.urls.awx}/api/`);
      assert.equal(root.status, 200);
      assert.ok(cookieOf(root, 'csrftoken'));
      const v2 = await call<Record<string, string>>(`${lab.sims.urls.awx}${root.body.current_version}`);
      assert.equal(v2.status, 200);
      assert.equal(v2.body.job_templates, '/api/v2/job_templates/');
      const wrong = await call(`${lab.sims.urls.awx}/api/v2/`, { headers: { authorization: 'Bearer nope' } });
      assert.equal(wrong.status, 401);
    });

    it('logs in by session with the CSRF token, and refuses a bad password or a missing token', async () => {
      const { res, csrf } = await login(lab.sims.credentials.awx.password);
      assert.equal(res.status, 302);
      assert.equal(res.headers.get('location'), '/api/');
      assert.equal(res.headers.get('x-api-session-cookie-name'), 'awx_sessionid');
      const session = res.headers
        .getSetCookie()
        .find((c) => c.startsWith('awx_sessionid='))!
        .split(';')[0]!;
      const rotated = res.headers
        .getSetCookie()
        .find((c) => c.startsWith('csrftoken='))!
        .split(';')[0]!;
      assert.notEqual(rotated, `csrftoken=${csrf}`);
      const me = await call(`${lab.sims.urls.awx}/api/v2/me/`, { headers: { cookie: session } });
      assert.equal(me.status, 200);
      // Writes by session need the CSRF token; bearer and Basic writes do not.
      const noCsrf = await call<{ detail: string }>(`${lab.sims.urls.awx}/api/v2/tokens/`, {
        method: 'POST',
        headers: { cookie: `${session}; ${rotated}` },
        body: {},
      });
      assert.equal(noCsrf.status, 403);
      assert.match(noCsrf.body.detail, /^CSRF Failed/);
      const withCsrf = await call(`${lab.sims.urls.awx}/api/v2/tokens/`, {
        method: 'POST',
        headers: { cookie: `${session}; ${rotated}`, 'x-csrftoken': rotated.split('=')[1]! },
        body: {},
      });
      assert.equal(withCsrf.status, 201);

      assert.equal((await login('wrong')).res.status, 401);
      assert.equal((await login(lab.sims.credentials.awx.password, 'forged')).res.status, 403);

      const out = await fetch(`${lab.sims.urls.awx}/api/logout/`, {
        redirect: 'manual',
        headers: { cookie: session },
      });
      assert.equal(out.status, 302);
      assert.equal(
        (await call(`${lab.sims.urls.awx}/api/v2/me/`, { headers: { cookie: session } })).status,
        401,
      );
    });

    it('answers OPTIONS with the fields a client builds its filters and launch options from', async () => {
      interface Meta {
        actions: Record<string, Record<string, { type: string; filterable?: boolean; choices?: unknown[] }>>;
        max_page_size?: number;
      }
      const jobs = await lab.awx<Meta>('/api/v2/jobs/', { method: 'OPTIONS' });
      assert.equal(jobs.status, 200);
      assert.equal(jobs.headers.get('allow'), 'GET, HEAD, OPTIONS');
      assert.equal(jobs.body.max_page_size, 200);
      const get = jobs.body.actions.GET!;
      assert.equal(get.status?.type, 'choice');
      assert.equal(get.status?.filterable, true);
      assert.equal(get.job_template?.type, 'id');
      assert.equal(get.created?.type, 'datetime');
      assert.equal(get.related?.filterable, false);
      // Object 1 does not exist; its launch options are still described, as the CLI probes them.
      const launchMeta = await lab.awx<Meta>('/api/v2/job_templates/1/launch/', { method: 'OPTIONS' });
      assert.equal(launchMeta.status, 200);
      assert.equal(launchMeta.body.actions.POST?.extra_vars?.type, 'json');
      assert.equal(launchMeta.body.actions.POST?.inventory?.type, 'id');
      const detail = await lab.awx('/api/v2/jobs/1/', { method: 'OPTIONS' });
      assert.equal(detail.headers.get('allow'), 'GET, DELETE, HEAD, OPTIONS');
      const put = await lab.awx<{ detail: string }>('/api/v2/job_templates/7/', { method: 'PUT', body: {} });
      assert.equal(put.status, 405);
      assert.equal(put.body.detail, 'Method "PUT" not allowed.');
    });

    it('serves job events that tile stdout in order, from playbook_on_start to playbook_on_stats', async () => {
      const launched = await launch(9, {});
      await finished(launched.body.id);
      const events = await lab.awx<
        Page<{ event: string; stdout: string; start_line: number; end_line: number }>
      >(`/api/v2/jobs/${launched.body.id}/job_events/?order_by=start_line&no_truncate=True`);
      const kinds = events.body.results.map((e) => e.event);
      assert.equal(kinds[0], 'playbook_on_start');
      assert.equal(kinds.at(-1), 'playbook_on_stats');
      let line = 0;
      for (const e of events.body.results) {
        assert.equal(e.start_line, line);
        line = e.end_line;
      }
      const text = await stdout(launched.body.id);
      assert.equal(line, text.split('\n').length - 1);
      assert.equal(
        events.body.results
          .map((e) => e.stdout)
          .filter(Boolean)
          .join('\n') + '\n',
        text,
      );
    });

    it('relaunches a job with its values, and deletes only finished jobs', async () => {
      await lab.admin('/durations', { method: 'PUT', body: { 'awx.running': 60_000 } });
      const first = await launch(7, { extra_vars: { vm_name: 'relaunched' } });
      const running = await lab.awx<{ detail: string }>(`/api/v2/jobs/${first.body.id}/`, {
        method: 'DELETE',
      });
      assert.equal(running.status, 403);
      assert.equal(running.body.detail, 'Cannot delete running job resource.');
      await lab.admin('/durations', { method: 'PUT', body: { 'awx.running': 0 } });
      await lab.awx(`/api/v2/jobs/${first.body.id}/cancel/`, { method: 'POST' });
      await finished(first.body.id);
      const again = await lab.awx<Job & { launch_type: string; job: number }>(
        `/api/v2/jobs/${first.body.id}/relaunch/`,
        {
          method: 'POST',
          body: {},
        },
      );
      assert.equal(again.status, 201);
      assert.equal(again.body.launch_type, 'relaunch');
      assert.equal(again.body.job, again.body.id);
      assert.equal(JSON.parse(again.body.extra_vars).vm_name, 'relaunched');
      assert.equal((await lab.awx(`/api/v2/jobs/${first.body.id}/`, { method: 'DELETE' })).status, 204);
      assert.equal((await lab.awx(`/api/v2/jobs/${first.body.id}/`)).status, 404);
    });

    it('lets a read-scoped token read and nothing more', async () => {
      const issued = await lab.awx<{ token: string }>('/api/v2/tokens/', {
        method: 'POST',
        body: { scope: 'read' },
      });
      const headers = { authorization: `Bearer ${issued.body.token}` };
      assert.equal((await call(`${lab.sims.urls.awx}/api/v2/jobs/`, { headers })).status, 200);
      const write = await call(`${lab.sims.urls.awx}/api/v2/job_templates/9/launch/`, {
        method: 'POST',
        headers,
        body: {},
      });
      assert.equal(write.status, 403);
    });
  });

  describe('lists', () => {
    it('finds a job template by name, also through the named URL', async () => {
      const found = await lab.awx<Page<{ id: number; name: string; ask_variables_on_launch: boolean }>>(
        '/api/v2/job_templates/?name=vm-create',
      );
      assert.equal(found.body.count, 1);
      assert.equal(found.body.results[0]?.name, 'vm-create');
      assert.equal(found.body.results[0]?.ask_variables_on_launch, true);
      const named = await lab.awx<{ id: number }>(`/api/v2/job_templates/vm-create++Default/`);
      assert.equal(named.body.id, found.body.results[0]?.id);
      const none = await lab.awx<Page<unknown>>('/api/v2/job_templates/?name=absent');
      assert.deepEqual(none.body, { count: 0, next: null, previous: null, results: [] });
    });

    it('paginates with count, relative next/previous and page_size', async () => {
      for (let i = 0; i < 7; i++) await launch(9, {});
      const first = await lab.awx<Page<Job>>('/api/v2/jobs/?job_template=9&page_size=3');
      assert.equal(first.body.count, 7);
      assert.equal(first.body.results.length, 3);
      assert.equal(first.body.previous, null);
      assert.equal(first.body.next, '/api/v2/jobs/?job_template=9&page_size=3&page=2');
      const second = await lab.awx<Page<Job>>(first.body.next!);
      assert.equal(second.body.previous, '/api/v2/jobs/?job_template=9&page_size=3');
      const last = await lab.awx<Page<Job>>('/api/v2/jobs/?job_template=9&page_size=3&page=3');
      assert.equal(last.body.results.length, 1);
      assert.equal(last.body.next, null);
      const beyond = await lab.awx<{ detail: string }>('/api/v2/jobs/?page_size=3&page=9');
      assert.equal(beyond.status, 404);
      assert.equal(beyond.body.detail, 'Invalid page.');
      const newestFirst = await lab.awx<Page<Job>>('/api/v2/jobs/?order_by=-id&page_size=1');
      assert.equal(
        newestFirst.body.results[0]?.id,
        Math.max(...[...first.body.results, ...second.body.results, ...last.body.results].map((j) => j.id)),
      );
    });

    it('filters with lookups and refuses filtering on extra_vars with 403, as AWX does', async () => {
      await launch(9, {});
      const t0 = new Date().toISOString();
      await new Promise((r) => setTimeout(r, 5));
      const later = await launch(9, {});
      const recent = await lab.awx<Page<Job>>(
        `/api/v2/jobs/?job_template=9&created__gt=${encodeURIComponent(t0)}`,
      );
      assert.deepEqual(
        recent.body.results.map((j) => j.id),
        [later.body.id],
      );
      const statusIn = await lab.awx<Page<Job>>(
        '/api/v2/jobs/?status__in=pending,waiting,running,successful',
      );
      assert.equal(statusIn.body.count, 2);
      const refused = await lab.awx<{ detail: string }>('/api/v2/jobs/?extra_vars__contains=abc');
      assert.equal(refused.status, 403);
      assert.equal(refused.body.detail, 'Filtering on extra_vars is not allowed.');
      const unknown = await lab.awx('/api/v2/jobs/?colour=blue');
      assert.equal(unknown.status, 400);
    });

    it('needs the trailing slash and answers unknown objects with 404 {"detail": "Not found."}', async () => {
      assert.equal((await lab.awx('/api/v2/jobs')).status, 404);
      const missing = await lab.awx<{ detail: string }>('/api/v2/jobs/99999/');
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.body, { detail: 'Not found.' });
      assert.equal((await launch(4242, {})).status, 404);
    });
  });

  describe('launch', () => {
    it('drops variables a template does not prompt for and reports them in ignored_fields (201, the trap)', async () => {
      const res = await launch('lab-ping++Default', { extra_vars: { key: 'k1' }, limit: 'web' });
      assert.equal(res.status, 201);
      assert.deepEqual(res.body.ignored_fields, { extra_vars: { key: 'k1' }, limit: 'web' });
      assert.equal(res.body.job, res.body.id);
      assert.equal(res.headers.get('location'), `/api/v2/jobs/${res.body.id}/`);
      assert.doesNotMatch((await job(res.body.id)).extra_vars, /k1/);
    });

    it('accepts prompted variables as an object or a YAML string, and refuses unparsable ones with 400', async () => {
      const asObject = await launch(7, { extra_vars: { vm_name: 'a1', key: 'x' } });
      assert.deepEqual(asObject.body.ignored_fields, {});
      assert.deepEqual(JSON.parse(asObject.body.extra_vars), { vm_name: 'a1', key: 'x' });
      const asYaml = await launch(7, { extra_vars: 'vm_name: a2\ncpu: 2\n' });
      assert.deepEqual(JSON.parse(asYaml.body.extra_vars), { vm_name: 'a2', cpu: 2 });
      const bad = await launch(7, { extra_vars: '[1, 2' });
      assert.equal(bad.status, 400);
      assert.ok(Array.isArray((bad.body as unknown as Record<string, unknown>).extra_vars));
    });

    it('shows the prompts in the launch preview', async () => {
      const preview = await lab.awx<{
        ask_variables_on_launch: boolean;
        can_start_without_user_input: boolean;
      }>('/api/v2/job_templates/9/launch/');
      assert.equal(preview.body.ask_variables_on_launch, false);
      assert.equal(preview.body.can_start_without_user_input, true);
    });
  });

  describe('jobs', () => {
    it('moves through pending, waiting and running to successful with the configured durations', async () => {
      await lab.admin('/durations', {
        method: 'PUT',
        body: { 'awx.pending': 200, 'awx.waiting': 200, 'awx.running': 200 },
      });
      const launched = await launch(9, {});
      assert.equal(launched.body.status, 'pending');
      const seen = new Set<string>();
      const done = await eventually(
        async () => {
          const j = await job(launched.body.id);
          seen.add(j.status);
          return j;
        },
        (j) => j.status === 'successful',
      );
      assert.deepEqual([...seen], ['pending', 'waiting', 'running', 'successful']);
      assert.equal(done.failed, false);
      assert.ok(done.started && done.finished && done.finished >= done.started);
      assert.ok(done.elapsed >= 0.15);
    });

    it('creates the VM in vCenter when a vm-create job succeeds, and deletes it with vm-delete', async () => {
      const vars = {
        vm_name: 'app-01',
        cpu: 2,
        memory_gb: 8,
        disks: [{ size_gb: 100 }],
        network: 'INTRANET_DEV',
        image: 'rhel9',
        folder: 'Linux',
        cluster: 'CL-PROD-01',
        datastore: 'DS-PROD-01',
      };
      const created = await finished((await launch('vm-create++Default', { extra_vars: vars })).body.id);
      assert.equal(created.status, 'successful');
      const vmId = String(created.artifacts.vm_id);
      const listed = await lab.vcenter<
        { vm: string; power_state: string; cpu_count: number; memory_size_MiB: number }[]
      >('/api/vcenter/vm?names=app-01&folders=group-v30');
      assert.deepEqual(listed.body, [
        { vm: vmId, name: 'app-01', power_state: 'POWERED_ON', cpu_count: 2, memory_size_MiB: 8192 },
      ]);
      const vm = await lab.vcenter<{
        guest_OS: string;
        disks: Record<string, { capacity: number }>;
        nics: Record<string, { backing: { network: string } }>;
      }>(`/api/vcenter/vm/${vmId}`);
      assert.equal(vm.body.guest_OS, 'RHEL_9_64');
      assert.deepEqual(
        Object.values(vm.body.disks).map((d) => d.capacity),
        [100 * GiB],
      );
      assert.equal(Object.values(vm.body.nics)[0]?.backing.network, 'dvportgroup-16');

      const again = await finished((await launch(7, { extra_vars: vars })).body.id);
      assert.equal(again.status, 'successful');
      assert.match(await stdout(again.id), /ok: \[localhost\]/);
      assert.equal((await lab.vcenter<unknown[]>('/api/vcenter/vm?names=app-01')).body.length, 1);

      const deleted = await finished(
        (await launch('vm-delete++Default', { extra_vars: { vm_name: 'app-01' } })).body.id,
      );
      assert.equal(deleted.status, 'successful');
      assert.deepEqual((await lab.vcenter('/api/vcenter/vm?names=app-01')).body, []);
      const counters = (await lab.admin<Record<string, number>>('/counters')).body;
      assert.equal(counters['awx.jobs.launched'], 3);
      assert.equal(counters['vcenter.vms.created'], 1);
      assert.equal(counters['vcenter.vms.deleted'], 1);
    });

    it('configures a running VM with vm-configure (baseline, monitoring) and cannot reach one that is not there', async () => {
      const vars = {
        vm_name: 'cfg-01',
        network: 'INTRANET_DEV',
        ip_address: '10.10.20.77',
        netmask: '255.255.255.0',
      };
      assert.equal(
        (await finished((await launch('vm-create++Default', { extra_vars: vars })).body.id)).status,
        'successful',
      );
      const facts = {
        vm_name: 'cfg-01',
        ip_address: '10.10.20.77',
        os_image: 'rhel9',
        cpu: 2,
        memory_mb: 4096,
      };
      const configured = await finished(
        (await launch('vm-configure++Default', { extra_vars: facts })).body.id,
      );
      assert.equal(configured.status, 'successful');
      assert.deepEqual(JSON.parse(configured.extra_vars), facts);
      assert.equal(configured.artifacts.baseline, 'applied');
      assert.deepEqual(configured.artifacts.monitoring, {
        registered: true,
        host: 'cfg-01',
        address: '10.10.20.77',
      });
      assert.match(await stdout(configured.id), /PLAY \[vm-configure\][\s\S]*changed: \[cfg-01\]/);

      const unreachable = await finished(
        (
          await launch('vm-configure++Default', {
            extra_vars: { vm_name: 'nowhere', ip_address: '10.10.20.78' },
          })
        ).body.id,
      );
      assert.equal(unreachable.status, 'failed');
      assert.match(
        await stdout(unreachable.id),
        /fatal: .*connect to host 10.10.20.78 port 22: No route to host/,
      );
    });

    it('fails the job with a fatal stdout line when the playbook cannot do its work', async () => {
      const failed = await finished(
        (await launch(7, { extra_vars: { vm_name: 'x', network: 'NO_SUCH_NET' } })).body.id,
      );
      assert.equal(failed.status, 'failed');
      assert.equal(failed.failed, true);
      assert.match(
        await stdout(failed.id),
        /fatal: \[localhost\]: FAILED! .*Network 'NO_SUCH_NET' does not exist/,
      );
      assert.deepEqual((await lab.vcenter('/api/vcenter/vm?names=x')).body, []);
    });

    it('obeys "this job fails" outcome rules, matched on extra_vars, as many times as asked', async () => {
      const rule = await lab.admin<{ id: string }>('/outcomes', {
        method: 'POST',
        body: {
          system: 'awx',
          match: { template: 'vm-create', extra_vars: 'doomed' },
          outcome: 'failed',
          message: 'vCenter said no',
          times: 1,
        },
      });
      assert.equal(rule.status, 201);
      const doomed = await finished((await launch(7, { extra_vars: { vm_name: 'doomed-1' } })).body.id);
      assert.equal(doomed.status, 'failed');
      assert.match(await stdout(doomed.id), /vCenter said no/);
      assert.deepEqual((await lab.vcenter('/api/vcenter/vm?names=doomed-1')).body, []);
      const retried = await finished((await launch(7, { extra_vars: { vm_name: 'doomed-1' } })).body.id);
      assert.equal(retried.status, 'successful');
      const other = await finished((await launch(7, { extra_vars: { vm_name: 'fine' } })).body.id);
      assert.equal(other.status, 'successful');
    });

    it('turns an "error" outcome into status error with job_explanation', async () => {
      await lab.admin('/outcomes', {
        method: 'POST',
        body: { system: 'awx', match: { template: 'lab-ping' }, outcome: 'error', message: 'No capacity' },
      });
      const errored = await finished((await launch(9, {})).body.id);
      assert.equal(errored.status, 'error');
      assert.equal(errored.job_explanation, 'No capacity');
    });

    it('cancels a pending job at once, a running one after the kill delay, and refuses a finished one with 405', async () => {
      await lab.admin('/durations', { method: 'PUT', body: { 'awx.pending': 60_000 } });
      const pending = await launch(9, {});
      assert.deepEqual((await lab.awx(`/api/v2/jobs/${pending.body.id}/cancel/`)).body, { can_cancel: true });
      assert.equal(
        (await lab.awx(`/api/v2/jobs/${pending.body.id}/cancel/`, { method: 'POST' })).status,
        202,
      );
      const canceled = await job(pending.body.id);
      assert.equal(canceled.status, 'canceled');
      assert.equal(canceled.failed, true);

      await lab.admin('/durations', {
        method: 'PUT',
        body: { 'awx.pending': 0, 'awx.running': 60_000, 'awx.cancel': 150 },
      });
      const running = await launch(9, {});
      await eventually(
        () => job(running.body.id),
        (j) => j.status === 'running',
      );
      assert.equal(
        (await lab.awx(`/api/v2/jobs/${running.body.id}/cancel/`, { method: 'POST' })).status,
        202,
      );
      assert.equal((await job(running.body.id)).status, 'running');
      assert.equal(
        (
          await eventually(
            () => job(running.body.id),
            (j) => j.status !== 'running',
          )
        ).status,
        'canceled',
      );

      const refused = await lab.awx<{ detail: string }>(`/api/v2/jobs/${running.body.id}/cancel/`, {
        method: 'POST',
      });
      assert.equal(refused.status, 405);
      assert.equal(refused.body.detail, 'Method "POST" not allowed.');
      assert.deepEqual((await lab.awx(`/api/v2/jobs/${running.body.id}/cancel/`)).body, {
        can_cancel: false,
      });
    });

    it('keeps a second job pending while the first runs when the template does not allow simultaneous jobs', async () => {
      lab.sims.world.change((state) => (state.awx.job_templates['9']!.allow_simultaneous = false));
      await lab.admin('/durations', { method: 'PUT', body: { 'awx.running': 300 } });
      const first = await launch(9, {});
      const second = await launch(9, {});
      await eventually(
        () => job(first.body.id),
        (j) => j.status === 'running',
      );
      assert.equal((await job(second.body.id)).status, 'pending');
      await finished(first.body.id);
      assert.equal((await finished(second.body.id)).status, 'successful');
      assert.ok(((await job(second.body.id)).started ?? '') >= ((await job(first.body.id)).finished ?? ''));
    });

    it('serves stdout as txt and json', async () => {
      const done = await finished((await launch(9, {})).body.id);
      const txt = await lab.awx<string>(`/api/v2/jobs/${done.id}/stdout/?format=txt`);
      assert.match(txt.headers.get('content-type') ?? '', /text\/plain/);
      assert.match(txt.body, /PLAY RECAP/);
      const json = await lab.awx<{ range: { start: number; end: number }; content: string }>(
        `/api/v2/jobs/${done.id}/stdout/?format=json`,
      );
      assert.equal(json.body.range.start, 0);
      assert.match(json.body.content, /PLAY \[lab-ping\]/);
    });
  });

  describe('guest addresses', () => {
    /** The create job's variables as the Ansible wrapper renders them, with the IPAM's address. */
    const renderedVars = (name: string, address: string) => {
      const input = virtualMachine.input.parse({
        type: 'virtual_machine',
        name,
        osImage: 'rhel9',
        network: 'INTRANET_DEV',
        cpu: 1,
        memoryGb: 2,
        disks: [{ sizeGb: 40 }],
      });
      const placement = choosePlacement(catalog, virtualMachine.needs(input, catalog).placement!)!;
      const doc = virtualMachine.emit(input, catalog, {
        placement,
        address: { network: 'INTRANET_DEV', address },
      });
      return { doc, vars: createVmExtraVars(doc) };
    };

    it('gives a new VM the ip_address of its variables with their prefix, gateway, DNS and host name', async () => {
      const { doc, vars } = renderedVars('addr-01', '10.20.0.77');
      const created = await finished((await launch('vm-create++Default', { extra_vars: vars })).body.id);
      assert.equal(created.status, 'successful', await stdout(created.id));
      assert.equal(created.artifacts.ip_address, '10.20.0.77');
      const id = String(created.artifacts.vm_id);

      const identity = await lab.vcenter<{ ip_address: string; host_name: string }>(
        `/api/vcenter/vm/${id}/guest/identity`,
      );
      assert.equal(identity.body.ip_address, '10.20.0.77');
      assert.equal(identity.body.host_name, doc.hostname);
      const interfaces = await lab.vcenter<
        { ip: { ip_addresses: { ip_address: string; prefix_length: number; origin: string }[] } }[]
      >(`/api/vcenter/vm/${id}/guest/networking/interfaces`);
      assert.deepEqual(interfaces.body[0]?.ip.ip_addresses, [
        {
          ip_address: '10.20.0.77',
          prefix_length: doc.network.prefixLength,
          origin: 'MANUAL',
          state: 'PREFERRED',
        },
      ]);
      const networking = await lab.vcenter(`/api/vcenter/vm/${id}/guest/networking`);
      assert.deepEqual(networking.body, {
        dns_values: { host_name: doc.hostname, domain_name: doc.network.dnsDomain },
        dns: { ip_addresses: doc.network.dnsServers, search_domains: [doc.network.dnsDomain] },
      });
      const routes = await lab.vcenter(`/api/vcenter/vm/${id}/guest/networking/routes`);
      assert.deepEqual(routes.body, [
        { network: '0.0.0.0', prefix_length: 0, gateway_address: doc.network.gateway, interface_index: 0 },
        { network: '10.20.0.0', prefix_length: 24, interface_index: 0 },
      ]);
    });

    it('leaves a VM without ip_address to a lease from the lab, as before', async () => {
      const { vars } = renderedVars('addr-02', '10.20.0.77');
      delete vars.ip_address;
      const created = await finished((await launch('vm-create++Default', { extra_vars: vars })).body.id);
      assert.equal(created.status, 'successful');
      assert.equal(created.artifacts.ip_address, '10.20.0.10');
      const interfaces = await lab.vcenter<{ ip: { ip_addresses: { origin: string }[] } }[]>(
        `/api/vcenter/vm/${String(created.artifacts.vm_id)}/guest/networking/interfaces`,
      );
      assert.equal(interfaces.body[0]?.ip.ip_addresses[0]?.origin, 'DHCP');
    });

    it('takes a prefix from netmask alone, or from the network when the vars give neither', async () => {
      const cases: [Record<string, unknown>, number][] = [
        [{ netmask: '255.255.0.0' }, 16],
        [{ ip_prefix_length: 26 }, 26],
        [{}, 24],
      ];
      for (const [i, [extra, prefix]] of cases.entries()) {
        const vars = {
          vm_name: `mask-${i}`,
          network: 'INTRANET_DEV',
          ip_address: `10.20.0.${100 + i}`,
          ...extra,
        };
        const created = await finished((await launch(7, { extra_vars: vars })).body.id);
        assert.equal(created.status, 'successful', await stdout(created.id));
        const interfaces = await lab.vcenter<{ ip: { ip_addresses: { prefix_length: number }[] } }[]>(
          `/api/vcenter/vm/${String(created.artifacts.vm_id)}/guest/networking/interfaces`,
        );
        assert.equal(interfaces.body[0]?.ip.ip_addresses[0]?.prefix_length, prefix, JSON.stringify(extra));
      }
    });

    const refusals: [string, Record<string, unknown>, RegExp][] = [
      [
        'an address that is not IPv4',
        { ip_address: '10.20.0.256' },
        /'10\.20\.0\.256' is not a valid IPv4 address/,
      ],
      [
        'a netmask that is not contiguous',
        { ip_address: '10.20.0.5', netmask: '255.0.255.0' },
        /not a valid netmask/,
      ],
      [
        'a netmask and a prefix that disagree',
        { ip_address: '10.20.0.5', netmask: '255.255.255.0', ip_prefix_length: 16 },
        /disagree/,
      ],
      [
        'a gateway that is not IPv4',
        { ip_address: '10.20.0.5', gateway: 'router' },
        /'router' is not a valid IPv4/,
      ],
      [
        'a DNS server that is not IPv4',
        { ip_address: '10.20.0.5', dns_servers: ['ns1'] },
        /'ns1' is not a valid IPv4/,
      ],
    ];
    for (const [what, extra, message] of refusals) {
      it(`fails the job, creating nothing, for ${what}`, async () => {
        const vars = { vm_name: 'refused', network: 'INTRANET_DEV', ...extra };
        const failed = await finished((await launch(7, { extra_vars: vars })).body.id);
        assert.equal(failed.status, 'failed');
        assert.match(await stdout(failed.id), message);
        assert.deepEqual((await lab.vcenter('/api/vcenter/vm?names=refused')).body, []);
      });
    }

    it('fails the job for an address with no network to carry it', async () => {
      const failed = await finished(
        (await launch(7, { extra_vars: { vm_name: 'refused', ip_address: '10.20.0.5' } })).body.id,
      );
      assert.equal(failed.status, 'failed');
      assert.match(await stdout(failed.id), /needs a network/);
    });
  });

  describe('restart', () => {
    it('keeps jobs across a restart and finishes a job that was running when it stopped', async () => {
      await lab.admin('/durations', { method: 'PUT', body: { 'awx.running': 400 } });
      const launched = await launch(7, { extra_vars: { vm_name: 'survivor' } });
      await eventually(
        () => job(launched.body.id),
        (j) => j.status === 'running',
      );
      await lab.stop();
      const restarted = await startLab({ dataDir: lab.dataDir, credentials: lab.sims.credentials });
      lab = restarted;
      const done = await finished(launched.body.id);
      assert.equal(done.status, 'successful');
      assert.equal((await lab.vcenter<unknown[]>('/api/vcenter/vm?names=survivor')).body.length, 1);
      assert.equal((await lab.admin<Record<string, number>>('/counters')).body['awx.jobs.launched'], 1);
    });
  });

  async function stdout(id: number): Promise<string> {
    return (await lab.awx<string>(`/api/v2/jobs/${id}/stdout/?format=txt`)).body;
  }
});
