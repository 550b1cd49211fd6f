/**
 * The request body as a user writes it. The envelope is checked here; each resource's own fields
 * are checked by its resource handler (see validation.ts), so a new resource type needs no change
 * here.
 */
import type { Request } from 'express';
import { z } from 'zod';
import { onFailureSchema, pauseTimeoutSchema } from '../admin/settings';
import { requestStatuses } from '../../../common/request';
import { resourceActions } from '../../../common/resource';
import { resumeActions } from '../../../common/template';
import { groupName } from '../../auth/tokens';
import { HttpError, invalidRequest } from '../../errors';

/** A DNS label: what a VM's name becomes in a hostname, a git path and a workflow ID. */
export const resourceName = z
  .string()
  .min(1)
  .max(63)
  .regex(
    /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/,
    'lower-case letters, digits and inner hyphens only (a DNS label)',
  );

export const emailAddress = z
  .string()
  .max(254)
  .regex(/^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/, 'an e-mail address');

/** The most resources one request may carry (more than 100 are built through batch workflows); a larger need is several requests. */
export const MAX_RESOURCES = 1000;

/** A resource type as users write it. */
export const resourceType = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,62}$/, 'a resource type such as virtual_machine');

/** The names of other resources of the same request that a resource is built after. */
export const dependsOnSchema = z.array(resourceName).max(MAX_RESOURCES).meta({
  description:
    'Names of other resources of this request that must be built (or removed) before this one. The request builds in this order, side by side where independent; a resource whose dependency failed is not started. A VM whose `network` names a network of the same request depends on it without saying so. An unknown name, a name two resources share, or a cycle is refused.',
});

const resourceEnvelope = z.looseObject({
  type: resourceType,
  action: z.enum(resourceActions).default('create'),
  name: resourceName,
  group: groupName.optional().meta({
    description:
      "For a create: a group whose members act on the resource as its owner; one of the caller's token groups (an admin may name any).",
  }),
  dependsOn: dependsOnSchema.optional(),
});

/** A plan's hash as `POST /v1/requests/preview` gives it. */
export const planHashSchema = z
  .string()
  .regex(/^sha256:[0-9a-f]{64}$/, 'a plan hash as the preview gives it (sha256:<64 hex digits>)');

export const submissionSchema = z.strictObject({
  resources: z.array(resourceEnvelope).min(1).max(MAX_RESOURCES),
  notify: z.array(emailAddress).max(50).default([]),
  description: z.string().max(2000).optional(),
  /** What a failed template step does: `compensate` (undo at once) or `pause` (wait for a resume); the admin default when absent. */
  onFailure: onFailureSchema.optional(),
  /** How long a pause waits for a decision; the admin setting when absent. */
  pauseTimeout: pauseTimeoutSchema.optional(),
  /** The hash of a preview: the request is refused (409, with what changed) unless its plan is still that one. */
  planHash: planHashSchema.optional(),
});

/** `POST /v1/requests/{id}/resume`. */
export const resumeSchema = z.strictObject({
  action: z.enum(resumeActions),
});

export type Submission = z.output<typeof submissionSchema>;
export type ResourceEnvelope = z.output<typeof resourceEnvelope>;

/** The shape of every ID this API gives (`req_…`, `trc_…`, `tok_…`); anything else names nothing. */
export const idParameter = /^[A-Za-z0-9_-]{1,100}$/;

/** `Idempotency-Key`: printable ASCII, as the IETF draft suggests (a UUID or ULID in practice). */
export const idempotencyKeySchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

/** A call's `Idempotency-Key` header, checked (400 naming the header), or none. */
export function idempotencyKeyOf(req: Request): string | undefined {
  const raw = req.get('idempotency-key');
  if (raw === undefined) return undefined;
  const parsed = idempotencyKeySchema.safeParse(raw);
  if (!parsed.success) throw invalidRequest('headers.idempotency-key', parsed.error);
  return parsed.data;
}

/** The 422 of an `Idempotency-Key` sent again with another body. */
export const idempotencyKeyReused = () =>
  new HttpError(422, 'IdempotencyKeyReused', 'this Idempotency-Key was already used with a different body');

/** A list position as `next` gives it: `<microseconds since the epoch>.<request ID>`. */
export const listCursor = /^([0-9]{1,16})\.([A-Za-z0-9_-]{1,100})$/;

export const listQuerySchema = z.strictObject({
  trace: z.string().max(100).optional(),
  status: z.enum(requestStatuses).optional(),
  requester: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /**
   * The `next` value of the previous page: a position in the list (microseconds since the epoch
   * and a request ID), so any value of this form is a place to continue from.
   */
  cursor: z.string().regex(listCursor, 'the `next` value of a previous page').optional(),
});
