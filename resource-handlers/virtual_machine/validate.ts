/**
 * Checks a schema-valid VM input against the catalog: the image and network exist and are
 * enabled, CPU, memory and disks stay within the limits, the first disk can hold the image, the
 * lease ends in the future and within its limit, and the matrix allows a placement (the pinned
 * one when the user pinned it). The network is the catalog's, a built `network` resource (its
 * pool is in the catalog), or one the same request creates (`ctx.requestNetworks`). Pure: the catalog and the clock are arguments.
 */
import { candidatePlacements } from '../placement';
import type { CatalogSnapshot, FieldProblem, Limit, ValidationContext } from '../types';
import type { VirtualMachineInput } from './input';

export const resourceType = 'virtual_machine';

/** Limit names this handler reads from the catalog; a limit the catalog lacks is not enforced. */
export const limitNames = ['cpu', 'memoryGb', 'diskCount', 'diskSizeGb', 'diskTotalGb', 'leaseDays'] as const;

const DAY_MS = 86_400_000;

function outside(value: number, limit: Limit | undefined): boolean {
  return limit !== undefined && (value < limit.min || value > limit.max);
}

function known(names: string[]): string {
  return names.length ? names.sort().join(', ') : 'none';
}

/** The field problems of one VM; paths are relative to the resource (`cpu`, `disks.1.sizeGb`). */
export function validateVirtualMachine(
  input: VirtualMachineInput,
  catalog: CatalogSnapshot,
  ctx: ValidationContext,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  const limits = catalog.limits[resourceType] ?? {};

  const image = catalog.images[input.osImage];
  const allowedImages = Object.values(catalog.images)
    .filter((i) => i.enabled)
    .map((i) => i.name);
  if (!image || !image.enabled)
    add('osImage', `OS image '${input.osImage}' is not offered; allowed: ${known(allowedImages)}`);

  const network = catalog.networks[input.network];
  const allowedNetworks = Object.values(catalog.networks)
    .filter((n) => n.enabled)
    .map((n) => n.name);
  // A network the same request creates is not built yet: the VM is placed once it is.
  const builtByRequest = !(network?.enabled ?? false) && (ctx.requestNetworks?.has(input.network) ?? false);
  if ((!network || !network.enabled) && !builtByRequest)
    add(
      'network',
      `network '${input.network}' is not offered, built, or created by this request; allowed: ${known([...allowedNetworks, ...(ctx.requestNetworks ?? [])])}`,
    );

  const range = (limit: Limit, unit = '') => `${limit.min}${unit} to ${limit.max}${unit}`;
  if (outside(input.cpu, limits.cpu)) add('cpu', `must be ${range(limits.cpu!)} CPUs`);
  if (outside(input.memoryGb, limits.memoryGb)) add('memoryGb', `must be ${range(limits.memoryGb!, ' GB')}`);
  if (outside(input.disks.length, limits.diskCount))
    add('disks', `must have ${range(limits.diskCount!)} disks, has ${input.disks.length}`);
  input.disks.forEach((disk, i) => {
    if (outside(disk.sizeGb, limits.diskSizeGb))
      add(`disks.${i}.sizeGb`, `must be ${range(limits.diskSizeGb!, ' GB')}`);
  });
  const first = input.disks[0];
  if (image && first && first.sizeGb < image.minDiskGb)
    add(
      'disks.0.sizeGb',
      `the first disk holds the ${image.name} image and needs at least ${image.minDiskGb} GB`,
    );
  const total = input.disks.reduce((sum, d) => sum + d.sizeGb, 0);
  if (limits.diskTotalGb && total > limits.diskTotalGb.max)
    add('disks', `disks total ${total} GB, more than the ${limits.diskTotalGb.max} GB allowed`);

  if (input.leaseEnd !== undefined) {
    const end = Date.parse(input.leaseEnd);
    if (end <= ctx.now.getTime()) add('leaseEnd', 'must be in the future');
    else if (limits.leaseDays && end - ctx.now.getTime() > limits.leaseDays.max * DAY_MS)
      add('leaseEnd', `must be within ${limits.leaseDays.max} days`);
  }

  const pin = input.placement;
  if (pin?.cluster !== undefined && !catalog.clusters[pin.cluster])
    add(
      'placement.cluster',
      `cluster '${pin.cluster}' is not known; known: ${known(Object.keys(catalog.clusters))}`,
    );
  if (pin?.datastore !== undefined && !catalog.datastores[pin.datastore])
    add(
      'placement.datastore',
      `datastore '${pin.datastore}' is not known; known: ${known(Object.keys(catalog.datastores))}`,
    );
  if (network && network.enabled && problems.every((p) => !p.path.startsWith('placement.'))) {
    const candidates = candidatePlacements(catalog, {
      key: input.name,
      datacenter: network.datacenter,
      cluster: pin?.cluster,
      datastore: pin?.datastore,
    });
    if (candidates.length === 0) {
      const pinned = [
        pin?.cluster !== undefined ? `cluster ${pin.cluster}` : '',
        pin?.datastore !== undefined ? `datastore ${pin.datastore}` : '',
      ]
        .filter(Boolean)
        .join(' with ');
      add(
        'placement',
        pinned
          ? `the placement matrix allows no pair with ${pinned} in datacenter ${network.datacenter}`
          : `the placement matrix allows no cluster and datastore in datacenter ${network.datacenter}`,
      );
    }
  }
  return problems;
}
