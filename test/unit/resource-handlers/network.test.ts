import assert from 'node:assert/strict';
import { commonFormatProblems, networksCreatedBy, validateResources } from '../../../resource-handlers';
import { network, type NetworkRequest } from '../../../resource-handlers/network';
import { subnetAddressing } from '../../../resource-handlers/store/networks';
import { labCatalog } from '../../../resource-handlers/store/seed';
import type { CatalogNetwork, CatalogSnapshot } from '../../../resource-handlers/types';

const now = new Date('2030-01-01T00:00:00Z');
const catalog = labCatalog();
const labDatacenter = catalog.networks.INTRANET_DEV!.datacenter;

const base: NetworkRequest = {
  type: 'network',
  name: 'shop-web',
  tenant: 'Lab',
  vrf: 'lab_vrf',
  subnet: '10.30.1.0/24',
};

/** The lab catalog with a network some request built (or is building) on 10.30.5.0/24. */
function withBuilt(name = 'built-net', cidr = '10.30.5.0/24', enabled = true): CatalogSnapshot {
  const built: CatalogNetwork = {
    name,
    datacenter: labDatacenter,
    cidr,
    ...subnetAddressing(cidr),
    dnsServers: [],
    dnsDomain: '',
    vlan: 200,
    enabled,
    builtBy: { traceId: 'trc_other', tenant: 'Lab', vrf: 'lab_vrf' },
  };
  return { ...catalog, networks: { ...catalog.networks, [name]: built } };
}

function problemsOf(resource: unknown, snapshot: CatalogSnapshot = catalog) {
  const result = validateResources([resource], snapshot, { now });
  return result.ok ? [] : result.problems;
}

