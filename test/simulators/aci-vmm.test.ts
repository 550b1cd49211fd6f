/** The APIC simulator's VMware VMM integration: EPGs bound to the VMM domain get port groups in the world's vCenter. */
/* eslint-disable @typescript-eslint/no-explicit-any -- a VM is reduced to the NIC the check reads */
import assert from 'node:assert/strict';
import { startAciFixture, type AciFixture } from './aci-fixture';

const epgDn = 'uni/tn-Lab/ap-shop/epg-web';

function epg(domain: Record<string, string>) {
  return {
    fvTenant: {
      attributes: { name: 'Lab' },
      children: [
        {
          fvAp: {
            attributes: { name: 'shop' },
            children: [
              { fvAEPg: { attributes: { name: 'web' }, children: [{ fvRsDomAtt: { attributes: domain } }] } },
            ],
          },
        },
      ],
    },
  };
}

describe('ACI simulator: VMM integration with vCenter', () => {
  let aci: AciFixture;
  let token: string;
  beforeEach(async () => {
    aci = await startAciFixture();
    token = await aci.login();
  });
  afterEach(() => aci.stop());

  const portgroups = () =>
    Object.values(aci.ctx.world.state.vcenter.networks).filter((n) => n.type === 'DISTRIBUTED_PORTGROUP');
  const named = (name: string) => portgroups().filter((n) => n.name === name);

  const cases: [string, Record<string, string>, string | undefined][] = [
    ['its customEpgName', { customEpgName: 'shop-web', encap: 'vlan-210', encapMode: 'vlan' }, 'shop-web'],
    ['tenant|profile|EPG without one', {}, 'Lab|shop|web'],
  ];
  for (const [what, attrs, name] of cases)
    it(`a binding to the VMM domain makes a distributed port group named by ${what}`, async () => {
      const posted = await aci.call('POST', '/api/mo/uni.json', token, {
        polUni: { attributes: {}, children: [epg({ tDn: 'uni/vmmp-VMware/dom-lab_vds', ...attrs })] },
      });
      assert.equal(posted.status, 200, JSON.stringify(posted.json));
      assert.equal(named(name!).length, 1);
    });

  it('a binding to a physical domain makes none', async () => {
    const before = portgroups().length;
    await aci.call('POST', '/api/mo/uni.json', token, {
      polUni: { attributes: {}, children: [epg({ tDn: 'uni/phys-phys_dom' })] },
    });
    assert.equal(portgroups().length, before);
  });

  it('the port group goes with its EPG, but stays while a VM is attached to it', async () => {
    await aci.call('POST', '/api/mo/uni.json', token, {
      polUni: {
        attributes: {},
        children: [epg({ tDn: 'uni/vmmp-VMware/dom-lab_vds', customEpgName: 'shop-web' })],
      },
    });
    const [group] = named('shop-web');
    aci.ctx.world.change((s) => {
      s.vcenter.vms['vm-1'] = { nics: { '4000': { backing: { network: group!.network } } } } as any;
    });
    await aci.call('DELETE', `/api/mo/${epgDn}.json`, token);
    assert.equal(named('shop-web').length, 1, 'kept while the VM is on it');
    aci.ctx.world.change((s) => {
      delete s.vcenter.vms['vm-1'];
    });
    await aci.call('DELETE', `/api/mo/${epgDn}.json`, token);
    assert.deepEqual(named('shop-web'), [], 'gone once the VM is');
  });
});
