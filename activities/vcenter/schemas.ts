/** Schemas the vCenter tasks share. */
import { z } from 'zod';

/** A managed-object id: `vm-123`, `domain-c8`, `datastore-11`, `group-v4`, `dvportgroup-13`, … */
export const moRefSchema = z
  .string()
  .regex(/^[a-z][a-z-]*-[a-z]?\d+$/, 'a vCenter managed-object id such as vm-123');
/** A VM id. */
export const vmIdSchema = z.string().regex(/^vm-\d+$/, 'a vCenter VM id (vm-…)');

/** Repeatable list filters; all given filters must match. An empty list matches everything. */
export const namesFilter = z.array(z.string().min(1)).optional();
/** A filter by managed-object ids. */
export const idsFilter = z.array(moRefSchema).optional();

/** Power states, verbatim. */
export const powerStateSchema = z.enum(['POWERED_ON', 'POWERED_OFF', 'SUSPENDED']);
