/**
 * A queue served in turns between keys (requesters): each `take` gives the oldest item of the key
 * whose turn it is and sends that key to the back of the line, so one key's many items wait
 * behind each other, never in front of another key's one. An item is queued once (by its ID).
 */
export class TurnQueue<V> {
  /** Per key, its items in the order they came; the keys in the order of their turns. */
  private readonly byKey = new Map<string, Map<string, V>>();
  private readonly ids = new Set<string>();

  get size(): number {
    return this.ids.size;
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** Queues `id` under `key`; false when it was queued already (it keeps its place). */
  add(key: string, id: string, value: V): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    const items = this.byKey.get(key);
    if (items) items.set(id, value);
    else this.byKey.set(key, new Map([[id, value]]));
    return true;
  }

  /** The next item in turn, or undefined when the queue is empty. */
  take(): { id: string; value: V } | undefined {
    const first = this.byKey.entries().next();
    if (first.done) return undefined;
    const [key, items] = first.value;
    const [id, value] = items.entries().next().value!;
    items.delete(id);
    this.ids.delete(id);
    // The key's turn is over: to the back of the line, or out of it when it has nothing left.
    this.byKey.delete(key);
    if (items.size) this.byKey.set(key, items);
    return { id, value };
  }
}
