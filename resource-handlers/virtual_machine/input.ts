/** What a user writes for one virtual machine in a request. */
import { z } from 'zod';
import { lifeFields } from '../common-input';

/** An RFC 1123 hostname label, lowercase: the VM name is also its hostname and its git folder. */
export const hostnameLabel = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export const virtualMachineInput = z.strictObject({
  type: z.literal('virtual_machine'),
  name: z
    .string()
    .regex(
      hostnameLabel,
      'must be a hostname label: 1-63 lowercase letters, digits and hyphens, not starting or ending with a hyphen',
    ),
  /** An OS image from the catalog (`rhel9`, `ubuntu22`, …). */
  osImage: z.string().min(1),
  /** A network (vCenter portgroup) from the catalog (`INTRANET_DEV`, …). */
  network: z.string().min(1),
  cpu: z.number().int().positive(),
  memoryGb: z.number().int().positive(),
  /** The first disk holds the OS image; more disks are data disks. */
  disks: z.array(z.strictObject({ sizeGb: z.number().int().positive() })).min(1),
  /** true: Terraform (TFE) keeps the VM as code; false: AWX builds it once. */
  managed: z.boolean().default(false),
  ...lifeFields,
  /** Pins placement to a cluster and/or datastore; the matrix must allow the pair. */
  placement: z
    .strictObject({
      cluster: z.string().min(1).optional(),
      datastore: z.string().min(1).optional(),
    })
    .optional(),
});

/** A virtual machine input as written (defaults not yet applied). */
export type VirtualMachineRequest = z.input<typeof virtualMachineInput>;
/** A schema-valid virtual machine input, defaults applied. */
export type VirtualMachineInput = z.infer<typeof virtualMachineInput>;