describe('network handler', () => {
  it('the lab permits networks in tenant Lab, VRF lab_vrf, /24 to /28 of 10.30.0.0/16', () => {
    const permit = Object.values(catalog.networkPermits ?? {})[0];
    assert.deepEqual(
      permit && [
        permit.tenant,
        permit.vrf,
        permit.cidr,
        permit.minPrefix,
        permit.maxPrefix,
        permit.vmmDomain,
      ],
      ['Lab', 'lab_vrf', '10.30.0.0/16', 24, 28, 'lab_vds'],
    );
  });

  for (const example of network.examples)
    it(`example: ${example.description}`, () => {
      assert.deepEqual(problemsOf(example.input), []);
      const input = network.input.parse(example.input);
      const needs = network.needs(input, catalog);
      assert.equal(needs.subnet?.permit, 'lab-apps');
      const pool: CatalogNetwork = {
        name: input.name,
        datacenter: labDatacenter,
        cidr: input.subnet,
        ...subnetAddressing(input.subnet),
        dnsServers: ['10.0.0.53'],
        dnsDomain: 'lab.local',
        vlan: 201,
        enabled: false,
      };
      const document = network.emit(input, catalog, { subnet: pool });
      assert.deepEqual(commonFormatProblems(network, document), []);
      assert.equal(document.aci.encap, 'vlan-201');
      assert.equal(document.aci.domain, 'uni/vmmp-VMware/dom-lab_vds');
      assert.equal(document.vcenter.portgroup, input.name);
      assert.equal(document.subnet.gatewayCidr, `${pool.gateway}/${input.subnet.split('/')[1]}`);
      assert.equal(network.describe(document).template, 'network-create');
      assert.equal(network.describe(document).removalTemplate, 'network-delete');
    });

  const refused: [
    string,
    Partial<NetworkRequest> | Record<string, unknown>,
    string,
    RegExp,
    CatalogSnapshot?,
  ][] = [
    ['a tenant not permitted', { tenant: 'Prod' }, 'resources.0.tenant', /not permitted.*allowed: Lab/],
    ['a VRF not permitted in the tenant', { vrf: 'prod_vrf' }, 'resources.0.vrf', /allowed: lab_vrf/],
    [
      'a subnet outside the permitted range',
      { subnet: '10.40.1.0/24' },
      'resources.0.subnet',
      /outside.*10\.30\.0\.0\/16/,
    ],
    [
      'a subnet larger than permitted',
      { subnet: '10.30.0.0/20' },
      'resources.0.subnet',
      /outside.*\/24 to \/28/,
    ],
    ['a subnet smaller than permitted', { subnet: '10.30.1.0/30' }, 'resources.0.subnet', /outside/],
    [
      'a subnet that is no network address',
      { subnet: '10.30.1.7/24' },
      'resources.0.subnet',
      /did you mean 10\.30\.1\.0\/24/,
    ],
    ['a subnet that is not IPv4', { subnet: '10.30.1/24' }, 'resources.0.subnet', /not an IPv4 subnet/],
    [
      'a subnet overlapping a catalog network',
      { subnet: '10.20.0.0/24' },
      'resources.0.subnet',
      /overlaps INTRANET_DEV/,
    ],
    [
      'a subnet overlapping a built network',
      { subnet: '10.30.5.128/25' },
      'resources.0.subnet',
      /overlaps built-net \(10\.30\.5\.0\/24\)/,
      withBuilt(),
    ],
    [
      'a subnet overlapping one being built',
      { subnet: '10.30.5.0/26' },
      'resources.0.subnet',
      /overlaps building/,
      withBuilt('building', '10.30.5.0/24', false),
    ],
    [
      'the name of a catalog network',
      { name: 'dmz', subnet: '10.30.9.0/24' },
      'resources.0.name',
      /named DMZ already exists/,
    ],
    ['a name with capitals', { name: 'Shop-Web' }, 'resources.0.name', /lowercase/],
    ['a name with an underscore', { name: 'shop_web' }, 'resources.0.name', /lowercase/],
    ['a name with a space', { name: 'shop web' }, 'resources.0.name', /lowercase/],
    [
      'a name longer than ACI names allow once suffixed',
      { name: `n${'a'.repeat(40)}` },
      'resources.0.name',
      /1-40/,
    ],
    ['a name ending with a hyphen', { name: 'shop-' }, 'resources.0.name', /hyphen/],
    ['a description ACI refuses', { description: 'semi;colon' }, 'resources.0.description', /ACI/],
    ['an unknown field', { vlan: 12 }, 'resources.0.vlan', /unknown field/],
    ['a lease in the past', { leaseEnd: '2020-01-01T00:00:00Z' }, 'resources.0.leaseEnd', /future/],
  ];
  for (const [what, change, path, message, snapshot] of refused)
    it(`refuses ${what}, naming ${path}`, () => {
      const problems = problemsOf({ ...base, ...change }, snapshot);
      const problem = problems.find((p) => p.path === path && message.test(p.message));
      assert.ok(problem, `${path} ~ ${message}: ${JSON.stringify(problems)}`);
    });

  it('a re-run in the same trace does not clash with its own reservation', () => {
    assert.deepEqual(problemsOf({ ...base, name: 'built-net', subnet: '10.30.5.0/24' }, withBuilt()), []);
  });

  describe('VMs on networks', () => {
    const vm = {
      type: 'virtual_machine',
      name: 'web-01',
      osImage: 'rhel9',
      cpu: 2,
      memoryGb: 8,
      disks: [{ sizeGb: 100 }],
    };
    it('a VM may name a built network', () => {
      assert.deepEqual(problemsOf({ ...vm, network: 'built-net' }, withBuilt()), []);
    });
    it('a VM may not name a network still being built by another request', () => {
      const problems = problemsOf(
        { ...vm, network: 'built-net' },
        withBuilt('built-net', '10.30.5.0/24', false),
      );
      assert.deepEqual(
        problems.map((p) => p.path),
        ['resources.0.network'],
      );
    });
    it('a VM may name a network the same request creates', () => {
      const result = validateResources([base, { ...vm, network: 'shop-web' }], catalog, { now });
      assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
    });
    it('a VM on a network neither existing nor in the request is refused, naming its field', () => {
      const problems = problemsOf({ ...vm, network: 'nowhere' });
      assert.deepEqual(
        problems.map((p) => p.path),
        ['resources.0.network'],
      );
      assert.match(problems[0]!.message, /not offered, built, or created by this request/);
    });
    it('networksCreatedBy names the networks a request creates, not those it deletes', () => {
      assert.deepEqual(
        [
          ...networksCreatedBy([
            base,
            { type: 'network', name: 'old', action: 'delete' },
            vm,
            { type: 'network', name: 'x', action: 'create' },
          ]),
        ],
        ['shop-web', 'x'],
      );
    });
  });
});
