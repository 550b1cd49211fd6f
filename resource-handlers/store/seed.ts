/**
 * Seeding the catalog. A real installation loads its own inventory with `seedCatalog`; the
 * embedded stack and the tests load `labCatalog()`, derived from the simulators' lab world so
 * the two cannot drift: its datacenter, clusters, datastores, networks with their addressing,
 * and OS images, plus what the world does not know (limits, the address ranges reserved for
 * allocation, the placement matrix). Seeding is idempotent and never overwrites: an admin's
 * later change to the matrix survives the next start.
 */
import type { Pool } from 'pg';
import { seedWorld } from '../../simulators/world/seed';
import { numberToIpv4, parseCidr } from '../ipv4';
import type { CatalogSnapshot } from '../types';

/** What a seed holds: a catalog snapshot's content. */
export type CatalogSeed = CatalogSnapshot;

/** vSphere API guest ids and families of the lab images (the world keeps REST guest OS ids). */
const labImageFacts: Record<string, { family: string; guestId: string }> = {
  rhel9: { family: 'rhel', guestId: 'rhel9_64Guest' },
  rhel8: { family: 'rhel', guestId: 'rhel8_64Guest' },
  ubuntu22: { family: 'ubuntu', guestId: 'ubuntu64Guest' },
  windows2022: { family: 'windows', guestId: 'windows2019srvNext_64Guest' },
};

/** Limits of a VM in the lab. */
const labVmLimits = {
  cpu: { min: 1, max: 16 },
  memoryGb: { min: 1, max: 128 },
  diskCount: { min: 1, max: 8 },
  diskSizeGb: { min: 10, max: 2048 },
  diskTotalGb: { min: 10, max: 4096 },
  leaseDays: { min: 1, max: 365 },
};

/** Where new VMs go in the lab's vCenter (the folder the AWX playbook uses by default). */
const labVmFolder = 'Orchestrated';

/**
 * The lab matrix: production VMs on the production datastore; the dev cluster on the dev
 * datastore, and on the production one as a less preferred overflow; the ISO share never.
 */
const labMatrix: Record<string, Record<string, number | null>> = {
  'CL-PROD-01': { 'DS-PROD-01': 100, 'DS-DEV-01': null, 'NFS-ISO': null },
  'CL-DEV-01': { 'DS-DEV-01': 100, 'DS-PROD-01': 25, 'NFS-ISO': null },
};

/**
 * Where the lab lets requests build networks: tenant Lab, VRF lab_vrf, subnets of /24 to /28 cut
 * from 10.30.0.0/16 (clear of the lab's own networks), port groups on the lab's distributed switch
 * (the ACI simulator's VMM domain lab_vds) with VLANs 200-299, the lab's DNS.
 */
function labNetworkPermits(
  datacenter: string,
  dns: { servers: string[]; domain: string },
): CatalogSeed['networkPermits'] {
  return {
    'lab-apps': {
      name: 'lab-apps',
      tenant: 'Lab',
      vrf: 'lab_vrf',
      cidr: '10.30.0.0/16',
      minPrefix: 24,
      maxPrefix: 28,
      datacenter,
      vmmDomain: 'lab_vds',
      vlanMin: 200,
      vlanMax: 299,
      dnsServers: dns.servers,
      dnsDomain: dns.domain,
      enabled: true,
    },
  };
}

