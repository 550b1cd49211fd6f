/**
 * `vcenter:await-network`: waits, by retrying, until vCenter lists a port group of a name (or no
 * longer does). The APIC puts the distributed port group of an EPG bound to a VMM domain on the
 * switch itself, and takes it away when the EPG goes, some time after its own call returned: this
 * is how a template sees that happen, through vCenter's own API.
 * https://developer.broadcom.com/xapis/vsphere-automation-api/latest/api/vcenter/network/get
 */
import { z } from 'zod';
import { failure } from '../../common/errors';
import { defineTask, type TaskContext } from '../task';
import type { VcenterDeps } from './deps';
import { moRefSchema } from './schemas';

const call = 'vcenter:await-network';

export const awaitNetwork = defineTask({
  id: call,
  description:
    'Succeeds once vCenter lists a port group of the name (present) or lists none (absent); retried until then.',
  timeouts: 'short',
  input: z.object({
    name: z.string().min(1),
    type: z
      .enum(['STANDARD_PORTGROUP', 'DISTRIBUTED_PORTGROUP', 'OPAQUE_NETWORK'])
      .default('DISTRIBUTED_PORTGROUP'),
    present: z.boolean().default(true),
  }),
  output: z.object({ name: z.string(), network: moRefSchema.nullable() }),
  examples: [{ name: 'shop-web' }, { name: 'shop-web', present: false }],
  async handler(input, ctx: TaskContext<VcenterDeps>) {
    const found = await ctx.deps.vcenter.listNetworks(
      { names: [input.name], types: [input.type] },
      ctx.signal,
    );
    if (found.length > 0 !== input.present)
      throw failure(
        'Conflict',
        `${call}: vCenter ${input.present ? 'has no' : 'still has the'} ${input.type} ${input.name} yet`,
        { system: 'vcenter', call },
      );
    return { name: input.name, network: found[0]?.network ?? null };
  },
});
