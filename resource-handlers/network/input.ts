/** What a user writes for one network in a request. */
import { z } from 'zod';
import { lifeFields } from '../common-input';

/**
 * A network name: a hostname label (it is also the resource's folder in git and the vCenter port
 * group VMs attach to) of at most 40 characters, so the ACI names made from it (`<name>-bd`) stay
 * within the 64 letters, digits and `_ . : -` ACI accepts.
 */
export const networkName = /^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$/;

export const networkInput = z.strictObject({
  type: z.literal('network'),
  name: z
    .string()
    .regex(
      networkName,
      'must be 1-40 lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen (a name ACI, vCenter and git all accept)',
    ),
  /** An ACI tenant an admin permits networks in (`Lab`). */
  tenant: z.string().min(1).max(64),
  /** A VRF of that tenant an admin permits (`lab_vrf`). */
  vrf: z.string().min(1).max(64),
  /** The new subnet, e.g. `10.30.1.0/24`: inside a range the admin permits, overlapping no other network. */
  subnet: z.string().min(1).max(18),
  /** Shown on the ACI objects (ACI allows 128 characters). */
  description: z
    .string()
    .max(128)
    .regex(
      /^[A-Za-z0-9 _.:,!#%&()*+=?@[\]^{|}~-]*$/,
      'letters, digits, spaces and common punctuation only (ACI)',
    )
    .optional(),
  ...lifeFields,
});

/** A network input as written (defaults not yet applied). */
export type NetworkRequest = z.input<typeof networkInput>;
/** A schema-valid network input, defaults applied. */
export type NetworkInput = z.infer<typeof networkInput>;
