/* eslint-disable @typescript-eslint/no-explicit-any -- the tests read the upstream JSON:API documents by path, as a client would */
/** The TFE simulator's API surface: auth, JSON:API documents, pagination, workspaces, variables, rate limits. */
import assert from 'node:assert/strict';
import { tarGz } from '../../activities/tfe/archive';
import { ORG, startTfeFixture, type TfeFixture } from './tfe-fixture';

describe('TFE simulator API', () => {
  let tfe: TfeFixture;

  beforeEach(async () => {
    tfe = await startTfeFixture();
  });
  afterEach(async () => {
    await tfe.stop();
  });

  describe('authentication', () => {
    for (const [name, token] of [
      ['no token', null],
      ['a wrong token', 'not-the-token'],
    ] as const) {
      it(`answers ${name} with 401 in the JSON:API errors envelope`, async () => {
        const res = await tfe.api('GET', `/organizations/${ORG}/workspaces`, undefined, token);
        assert.equal(res.status, 401);
        assert.match(res.headers.get('content-type') ?? '', /application\/vnd\.api\+json/);
        assert.deepEqual(res.json, { errors: [{ status: '401', title: 'unauthorized' }] });
      });
    }

    it('answers GET /ping with 204 and the rate limit header go-tfe sizes its limiter from', async () => {
      const res = await tfe.api('GET', '/ping', undefined, null);
      assert.equal(res.status, 204);
      assert.ok(res.headers.get('x-ratelimit-limit'));
      assert.equal(res.headers.get('tfp-api-version'), '2.6');
    });
  });

  describe('what terrasnek sends', () => {
    it('answers service discovery without a token, with the API base paths', async () => {
      const res = await fetch(`${tfe.url}/.well-known/terraform.json`);
      assert.equal(res.status, 200);
      const paths = (await res.json()) as Record<string, unknown>;
      assert.equal(paths['tfe.v2'], '/api/v2/');
      assert.equal(paths['state.v2'], '/api/v2/');
      assert.equal(paths['modules.v1'], '/api/registry/v1/modules/');
    });

    it('takes the literal null body of bodiless calls: unlock, force-unlock and delete', async () => {
      const ws = await tfe.createWorkspace('null-bodies');
      const lock = await tfe.api('POST', `/workspaces/${ws}/actions/lock`, { reason: 'terrasnek' });
      assert.equal(lock.json.data.attributes.locked, true);
      const unlock = await tfe.api('POST', `/workspaces/${ws}/actions/unlock`, null);
      assert.equal(unlock.status, 200, unlock.text);
      assert.equal(unlock.json.data.attributes.locked, false);
      await tfe.api('POST', `/workspaces/${ws}/actions/lock`, null);
      assert.equal((await tfe.api('POST', `/workspaces/${ws}/actions/force-unlock`, null)).status, 200);
      assert.equal(
        (await tfe.api('DELETE', `/organizations/${ORG}/workspaces/null-bodies`, null)).status,
        204,
      );
      assert.equal((await tfe.api('GET', `/workspaces/${ws}`)).status, 404);
    });

    it('takes the configuration upload as bytes under the JSON:API media type', async () => {
      const ws = await tfe.createWorkspace('gzip-as-json');
      const created = await tfe.api('POST', `/workspaces/${ws}/configuration-versions`, {
        data: { type: 'configuration-versions', attributes: { 'auto-queue-runs': false } },
      });
      const put = await fetch(created.json.data.attributes['upload-url'], {
        method: 'PUT',
        headers: { 'content-type': 'application/vnd.api+json' },
        body: tarGz({ 'main.tf.json': JSON.stringify({ output: { a: { value: 1 } } }) }),
      });
      assert.equal(put.status, 200, await put.text());
      for (let i = 0; ; i++) {
        const cv = await tfe.api('GET', `/configuration-versions/${created.json.data.id}`);
        if (cv.json.data.attributes.status === 'uploaded') break;
        assert.ok(i < 200, cv.text);
        await new Promise((r) => setTimeout(r, 10));
      }
    });
  });

  describe('workspaces', () => {
    it('creates a workspace with the documented defaults and shows it by name and by id', async () => {
      const id = await tfe.createWorkspace('app-prod', { 'terraform-version': '1.9.5' });
      assert.match(id, /^ws-[0-9A-Za-z]{16}$/);
      const byName = await tfe.api('GET', `/organizations/${ORG}/workspaces/app-prod`);
      assert.equal(byName.status, 200);
      const data = byName.json.data;
      assert.equal(data.id, id);
      assert.equal(data.type, 'workspaces');
      assert.deepEqual(
        {
          autoApply: data.attributes['auto-apply'],
          allowDestroy: data.attributes['allow-destroy-plan'],
          mode: data.attributes['execution-mode'],
          locked: data.attributes.locked,
        },
        { autoApply: false, allowDestroy: true, mode: 'remote', locked: false },
      );
      assert.deepEqual(data.relationships.organization.data, { id: ORG, type: 'organizations' });
      assert.match(data.relationships.project.data.id, /^prj-/);
      const byId = await tfe.api('GET', `/workspaces/${id}`);
      assert.equal(byId.json.data.attributes.name, 'app-prod');
    });

    it('refuses a duplicate name with 422 and a pointer to the name', async () => {
      await tfe.createWorkspace('dup');
      const res = await tfe.api('POST', `/organizations/${ORG}/workspaces`, {
        data: { type: 'workspaces', attributes: { name: 'dup' } },
      });
      assert.equal(res.status, 422);
      assert.equal(res.json.errors[0].status, '422');
      assert.match(res.json.errors[0].detail, /has already been taken/);
      assert.deepEqual(res.json.errors[0].source, { pointer: '/data/attributes/name' });
    });

    it('refuses a name with characters outside letters, digits, - and _', async () => {
      const res = await tfe.api('POST', `/organizations/${ORG}/workspaces`, {
        data: { type: 'workspaces', attributes: { name: 'bad name' } },
      });
      assert.equal(res.status, 422);
    });

    it('answers 404 for a workspace, organization or run that does not exist', async () => {
      for (const path of [
        `/organizations/${ORG}/workspaces/none`,
        '/organizations/nope/workspaces',
        '/runs/run-missing',
      ]) {
        const res = await tfe.api('GET', path);
        assert.equal(res.status, 404, path);
        assert.equal(res.json.errors[0].status, '404');
      }
    });

    it('updates a workspace by id and by name', async () => {
      const id = await tfe.createWorkspace('upd');
      const byId = await tfe.api('PATCH', `/workspaces/${id}`, {
        data: { type: 'workspaces', attributes: { 'auto-apply': true } },
      });
      assert.equal(byId.json.data.attributes['auto-apply'], true);
      const byName = await tfe.api('PATCH', `/organizations/${ORG}/workspaces/upd`, {
        data: { type: 'workspaces', attributes: { description: 'changed' } },
      });
      assert.equal(byName.json.data.attributes.description, 'changed');
    });

    it('paginates with page[number] and page[size] and reports meta.pagination and links', async () => {
      for (let i = 0; i < 25; i++) await tfe.createWorkspace(`ws-${String(i).padStart(2, '0')}`);
      const first = await tfe.api('GET', `/organizations/${ORG}/workspaces?page%5Bsize%5D=10`);
      assert.equal(first.json.data.length, 10);
      assert.deepEqual(first.json.meta.pagination, {
        'current-page': 1,
        'page-size': 10,
        'prev-page': null,
        'next-page': 2,
        'total-pages': 3,
        'total-count': 25,
      });
      assert.ok(first.json.links.next.includes('page%5Bnumber%5D=2'));
      const last = await tfe.api(
        'GET',
        `/organizations/${ORG}/workspaces?page%5Bnumber%5D=3&page%5Bsize%5D=10`,
      );
      assert.equal(last.json.data.length, 5);
      assert.equal(last.json.meta.pagination['next-page'], null);
      const defaults = await tfe.api('GET', `/organizations/${ORG}/workspaces`);
      assert.equal(defaults.json.meta.pagination['page-size'], 20);
      const search = await tfe.api('GET', `/organizations/${ORG}/workspaces?search%5Bname%5D=ws-2`);
      assert.deepEqual(
        search.json.data.map((w: any) => w.attributes.name),
        ['ws-20', 'ws-21', 'ws-22', 'ws-23', 'ws-24'],
      );
    });
  });

  describe('variables', () => {
    it('creates, lists and updates variables; sensitive values are never echoed', async () => {
      const ws = await tfe.createWorkspace('vars');
      const plain = await tfe.setVariable(ws, 'vm_name', 'web-01');
      assert.equal(plain.attributes.value, 'web-01');
      assert.deepEqual(plain.relationships.configurable.data, { id: ws, type: 'workspaces' });
      const secret = await tfe.setVariable(ws, 'admin_password', 's3cr3t', { sensitive: true });
      assert.equal(secret.attributes.value, null);

      const list = await tfe.api('GET', `/workspaces/${ws}/vars`);
      const byKey = Object.fromEntries(
        list.json.data.map((v: any) => [v.attributes.key, v.attributes.value]),
      );
      assert.deepEqual(byKey, { vm_name: 'web-01', admin_password: null });
      assert.ok(!list.text.includes('s3cr3t'));

      const updated = await tfe.api('PATCH', `/workspaces/${ws}/vars/${plain.id}`, {
        data: { type: 'vars', id: plain.id, attributes: { value: 'web-02' } },
      });
      assert.equal(updated.json.data.attributes.value, 'web-02');

      const unhide = await tfe.api('PATCH', `/workspaces/${ws}/vars/${secret.id}`, {
        data: { type: 'vars', id: secret.id, attributes: { sensitive: false } },
      });
      assert.equal(unhide.status, 422);
    });

    it('refuses the same key and category twice on one workspace', async () => {
      const ws = await tfe.createWorkspace('dupvar');
      await tfe.setVariable(ws, 'cpu', '2');
      const again = await tfe.api('POST', `/workspaces/${ws}/vars`, {
        data: { type: 'vars', attributes: { key: 'cpu', value: '4', category: 'terraform' } },
      });
      assert.equal(again.status, 422);
      assert.deepEqual(again.json.errors[0].source, { pointer: '/data/attributes/key' });
      const env = await tfe.api('POST', `/workspaces/${ws}/vars`, {
        data: { type: 'vars', attributes: { key: 'cpu', value: '4', category: 'env' } },
      });
      assert.equal(env.status, 201, 'another category is another variable');
    });
  });

  describe('rate limits', () => {
    let limited: TfeFixture;
    beforeEach(async () => {
      limited = await startTfeFixture({ documentedRateLimits: true });
    });
    afterEach(async () => {
      await limited.stop();
    });

    it('answers 429 with the documented body and X-RateLimit headers above 30 requests a second', async () => {
      const answers = await Promise.all(
        Array.from({ length: 40 }, () => limited.api('GET', `/organizations/${ORG}/workspaces`)),
      );
      const ok = answers.filter((a) => a.status === 200);
      const limitedAnswers = answers.filter((a) => a.status === 429);
      assert.equal(ok.length, 30);
      assert.equal(limitedAnswers.length, 10);
      const sample = limitedAnswers[0]!;
      assert.deepEqual(sample.json, {
        errors: [
          { detail: "You have exceeded the API's rate limit.", status: 429, title: 'Too many requests' },
        ],
      });
      assert.equal(sample.headers.get('x-ratelimit-limit'), '30');
      const reset = Number(sample.headers.get('x-ratelimit-reset'));
      assert.ok(reset > 0 && reset <= 1, `reset ${reset}`);
      await new Promise((r) => setTimeout(r, reset * 1000 + 50));
      assert.equal((await limited.api('GET', `/organizations/${ORG}/workspaces`)).status, 200);
    });

    it('limits the run list endpoints to 30 requests a minute', async () => {
      const ws = await limited.createWorkspace('listed');
      const statuses: number[] = [];
      for (let i = 0; i < 31; i++) {
        statuses.push((await limited.api('GET', `/workspaces/${ws}/runs`)).status);
        if (i % 20 === 19) await new Promise((r) => setTimeout(r, 1000));
      }
      assert.deepEqual(statuses.slice(0, 30), Array(30).fill(200));
      assert.equal(statuses[30], 429);
      assert.equal(
        (await limited.api('GET', `/workspaces/${ws}`)).status,
        200,
        'other endpoints still answer',
      );
    });
  });

  it('renders injected faults in the JSON:API envelope', async () => {
    tfe.ctx.world.addHttpFault({
      system: 'tfe',
      path: '/api/v2/organizations/*',
      kind: 'error',
      status: 502,
      times: 1,
    });
    const res = await tfe.api('GET', `/organizations/${ORG}/workspaces`);
    assert.equal(res.status, 502);
    assert.equal(res.json.errors[0].status, '502');
  });
});