/** The catalog that matches a fresh simulator world. */
export function labCatalog(): CatalogSeed {
  const world = seedWorld(new Date(0));
  const vc = world.vcenter;
  const datacenterOf = (id: string) => vc.datacenters[id]?.name ?? id;
  const catalog: CatalogSeed = {
    images: {},
    limits: { virtual_machine: labVmLimits },
    networks: {},
    clusters: {},
    datastores: {},
    placements: [],
  };
  for (const image of Object.values(world.lab.images)) {
    const facts = labImageFacts[image.name];
    catalog.images[image.name] = {
      name: image.name,
      description: image.description,
      osType: image.family === 'WINDOWS' ? 'windows' : 'linux',
      osFamily: facts?.family ?? image.family.toLowerCase(),
      templateName: image.name,
      guestId: facts?.guestId ?? image.guest_OS,
      firmware: image.firmware === 'EFI' ? 'efi' : 'bios',
      minDiskGb: image.disk_GiB,
      enabled: true,
    };
  }
  for (const network of Object.values(vc.networks)) {
    const facts = world.lab.networks[network.name];
    if (!facts) continue;
    const { base, prefixLength } = parseCidr(facts.cidr);
    const broadcast = base + 2 ** (32 - prefixLength) - 1;
    catalog.networks[network.name] = {
      name: network.name,
      datacenter: datacenterOf(network.datacenter),
      cidr: facts.cidr,
      gateway: facts.gateway,
      dnsServers: facts.dns_servers,
      dnsDomain: facts.dns_domain,
      vlan: facts.vlan,
      // Below .next_host the lab keeps static infrastructure; the last few are spare.
      rangeStart: numberToIpv4(base + facts.next_host),
      rangeEnd: numberToIpv4(broadcast - 5),
      enabled: true,
    };
  }
  for (const cluster of Object.values(vc.clusters))
    catalog.clusters[cluster.name] = {
      name: cluster.name,
      datacenter: datacenterOf(cluster.datacenter),
      vmFolder: labVmFolder,
    };
  for (const ds of Object.values(vc.datastores))
    catalog.datastores[ds.name] = { name: ds.name, datacenter: datacenterOf(ds.datacenter) };
  for (const [cluster, row] of Object.entries(labMatrix))
    for (const [datastore, weight] of Object.entries(row))
      catalog.placements.push({ cluster, datastore, allowed: weight !== null, weight: weight ?? 0 });
  const dev = world.lab.networks.INTRANET_DEV!;
  catalog.networkPermits = labNetworkPermits(Object.values(vc.datacenters)[0]!.name, {
    servers: dev.dns_servers,
    domain: dev.dns_domain,
  });
  return catalog;
}

/** Inserts what is missing of `seed`; rows already there are left as they are. */
export async function seedCatalog(pool: Pool, seed: CatalogSeed = labCatalog()): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    for (const i of Object.values(seed.images))
      await client.query(
        `INSERT INTO catalog_os_images
           (name, description, os_type, os_family, template_name, guest_id, firmware, min_disk_gb, enabled)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (name) DO NOTHING`,
        [
          i.name,
          i.description,
          i.osType,
          i.osFamily,
          i.templateName,
          i.guestId,
          i.firmware,
          i.minDiskGb,
          i.enabled,
        ],
      );
    for (const [type, limits] of Object.entries(seed.limits))
      for (const [name, limit] of Object.entries(limits))
        await client.query(
          `INSERT INTO catalog_limits (resource_type, name, min_value, max_value)
           VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
          [type, name, limit.min, limit.max],
        );
    for (const n of Object.values(seed.networks))
      await client.query(
        `INSERT INTO catalog_networks
           (name, datacenter, cidr, gateway, dns_servers, dns_domain, vlan, range_start, range_end, enabled)
         VALUES ($1, $2, $3, $4, $5::inet[], $6, $7, $8, $9, $10) ON CONFLICT (name) DO NOTHING`,
        [
          n.name,
          n.datacenter,
          n.cidr,
          n.gateway,
          n.dnsServers,
          n.dnsDomain,
          n.vlan,
          n.rangeStart,
          n.rangeEnd,
          n.enabled,
        ],
      );
    for (const c of Object.values(seed.clusters))
      await client.query(
        'INSERT INTO catalog_clusters (name, datacenter, vm_folder) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
        [c.name, c.datacenter, c.vmFolder],
      );
    for (const d of Object.values(seed.datastores))
      await client.query(
        'INSERT INTO catalog_datastores (name, datacenter) VALUES ($1, $2) ON CONFLICT DO NOTHING',
        [d.name, d.datacenter],
      );
    for (const p of seed.placements)
      await client.query(
        `INSERT INTO placement_matrix (cluster, datastore, allowed, weight, updated_by)
         VALUES ($1, $2, $3, $4, 'seed') ON CONFLICT DO NOTHING`,
        [p.cluster, p.datastore, p.allowed, p.weight],
      );
    for (const p of Object.values(seed.networkPermits ?? {}))
      await client.query(
        `INSERT INTO network_permits (name, tenant, vrf, cidr, min_prefix, max_prefix, datacenter, vmm_domain,
                                      vlan_min, vlan_max, dns_servers, dns_domain, enabled)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::inet[], $12, $13) ON CONFLICT DO NOTHING`,
        [
          p.name,
          p.tenant,
          p.vrf,
          p.cidr,
          p.minPrefix,
          p.maxPrefix,
          p.datacenter,
          p.vmmDomain,
          p.vlanMin,
          p.vlanMax,
          p.dnsServers,
          p.dnsDomain,
          p.enabled,
        ],
      );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
