/**
 * vCenter tasks against the vCenter simulator, in both URL styles (`/api`, and the legacy `/rest`
 * of older vCenters): inventory look-ups with filters, a VM's hardware as vCenter has it,
 * idempotent power and delete, the session kept inside the client and renewed when it expires,
 * failures in the taxonomy; and the style probe falling back to `/rest` where `/api` is absent.
 */
import assert from 'node:assert/strict';
import { createVcenterDeps, vcenterSystem, type VcenterDeps } from '../../activities/vcenter';
import { configFor, expectFailure, runTask } from './fixtures';
import { startActivityLab, type ActivityLab } from './lab';

const task = (id: string) => vcenterSystem.tasks.find((t) => t.id === id)!;

const sessionPath = { api: '/api/session', rest: '/rest/com/vmware/cis/session' };

for (const style of ['api', 'rest'] as const)
  describe(`vCenter tasks against the simulator (/${style})`, function () {
    this.timeout(30_000);
    let lab: ActivityLab;
    let deps: VcenterDeps;
    let vm: string;

    before(async () => {
      lab = await startActivityLab(['vcenter']);
      const { username, password } = lab.sims.credentials.vcenter;
      deps = createVcenterDeps(configFor.vcenter(lab.sims.urls.vcenter!, username, password, style));
    });
    after(async () => {
      await deps.vcenter.close();
      await lab.stop();
    });
    afterEach(() => {
      lab.sims.world.clearFaults();
      lab.sims.world.setDurations({ 'vcenter.session-idle': null });
    });

    it('lists clusters, datastores, networks and folders, with filters', async () => {
      const { clusters } = await runTask(task('vcenter:list-clusters'), deps, {});
      assert.ok(clusters.length >= 2);
      const one = await runTask(task('vcenter:list-clusters'), deps, { names: [clusters[0].name] });
      assert.deepEqual(one.clusters, [clusters[0]]);
      const { datastores } = await runTask(task('vcenter:list-datastores'), deps, { types: ['NFS'] });
      assert.ok(datastores.length >= 1 && datastores.every((d: { type: string }) => d.type === 'NFS'));
      assert.ok(datastores[0].capacityBytes > 0);
      const { networks } = await runTask(task('vcenter:list-networks'), deps, {});
      assert.ok(networks.length >= 2);
      const { folders } = await runTask(task('vcenter:list-folders'), deps, { type: 'VIRTUAL_MACHINE' });
      assert.ok(folders.length >= 1 && folders.every((f: { type: string }) => f.type === 'VIRTUAL_MACHINE'));
      const none = await runTask(task('vcenter:list-vms'), deps, { names: ['no-such-vm'] });
      assert.deepEqual(none.vms, []);
    });

    it('reads a VM made through the API: CPU, memory, disks and the NIC on its network', async () => {
      const { folders } = await runTask(task('vcenter:list-folders'), deps, { type: 'VIRTUAL_MACHINE' });
      const { clusters } = await runTask(task('vcenter:list-clusters'), deps, {});
      const { datastores } = await runTask(task('vcenter:list-datastores'), deps, { types: ['VMFS'] });
      const { networks } = await runTask(task('vcenter:list-networks'), deps, {});
      const created = await deps.vcenter.http.request<string>({
        call: 'createVm',
        method: 'POST',
        path: '/api/vcenter/vm',
        json: {
          name: 'vc-test-01',
          guest_OS: 'RHEL_8_64',
          placement: {
            folder: folders[0].folder,
            cluster: clusters[0].cluster,
            datastore: datastores[0].datastore,
          },
          cpu: { count: 2 },
          memory: { size_MiB: 8192 },
          disks: [{ type: 'SCSI', new_vmdk: { name: 'vc-test-01_1', capacity: 100 * 1024 ** 3 } }],
          nics: [
            {
              type: 'VMXNET3',
              start_connected: true,
              backing: { type: networks[0].type, network: networks[0].network },
            },
          ],
        },
      });
      vm = created.body;
      const read = await runTask(task('vcenter:read-vm'), deps, { vm });
      assert.equal(read.exists, true);
      assert.equal(read.vm.name, 'vc-test-01');
      assert.equal(read.vm.cpuCount, 2);
      assert.equal(read.vm.memoryMiB, 8192);
      assert.equal(read.vm.powerState, 'POWERED_OFF');
      assert.ok(read.vm.disks.some((d: { capacityBytes: number }) => d.capacityBytes === 100 * 1024 ** 3));
      assert.equal(read.vm.nics[0].network, networks[0].network);
    });

    it('power on and off are idempotent: already in that state is success', async () => {
      assert.equal((await runTask(task('vcenter:power-on-vm'), deps, { vm })).changed, true);
      assert.equal((await runTask(task('vcenter:power-on-vm'), deps, { vm })).changed, false);
      assert.equal((await runTask(task('vcenter:power-off-vm'), deps, { vm })).changed, true);
      assert.equal((await runTask(task('vcenter:power-off-vm'), deps, { vm })).changed, false);
      assert.equal((await runTask(task('vcenter:read-vm'), deps, { vm })).vm.powerState, 'POWERED_OFF');
      await runTask(task('vcenter:power-on-vm'), deps, { vm });
      const { vms } = await runTask(task('vcenter:list-vms'), deps, {
        powerStates: ['POWERED_ON'],
        vms: [vm],
      });
      assert.equal(vms.length, 1);
    });

    it("deleting a powered-on VM is refused with vCenter's own reason unless powerOff is asked", async () => {
      await expectFailure(runTask(task('vcenter:delete-vm'), deps, { vm }), {
        type: 'InvalidInput',
        httpStatus: 400,
        message: ['NOT_ALLOWED_IN_CURRENT_STATE'],
      });
      assert.deepEqual(await runTask(task('vcenter:delete-vm'), deps, { vm, powerOff: true }), {
        vm,
        deleted: true,
      });
      assert.deepEqual(await runTask(task('vcenter:delete-vm'), deps, { vm }), { vm, deleted: false });
      assert.deepEqual(await runTask(task('vcenter:read-vm'), deps, { vm, allowMissing: true }), {
        exists: false,
        vm: null,
      });
      await expectFailure(runTask(task('vcenter:read-vm'), deps, { vm }), {
        type: 'NotFound',
        message: [vm],
      });
    });

    it('an expired session is renewed inside the client (one new log-in), never visible to the task', async () => {
      // Idle long enough that the calls inside one task never outlast it, even on a loaded machine.
      lab.sims.world.setDurations({ 'vcenter.session-idle': 1000 });
      await runTask(task('vcenter:list-clusters'), deps, {});
      await new Promise((r) => setTimeout(r, 1300));
      const key = `vcenter POST ${sessionPath[style]}`;
      const logins = () => lab.sims.context.stats.snapshot(key)[key] ?? 0;
      const before = logins();
      const { clusters } = await runTask(task('vcenter:list-clusters'), deps, {});
      assert.ok(clusters.length >= 2);
      assert.equal(logins() - before, 1);
    });

    it('a wrong password is Unauthorized, without the password in the failure', async () => {
      const bad = createVcenterDeps(
        configFor.vcenter(
          lab.sims.urls.vcenter!,
          lab.sims.credentials.vcenter.username,
          'wrong-pass-4242',
          style,
        ),
      );
      await expectFailure(runTask(task('vcenter:list-vms'), bad, {}), {
        type: 'Unauthorized',
        httpStatus: 401,
        absent: [
          'wrong-pass-4242',
          Buffer.from(`${lab.sims.credentials.vcenter.username}:wrong-pass-4242`).toString('base64'),
        ],
      });
      await bad.vcenter.close();
    });

    it('503 is retryable and the next attempt succeeds', async () => {
      lab.sims.world.addHttpFault({
        system: 'vcenter',
        method: 'GET',
        path: `/${style}/vcenter/cluster`,
        kind: 'error',
        status: 503,
        times: 1,
      });
      await expectFailure(runTask(task('vcenter:list-clusters'), deps, {}), {
        type: 'UpstreamUnavailable',
        httpStatus: 503,
      });
      const { clusters } = await runTask(task('vcenter:list-clusters'), deps, {});
      assert.ok(clusters.length >= 2);
    });
  });

describe('vCenter URL style probe', function () {
  this.timeout(30_000);
  let lab: ActivityLab;
  before(async () => {
    lab = await startActivityLab(['vcenter']);
  });
  after(() => lab.stop());

  it('a vCenter without /api (older than 7.0U2) is driven through /rest', async () => {
    lab.sims.world.addHttpFault({ system: 'vcenter', path: '/api/*', kind: 'error', status: 404 });
    const { username, password } = lab.sims.credentials.vcenter;
    const deps = createVcenterDeps(configFor.vcenter(lab.sims.urls.vcenter!, username, password));
    const { clusters } = await runTask(task('vcenter:list-clusters'), deps, {});
    assert.ok(clusters.length >= 2);
    assert.equal(await deps.vcenter.apiStyle(), 'rest');
    assert.ok(
      (lab.sims.context.stats.snapshot('vcenter GET /rest/vcenter/cluster')[
        'vcenter GET /rest/vcenter/cluster'
      ] ?? 0) >= 1,
    );
    await deps.vcenter.close();
  });
});
