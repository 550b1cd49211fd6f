import assert from 'node:assert/strict';
import { TurnQueue } from '../../../platform/turn-queue';

const drain = <V>(q: TurnQueue<V>) => {
  const taken: string[] = [];
  for (let next = q.take(); next; next = q.take()) taken.push(next.id);
  return taken;
};

describe('TurnQueue', () => {
  it("serves keys in turn: one key's burst waits behind another key's single item", () => {
    const q = new TurnQueue<number>();
    for (let i = 1; i <= 5; i++) q.add('storm', `s${i}`, i);
    q.add('probe', 'p1', 0);
    assert.equal(q.size, 6);
    assert.deepEqual(drain(q), ['s1', 'p1', 's2', 's3', 's4', 's5']);
    assert.equal(q.size, 0);
  });

  it('keeps each key in its own order, and a key that comes back joins the end of the line', () => {
    const q = new TurnQueue<string>();
    q.add('a', 'a1', 'x');
    q.add('b', 'b1', 'y');
    q.add('a', 'a2', 'z');
    assert.deepEqual(q.take(), { id: 'a1', value: 'x' });
    q.add('c', 'c1', 'w');
    assert.deepEqual(drain(q), ['b1', 'a2', 'c1']);
  });

  it('queues an item once: a second add keeps its place and its value', () => {
    const q = new TurnQueue<string>();
    assert.equal(q.add('a', 'a1', 'first'), true);
    assert.equal(q.add('b', 'a1', 'second'), false);
    assert.equal(q.has('a1'), true);
    assert.deepEqual(q.take(), { id: 'a1', value: 'first' });
    assert.equal(q.has('a1'), false);
    assert.equal(q.take(), undefined);
  });
});
