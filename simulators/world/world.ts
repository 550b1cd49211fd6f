/**
 * The one lab world behind every simulator: vCenter's inventory, the lab's network and image
 * facts, AWX's objects, sections for TFE and ACI, counters, durations and fault rules. It lives
 * in memory and is written atomically to `<dataDir>/world.json` after every change, so a
 * simulator restart loses nothing. Mutate only inside `change()`.
 */
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { createRandom, type Random } from './random';
import { Scheduler } from './scheduler';
import { addSeededJobTemplates, seedWorld } from './seed';
import { readJsonIfExists, writeJsonAtomic } from './store';
import type { HttpFaultRule, OutcomeRule, SimulatorSystem, WorldState } from './types';
import { VcenterInventory } from './vcenter-inventory';

/** Options for opening a world. */
export interface WorldOptions {
  /** Directory holding world.json (created when missing). */
  dataDir: string;
  /** Duration overrides in ms by key (`awx.running`); key `*` sets every duration not named. */
  durations?: Record<string, number>;
  /** Seed for fault decisions and generated ids; a seeded world repeats itself. */
  seed?: number | string;
  /** Clock, for tests that want to move time themselves. */
  now?: () => number;
}

/** Default durations (ms) of simulated state transitions, close to the references' real timings. */
export const defaultDurations: Record<string, number> = {
  'awx.pending': 1000,
  'awx.waiting': 1000,
  'awx.running': 3000,
  /** A running job asked to cancel keeps showing running this long. */
  'awx.cancel': 500,
  'vcenter.boot': 20000,
  'vcenter.guest-ip': 5000,
  /** Idle time after which a vCenter session expires (a timeout, so `*` does not set it). */
  'vcenter.session-idle': 30 * 60 * 1000,
};

/** Duration keys that are timeouts rather than transition times: the `*` override skips them. */
const defaultTimeoutKeys = ['vcenter.session-idle'];

/** New HTTP fault rule as given to the admin API. */
export type NewHttpFaultRule = Omit<HttpFaultRule, 'id' | 'fired' | 'seen'> & { id?: string };
/** New outcome rule as given to the admin API. */
export type NewOutcomeRule = Omit<OutcomeRule, 'id' | 'fired'> & { id?: string };

/** The shared lab world. Emits `reset` after `reset()` so simulators drop in-memory caches. */
export class World extends EventEmitter {
  readonly file: string;
  readonly scheduler = new Scheduler();
  readonly vcenter: VcenterInventory;
  readonly random: Random;
  readonly now: () => number;
  private current: WorldState;
  private readonly registeredDurations: Record<string, number> = { ...defaultDurations };
  private readonly timeoutKeys = new Set(defaultTimeoutKeys);

  private constructor(
    readonly dataDir: string,
    state: WorldState,
    options: WorldOptions,
  ) {
    super();
    this.file = path.join(dataDir, 'world.json');
    this.current = state;
    this.now = options.now ?? Date.now;
    this.random = createRandom(options.seed ?? Date.now());
    this.vcenter = new VcenterInventory(this);
  }

  /** Loads the world from `dataDir`, or seeds a fresh lab there; applies duration overrides. */
  static open(options: WorldOptions): World {
    const file = path.join(options.dataDir, 'world.json');
    const saved = readJsonIfExists<WorldState>(file);
    if (saved && saved.version !== 1)
      throw new Error(`${file}: unsupported world version ${String(saved.version)}`);
    if (saved) addSeededJobTemplates(saved);
    const world = new World(options.dataDir, saved ?? seedWorld(), options);
    if (options.durations) world.current.durations = { ...world.current.durations, ...options.durations };
    world.save();
    return world;
  }

  /** The live state; read freely, mutate only through `change()`. */
  get state(): WorldState {
    return this.current;
  }

  /** Runs `fn` on the state and writes the world to disk before returning its result. */
  change<T>(fn: (state: WorldState) => T): T {
    const result = fn(this.current);
    this.save();
    return result;
  }

  /** Writes the world file atomically. */
  save(): void {
    writeJsonAtomic(this.file, this.current);
  }

  /** Adds `by` to counter `name` (inside a `change`, pass its state to avoid a second write). */
  count(name: string, by = 1, within?: WorldState): void {
    const apply = (s: WorldState) => {
      s.counters[name] = (s.counters[name] ?? 0) + by;
    };
    if (within) apply(within);
    else this.change(apply);
  }

