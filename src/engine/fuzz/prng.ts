/**
 * The fuzzer's only source of randomness: a seeded generator (mulberry32, the same mixing as
 * testing/samples.ts seededBytes), so that a case is rebuilt byte for byte from its seed.
 */
export class Rng {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** Next 32-bit unsigned value. */
  u32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.u32() / 0x1_0000_0000;
  }

  /** Uniform integer in [0, n) (0 when n ≤ 0). */
  int(n: number): number {
    return n <= 0 ? 0 : Math.floor(this.float() * n);
  }

  /** Uniform integer in [min, max]. */
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** An item chosen with probability proportional to its weight. */
  weighted<T extends { weight: number }>(items: readonly T[]): T {
    const total = items.reduce((sum, i) => sum + i.weight, 0);
    let r = this.float() * total;
    for (const item of items) {
      r -= item.weight;
      if (r < 0) return item;
    }
    return items[items.length - 1];
  }

  /** A position biased towards the start of the file, where headers are (half the picks fall in the first 1 KiB). */
  position(length: number): number {
    if (length <= 0) return 0;
    return this.chance(0.5) ? this.int(Math.min(length, 1024)) : this.int(length);
  }

  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i += 4) {
      const v = this.u32();
      out[i] = v & 0xff;
      if (i + 1 < length) out[i + 1] = (v >>> 8) & 0xff;
      if (i + 2 < length) out[i + 2] = (v >>> 16) & 0xff;
      if (i + 3 < length) out[i + 3] = v >>> 24;
    }
    return out;
  }
}

/** The seed of case `index` of a run seeded with `runSeed` (a 32-bit mix, so neighbouring cases are unrelated). */
export function caseSeed(runSeed: number, index: number): number {
  let h = (Math.imul(runSeed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
