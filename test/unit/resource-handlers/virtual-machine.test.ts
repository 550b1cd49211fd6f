import assert from 'node:assert/strict';
import { templateFor } from '../../../common/resource';
import {
  commonFormatProblems,
  DuplicateResourceTypeError,
  ResourceHandlerRegistry,
  resourceHandlers,
  UnknownResourceTypeError,
  validateResources,
} from '../../../resource-handlers';
import { choosePlacement } from '../../../resource-handlers/placement';
import { labCatalog } from '../../../resource-handlers/store/seed';
import type { CatalogSnapshot } from '../../../resource-handlers/types';
import { virtualMachine, type VirtualMachineRequest } from '../../../resource-handlers/virtual_machine';

const now = new Date('2030-01-01T00:00:00Z');
const catalog = labCatalog();

const base: VirtualMachineRequest = {
  type: 'virtual_machine',
  name: 'web-01',
  osImage: 'rhel9',
  network: 'INTRANET_DEV',
  cpu: 2,
  memoryGb: 8,
  disks: [{ sizeGb: 100 }],
};

function problemsOf(resource: unknown, snapshot: CatalogSnapshot = catalog) {
  const result = validateResources([resource], snapshot, { now });
  return result.ok ? [] : result.problems;
}

/** Emits the document of a valid input with a placement from the matrix and a given address. */
function emitFor(resource: VirtualMachineRequest, address = '10.20.0.10') {
  const input = virtualMachine.input.parse(resource);
  const needs = virtualMachine.needs(input, catalog);
  const placement = choosePlacement(catalog, needs.placement!);
  assert.ok(placement, 'the lab matrix allows a placement');
  return virtualMachine.emit(input, catalog, {
    placement,
    address: { network: resource.network, address },
  });
}