  /** Current value of counter `name` (0 when never counted). */
  counter(name: string): number {
    return this.current.counters[name] ?? 0;
  }

  /**
   * Registers default durations for a simulator's own transitions (S2: `tfe.planning` ...).
   * Keys in `timeouts` are timeouts (session idle times ...) that the `*` override leaves alone.
   */
  defineDurations(defaults: Record<string, number>, timeouts: string[] = []): void {
    for (const [key, ms] of Object.entries(defaults)) {
      if (!(key in this.registeredDurations)) this.registeredDurations[key] = ms;
    }
    for (const key of timeouts) this.timeoutKeys.add(key);
  }

  /** Effective duration in ms: explicit override, else the `*` override (not for timeouts), else the default. */
  duration(key: string): number {
    const set = this.current.durations;
    const wildcard = this.timeoutKeys.has(key) ? undefined : set['*'];
    return set[key] ?? wildcard ?? this.registeredDurations[key] ?? 0;
  }

  /** Every known duration key with its effective value. */
  durations(): Record<string, number> {
    const keys = new Set([...Object.keys(this.registeredDurations), ...Object.keys(this.current.durations)]);
    keys.delete('*');
    return Object.fromEntries([...keys].sort().map((k) => [k, this.duration(k)]));
  }

  /** Sets duration overrides (ms); a null value removes that override. */
  setDurations(overrides: Record<string, number | null>): void {
    this.change((s) => {
      for (const [key, ms] of Object.entries(overrides)) {
        if (ms === null) delete s.durations[key];
        else s.durations[key] = ms;
      }
    });
  }

  /**
   * A simulator's own typed section (TFE, ACI), created by `init` the first time. Returns the
   * live object: mutate it inside `world.change()` so the change is written.
   */
  section<T>(name: string, init: () => T): T {
    if (!(name in this.current.sections)) this.change((s) => (s.sections[name] = init()));
    return this.current.sections[name] as T;
  }

  /** Adds an HTTP fault rule and returns it with its id. */
  addHttpFault(rule: NewHttpFaultRule): HttpFaultRule {
    return this.change((s) => {
      const created: HttpFaultRule = {
        ...rule,
        id: rule.id ?? `fault-${s.faults.next_id++}`,
        fired: 0,
        seen: 0,
      };
      s.faults.http.push(created);
      return created;
    });
  }

  /** Adds a "this job/run fails" rule and returns it with its id. */
  addOutcomeRule(rule: NewOutcomeRule): OutcomeRule {
    return this.change((s) => {
      const created: OutcomeRule = { ...rule, id: rule.id ?? `outcome-${s.faults.next_id++}`, fired: 0 };
      s.faults.outcomes.push(created);
      return created;
    });
  }

  /** Removes one fault or outcome rule by id; true when it existed. */
  removeFault(id: string): boolean {
    return this.change((s) => {
      const before = s.faults.http.length + s.faults.outcomes.length;
      s.faults.http = s.faults.http.filter((r) => r.id !== id);
      s.faults.outcomes = s.faults.outcomes.filter((r) => r.id !== id);
      return s.faults.http.length + s.faults.outcomes.length < before;
    });
  }

  /** Removes every fault and outcome rule. */
  clearFaults(): void {
    this.change((s) => {
      s.faults.http = [];
      s.faults.outcomes = [];
    });
  }

  /**
   * The first live outcome rule of `system` whose every `match` entry is a substring of the
   * same field of `subject`; it is consumed (counts toward `times`). Undefined when none applies.
   */
  takeOutcome(system: SimulatorSystem, subject: Record<string, string | undefined>): OutcomeRule | undefined {
    const rule = this.current.faults.outcomes.find(
      (r) =>
        r.system === system &&
        (r.times === undefined || r.fired < r.times) &&
        Object.entries(r.match).every(([field, needle]) => (subject[field] ?? '').includes(needle)),
    );
    if (!rule) return undefined;
    this.change(() => rule.fired++);
    return rule;
  }

  /** Back to a freshly seeded lab (counters, faults and objects); durations are kept. */
  reset(): void {
    this.scheduler.clear();
    const durations = this.current.durations;
    this.current = seedWorld(new Date(this.now()));
    this.current.durations = durations;
    this.save();
    this.emit('reset');
  }

  /** Stops every timer; the state is already on disk. */
  close(): void {
    this.scheduler.stop();
  }
}
