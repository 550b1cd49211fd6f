/** Schemas the resource tasks share with RFM and the wrappers: a common-format document and its metadata. */
import { z } from 'zod';
import { roles } from '../../common/authority';
import { hostnameLabel } from '../../resource-handlers/virtual_machine/input';

/** A resource type as users write it. */
export const resourceTypeSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/, 'a resource type like virtual_machine');

/** A resource name: a hostname label, also its folder in git. */
export const resourceNameSchema = z.string().regex(hostnameLabel, 'a hostname label');

/**
 * A common-format document as tasks pass it around: its root fields checked here, the rest
 * checked against the handler's JSON Schema where it matters (before a commit).
 */
export const commonFormatDocumentSchema = z.looseObject({
  formatVersion: z.number().int().positive(),
  resourceType: resourceTypeSchema,
  name: resourceNameSchema,
});

/** The metadata file beside a document (resource-handlers/types.ts ResourceMetadata). */
export const resourceMetadataSchema = z.object({
  metadataVersion: z.literal(1),
  resourceType: resourceTypeSchema,
  name: resourceNameSchema,
  handlerVersion: z.string(),
  formatVersion: z.number().int().positive(),
  osType: z.string().nullable(),
  osFamily: z.string().nullable(),
  managed: z.boolean(),
  template: z.string().min(1),
  removalTemplate: z.string().min(1),
  /** Absent in metadata committed before resources were configured: nothing to configure then. */
  configurationJob: z.string().min(1).optional(),
});

/**
 * Who a request acts for, as the API authenticated them. A request recorded before roles and
 * groups travelled with it acts with the least authority: a requester in no group.
 */
export const actorSchema = z.object({
  subject: z.string().min(1),
  role: z.enum(roles).default('requester'),
  groups: z.array(z.string()).default([]),
});
