/**
 * Seeded randomness (mulberry32), so fault decisions and generated identifiers repeat exactly
 * for a given seed and tests can assert on them.
 */

/** A function returning floats in [0, 1), deterministic for a given seed. */
export type Random = () => number;

/** Turns a number or a string into a 32-bit seed. */
export function seedFrom(seed: number | string): number {
  if (typeof seed === 'number') return seed >>> 0;
  let h = 2166136261;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** mulberry32: tiny, fast, and good enough for simulated faults. */
export function createRandom(seed: number | string): Random {
  let a = seedFrom(seed);
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `bytes` random bytes as lowercase hex, drawn from `random`. */
export function randomHex(random: Random, bytes: number): string {
  let out = '';
  for (let i = 0; i < bytes; i++)
    out += Math.floor(random() * 256)
      .toString(16)
      .padStart(2, '0');
  return out;
}
