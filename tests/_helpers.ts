// Shared test helpers: synthetic accelerometer-like windows made from a seeded generator.
import { Rng } from "../lib/random.ts";

/**
 * Synthetic windows `[n, 300, 3]` in g: gravity on one axis plus a sinusoid whose frequency and
 * amplitude depend on the window's class (`i % classes`), plus a little noise.
 */
export function syntheticWindows(n: number, seed = 0, classes = 3): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n * 900);
  for (let i = 0; i < n; i++) {
    const k = i % classes;
    const f = 0.5 + k; // Hz
    const amp = 0.2 + 0.3 * k;
    const phase = rng.uniform() * 2 * Math.PI;
    for (let s = 0; s < 300; s++) {
      const t = s / 30;
      const wave = amp * Math.sin(2 * Math.PI * f * t + phase);
      out[i * 900 + s * 3] = wave + 0.02 * rng.normal();
      out[i * 900 + s * 3 + 1] = 0.5 * wave + 0.02 * rng.normal();
      out[i * 900 + s * 3 + 2] = 1 + 0.02 * rng.normal();
    }
  }
  return out;
}

/** Largest absolute difference between two arrays of equal length. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
