/**
 * The offerings of the lab: a few standard VMs on the simulated world's images and networks
 * (resource-handlers/store/seed.ts's catalog). Seeding is idempotent and never overwrites, so an
 * admin's later change or retirement survives the next start.
 */
import type { Pool } from 'pg';
import type { OfferingCreate } from './schema';

export const labOfferings: OfferingCreate[] = [
  {
    name: 'small-rhel9-dev',
    title: 'Small RHEL 9 dev VM',
    description: 'RHEL 9, 2 CPU, 4 GB, one 60 GB disk, on the development network; built once by AWX.',
    resourceType: 'virtual_machine',
    spec: {
      osImage: 'rhel9',
      network: 'INTRANET_DEV',
      cpu: 2,
      memoryGb: 4,
      disks: [{ sizeGb: 60 }],
      managed: false,
    },
    defaultLeaseDays: 14,
    maxLeaseDays: 90,
    groups: [],
  },
  {
    name: 'medium-ubuntu22-dev',
    title: 'Medium Ubuntu 22.04 dev VM',
    description:
      'Ubuntu 22.04, 4 CPU, 16 GB, a 40 GB system disk and a 100 GB data disk, on the development network.',
    resourceType: 'virtual_machine',
    spec: {
      osImage: 'ubuntu22',
      network: 'INTRANET_DEV',
      cpu: 4,
      memoryGb: 16,
      disks: [{ sizeGb: 40 }, { sizeGb: 100 }],
      managed: false,
    },
    defaultLeaseDays: 30,
    maxLeaseDays: 180,
    groups: [],
  },
  {
    name: 'managed-rhel9-prod',
    title: 'Managed RHEL 9 production VM',
    description:
      'RHEL 9, 4 CPU, 16 GB, 100 GB, on the production network, kept as Terraform code in its own workspace.',
    resourceType: 'virtual_machine',
    spec: {
      osImage: 'rhel9',
      network: 'INTRANET_PROD',
      cpu: 4,
      memoryGb: 16,
      disks: [{ sizeGb: 100 }],
      managed: true,
    },
    defaultLeaseDays: 180,
    maxLeaseDays: 365,
    groups: ['ops'],
  },
  {
    name: 'windows2022-dmz',
    title: 'Windows Server 2022 DMZ VM',
    description: 'Windows Server 2022, 4 CPU, 8 GB, 100 GB, in the DMZ; built once by AWX.',
    resourceType: 'virtual_machine',
    spec: {
      osImage: 'windows2022',
      network: 'DMZ',
      cpu: 4,
      memoryGb: 8,
      disks: [{ sizeGb: 100 }],
      managed: false,
    },
    defaultLeaseDays: 30,
    maxLeaseDays: 90,
    groups: ['dmz'],
  },
];

/** Inserts the offerings of `seed` that are missing; existing ones are left as they are. */
export async function seedOfferings(pool: Pool, seed: OfferingCreate[] = labOfferings): Promise<void> {
  for (const o of seed)
    await pool.query(
      `INSERT INTO offerings (name, title, description, resource_type, spec, default_lease_days, max_lease_days, groups, created_by, updated_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'seed', 'seed') ON CONFLICT (name) DO NOTHING`,
      [o.name, o.title, o.description, o.resourceType, o.spec, o.defaultLeaseDays, o.maxLeaseDays, o.groups],
    );
}
