/**
 * The JSON Schema of a VM input as the API documents it: the input schema narrowed by the catalog
 * of the moment (the offered images and networks, the known clusters and datastores, the limits,
 * the disk each image needs), so a client reads there what validate.ts checks, except what a
 * schema cannot say: the disks' total, a lease in the future, what the placement matrix allows.
 */
import { z } from 'zod';
import type { CatalogSnapshot, Limit } from '../types';
import { virtualMachineInput } from './input';
import { resourceType } from './validate';

type Schema = Record<string, unknown> & { properties?: Record<string, Schema>; items?: Schema };

const bounded = (schema: Schema, limit: Limit | undefined, min = 'minimum', max = 'maximum') =>
  limit ? { ...schema, [min]: limit.min, [max]: limit.max } : schema;

export function virtualMachineInputSchema(catalog: CatalogSnapshot): Record<string, unknown> {
  const schema = z.toJSONSchema(virtualMachineInput, { io: 'input', unrepresentable: 'any' }) as Schema;
  delete schema.$schema;
  const p = schema.properties!;
  const limits = catalog.limits[resourceType] ?? {};
  const images = Object.values(catalog.images).filter((i) => i.enabled);
  const networks = Object.values(catalog.networks).filter((n) => n.enabled);
  p.osImage = { ...p.osImage, enum: images.map((i) => i.name).sort() };
  p.network = { ...p.network, enum: networks.map((n) => n.name).sort() };
  p.cpu = bounded(p.cpu!, limits.cpu);
  p.memoryGb = bounded(p.memoryGb!, limits.memoryGb);
  const disk = p.disks!.items!;
  disk.properties!.sizeGb = bounded(disk.properties!.sizeGb!, limits.diskSizeGb);
  p.disks = bounded(p.disks!, limits.diskCount, 'minItems', 'maxItems');
  const pin = p.placement!.properties!;
  pin.cluster = { ...pin.cluster, enum: Object.keys(catalog.clusters).sort() };
  pin.datastore = { ...pin.datastore, enum: Object.keys(catalog.datastores).sort() };
  // The first disk holds the image: at least the image's own minimum.
  const firstDisk = images.map((image) => ({
    if: { properties: { osImage: { const: image.name } } },
    then: {
      properties: { disks: { prefixItems: [{ properties: { sizeGb: { minimum: image.minDiskGb } } }] } },
    },
  }));
  return firstDisk.length ? { ...schema, allOf: firstDisk } : schema;
}
