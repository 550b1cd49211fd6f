/**
 * The fields every resource type's input shares, declared once: when it is removed, its tags and
 * whom to tell. A handler's input spreads them (`...lifeFields`) beside its own.
 */
import { z } from 'zod';

const tagKey = /^[A-Za-z][A-Za-z0-9_.:-]{0,62}$/;

/** `leaseEnd`, `tags` and `notify`. */
export const lifeFields = {
  /** When it should be removed; ISO 8601 with an offset. */
  leaseEnd: z.iso.datetime({ offset: true }).optional(),
  tags: z
    .record(
      z.string().regex(tagKey, 'tag names are letters, digits and _ . : - (up to 63)'),
      z.string().max(256),
    )
    .default({}),
  /** People told about its progress, besides the requester. */
  notify: z.array(z.email()).default([]),
};
