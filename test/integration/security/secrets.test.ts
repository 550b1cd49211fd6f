/**
 * After a full run (an unmanaged VM through AWX, a managed one through TFE, one failing at AWX,
 * and a decommission), no configured credential and no API token appears anywhere the system
 * writes: the history of every workflow (and the Temporal server's database file), the API's and
 * the workers' logs, every object of every git repository and the RFM's working clones, every
 * table of the ledger, the request files, the e-mails sent and the API's answers. Each secret is
 * searched as it is, and base64-, base64url-, URL-, hex- and JSON-encoded, and the end systems'
 * log-ins also as the Basic credentials they are sent as.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { inspect } from 'node:util';
import type { LogEntry } from '@temporalio/worker';
import { waitFor } from '../../../platform/net';
import { captureSdkLogs, getStack, type TestStack } from '../../harness/stack';
import { vm } from './corpus';
import { gitRepositories, quiesce, startSecurityApi, type SecurityApi } from './fixture';

/** The forms a secret could be written in. */
function encodings(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  return [
    ...new Set([
      secret,
      bytes.toString('base64'),
      bytes.toString('base64').replace(/=+$/, ''),
      bytes.toString('base64url'),
      encodeURIComponent(secret),
      encodeURIComponent(encodeURIComponent(secret)),
      bytes.toString('hex'),
      JSON.stringify(secret).slice(1, -1),
    ]),
  ];
}

/** Text of a value, with every byte array read as UTF-8 (payloads in histories are bytes). */
function textOf(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Error) return inspect(v, { depth: 10 });
    return v;
  });
}

/** Every file under `dir`, as text (binary files too: a secret in them is still its bytes). */
function filesUnder(dir: string): { file: string; text: string }[] {
  if (!existsSync(dir)) return [];
  const out: { file: string; text: string }[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) out.push({ file: full, text: readFileSync(full).toString('latin1') });
    }
  };
  walk(dir);
  return out;
}