describe('virtual_machine handler', () => {
  describe('valid inputs', () => {
    const valid: [string, Partial<VirtualMachineRequest>][] = [
      ['the smallest VM the limits allow', { cpu: 1, memoryGb: 1, disks: [{ sizeGb: 40 }] }],
      ['the largest VM the limits allow', { cpu: 16, memoryGb: 128, disks: Array(8).fill({ sizeGb: 512 }) }],
      ['a managed VM', { managed: true }],
      ['a lease ending within a year', { leaseEnd: '2030-06-01T00:00:00+02:00' }],
      [
        'a placement pinned to an allowed pair',
        { placement: { cluster: 'CL-DEV-01', datastore: 'DS-PROD-01' } },
      ],
      ['a pinned cluster only', { placement: { cluster: 'CL-PROD-01' } }],
      ['tags and people to notify', { tags: { owner: 'team-a' }, notify: ['a@example.com'] }],
      ['a one-character name', { name: 'a' }],
    ];
    for (const [what, change] of valid)
      it(`accepts ${what}`, () => assert.deepEqual(problemsOf({ ...base, ...change }), []));
  });

  describe('invalid inputs name their field', () => {
    const invalid: [string, Record<string, unknown>, string][] = [
      ['an uppercase name', { name: 'Web01' }, 'resources.0.name'],
      ['a name ending with a hyphen', { name: 'web-' }, 'resources.0.name'],
      ['a name of 64 characters', { name: 'a'.repeat(64) }, 'resources.0.name'],
      ['a missing name', { name: undefined }, 'resources.0.name'],
      ['an image not offered', { osImage: 'centos6' }, 'resources.0.osImage'],
      ['a network not in the catalog', { network: 'NOWHERE' }, 'resources.0.network'],
      ['too many CPUs', { cpu: 64 }, 'resources.0.cpu'],
      ['zero CPUs', { cpu: 0 }, 'resources.0.cpu'],
      ['fractional CPUs', { cpu: 1.5 }, 'resources.0.cpu'],
      ['too much memory', { memoryGb: 512 }, 'resources.0.memoryGb'],
      ['memory as a string', { memoryGb: '8' }, 'resources.0.memoryGb'],
      ['no disks', { disks: [] }, 'resources.0.disks'],
      ['too many disks', { disks: Array(9).fill({ sizeGb: 50 }) }, 'resources.0.disks'],
      ['a data disk too large', { disks: [{ sizeGb: 100 }, { sizeGb: 4000 }] }, 'resources.0.disks.1.sizeGb'],
      ['a first disk smaller than the image', { disks: [{ sizeGb: 20 }] }, 'resources.0.disks.0.sizeGb'],
      ['disks over the total limit', { disks: Array(3).fill({ sizeGb: 2000 }) }, 'resources.0.disks'],
      ['an unknown disk field', { disks: [{ sizeGb: 100, thin: true }] }, 'resources.0.disks.0.thin'],
      ['a lease in the past', { leaseEnd: '2029-12-31T00:00:00Z' }, 'resources.0.leaseEnd'],
      ['a lease beyond a year', { leaseEnd: '2031-06-01T00:00:00Z' }, 'resources.0.leaseEnd'],
      ['a lease that is not a date', { leaseEnd: 'next week' }, 'resources.0.leaseEnd'],
      ['managed as a string', { managed: 'yes' }, 'resources.0.managed'],
      ['an unknown field', { colour: 'blue' }, 'resources.0.colour'],
      ['a bad email to notify', { notify: ['not-an-email'] }, 'resources.0.notify.0'],
      ['a tag name with spaces', { tags: { 'cost center': 'x' } }, 'resources.0.tags.cost center'],
      ['an unknown cluster', { placement: { cluster: 'CL-NOPE' } }, 'resources.0.placement.cluster'],
      ['an unknown datastore', { placement: { datastore: 'DS-NOPE' } }, 'resources.0.placement.datastore'],
      [
        'a pair the matrix forbids',
        { placement: { cluster: 'CL-PROD-01', datastore: 'DS-DEV-01' } },
        'resources.0.placement',
      ],
      ['a pair on the ISO share', { placement: { datastore: 'NFS-ISO' } }, 'resources.0.placement'],
      ['an unknown type', { type: 'container' }, 'resources.0.type'],
    ];
    for (const [what, change, path] of invalid)
      it(`refuses ${what} at ${path}`, () => {
        const problems = problemsOf({ ...base, ...change });
        assert.ok(
          problems.some((p) => p.path === path),
          `expected a problem at ${path}, got ${JSON.stringify(problems)}`,
        );
      });

    it('refuses a name used twice in one request, naming the second', () => {
      const result = validateResources([base, { ...base, cpu: 4 }], catalog, { now });
      assert.equal(result.ok, false);
      assert.deepEqual(!result.ok && result.problems.map((p) => p.path), ['resources.1.name']);
    });

    it('refuses every VM when the matrix allows nothing', () => {
      const closed = { ...catalog, placements: catalog.placements.map((p) => ({ ...p, allowed: false })) };
      assert.deepEqual(
        problemsOf(base, closed).map((p) => p.path),
        ['resources.0.placement'],
      );
    });

    it('refuses a disabled image and lists the allowed ones', () => {
      const images = { ...catalog.images, rhel9: { ...catalog.images.rhel9!, enabled: false } };
      const [problem] = problemsOf(base, { ...catalog, images });
      assert.equal(problem?.path, 'resources.0.osImage');
      assert.match(problem!.message, /allowed: rhel8, ubuntu22, windows2022/);
    });
  });

  describe('examples', () => {
    for (const example of virtualMachine.examples)
      it(`${example.description}: valid, and emits a document the common-format schema accepts`, () => {
        assert.deepEqual(problemsOf(example.input), []);
        const net = catalog.networks[example.input.network]!;
        const document = emitFor(example.input, net.rangeStart);
        assert.deepEqual(commonFormatProblems(virtualMachine, document), []);
      });
  });

  describe('emit', () => {
    it('produces the common format with placement, address, netmask and gateway', () => {
      const document = emitFor({ ...base, disks: [{ sizeGb: 100 }, { sizeGb: 200 }], tags: { env: 'dev' } });
      assert.deepEqual(document, {
        formatVersion: 1,
        resourceType: 'virtual_machine',
        name: 'web-01',
        hostname: 'web-01',
        fqdn: 'web-01.lab.local',
        managed: false,
        os: {
          image: 'rhel9',
          type: 'linux',
          family: 'rhel',
          templateName: 'rhel9',
          guestId: 'rhel9_64Guest',
          firmware: 'efi',
        },
        cpu: 2,
        memoryMb: 8192,
        disks: [
          { label: 'disk0', unitNumber: 0, sizeGb: 100 },
          { label: 'disk1', unitNumber: 1, sizeGb: 200 },
        ],
        network: {
          name: 'INTRANET_DEV',
          cidr: '10.20.0.0/24',
          vlan: 120,
          ipv4Address: '10.20.0.10',
          prefixLength: 24,
          netmask: '255.255.255.0',
          gateway: '10.20.0.1',
          dnsServers: ['10.0.0.53', '10.0.1.53'],
          dnsDomain: 'lab.local',
        },
        placement: document.placement,
        leaseEnd: null,
        tags: { env: 'dev' },
        contacts: [],
      });
      assert.equal(document.placement.datacenter, 'LAB-DC1');
      assert.equal(document.placement.folder, 'Orchestrated');
    });

    it('skips SCSI unit 7, which the controller keeps for itself', () => {
      const document = emitFor({ ...base, disks: Array(8).fill({ sizeGb: 50 }) });
      assert.deepEqual(
        document.disks.map((d) => d.unitNumber),
        [0, 1, 2, 3, 4, 5, 6, 8],
      );
    });

    it('names the templates and the OS type in the metadata', () => {
      assert.deepEqual(
        [false, true].map((managed) => {
          const m = virtualMachine.describe(emitFor({ ...base, managed }));
          return [m.template, m.removalTemplate, m.osType, m.managed];
        }),
        [
          ['vm-create-unmanaged', 'vm-delete-unmanaged', 'linux', false],
          ['vm-create-managed', 'vm-delete-managed', 'linux', true],
        ],
      );
    });

    it('names the same templates the request workflow resolves', () => {
      for (const managed of [false, true]) {
        const m = virtualMachine.describe(emitFor({ ...base, managed }));
        assert.equal(m.template, templateFor('virtual_machine', managed, 'create'));
        assert.equal(m.removalTemplate, templateFor('virtual_machine', managed, 'remove'));
      }
      assert.equal(templateFor('container', false, 'create'), undefined);
    });

    it('emits the same document for the same input (a re-run commits nothing new)', () => {
      assert.deepEqual(emitFor(base), emitFor(base));
    });

    it('refuses to emit without an address (a wiring bug, not a user error)', () => {
      const input = virtualMachine.input.parse(base);
      const placement = choosePlacement(catalog, virtualMachine.needs(input, catalog).placement!)!;
      assert.throws(() => virtualMachine.emit(input, catalog, { placement }), /no address/);
    });
  });

  describe('common format schema', () => {
    it('refuses a document with a field it does not declare, and one missing a field', () => {
      const document = emitFor(base) as unknown as Record<string, unknown>;
      assert.deepEqual(
        commonFormatProblems(virtualMachine, { ...document, colour: 'blue' }).map((p) => p.path),
        ['colour'],
      );
      const { network: _network, ...rest } = document;
      assert.deepEqual(
        commonFormatProblems(virtualMachine, rest).map((p) => p.path),
        ['network'],
      );
    });

    it('refuses a malformed address', () => {
      const document = emitFor(base);
      const bad = { ...document, network: { ...document.network, ipv4Address: '10.20.0.999' } };
      assert.deepEqual(
        commonFormatProblems(virtualMachine, bad).map((p) => p.path),
        ['network.ipv4Address'],
      );
    });
  });
});

