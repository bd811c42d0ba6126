import assert from "node:assert/strict";
import { frechetDistance, frechetDistanceFromStatistics } from "../lib/metrics/mod.ts";
import { Rng } from "../lib/random.ts";

/**
 * `n` seeded draws of N(mean, L L^T), `n x dim` row-major, for a lower-triangular `chol` (row-major).
 */
function gaussianRows(
  n: number,
  mean: number[],
  chol: number[],
  seed: number,
): Float64Array {
  const dim = mean.length;
  const rng = new Rng(seed);
  const out = new Float64Array(n * dim);
  const z = new Float64Array(dim);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < dim; j++) z[j] = rng.normal();
    for (let i = 0; i < dim; i++) {
      let v = mean[i];
      for (let j = 0; j <= i; j++) v += chol[i * dim + j] * z[j];
      out[r * dim + i] = v;
    }
  }
  return out;
}

/** `L L^T` for a row-major lower-triangular `L`. */
function fromCholesky(chol: number[], dim: number): number[] {
  const out = new Array(dim * dim).fill(0);
  for (let i = 0; i < dim; i++) {
    for (let j = 0; j < dim; j++) {
      for (let k = 0; k < dim; k++) out[i * dim + j] += chol[i * dim + k] * chol[j * dim + k];
    }
  }
  return out;
}

/** Closed form for 2x2: Tr sqrt(M) = sqrt(Tr M + 2 sqrt(det M)), M = S1^1/2 S2 S1^1/2. */
function frechet2x2(m1: number[], s1: number[], m2: number[], s2: number[]): number {
  const trS1S2 = s1[0] * s2[0] + s1[1] * s2[2] + s1[2] * s2[1] + s1[3] * s2[3];
  const det1 = s1[0] * s1[3] - s1[1] * s1[2];
  const det2 = s2[0] * s2[3] - s2[1] * s2[2];
  const cross = Math.sqrt(trS1S2 + 2 * Math.sqrt(det1 * det2));
  const dm = (m1[0] - m2[0]) ** 2 + (m1[1] - m2[1]) ** 2;
  return dm + s1[0] + s1[3] + s2[0] + s2[3] - 2 * cross;
}

Deno.test("metrics frechetDistance: identical sets give 0 (full rank and rank-deficient)", () => {
  for (const [n, dim] of [[500, 8], [200, 64], [10, 64]]) {
    const rng = new Rng(n + dim);
    const a = new Float32Array(n * dim).map(() => 0.5 + 2 * rng.normal());
    const d = frechetDistance(a, a, dim);
    let trace = 0; // relative to the total variance Tr(S) ~ 4 dim
    for (let j = 0; j < dim; j++) trace += 4;
    assert(d >= 0 && d <= 1e-9 * trace, `n=${n} dim=${dim}: ${d}`);
    // A copy in float64 is the same data.
    assert(frechetDistance(a, Float64Array.from(a), dim) <= 1e-9 * trace);
  }
});

Deno.test("metrics frechetDistance: diagonal covariances match the closed form", () => {
  const m1 = [0, 1, -2, 0.5];
  const m2 = [1, 1, 0, -0.5];
  const s1 = [1, 4, 0.25, 2];
  const s2 = [9, 1, 0.25, 0.5];
  let expected = 0;
  for (let i = 0; i < 4; i++) {
    expected += (m1[i] - m2[i]) ** 2 + s1[i] + s2[i] - 2 * Math.sqrt(s1[i] * s2[i]);
  }
  const diag = (s: number[]) => s.flatMap((v, i) => s.map((_, j) => (i === j ? v : 0)));
  const d = frechetDistanceFromStatistics(m1, diag(s1), m2, diag(s2), 4);
  assert(Math.abs(d - expected) < 1e-12 * expected, `${d} vs ${expected}`);
});

Deno.test("metrics frechetDistance: non-diagonal, non-commuting 2x2 matches the closed form", () => {
  const s1 = [2, 0.8, 0.8, 1];
  const s2 = [0.5, -0.3, -0.3, 3];
  const m1 = [0.2, -1];
  const m2 = [1.2, 0.5];
  const expected = frechet2x2(m1, s1, m2, s2);
  const d = frechetDistanceFromStatistics(m1, s1, m2, s2, 2);
  assert(Math.abs(d - expected) < 1e-12 * expected, `${d} vs ${expected}`);
  // Symmetric in its arguments.
  assert(Math.abs(frechetDistanceFromStatistics(m2, s2, m1, s1, 2) - expected) < 1e-12 * expected);
  // Commuting case in 3-D: S2 = c S1 gives Tr(S1)(1 + c - 2 sqrt(c)).
  const s = fromCholesky([1, 0, 0, 0.5, 2, 0, -1, 0.3, 0.7], 3);
  const tr = s[0] + s[4] + s[8];
  const c = 2.25;
  const dc = frechetDistanceFromStatistics([0, 0, 0], s, [0, 0, 0], s.map((v) => c * v), 3);
  assert(Math.abs(dc - tr * (1 + c - 2 * Math.sqrt(c))) < 1e-12 * tr);
});

Deno.test("metrics frechetDistance: large seeded samples approach the closed form", () => {
  // N(m1, S1) vs N(m2, S2) in 2-D, S = L L^T; 40,000 draws each. The plug-in estimate has
  // sampling error O(1/sqrt(n)) ~ 0.01 here; tolerance 0.05 (about 3 % of the value).
  const l1 = [1, 0, 0.6, 0.8];
  const l2 = [1.5, 0, -0.4, 0.5];
  const m1 = [0, 0];
  const m2 = [0.5, -1];
  const expected = frechet2x2(m1, fromCholesky(l1, 2), m2, fromCholesky(l2, 2));
  const n = 40_000;
  const a = gaussianRows(n, m1, l1, 1);
  const b = gaussianRows(n, m2, l2, 2);
  const d = frechetDistance(a, b, 2);
  assert(Math.abs(d - expected) < 0.05, `estimate ${d} vs closed form ${expected}`);
  // And two samples of the same Gaussian are close to 0 (O(dim / n) bias).
  const a2 = gaussianRows(n, m1, l1, 3);
  assert(frechetDistance(a, a2, 2) < 0.005);
});

Deno.test("metrics frechetDistance: shape errors show what was received", () => {
  assert.throws(
    () => frechetDistance(new Float32Array(7), new Float32Array(8), 2),
    /a has length 7, not a multiple of the row width 2/,
  );
  assert.throws(
    () => frechetDistance(new Float32Array(8), new Float32Array(2), 2),
    /at least 2 row\(s\) of width 2, got length 2/,
  );
  assert.throws(
    () => frechetDistanceFromStatistics([0, 0], [1, 0, 0, 1], [0], [1, 0, 0, 1], 2),
    /means must have length dim = 2, got 2 and 1/,
  );
});
