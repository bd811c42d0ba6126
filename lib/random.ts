/**
 * A seeded pseudo-random generator (xoshiro128**) that runs in plain JavaScript, so noise,
 * time steps, batches, augmentations and initial weights are identical on every backend.
 *
 * @module
 */

/** Seeded PRNG with uniform, normal and integer draws. */
export class Rng {
  #s: Uint32Array;
  #spare: number | null = null;

  /**
   * Creates a generator from an integer seed (any 32-bit value; equal seeds give equal streams).
   *
   * @param seed The seed.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Rng } from "./random.ts";
   * const a = new Rng(1), b = new Rng(1);
   * assert(a.uniform() === b.uniform());
   * ```
   */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`Rng: seed must be a finite number, got ${seed}`);
    // splitmix32 to spread the seed over the 128-bit state.
    let z = (Math.trunc(seed) >>> 0) ^ 0x9e3779b9;
    this.#s = new Uint32Array(4);
    for (let i = 0; i < 4; i++) {
      z = (z + 0x9e3779b9) >>> 0;
      let t = z;
      t = Math.imul(t ^ (t >>> 16), 0x21f0aaad);
      t = Math.imul(t ^ (t >>> 15), 0x735a2d97);
      this.#s[i] = (t ^ (t >>> 15)) >>> 0;
    }
  }

  /**
   * Next raw 32-bit unsigned integer.
   * @returns An integer in [0, 2^32).
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Rng } from "./random.ts";
   * assert(new Rng(3).nextU32() >= 0);
   * ```
   */
  nextU32(): number {
    const s = this.#s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /**
   * Uniform draw.
   * @returns A number in [0, 1).
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Rng } from "./random.ts";
   * const u = new Rng(3).uniform();
   * assert(u >= 0 && u < 1);
   * ```
   */
  uniform(): number {
    return this.nextU32() / 4294967296;
  }

  /**
   * Standard normal draw (Box-Muller).
   * @returns A sample of N(0, 1).
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Rng } from "./random.ts";
   * assert(Number.isFinite(new Rng(3).normal()));
   * ```
   */
  normal(): number {
    if (this.#spare !== null) {
      const v = this.#spare;
      this.#spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /**
   * Integer draw.
   * @param n Exclusive upper bound (> 0).
   * @returns An integer in [0, n).
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Rng } from "./random.ts";
   * assert(new Rng(3).int(10) < 10);
   * ```
   */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /**
   * Array of standard normal draws.
   * @param length Number of values.
   * @param scale Multiplies each value.
   * @returns A new Float32Array.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Rng } from "./random.ts";
   * assert(new Rng(3).normals(4).length === 4);
   * ```
   */
  normals(length: number, scale = 1): Float32Array {
    const out = new Float32Array(length);
    for (let i = 0; i < length; i++) out[i] = this.normal() * scale;
    return out;
  }

  /**
   * A random permutation of 0..n-1 (Fisher-Yates).
   * @param n Length.
   * @returns The permutation.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Rng } from "./random.ts";
   * assert(new Rng(3).permutation(5).length === 5);
   * ```
   */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /**
   * Current state, to resume a stream exactly (e.g. from a training checkpoint).
   * @returns Four 32-bit words.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Rng } from "./random.ts";
   * const a = new Rng(5); a.uniform();
   * const b = Rng.fromState(a.state());
   * assert(a.uniform() === b.uniform());
   * ```
   */
  state(): number[] {
    return Array.from(this.#s);
  }

  /**
   * Restores a generator saved with {@link Rng.state}.
   * @param state Four 32-bit words.
   * @returns The generator.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Rng } from "./random.ts";
   * assert(Rng.fromState([1, 2, 3, 4]).uniform() >= 0);
   * ```
   */
  static fromState(state: number[]): Rng {
    if (state.length !== 4 || state.every((v) => v === 0)) {
      throw new Error(`Rng.fromState: expected 4 words, not all zero, got [${state}]`);
    }
    const r = new Rng(0);
    r.#s.set(state.map((v) => v >>> 0));
    return r;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
