/**
 * Standard offerings: a resource with every technical field preset ("Small RHEL 9 dev VM"), that a
 * requester orders with a few fields of their own. The shapes an admin writes and a requester
 * writes, declared once: the routes validate with them and the OpenAPI document is built from them.
 */
import { z } from 'zod';
import { groupName } from '../../auth/tokens';
import { dependsOnSchema, emailAddress, resourceName, resourceType } from '../requests/schema';

/** An offering's name as requests write it (`small-rhel9-dev`). */
export const offeringName = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, 'lower-case letters, digits and inner hyphens only');

/** The fields an order may carry besides the offering: what is left to ask. */
export const orderFields = ['name', 'leaseDays', 'group', 'tags', 'notify', 'dependsOn'] as const;

/** Fields of the resource an offering may not preset: the orderer gives them, or the offering's own fields do. */
export const reservedSpecFields = ['type', 'name', 'leaseEnd', 'action', 'group', 'dependsOn'];

const offeringFields = {
  title: z.string().min(1).max(200),
  description: z.string().max(2000).default(''),
  resourceType: resourceType.default('virtual_machine'),
  /** The resource's fields but its name and lease, validated against the inventory like a request. */
  spec: z.record(z.string(), z.unknown()),
  defaultLeaseDays: z.number().int().min(1).max(3650),
  maxLeaseDays: z.number().int().min(1).max(3650),
  /** Who may order it: members of one of these groups (admins always); empty for every requester. */
  groups: z.array(groupName).max(50).default([]),
};

/**
 * `POST /v1/admin/offerings`. What a schema cannot say (a default lease within the maximum, no
 * preset name or lease, the preset fields valid against the inventory) is checked by the route (422).
 */
export const offeringCreateSchema = z.strictObject({ name: offeringName, ...offeringFields });

/** `PUT /v1/admin/offerings/{name}`: the whole definition but its name (which never changes). */
export const offeringChangeSchema = z.strictObject(offeringFields);

export type OfferingCreate = z.output<typeof offeringCreateSchema>;
export type OfferingChange = z.output<typeof offeringChangeSchema>;

/** One resource of a request that orders an offering: `{"offering": "small-rhel9-dev", "name": "web-01"}`. */
export const offeringOrderSchema = z.strictObject({
  offering: offeringName,
  name: resourceName,
  /** Days from now until the resource is removed; the offering's default when absent, at most its maximum. */
  leaseDays: z.number().int().min(1).max(3650).optional(),
  group: groupName.optional().meta({
    description: "A group whose members act on the resource as its owner; one of the caller's token groups.",
  }),
  tags: z.record(z.string(), z.string().max(256)).optional(),
  notify: z.array(emailAddress).max(50).optional(),
  dependsOn: dependsOnSchema.optional(),
});
export type OfferingOrder = z.output<typeof offeringOrderSchema>;