describe('secrets after a full run', () => {
  let stack: TestStack;
  let api: SecurityApi;
  let sdkLogs: { entries: LogEntry[]; stop(): void };
  const secrets: Record<string, string> = {};
  const requestIds: string[] = [];
  const answers: string[] = [];
  /** Each request's log bundle, once gathered into its file. */
  const bundles = new Map<string, string>();

  before(async function () {
    this.timeout(240_000);
    stack = await getStack();
    sdkLogs = captureSdkLogs();
    api = await startSecurityApi(stack);

    for (const key of ['AWX_TOKEN', 'TFE_TOKEN', 'VCENTER_PASSWORD', 'ACI_PASSWORD']) {
      const value = stack.endSystemsEnv[key];
      assert.ok(value && value.length >= 8, `${key} is configured`);
      secrets[key] = value;
    }
    for (const [system, user] of [
      ['VCENTER', stack.endSystemsEnv.VCENTER_USERNAME],
      ['ACI', stack.endSystemsEnv.ACI_USERNAME],
    ] as const) {
      secrets[`${system} Basic credentials`] = `${user}:${secrets[`${system}_PASSWORD`]}`;
    }
    const dbPassword = decodeURIComponent(new URL(stack.databaseUrl).password);
    if (dbPassword) secrets.POSTGRES_PASSWORD = dbPassword;

    // Tokens made the way an operator makes them: the first admin directly, the rest through the API.
    const admin = await api.tokenFor('admin', 'secrets-admin@example.test');
    secrets['admin token'] = admin;
    const issued = await api.call('POST', '/v1/admin/tokens', {
      token: admin,
      body: { subject: 'secrets-requester@example.test', role: 'requester' },
    });
    assert.equal(issued.status, 201);
    const requester = (issued.json as { token: string }).token;
    secrets['requester token'] = requester;
    answers.push(issued.text.replace(requester, '<the issued token, shown once>'));

    const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}`;
    const failing = unique('sec-fail');
    const rule = stack.sims.world.addOutcomeRule({
      system: 'awx',
      match: { extra_vars: `"${failing}"` },
      outcome: 'failed',
      message: 'the playbook failed on purpose',
    });
    const submit = async (body: unknown) => {
      const res = await api.call('POST', '/v1/requests', { token: requester, body });
      assert.equal(res.status, 202, res.text);
      answers.push(res.text);
      const id = (res.json as { requestId: string }).requestId;
      requestIds.push(id);
      return id;
    };
    const settle = async (id: string) => {
      let status = '';
      await waitFor(
        `request ${id} to end`,
        async () => {
          const res = await api.call('GET', `/v1/requests/${id}`, { token: requester });
          status = (res.json as { status: string }).status;
          if (['succeeded', 'failed', 'cancelled'].includes(status)) {
            answers.push(res.text);
            return true;
          }
          return false;
        },
        120_000,
        250,
      );
      return status;
    };
    const unmanaged = unique('sec-awx');
    const ids = await Promise.all([
      submit({ resources: [vm({}, unmanaged)], description: 'secrets test' }),
      submit({ resources: [vm({ managed: true }, unique('sec-tfe'))] }),
      submit({ resources: [vm({}, failing)] }),
    ]);
    const statuses = await Promise.all(ids.map(settle));
    stack.sims.world.removeFault(rule.id);
    assert.deepEqual(statuses, ['succeeded', 'succeeded', 'failed']);
    const removal = await submit({
      resources: [{ type: 'virtual_machine', action: 'delete', name: unmanaged }],
    });
    assert.equal(await settle(removal), 'succeeded');
    for (const id of requestIds) {
      const file = await api.call('GET', `/v1/requests/${id}/file`, { token: requester });
      assert.equal(file.status, 200);
      answers.push(file.text);
    }
    // An ended request's lines are gathered into its log file a few seconds after its end.
    for (const id of requestIds)
      await waitFor(
        `the log bundle of ${id}`,
        async () => {
          const res = await api.call('GET', `/v1/requests/${id}/log`, { token: requester });
          assert.equal(res.status, 200, res.text);
          if (res.headers.get('x-log-complete') !== 'true') return false;
          bundles.set(id, res.text);
          return true;
        },
        30_000,
        250,
      );
    await quiesce(stack);
    sdkLogs.stop();
  });
  after(() => api?.close());

  /** Where each secret, in any of its forms, appears in `text`. */
  function leaks(text: string): string[] {
    const found: string[] = [];
    for (const [name, secret] of Object.entries(secrets))
      for (const form of encodings(secret))
        if (text.includes(form))
          found.push(`${name} (as ${form === secret ? 'itself' : JSON.stringify(form)})`);
    return found;
  }

  function assertClean(source: string, items: { where: string; text: string }[]) {
    assert.ok(items.length > 0, `${source}: there is something to search`);
    const found = items.flatMap(({ where, text }) => leaks(text).map((l) => `${where}: ${l}`));
    assert.deepEqual(found, [], `${source} carries secrets`);
  }

  it('searches something real: the run left histories, logs, commits, ledger rows and files', () => {
    assert.ok(sdkLogs.entries.length > 0, 'the workers logged');
    assert.ok(api.logs.length > 0, 'the API logged');
    assert.ok(gitRepositories(stack).length > 0, 'the RFM wrote a repository');
    assert.equal(requestIds.length, 4);
  });

  it('in no workflow history, nor the Temporal server database', async () => {
    const histories: { where: string; text: string }[] = [];
    for await (const { workflowId, history } of stack.client.workflow.list().intoHistories())
      histories.push({ where: `history of ${workflowId}`, text: textOf(history) });
    assert.ok(
      histories.some((h) => h.where.includes(requestIds[0]!)),
      'the run is among the histories searched',
    );
    assertClean('workflow histories', histories);
    const db = ['temporal.sqlite', 'temporal.sqlite-wal']
      .map((f) => path.join(stack.tmpDir, f))
      .filter((f) => existsSync(f) && statSync(f).size > 0)
      .map((f) => ({ where: f, text: readFileSync(f).toString('latin1') }));
    assertClean('the Temporal server database', db);
  });

  it("in none of the API's and workers' log lines", () => {
    assertClean('logs', [
      ...api.logs.map((line, i) => ({ where: `API log line ${i}`, text: line })),
      ...sdkLogs.entries.map((e, i) => ({ where: `worker log entry ${i} (${e.message})`, text: textOf(e) })),
      { where: 'Temporal server output', text: stack.serverOutput() || ' ' },
    ]);
  });

  it('in no object of any git repository, nor the working clones', () => {
    const objects = gitRepositories(stack).map((repo) => ({
      where: repo,
      text: execFileSync('git', ['--git-dir', repo, 'cat-file', '--batch-all-objects', '--batch'], {
        maxBuffer: 256 * 1024 * 1024,
      }).toString('latin1'),
    }));
    assert.ok(objects.some((o) => o.text.includes(requestIds[0]!.slice(4))) || objects.length > 0);
    assertClean('git repositories', [
      ...objects,
      ...filesUnder(path.join(stack.tmpDir, 'rfm-work')).map((f) => ({ where: f.file, text: f.text })),
    ]);
  });

  it('in no table of the ledger', async () => {
    const { rows: tables } = await stack.pool.query<{ name: string }>(
      `SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) AS name
         FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
          AND table_type = 'BASE TABLE'`,
    );
    assert.ok(tables.length >= 8, tables.map((t) => t.name).join(', '));
    const dumps: { where: string; text: string }[] = [];
    for (const { name } of tables) {
      const { rows } = await stack.pool.query(`SELECT row_to_json(t)::text AS row FROM ${name} t`);
      dumps.push({ where: name, text: rows.map((r) => r.row as string).join('\n') || ' ' });
    }
    // Bytes (request files, token hashes) are searched as what they decode to, too.
    const { rows: files } = await stack.pool.query('SELECT request_id, body FROM request_files');
    for (const f of files)
      dumps.push({ where: `request_files ${f.request_id}`, text: (f.body as Buffer).toString('utf8') });
    assertClean('the ledger', dumps);
  });

  it("gathers each request's log lines, from the API, the workflows and the activities, in order", () => {
    const [id] = requestIds;
    const lines = bundles.get(id!)!.trimEnd().split('\n');
    const fields = lines.map(
      (line) => JSON.parse(line.slice(line.indexOf(' {') + 1)) as Record<string, unknown>,
    );
    for (const [i, f] of fields.entries()) {
      assert.equal(f.requestId, id, `line ${i} names its request: ${lines[i]}`);
      assert.match(String(f.traceId), /^trc_/, `line ${i} names its trace: ${lines[i]}`);
    }
    const times = lines.map((line) => Date.parse(line.slice(0, line.indexOf(' '))));
    assert.ok(
      times.every((t, i) => i === 0 || t >= times[i - 1]!),
      `the lines are in order of time:\n${lines.join('\n')}`,
    );
    const has = (what: string, test: (line: string, f: Record<string, unknown>) => boolean) =>
      assert.ok(
        lines.some((line, i) => test(line, fields[i]!)),
        `the bundle has ${what}:\n${lines.join('\n')}`,
      );
    has(
      "the API's submission",
      (line) => line.includes(' api-security-test[') && line.includes('request submitted'),
    );
    has(
      "the request workflow's start",
      (line, f) => line.includes('Workflow started') && f.workflowType === 'requestWorkflow',
    );
    has("the template's workflow", (_line, f) => f.workflowType === 'templateInterpreter');
    has(
      'an activity',
      (line, f) => typeof f.activityType === 'string' && line.includes('Activity completed'),
    );
    has(
      'an AWX or TFE call with its method, path, status and duration',
      (line, f) =>
        line.includes('end-system call') &&
        (f.system === 'awx' || f.system === 'tfe') &&
        /^POST \//.test(String(f.request)) &&
        Number(f.status) >= 200 &&
        Number(f.status) < 300 &&
        typeof f.durationMs === 'number',
    );
    // The API's line comes first: nothing of the request runs before it is submitted.
    assert.match(lines[0]!, /request submitted/);
  });

  it('in no log bundle', () => {
    assert.equal(bundles.size, requestIds.length);
    assertClean(
      'log bundles',
      [...bundles].map(([id, text]) => ({ where: `log bundle of ${id}`, text })),
    );
  });

  it('in no request file, e-mail or API answer', () => {
    assertClean(
      'answers and files',
      answers.map((text, i) => ({ where: `answer ${i}`, text })),
    );
    const mails = stack.sims.mailbox.list({});
    assert.ok(mails.length > 0);
    assertClean(
      'e-mails',
      mails.map((m) => ({ where: `mail "${m.subject}"`, text: textOf(m) })),
    );
  });
});
