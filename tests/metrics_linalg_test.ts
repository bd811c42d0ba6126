import assert from "node:assert/strict";
import {
  meanAndCovariance,
  nuclearNorm,
  singularValues,
  sqrtPsd,
  symmetricEigen,
} from "../lib/metrics/mod.ts";
import { Rng } from "../lib/random.ts";

/** Seeded `rows x cols` matrix of N(0, 1) draws, row-major, float64. */
function gaussianMatrix(rows: number, cols: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: rows * cols }, () => rng.normal());
}

/** `A^T A` (`cols x cols`) of a `rows x cols` matrix: PSD, of rank `min(rows, cols)`. */
function gram(a: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(cols * cols);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < cols; i++) {
      for (let j = 0; j < cols; j++) out[i * cols + j] += a[r * cols + i] * a[r * cols + j];
    }
  }
  return out;
}

function matMul(a: ArrayLike<number>, b: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      for (let j = 0; j < n; j++) out[i * n + j] += a[i * n + k] * b[k * n + j];
    }
  }
  return out;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

Deno.test("metrics symmetricEigen: A V = V diag(values), V orthonormal, ascending", () => {
  for (const n of [1, 2, 3, 7, 40, 120]) {
    const g = gaussianMatrix(n, n, n);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) a[i * n + j] = g[i * n + j] + g[j * n + i];
    }
    const { values, vectors } = symmetricEigen(a, n);
    const scale = maxAbs(values);
    for (let i = 1; i < n; i++) assert(values[i - 1] <= values[i]);
    let residual = 0;
    let orth = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let av = 0;
        let vtv = 0;
        for (let k = 0; k < n; k++) {
          av += a[i * n + k] * vectors[k * n + j];
          vtv += vectors[k * n + i] * vectors[k * n + j];
        }
        residual = Math.max(residual, Math.abs(av - values[j] * vectors[i * n + j]));
        orth = Math.max(orth, Math.abs(vtv - (i === j ? 1 : 0)));
      }
    }
    assert(residual < 1e-12 * Math.max(scale, 1) * n, `n=${n} residual ${residual}`);
    assert(orth < 1e-12 * n, `n=${n} orthogonality ${orth}`);
    // Trace is the sum of the eigenvalues.
    let tr = 0;
    for (let i = 0; i < n; i++) tr += a[i * n + i];
    assert(Math.abs(values.reduce((s, v) => s + v, 0) - tr) < 1e-11 * n * Math.max(scale, 1));
  }
});

Deno.test("metrics symmetricEigen: known spectra (diagonal, repeated, zero, 2x2)", () => {
  assert.deepEqual(Array.from(symmetricEigen([3, 0, 0, 0, -1, 0, 0, 0, 2], 3).values), [-1, 2, 3]);
  const ident = symmetricEigen([5, 0, 0, 0, 5, 0, 0, 0, 5], 3).values;
  for (const v of ident) assert(Math.abs(v - 5) < 1e-15);
  assert.deepEqual(Array.from(symmetricEigen(new Float64Array(16), 4).values), [0, 0, 0, 0]);
  // [[a, b], [b, c]]: (a + c)/2 -+ sqrt(((a - c)/2)^2 + b^2).
  const [a, b, c] = [1.5, -0.7, 4.25];
  const r = Math.sqrt(((a - c) / 2) ** 2 + b * b);
  const v = symmetricEigen([a, b, b, c], 2).values;
  assert(Math.abs(v[0] - ((a + c) / 2 - r)) < 1e-14);
  assert(Math.abs(v[1] - ((a + c) / 2 + r)) < 1e-14);
});

Deno.test("metrics symmetricEigen: errors name the size and the bad entry", () => {
  assert.throws(
    () => symmetricEigen([1, 2, 3], 2),
    /expected a 2 x 2 matrix \(length 4\), got length 3/,
  );
  assert.throws(
    () => symmetricEigen([1, NaN, NaN, 1], 2),
    /entry \(0, 1\) of the 2 x 2 matrix is NaN/,
  );
});

Deno.test("metrics sqrtPsd: R R = A and R symmetric, also for rank-deficient A", () => {
  for (const [rows, n] of [[30, 10], [4, 10], [1, 5]]) {
    const a = gram(gaussianMatrix(rows, n, rows + n), rows, n);
    const r = sqrtPsd(a, n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) assert.equal(r[i * n + j], r[j * n + i]);
    }
    const rr = matMul(r, r, n);
    const err = maxAbs(rr.map((v, i) => v - a[i]));
    assert(err < 1e-12 * maxAbs(a), `rows=${rows} n=${n} |RR - A| = ${err}`);
    // R is PSD: its eigenvalues are >= 0 (up to rounding).
    assert(symmetricEigen(r, n).values[0] > -1e-7 * Math.sqrt(maxAbs(a)));
  }
  assert.throws(() => sqrtPsd([1, 0, 0, -1], 2), /not positive semi-definite \(eigenvalue -1/);
});

Deno.test("metrics singularValues / nuclearNorm: match eigenvalues of A^T A and known cases", () => {
  const n = 12;
  const a = gaussianMatrix(n, n, 99);
  const s = singularValues(a, n, n);
  const ev = symmetricEigen(gram(a, n, n), n).values; // ascending squares
  for (let i = 0; i < n; i++) {
    assert(Math.abs(s[i] * s[i] - ev[n - 1 - i]) < 1e-11 * ev[n - 1], `sigma ${i}`);
  }
  // Orthogonal times diagonal: singular values are the diagonal's magnitudes.
  const c = Math.cos(0.3);
  const sn = Math.sin(0.3);
  assert(Math.abs(nuclearNorm([2 * c, -3 * sn, 2 * sn, 3 * c], 2) - 5) < 1e-14);
  // Rank one: u v^T has one singular value |u| |v|.
  const sv = singularValues([1, 2, 2, 2, 4, 4], 2, 3); // rows (1,2,2) and 2*(1,2,2)
  assert(Math.abs(sv[0] - Math.sqrt(5) * 3) < 1e-14 && sv[1] < 1e-15);
  assert.throws(() => singularValues([1, 2, 3, 4, 5, 6], 3, 2), /rows <= cols, got 3 x 2/);
});

Deno.test("metrics meanAndCovariance: hand-made case, n - 1 denominator, errors", () => {
  // Rows (1, 2), (3, 6), (5, 10): mean (3, 6), var 4 and 16, cov 8.
  const { mean, covariance, count } = meanAndCovariance(new Float32Array([1, 2, 3, 6, 5, 10]), 2);
  assert.deepEqual(Array.from(mean), [3, 6]);
  assert.deepEqual(Array.from(covariance), [4, 8, 8, 16]);
  assert.equal(count, 3);
  assert.throws(
    () => meanAndCovariance(new Float32Array(5), 2),
    /data has length 5, not a multiple of the row width 2/,
  );
  assert.throws(() => meanAndCovariance(new Float32Array(2), 2), /at least 2 row\(s\)/);
  assert.throws(
    () => meanAndCovariance(new Float32Array([0, 0, 1, NaN]), 2),
    /data\[3\] is NaN \(row 1, column 1 of 2 x 2\)/,
  );
});
