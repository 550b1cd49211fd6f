/**
 * How the request workflow runs the resources of a request that depend on each other
 * (`runInDependencyOrder`), and in which order it undoes them (`undoOrder`): as
 * rehearsal tables, a graph, the outcome of each item and the expected order and states.
 */
import assert from 'node:assert/strict';
import { dependencyOrder, undoOrder } from '../../../common/template-graph';
import { runInDependencyOrder } from '../../../workflows/run-bounded';

interface Case {
  name: string;
  /** Each item's name and what it depends on, by name. */
  graph: Record<string, string[]>;
  limit: number;
  /** Items that fail when run. */
  fail?: string[];
  /** Items in the order they start. */
  started: string[];
  /** How many ran at once at the most. */
  peak: number;
  /** Items not started, each with the item that blocked it. */
  skipped?: Record<string, string>;
}

/** Runs the graph; item durations are 5 ms × its position in the graph, so the order of ends is known. */
async function rehearse(c: Case) {
  const names = Object.keys(c.graph);
  const index = new Map(names.map((n, i) => [n, i]));
  const started: string[] = [];
  const ended: string[] = [];
  const skipped: Record<string, string> = {};
  let running = 0;
  let peak = 0;
  await runInDependencyOrder({
    items: names,
    limit: c.limit,
    needs: (i) => c.graph[names[i]!]!.map((n) => index.get(n)!),
    async run(name) {
      for (const dep of c.graph[name]!) assert.ok(ended.includes(dep), `${name} started before ${dep} ended`);
      started.push(name);
      peak = Math.max(peak, ++running);
      await new Promise((resolve) => setTimeout(resolve, 5 * (1 + index.get(name)!)));
      running--;
      ended.push(name);
      return !c.fail?.includes(name);
    },
    skip(name, _i, blocker) {
      skipped[name] = names[blocker]!;
    },
  });
  return { started, peak, skipped };
}

describe('runInDependencyOrder', () => {
  const cases: Case[] = [
    {
      name: 'no dependencies: list order, the limit at once (as runBounded)',
      graph: { a: [], b: [], c: [], d: [] },
      limit: 2,
      started: ['a', 'b', 'c', 'd'],
      peak: 2,
    },
    {
      name: 'a network and three VMs on it: the network first, then the VMs side by side',
      graph: { vm1: ['net'], vm2: ['net'], vm3: ['net'], net: [] },
      limit: 10,
      started: ['net', 'vm1', 'vm2', 'vm3'],
      peak: 3,
    },
    {
      name: 'the bound holds among the independent ones',
      graph: { net: [], vm1: ['net'], vm2: ['net'], vm3: ['net'] },
      limit: 2,
      started: ['net', 'vm1', 'vm2', 'vm3'],
      peak: 2,
    },
    {
      name: 'a chain runs one after the other',
      graph: { c: ['b'], b: ['a'], a: [] },
      limit: 5,
      started: ['a', 'b', 'c'],
      peak: 1,
    },
    {
      name: 'an independent one does not wait for a chain',
      graph: { app: ['db'], db: [], web: [] },
      limit: 5,
      started: ['db', 'web', 'app'],
      peak: 2,
    },
    {
      name: 'a diamond: the join waits for both sides',
      graph: { top: [], left: ['top'], right: ['top'], join: ['left', 'right'] },
      limit: 5,
      started: ['top', 'left', 'right', 'join'],
      peak: 2,
    },
    {
      name: 'what depends on a failure is not started, nor what depends on that; the rest runs',
      graph: { net: [], vm1: ['net'], app: ['vm1'], other: [] },
      limit: 5,
      fail: ['net'],
      started: ['net', 'other'],
      peak: 2,
      skipped: { vm1: 'net', app: 'vm1' },
    },
    {
      name: 'one failed dependency of two is enough to skip',
      graph: { a: [], b: [], both: ['a', 'b'] },
      limit: 5,
      fail: ['b'],
      started: ['a', 'b'],
      peak: 2,
      skipped: { both: 'b' },
    },
  ];
  for (const c of cases)
    it(c.name, async () => {
      const { started, peak, skipped } = await rehearse(c);
      assert.deepEqual(started, c.started);
      assert.equal(peak, c.peak);
      assert.deepEqual(skipped, c.skipped ?? {});
    });

  it('rejects with the failure of an item (a cancellation) and starts nothing more', async () => {
    const started: number[] = [];
    await assert.rejects(
      runInDependencyOrder({
        items: [0, 1, 2],
        limit: 1,
        needs: (i) => (i === 0 ? [] : [i - 1]),
        async run(item) {
          started.push(item);
          if (item === 1) throw new Error('cancelled');
          return true;
        },
        skip: () => assert.fail('nothing is skipped'),
      }),
      /cancelled/,
    );
    assert.deepEqual(started, [0, 1]);
  });

  it('refuses a graph it cannot finish (a cycle the API let through) instead of waiting forever', async () => {
    await assert.rejects(
      runInDependencyOrder({
        items: ['a', 'b'],
        limit: 2,
        needs: (i) => [1 - i],
        run: async () => true,
        skip: () => undefined,
      }),
      /items 0, 1 can never start/,
    );
  });
});

describe('dependencyOrder and undoOrder', () => {
  const cases: { name: string; graph: Record<string, string[]>; order: string[]; undo: string[] }[] = [
    {
      name: 'no dependencies keep list order, both ways',
      graph: { a: [], b: [], c: [] },
      order: ['a', 'b', 'c'],
      undo: ['a', 'b', 'c'],
    },
    {
      name: 'a network and its VMs: the network first, undone last',
      graph: { vm1: ['net'], vm2: ['net'], net: [] },
      order: ['net', 'vm1', 'vm2'],
      undo: ['vm1', 'vm2', 'net'],
    },
    { name: 'a chain', graph: { c: ['b'], a: [], b: ['a'] }, order: ['a', 'b', 'c'], undo: ['c', 'b', 'a'] },
    {
      name: 'a diamond',
      graph: { join: ['left', 'right'], right: ['top'], left: ['top'], top: [] },
      order: ['top', 'right', 'left', 'join'],
      undo: ['join', 'right', 'left', 'top'],
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const names = Object.keys(c.graph);
      const needs = (i: number) => c.graph[names[i]!]!.map((n) => names.indexOf(n));
      const order = dependencyOrder(names.length, needs).map((i) => names[i]!);
      const undo = undoOrder(names.length, needs).map((i) => names[i]!);
      assert.deepEqual(order, c.order);
      assert.deepEqual(undo, c.undo);
      for (const [name, deps] of Object.entries(c.graph))
        for (const dep of deps) {
          assert.ok(order.indexOf(dep) < order.indexOf(name), `${dep} done before ${name}`);
          assert.ok(undo.indexOf(name) < undo.indexOf(dep), `${name} undone before ${dep}`);
        }
    });
});
