/** The vCenter simulator answers like vCenter's /api: sessions, inventory, VMs, power, errors. */
import assert from 'node:assert/strict';
import { call, startLab, type Lab } from './common/fixture';

const GiB = 1024 ** 3;

interface VapiErrorBody {
  error_type: string;
  messages: { id: string; default_message: string; args: string[] }[];
}

describe('vCenter simulator', () => {
  let lab: Lab;
  const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

  beforeEach(async () => {
    lab = await startLab({ systems: ['vcenter'] });
  });
  afterEach(async () => {
    await lab.dispose();
  });

  describe('sessions', () => {
    it('refuses calls without a session, and bad credentials, with 401 UNAUTHENTICATED', async () => {
      const url = lab.sims.urls.vcenter!;
      const noSession = await call<VapiErrorBody>(`${url}/api/vcenter/vm`);
      assert.equal(noSession.status, 401);
      assert.equal(noSession.body.error_type, 'UNAUTHENTICATED');
      const unknown = await call<VapiErrorBody>(`${url}/api/vcenter/vm`, {
        headers: { 'vmware-api-session-id': 'deadbeef' },
      });
      assert.equal(unknown.status, 401);
      const wrong = await call<VapiErrorBody>(`${url}/api/session`, {
        method: 'POST',
        headers: { authorization: basic(lab.sims.credentials.vcenter.username, 'wrong') },
      });
      assert.equal(wrong.status, 401);
      assert.equal(wrong.body.error_type, 'UNAUTHENTICATED');
      assert.doesNotMatch(JSON.stringify(wrong.body), new RegExp(lab.sims.credentials.vcenter.password));
    });

    it('logs in with Basic auth (201, bare id), reads the session, and logs out (then 401)', async () => {
      const url = lab.sims.urls.vcenter!;
      const { username, password } = lab.sims.credentials.vcenter;
      const login = await call<string>(`${url}/api/session`, {
        method: 'POST',
        headers: { authorization: basic(username, password) },
      });
      assert.equal(login.status, 201);
      assert.match(login.body, /^[0-9a-f]{32}$/);
      const headers = { 'vmware-api-session-id': login.body };
      const info = await call<{ user: string; created_time: string }>(`${url}/api/session`, { headers });
      assert.equal(info.status, 200);
      assert.equal(info.body.user, username);
      assert.equal((await call(`${url}/api/session`, { method: 'DELETE', headers })).status, 204);
      assert.equal((await call(`${url}/api/vcenter/cluster`, { headers })).status, 401);
    });

    it('expires a session after the configured idle time', async () => {
      await lab.admin('/durations', { method: 'PUT', body: { 'vcenter.session-idle': 150 } });
      assert.equal((await lab.vcenter('/api/vcenter/cluster')).status, 200);
      await new Promise((r) => setTimeout(r, 300));
      const expired = await lab.vcenter<VapiErrorBody>('/api/vcenter/cluster');
      assert.equal(expired.status, 401);
      assert.equal(expired.body.error_type, 'UNAUTHENTICATED');
    });
  });

  describe('inventory lookups', () => {
    const cases: Array<{ path: string; expect: (body: Record<string, unknown>[]) => void }> = [
      {
        path: '/api/vcenter/datacenter',
        expect: (b) => assert.deepEqual(b, [{ datacenter: 'datacenter-2', name: 'LAB-DC1' }]),
      },
      {
        path: '/api/vcenter/cluster?names=CL-DEV-01',
        expect: (b) =>
          assert.deepEqual(b, [
            { cluster: 'domain-c20', name: 'CL-DEV-01', ha_enabled: false, drs_enabled: true },
          ]),
      },
      {
        path: '/api/vcenter/folder?type=VIRTUAL_MACHINE&names=Linux&names=Windows',
        expect: (b) => assert.deepEqual(b.map((f) => f.name).sort(), ['Linux', 'Windows']),
      },
      {
        path: '/api/vcenter/network?types=DISTRIBUTED_PORTGROUP',
        expect: (b) =>
          assert.deepEqual(b.map((n) => n.name).sort(), ['DMZ', 'INTRANET_DEV', 'INTRANET_PROD']),
      },
      { path: '/api/vcenter/network?names=NOPE', expect: (b) => assert.deepEqual(b, []) },
      {
        path: '/api/vcenter/datastore?types=VMFS',
        expect: (b) => {
          assert.deepEqual(b.map((d) => d.name).sort(), ['DS-DEV-01', 'DS-PROD-01']);
          assert.ok(b.every((d) => typeof d.capacity === 'number' && d.free_space === d.capacity));
        },
      },
      { path: '/api/vcenter/host?clusters=domain-c8', expect: (b) => assert.equal(b.length, 2) },
      { path: '/api/vcenter/vm', expect: (b) => assert.deepEqual(b, []) },
    ];
    for (const c of cases) {
      it(`GET ${c.path}`, async () => {
        const res = await lab.vcenter<Record<string, unknown>[]>(c.path);
        assert.equal(res.status, 200);
        c.expect(res.body);
      });
    }

    it('answers an invalid enum filter with 400 INVALID_ARGUMENT', async () => {
      const res = await lab.vcenter<VapiErrorBody>('/api/vcenter/vm?power_states=ON');
      assert.equal(res.status, 400);
      assert.equal(res.body.error_type, 'INVALID_ARGUMENT');
    });
  });

  describe('virtual machines', () => {
    const spec = (name: string) => ({
      name,
      guest_OS: 'RHEL_8_64',
      placement: { folder: 'group-v30', cluster: 'domain-c8', datastore: 'datastore-11' },
      cpu: { count: 2, cores_per_socket: 1 },
      memory: { size_MiB: 8192 },
      disks: [{ type: 'SCSI', new_vmdk: { name: `${name}_1`, capacity: 100 * GiB } }],
      nics: [
        {
          type: 'VMXNET3',
          start_connected: true,
          backing: { type: 'DISTRIBUTED_PORTGROUP', network: 'dvportgroup-16' },
        },
      ],
    });

    it('creates a powered-off VM and reads it back with its hardware and network', async () => {
      const created = await lab.vcenter<string>('/api/vcenter/vm', { method: 'POST', body: spec('web-01') });
      assert.equal(created.status, 201);
      assert.match(created.body, /^vm-\d+$/);
      const vm = await lab.vcenter<{
        name: string;
        power_state: string;
        cpu: { count: number };
        memory: { size_MiB: number };
        disks: Record<string, { capacity: number }>;
        nics: Record<string, { backing: { type: string; network: string }; mac_address: string }>;
      }>(`/api/vcenter/vm/${created.body}`);
      assert.equal(vm.status, 200);
      assert.equal(vm.body.name, 'web-01');
      assert.equal(vm.body.power_state, 'POWERED_OFF');
      assert.equal(vm.body.cpu.count, 2);
      assert.equal(vm.body.memory.size_MiB, 8192);
      assert.deepEqual(
        Object.values(vm.body.disks).map((d) => d.capacity),
        [100 * GiB],
      );
      const nic = vm.body.nics['4000'];
      assert.deepEqual(nic?.backing, { type: 'DISTRIBUTED_PORTGROUP', network: 'dvportgroup-16' });
      assert.match(nic?.mac_address ?? '', /^00:50:56(:[0-9a-f]{2}){3}$/);

      const listed = await lab.vcenter<unknown[]>('/api/vcenter/vm?names=web-01&folders=group-v30');
      assert.deepEqual(listed.body, [
        { vm: created.body, name: 'web-01', power_state: 'POWERED_OFF', cpu_count: 2, memory_size_MiB: 8192 },
      ]);
      const ds = await lab.vcenter<{ free_space: number; capacity: number }[]>(
        '/api/vcenter/datastore?datastores=datastore-11',
      );
      assert.equal(ds.body[0]!.capacity - ds.body[0]!.free_space, 100 * GiB);
    });

    const refusals: Array<{ name: string; body: unknown; status: number; type: string }> = [
      {
        name: 'unknown folder',
        body: { ...spec('x'), placement: { ...spec('x').placement, folder: 'group-v999' } },
        status: 404,
        type: 'NOT_FOUND',
      },
      {
        name: 'unknown network',
        body: {
          ...spec('x'),
          nics: [{ backing: { type: 'DISTRIBUTED_PORTGROUP', network: 'dvportgroup-999' } }],
        },
        status: 404,
        type: 'NOT_FOUND',
      },
      {
        name: 'NIC backing type not matching the network',
        body: {
          ...spec('x'),
          nics: [{ backing: { type: 'STANDARD_PORTGROUP', network: 'dvportgroup-16' } }],
        },
        status: 400,
        type: 'INVALID_ARGUMENT',
      },
      {
        name: 'host outside the cluster',
        body: { ...spec('x'), placement: { ...spec('x').placement, host: 'host-22' } },
        status: 400,
        type: 'INVALID_ARGUMENT',
      },
      {
        name: 'no compute placement',
        body: { ...spec('x'), placement: { folder: 'group-v30', datastore: 'datastore-11' } },
        status: 400,
        type: 'INVALID_ARGUMENT',
      },
      {
        name: 'missing guest_OS',
        body: { ...spec('x'), guest_OS: undefined },
        status: 400,
        type: 'INVALID_ARGUMENT',
      },
      {
        name: 'disk larger than the datastore',
        body: { ...spec('x'), disks: [{ new_vmdk: { capacity: 100 * 1024 * GiB } }] },
        status: 400,
        type: 'UNABLE_TO_ALLOCATE_RESOURCE',
      },
    ];
    for (const r of refusals) {
      it(`refuses a create with ${r.name}: ${r.status} ${r.type}`, async () => {
        const res = await lab.vcenter<VapiErrorBody>('/api/vcenter/vm', { method: 'POST', body: r.body });
        assert.equal(res.status, r.status);
        assert.equal(res.body.error_type, r.type);
        assert.ok(res.body.messages[0]?.default_message);
      });
    }

    it('refuses a duplicate name in the same folder (ALREADY_EXISTS) but not in another folder', async () => {
      assert.equal((await lab.vcenter('/api/vcenter/vm', { method: 'POST', body: spec('dup') })).status, 201);
      const again = await lab.vcenter<VapiErrorBody>('/api/vcenter/vm', {
        method: 'POST',
        body: spec('dup'),
      });
      assert.equal(again.status, 400);
      assert.equal(again.body.error_type, 'ALREADY_EXISTS');
      const elsewhere = { ...spec('dup'), placement: { ...spec('dup').placement, folder: 'group-v31' } };
      assert.equal((await lab.vcenter('/api/vcenter/vm', { method: 'POST', body: elsewhere })).status, 201);
    });

    it('answers malformed JSON with 400 INVALID_ARGUMENT', async () => {
      const res = await lab.vcenter<VapiErrorBody>('/api/vcenter/vm', {
        method: 'POST',
        raw: '{"name":',
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(res.status, 400);
      assert.equal(res.body.error_type, 'INVALID_ARGUMENT');
    });

    it('powers on and off with vCenter state rules, and deletes only a powered-off VM', async () => {
      const id = (await lab.vcenter<string>('/api/vcenter/vm', { method: 'POST', body: spec('pw') })).body;
      const power = (action: string) =>
        lab.vcenter<VapiErrorBody>(`/api/vcenter/vm/${id}/power?action=${action}`, { method: 'POST' });
      assert.equal((await power('stop')).body.error_type, 'ALREADY_IN_DESIRED_STATE');
      assert.equal((await power('start')).status, 204);
      assert.deepEqual((await lab.vcenter(`/api/vcenter/vm/${id}/power`)).body, { state: 'POWERED_ON' });
      const again = await power('start');
      assert.equal(again.status, 400);
      assert.equal(again.body.error_type, 'ALREADY_IN_DESIRED_STATE');
      const refused = await lab.vcenter<VapiErrorBody>(`/api/vcenter/vm/${id}`, { method: 'DELETE' });
      assert.equal(refused.status, 400);
      assert.equal(refused.body.error_type, 'NOT_ALLOWED_IN_CURRENT_STATE');
      assert.equal((await power('stop')).status, 204);
      assert.equal((await lab.vcenter(`/api/vcenter/vm/${id}`, { method: 'DELETE' })).status, 204);
      const gone = await lab.vcenter<VapiErrorBody>(`/api/vcenter/vm/${id}`);
      assert.equal(gone.status, 404);
      assert.equal(gone.body.error_type, 'NOT_FOUND');
      assert.deepEqual(gone.body.messages[0]?.args, [id]);
      const counters = await lab.admin<Record<string, number>>('/counters?prefix=vcenter.vms');
      assert.deepEqual(counters.body, { 'vcenter.vms.created': 1, 'vcenter.vms.deleted': 1 });
    });

    it('reports tools and a guest IP from the network facts only after the boot delays', async () => {
      await lab.admin('/durations', {
        method: 'PUT',
        body: { 'vcenter.boot': 300, 'vcenter.guest-ip': 1000 },
      });
      const id = (await lab.vcenter<string>('/api/vcenter/vm', { method: 'POST', body: spec('guest') })).body;
      await lab.vcenter(`/api/vcenter/vm/${id}/power?action=start`, { method: 'POST' });
      const early = await lab.vcenter<VapiErrorBody>(`/api/vcenter/vm/${id}/guest/identity`);
      assert.equal(early.status, 503);
      assert.equal(early.body.error_type, 'SERVICE_UNAVAILABLE');
      assert.equal(
        (await lab.vcenter<{ run_state: string }>(`/api/vcenter/vm/${id}/tools`)).body.run_state,
        'NOT_RUNNING',
      );
      await new Promise((r) => setTimeout(r, 400));
      const booted = await lab.vcenter<{ host_name: string; ip_address?: string }>(
        `/api/vcenter/vm/${id}/guest/identity`,
      );
      assert.equal(booted.status, 200);
      assert.equal(booted.body.ip_address, undefined);
      await new Promise((r) => setTimeout(r, 1000));
      const withIp = await lab.vcenter<{ ip_address?: string }>(`/api/vcenter/vm/${id}/guest/identity`);
      assert.match(withIp.body.ip_address ?? '', /^10\.20\.0\.\d+$/);
    });

    it('changes CPU only when the VM is off (no hot add)', async () => {
      const id = (await lab.vcenter<string>('/api/vcenter/vm', { method: 'POST', body: spec('cpu') })).body;
      await lab.vcenter(`/api/vcenter/vm/${id}/power?action=start`, { method: 'POST' });
      const refused = await lab.vcenter<VapiErrorBody>(`/api/vcenter/vm/${id}/hardware/cpu`, {
        method: 'PATCH',
        body: { count: 4 },
      });
      assert.equal(refused.body.error_type, 'NOT_ALLOWED_IN_CURRENT_STATE');
      await lab.vcenter(`/api/vcenter/vm/${id}/power?action=stop`, { method: 'POST' });
      assert.equal(
        (await lab.vcenter(`/api/vcenter/vm/${id}/hardware/cpu`, { method: 'PATCH', body: { count: 4 } }))
          .status,
        204,
      );
      assert.equal(
        (await lab.vcenter<{ cpu: { count: number } }>(`/api/vcenter/vm/${id}`)).body.cpu.count,
        4,
      );
    });
  });

  describe('legacy /rest style', () => {
    it('logs in with a cookie, wraps results in value, takes filter.<name> and {spec}, and answers errors in the /rest shape', async () => {
      const url = lab.sims.urls.vcenter!;
      const { username, password } = lab.sims.credentials.vcenter;
      const login = await call<{ value: string }>(`${url}/rest/com/vmware/cis/session`, {
        method: 'POST',
        headers: { authorization: basic(username, password) },
      });
      assert.equal(login.status, 200);
      assert.match(login.body.value, /^[0-9a-f]{32}$/);
      assert.match(
        login.headers.get('set-cookie') ?? '',
        new RegExp(`vmware-api-session-id=${login.body.value}`),
      );
      const cookie = { cookie: `vmware-api-session-id=${login.body.value}` };

      const networks = await call<{ value: { name: string }[] }>(
        `${url}/rest/vcenter/network?filter.names=DMZ`,
        { headers: cookie },
      );
      assert.deepEqual(
        networks.body.value.map((n) => n.name),
        ['DMZ'],
      );
      const created = await call<{ value: string }>(`${url}/rest/vcenter/vm`, {
        method: 'POST',
        headers: cookie,
        body: {
          spec: {
            name: 'legacy-01',
            guest_OS: 'RHEL_8_64',
            placement: { folder: 'group-v30', cluster: 'domain-c8', datastore: 'datastore-11' },
            nics: [{ backing: { type: 'DISTRIBUTED_PORTGROUP', network: 'dvportgroup-18' } }],
          },
        },
      });
      assert.equal(created.status, 200);
      const info = await call<{
        value: { name: string; nics: { key: string; value: { backing: { network: string } } }[] };
      }>(`${url}/rest/vcenter/vm/${created.body.value}`, { headers: cookie });
      assert.equal(info.body.value.name, 'legacy-01');
      assert.deepEqual(
        info.body.value.nics.map((n) => [n.key, n.value.backing.network]),
        [['4000', 'dvportgroup-18']],
      );
      const started = await call(`${url}/rest/vcenter/vm/${created.body.value}/power/start`, {
        method: 'POST',
        headers: cookie,
      });
      assert.equal(started.status, 200);
      assert.equal(
        (await lab.vcenter<{ state: string }>(`/api/vcenter/vm/${created.body.value}/power`)).body.state,
        'POWERED_ON',
      );
      const missing = await call<{ type: string; value: { messages: unknown[] } }>(
        `${url}/rest/vcenter/vm/vm-404`,
        { headers: cookie },
      );
      assert.equal(missing.status, 404);
      assert.equal(missing.body.type, 'com.vmware.vapi.std.errors.not_found');
      assert.equal(missing.body.value.messages.length, 1);
      assert.equal(
        (await call(`${url}/rest/com/vmware/cis/session`, { method: 'DELETE', headers: cookie })).status,
        200,
      );
      assert.equal((await call(`${url}/rest/vcenter/vm`, { headers: cookie })).status, 401);
    });
  });
});
