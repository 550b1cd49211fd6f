/**
 * Scaling groups: what an admin defines so that a monitoring system may ask for more VMs. The
 * shapes written once here; the routes validate with them and the OpenAPI document shows them.
 */
import { z } from 'zod';
import { groupName, subjectName } from '../../auth/tokens';
import { offeringName } from '../offerings/schema';
import { resourceName } from '../requests/schema';

/** A scaling group's name, as an alert's label carries it (`web`). */
export const scalingGroupName = resourceName;

/** The number in a VM's name: `{n}`, the group's next number. */
export const NUMBER_PLACEHOLDER = '{n}';

/** The largest number a name is given; past it a group is renamed, not grown. */
export const MAX_NUMBER = 999_999;

const groupFields = {
  offering: offeringName.meta({ description: 'The offering every VM of the group is built from' }),
  step: z.number().int().min(1).max(50).meta({ description: 'How many VMs one firing alert asks for' }),
  maxSize: z.number().int().min(1).max(1000).meta({
    description:
      'The most live VMs the group may have (built or being built, named by `naming`); a firing that would exceed it asks for none',
  }),
  cooldownSeconds: z
    .number()
    .int()
    .min(0)
    .max(7 * 86_400)
    .default(600)
    .meta({ description: 'After a scale-out, firings of the group ask for nothing this long' }),
  naming: z
    .string()
    .max(63)
    .regex(/^[a-z0-9-]*\{n\}[a-z0-9-]*$/, 'lower-case letters, digits and hyphens around one {n}')
    .optional()
    .meta({
      description:
        "The new VMs' names, `{n}` their number (`web-{n}`: web-1, web-2, …); `<name>-{n}` when absent",
    }),
  owner: subjectName.meta({ description: 'Who the VMs built are for: the requester of the requests made' }),
  group: groupName
    .optional()
    .meta({ description: 'The group whose members act on the VMs built as their owner' }),
};

/** `POST /v1/admin/scaling-groups`. */
export const scalingGroupCreateSchema = z.strictObject({ name: scalingGroupName, ...groupFields });

/** `PUT /v1/admin/scaling-groups/{name}`: the whole definition but its name. */
export const scalingGroupChangeSchema = z.strictObject(groupFields);

export type ScalingGroupCreate = z.output<typeof scalingGroupCreateSchema>;
export type ScalingGroupChange = z.output<typeof scalingGroupChangeSchema>;

/** The name of a group's VM number `n`. */
export function memberName(naming: string, n: number): string {
  return naming.replace(NUMBER_PLACEHOLDER, String(n));
}

/** A PostgreSQL regular expression matching the names `naming` gives (what counts as a member). */
export function memberPattern(naming: string): string {
  const [before, after] = naming.split(NUMBER_PLACEHOLDER) as [string, string];
  return `^${before}([1-9][0-9]*)${after}$`;
}