describe('virtual_machine day-2 changes', () => {
  const document = emitFor(base);
  const current = virtualMachine.summarize(document);
  const changes = virtualMachine.changes!;
  const update = (fields: Record<string, unknown>) => ({
    type: 'virtual_machine',
    action: 'update',
    name: 'web-01',
    ...fields,
  });
  const power = (what: string) => ({ type: 'virtual_machine', action: 'power', name: 'web-01', power: what });
  const checked = (action: 'update' | 'power', change: Record<string, unknown>, now = current) =>
    changes[action]!.check(changes[action]!.input.parse(change), now, catalog).map((p) => p.path);

  for (const [what, action, change, paths] of [
    ['a resize within the limits', 'update', update({ cpu: 4, memoryGb: 16 }), []],
    ['a disk added', 'update', update({ disks: [{ sizeGb: 100 }, { sizeGb: 50 }] }), []],
    ['more CPUs than permitted', 'update', update({ cpu: 99 }), ['cpu']],
    [
      'a first disk below what the image needs',
      'update',
      update({ disks: [{ sizeGb: 1 }] }),
      ['disks.0.sizeGb', 'disks.0.sizeGb', 'disks.0.sizeGb'],
    ],
    ['the size it has', 'update', update({ cpu: 2 }), ['cpu']],
    ['power off', 'power', power('off'), []],
    ['power on when on', 'power', power('on'), ['power']],
    ['restart when on', 'power', power('restart'), []],
  ] as const) {
    it(`${what}: ${paths.length ? paths.join(', ') : 'allowed'}`, () => {
      assert.deepEqual(checked(action, change), paths);
    });
  }

  it('refuses a restart of a VM that is off, and applies a resize and a power-off to the document', () => {
    const off = changes.power!.apply(document, power('off'));
    assert.equal(off.power, 'off');
    assert.deepEqual(checked('power', power('restart'), virtualMachine.summarize(off)), ['power']);
    const grown = changes.update!.apply(
      document,
      update({ memoryGb: 16, disks: [{ sizeGb: 100 }, { sizeGb: 50 }] }),
    );
    assert.deepEqual(
      [grown.cpu, grown.memoryMb, grown.disks.map((d) => [d.label, d.unitNumber, d.sizeGb])],
      [
        2,
        16384,
        [
          ['disk0', 0, 100],
          ['disk1', 1, 50],
        ],
      ],
    );
    assert.deepEqual(commonFormatProblems(virtualMachine, grown), []);
    // A disk cannot go.
    assert.deepEqual(
      checked('update', update({ disks: [{ sizeGb: 100 }] }), virtualMachine.summarize(grown)),
      ['disks'],
    );
    assert.deepEqual(commonFormatProblems(virtualMachine, off), []);
  });
});

