/**
 * ACI tasks against the APIC simulator: the objects of a network built idempotently (tenant, VRF,
 * application profile, bridge domain, EPG), relation states reported, class queries, deletes; the
 * token kept inside the client (refreshed before its idle timeout, renewed after a refusal);
 * failures in the taxonomy with APIC's own code and text.
 */
import assert from 'node:assert/strict';
import { aciSystem, createAciDeps, type AciDeps } from '../../activities/aci';
import { AciClient } from '../../activities/aci/client';
import { configFor, expectFailure, runTask } from './fixtures';
import { startActivityLab, type ActivityLab } from './lab';

const task = (id: string) => aciSystem.tasks.find((t) => t.id === id)!;

describe('ACI tasks against the simulator', function () {
  this.timeout(30_000);
  let lab: ActivityLab;
  let deps: AciDeps;
  const stat = (key: string) => lab.sims.context.stats.snapshot(key)[key] ?? 0;

  before(async () => {
    lab = await startActivityLab(['aci']);
    const { username, password } = lab.sims.credentials.aci;
    deps = createAciDeps(configFor.aci(lab.sims.urls.aci!, username, password));
  });
  after(async () => {
    await deps.aci.close();
    await lab.stop();
  });
  afterEach(() => {
    lab.sims.world.clearFaults();
    lab.sims.world.setDurations({ 'aci.session-refresh-timeout': null, 'aci.session-max-lifetime': null });
  });

  it('builds a network: tenant with VRF, application profile, bridge domain, EPG — and repeating changes nothing', async () => {
    const tenant = await runTask(task('aci:ensure-tenant'), deps, { name: 'Prod', vrfs: ['vrf1'] });
    assert.deepEqual(tenant, { dn: 'uni/tn-Prod', created: true, vrfs: ['uni/tn-Prod/ctx-vrf1'] });
    const ap = await runTask(task('aci:ensure-application-profile'), deps, { tenant: 'Prod', name: 'shop' });
    assert.deepEqual(ap, { dn: 'uni/tn-Prod/ap-shop', created: true });
    const bd = await runTask(task('aci:ensure-bridge-domain'), deps, {
      tenant: 'Prod',
      name: 'web_bd',
      vrf: 'vrf1',
      subnets: [{ ip: '10.1.1.1/24' }],
    });
    assert.equal(bd.dn, 'uni/tn-Prod/BD-web_bd');
    assert.equal(bd.vrfRelationState, 'formed');
    const epg = await runTask(task('aci:ensure-epg'), deps, {
      tenant: 'Prod',
      applicationProfile: 'shop',
      name: 'web',
      bridgeDomain: 'web_bd',
      domains: [{ tDn: 'uni/phys-phys_dom', resImedcy: 'immediate' }],
    });
    assert.deepEqual(epg, {
      dn: 'uni/tn-Prod/ap-shop/epg-web',
      created: true,
      bridgeDomainRelationState: 'formed',
    });

    const again = await runTask(task('aci:ensure-tenant'), deps, { name: 'Prod', vrfs: ['vrf1'] });
    assert.equal(again.created, false);
    const epgAgain = await runTask(task('aci:ensure-epg'), deps, {
      tenant: 'Prod',
      applicationProfile: 'shop',
      name: 'web',
      bridgeDomain: 'web_bd',
    });
    assert.equal(epgAgain.created, false);
    const { totalCount } = await runTask(task('aci:query-class'), deps, {
      className: 'fvAEPg',
      filter: 'eq(fvAEPg.name,"web")',
    });
    assert.equal(totalCount, 1);
  });

  it('an EPG bound to a bridge domain that does not exist reports missing-target', async () => {
    const epg = await runTask(task('aci:ensure-epg'), deps, {
      tenant: 'Prod',
      applicationProfile: 'shop',
      name: 'db',
      bridgeDomain: 'no_such_bd',
    });
    assert.equal(epg.bridgeDomainRelationState, 'missing-target');
  });

  it('refuses to build under a parent that does not exist (NotFound), rather than creating it implicitly', async () => {
    await expectFailure(
      runTask(task('aci:ensure-application-profile'), deps, { tenant: 'Nope', name: 'x' }),
      {
        type: 'NotFound',
        message: ['tenant Nope'],
      },
    );
  });

  it('queries a class with its children', async () => {
    const { objects } = await runTask(task('aci:query-class'), deps, {
      className: 'fvTenant',
      filter: 'eq(fvTenant.name,"Prod")',
      subtree: 'children',
    });
    assert.equal(objects.length, 1);
    assert.equal(objects[0].className, 'fvTenant');
    assert.ok((objects[0].children ?? []).length >= 2);
  });

  it('deletes an object and its subtree; an absent dn is success', async () => {
    assert.deepEqual(await runTask(task('aci:delete-object'), deps, { dn: 'uni/tn-Prod/ap-shop/epg-db' }), {
      dn: 'uni/tn-Prod/ap-shop/epg-db',
      deleted: true,
    });
    assert.deepEqual(await runTask(task('aci:delete-object'), deps, { dn: 'uni/tn-Prod/ap-shop/epg-db' }), {
      dn: 'uni/tn-Prod/ap-shop/epg-db',
      deleted: false,
    });
    const { totalCount } = await runTask(task('aci:query-class'), deps, {
      className: 'fvAEPg',
      filter: 'eq(fvAEPg.name,"db")',
    });
    assert.equal(totalCount, 0);
  });

  it('input errors fail before any call: bad names, deleting the root', async () => {
    await expectFailure(runTask(task('aci:ensure-tenant'), deps, { name: 'has space' }), {
      type: 'InvalidInput',
      message: ['input.name'],
    });
    await expectFailure(runTask(task('aci:delete-object'), deps, { dn: 'uni' }), {
      type: 'InvalidInput',
      message: ['input.dn'],
    });
  });

  it("an unknown class is InvalidInput carrying APIC's code and text", async () => {
    const details = await expectFailure(runTask(task('aci:query-class'), deps, { className: 'fvFoobar' }), {
      type: 'InvalidInput',
      httpStatus: 400,
      message: ['fvFoobar'],
    });
    assert.equal(details.upstreamCode, '122');
  });

  it('refreshes the token before its idle timeout, and logs in again after a long idle', async () => {
    lab.sims.world.setDurations({ 'aci.session-refresh-timeout': 1_000 });
    const fresh = createAciDeps(
      configFor.aci(lab.sims.urls.aci!, lab.sims.credentials.aci.username, lab.sims.credentials.aci.password),
    );
    const logins = () => stat('aci POST /api/aaaLogin.json');
    const refreshes = () => stat('aci GET /api/aaaRefresh.json');
    const [l0, r0] = [logins(), refreshes()];
    await runTask(task('aci:query-class'), fresh, { className: 'fvTenant' });
    await new Promise((r) => setTimeout(r, 600));
    await runTask(task('aci:query-class'), fresh, { className: 'fvTenant' });
    assert.equal(logins() - l0, 1);
    assert.equal(refreshes() - r0, 1);
    await new Promise((r) => setTimeout(r, 1_200));
    await runTask(task('aci:query-class'), fresh, { className: 'fvTenant' });
    assert.equal(logins() - l0, 2);
    await fresh.aci.close();
  });

  it('a token the APIC refuses (403) is replaced by one new log-in, and the call succeeds', async () => {
    lab.sims.world.setDurations({ 'aci.session-refresh-timeout': 1_000 });
    // A client whose clock stands still cannot see the token age: only the APIC's 403 tells it.
    const frozen = Date.now();
    const client = new AciClient({
      url: lab.sims.urls.aci!,
      username: lab.sims.credentials.aci.username,
      password: () => lab.sims.credentials.aci.password,
      timeoutMs: 5_000,
      now: () => frozen,
    });
    await client.queryClass('fvTenant');
    await new Promise((r) => setTimeout(r, 1_200));
    const logins = stat('aci POST /api/aaaLogin.json');
    const res = await client.queryClass('fvTenant');
    assert.ok(Number(res.totalCount) >= 1);
    assert.equal(stat('aci POST /api/aaaLogin.json') - logins, 1);
    await client.close();
  });

  it('a wrong password is Unauthorized, without the password in the failure', async () => {
    const bad = createAciDeps(
      configFor.aci(lab.sims.urls.aci!, lab.sims.credentials.aci.username, 'wrong-pass-5151'),
    );
    await expectFailure(runTask(task('aci:query-class'), bad, { className: 'fvTenant' }), {
      type: 'Unauthorized',
      httpStatus: 401,
      absent: ['wrong-pass-5151'],
    });
    await bad.aci.close();
  });

  it('503 is retryable and the next attempt succeeds', async () => {
    lab.sims.world.addHttpFault({
      system: 'aci',
      method: 'GET',
      path: '/api/node/class/*',
      kind: 'error',
      status: 503,
      times: 1,
    });
    await expectFailure(runTask(task('aci:query-class'), deps, { className: 'fvTenant' }), {
      type: 'UpstreamUnavailable',
      httpStatus: 503,
    });
    const ok = await runTask(task('aci:query-class'), deps, { className: 'fvTenant' });
    assert.ok(ok.totalCount >= 1);
  });
});
