import assert from "node:assert/strict";
import { mmdRbf } from "../lib/metrics/mod.ts";
import { Rng } from "../lib/random.ts";

/** `n x dim` seeded draws of N(mean, s^2 I). */
function gaussianRows(n: number, mean: number[], s: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const dim = mean.length;
  return Float64Array.from({ length: n * dim }, (_, i) => mean[i % dim] + s * rng.normal());
}

/** Population MMD^2 of N(m1, s^2 I_d) vs N(m2, s^2 I_d) with k = exp(-|x-y|^2 / (2 h^2)). */
function mmd2Gaussian(m1: number[], m2: number[], s: number, h: number): number {
  const d = m1.length;
  const delta2 = m1.reduce((acc, v, i) => acc + (v - m2[i]) ** 2, 0);
  const v = h * h + 2 * s * s;
  return 2 * Math.pow((h * h) / v, d / 2) * (1 - Math.exp(-delta2 / (2 * v)));
}

Deno.test("metrics mmdRbf: identical sets give biased 0 exactly, unbiased ~ -2(1 - mean k)/n", () => {
  const rng = new Rng(1);
  const n = 30;
  const w = new Float32Array(n * 900).map(() => 0.3 * rng.normal());
  const r = mmdRbf(w, w);
  assert.equal(r.biased, 0);
  assert.equal(r.realCount, n);
  assert.equal(r.generatedCount, n);
  assert(r.unbiased < 0 && r.unbiased > -2 / n, `${r.unbiased}`);
  assert(r.bandwidth > 0);
  // Two independent samples of the same distribution: unbiased estimate near 0.
  const a = gaussianRows(400, [0, 0], 1, 2);
  const b = gaussianRows(400, [0, 0], 1, 3);
  const same = mmdRbf(a, b, { dim: 2, bandwidth: 1 });
  assert(Math.abs(same.unbiased) < 0.01, `${same.unbiased}`);
  assert(same.biased >= 0);
});

Deno.test("metrics mmdRbf: shifted Gaussians match the closed-form population MMD^2", () => {
  // d = 2, s = 1, h = 1, |m1 - m2| = 1: MMD^2 = 2/3 (1 - e^(-1/6)) = 0.1023.
  // With 1,500 draws per set the unbiased estimate has a standard deviation of about 0.005;
  // tolerance 0.02 (4 sigma). Also d = 1 with a larger shift and bandwidth.
  const cases: [number[], number[], number, number][] = [
    [[0, 0], [1, 0], 1, 1],
    [[0], [2], 1, 2],
    [[0, 0, 0], [0.5, -0.5, 0.5], 0.7, 1.5],
  ];
  for (const [m1, m2, s, h] of cases) {
    const expected = mmd2Gaussian(m1, m2, s, h);
    const a = gaussianRows(1500, m1, s, 10 + m1.length);
    const b = gaussianRows(1500, m2, s, 20 + m1.length);
    const r = mmdRbf(a, b, { dim: m1.length, bandwidth: h, maxSamples: 1500 });
    assert.equal(r.bandwidth, h);
    assert(Math.abs(r.unbiased - expected) < 0.02, `d=${m1.length}: ${r.unbiased} vs ${expected}`);
    // The biased estimate exceeds it by about (1/m + 1/n)(1 - E k(x, x')).
    assert(r.biased > r.unbiased);
  }
});

Deno.test("metrics mmdRbf: median heuristic is the median pairwise distance", () => {
  // Pooled 1-D N(0, 1): |x - y| ~ |N(0, 2)|, median sqrt(2) * 0.67449 = 0.9539.
  const a = gaussianRows(600, [0], 1, 4);
  const b = gaussianRows(600, [0], 1, 5);
  const r = mmdRbf(a, b, { dim: 1 });
  assert(Math.abs(r.bandwidth - Math.SQRT2 * 0.6744897501960817) < 0.03, `${r.bandwidth}`);
  // Hand case: points 0, 1, 3 and 6: distances 1, 3, 6, 2, 5, 3 -> median (3 + 3) / 2.
  const h = mmdRbf(new Float64Array([0, 1]), new Float64Array([3, 6]), { dim: 1 });
  assert.equal(h.bandwidth, 3);
  // A hand-computed value with h = 1: k = exp(-d^2 / 2).
  const k = (d: number) => Math.exp(-d * d / 2);
  const biased = (2 + 2 * k(1)) / 4 + (2 + 2 * k(3)) / 4 - 2 * (k(3) + k(6) + k(2) + k(5)) / 4;
  const unbiased = k(1) + k(3) - 2 * (k(3) + k(6) + k(2) + k(5)) / 4;
  const r1 = mmdRbf(new Float64Array([0, 1]), new Float64Array([3, 6]), { dim: 1, bandwidth: 1 });
  assert(Math.abs(r1.biased - biased) < 1e-15 && Math.abs(r1.unbiased - unbiased) < 1e-15);
});

Deno.test("metrics mmdRbf: maxSamples subsamples with a seed", () => {
  const a = gaussianRows(50, [0, 0, 0], 1, 6);
  const b = gaussianRows(80, [1, 0, 0], 1, 7);
  const r1 = mmdRbf(a, b, { dim: 3, maxSamples: 20, seed: 3 });
  const r2 = mmdRbf(a, b, { dim: 3, maxSamples: 20, seed: 3 });
  assert.deepEqual(r1, r2);
  assert.equal(r1.realCount, 20);
  assert.equal(r1.generatedCount, 20);
  assert.notEqual(mmdRbf(a, b, { dim: 3, maxSamples: 20, seed: 4 }).unbiased, r1.unbiased);
});

Deno.test("metrics mmdRbf: errors show what was received", () => {
  assert.throws(
    () => mmdRbf(new Float32Array(1800), new Float32Array(1000)),
    /generated has length 1000, not a multiple of the row width 900/,
  );
  assert.throws(
    () => mmdRbf(new Float32Array(900), new Float32Array(1800)),
    /real needs at least 2 row\(s\) of width 900, got length 900/,
  );
  assert.throws(
    () => mmdRbf(new Float32Array(4), new Float32Array(4), { dim: 1, bandwidth: -1 }),
    /bandwidth must be a positive number or "median", got -1/,
  );
  assert.throws(
    () => mmdRbf(new Float32Array(4), new Float32Array(4), { dim: 1 }),
    /median pairwise distance of the 8 pooled rows is 0; pass a bandwidth/,
  );
});