describe('placement', () => {
  it('chooses the same pair for the same key, every time', () => {
    const request = { key: 'web-01', datacenter: 'LAB-DC1' };
    assert.deepEqual(choosePlacement(catalog, request), choosePlacement(catalog, request));
  });

  it('spreads keys over the allowed pairs in proportion to their weights, never on forbidden ones', () => {
    const counts: Record<string, number> = {};
    for (let i = 0; i < 2000; i++) {
      const p = choosePlacement(catalog, { key: `vm-${i}`, datacenter: 'LAB-DC1' })!;
      counts[`${p.cluster}/${p.datastore}`] = (counts[`${p.cluster}/${p.datastore}`] ?? 0) + 1;
    }
    assert.deepEqual(Object.keys(counts).sort(), [
      'CL-DEV-01/DS-DEV-01',
      'CL-DEV-01/DS-PROD-01',
      'CL-PROD-01/DS-PROD-01',
    ]);
    // Weights 100 : 25 : 100 → shares 4/9, 1/9, 4/9.
    const share = (k: string) => counts[k]! / 2000;
    assert.ok(Math.abs(share('CL-DEV-01/DS-PROD-01') - 1 / 9) < 0.03, JSON.stringify(counts));
    assert.ok(Math.abs(share('CL-PROD-01/DS-PROD-01') - 4 / 9) < 0.05, JSON.stringify(counts));
  });

  it('keeps a key where it was when an admin forbids another pair', () => {
    const without = {
      ...catalog,
      placements: catalog.placements.map((p) =>
        p.cluster === 'CL-DEV-01' && p.datastore === 'DS-PROD-01' ? { ...p, allowed: false } : p,
      ),
    };
    for (let i = 0; i < 200; i++) {
      const request = { key: `vm-${i}`, datacenter: 'LAB-DC1' };
      const before = choosePlacement(catalog, request)!;
      if (before.cluster === 'CL-DEV-01' && before.datastore === 'DS-PROD-01') continue;
      assert.deepEqual(choosePlacement(without, request), before);
    }
  });

  it('honours pins and finds nothing in another datacenter', () => {
    assert.equal(
      choosePlacement(catalog, { key: 'x', datacenter: 'LAB-DC1', cluster: 'CL-PROD-01' })?.cluster,
      'CL-PROD-01',
    );
    assert.equal(choosePlacement(catalog, { key: 'x', datacenter: 'OTHER-DC' }), undefined);
  });
});

describe('resource handler registry', () => {
  it('refuses a type declared twice', () => {
    assert.throws(
      () => new ResourceHandlerRegistry([virtualMachine, virtualMachine]),
      DuplicateResourceTypeError,
    );
  });

  it('names the known types when asked for an unknown one', () => {
    assert.throws(() => resourceHandlers.get('container'), UnknownResourceTypeError);
    assert.throws(() => resourceHandlers.get('container'), /known: network, virtual_machine/);
  });

  it('gives the API one input schema for every type', () => {
    assert.equal(resourceHandlers.inputSchema().safeParse(base).success, true);
    assert.equal(resourceHandlers.inputSchema().safeParse({ ...base, type: 'container' }).success, false);
  });
});
