/**
 * The address pools of built networks: `ipam:open-pool` lets the IPAM hand out a new network's
 * addresses once it is built (its undo, `ipam:close-pool`, stops that again), and
 * `ipam:remove-pool` deletes the pool of a network being removed, refusing while VMs hold
 * addresses on it.
 */
import { z } from 'zod';
import { failure } from '../../common/errors';
import { NetworkInUseError, removePool, setPoolEnabled } from '../../resource-handlers/store';
import { resourceNameSchema } from '../resources/schemas';
import { defineTask, type TaskContext } from '../task';
import type { IpamDeps } from './deps';

const poolInput = z.object({
  /** The network (its resource name, also its pool's). */
  network: resourceNameSchema,
  /** The trace that built it: only its own reservation is touched. */
  traceId: z.string().min(1),
});

function setEnabled(id: 'ipam:open-pool' | 'ipam:close-pool', enabled: boolean) {
  return defineTask({
    id,
    description: enabled
      ? "Opens a built network's address pool: the IPAM hands out its addresses and VMs may name it."
      : "Closes a network's address pool again (the undo of ipam:open-pool).",
    timeouts: 'short',
    input: poolInput,
    output: z.object({ network: z.string(), enabled: z.boolean() }),
    examples: [{ network: 'shop-web', traceId: 'trc_example' }],
    async handler(input, ctx: TaskContext<IpamDeps>) {
      const found = await setPoolEnabled(ctx.deps.pool, input, enabled);
      if (!found && enabled)
        throw failure('NotFound', `${id}: no pool ${input.network} reserved by trace ${input.traceId}`, {
          system: 'ipam',
          call: id,
        });
      return { network: input.network, enabled };
    },
  });
}

export const openPool = setEnabled('ipam:open-pool', true);
export const closePool = setEnabled('ipam:close-pool', false);

export const removePoolTask = defineTask({
  id: 'ipam:remove-pool',
  description:
    "Deletes a built network's address pool and its address history; refused while VMs hold addresses on it.",
  timeouts: 'short',
  input: z.object({ network: resourceNameSchema }),
  output: z.object({ network: z.string(), removed: z.boolean() }),
  examples: [{ network: 'shop-web' }],
  async handler(input, ctx: TaskContext<IpamDeps>) {
    try {
      const { removed } = await removePool(ctx.deps.pool, { network: input.network });
      return { network: input.network, removed };
    } catch (err) {
      // The API refuses such a removal up front; a VM built since is the user's to remove first.
      if (err instanceof NetworkInUseError)
        throw failure('InvalidInput', `ipam:remove-pool: ${err.message}`, {
          system: 'ipam',
          call: 'ipam:remove-pool',
          fields: [{ path: 'name', message: err.message }],
        });
      throw err;
    }
  },
});
