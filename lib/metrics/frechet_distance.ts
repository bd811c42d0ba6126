/**
 * Fréchet distance between Gaussians fitted to two sets of embeddings (the statistic behind FID,
 * here on encoder embeddings of real and generated windows).
 *
 * @module
 */
import { meanAndCovariance } from "./mean_covariance.ts";
import type { NumericArray } from "./rows.ts";
import { nuclearNorm } from "./singular_values.ts";
import { sqrtPsd } from "./symmetric_eigen.ts";

/**
 * Fréchet (2-Wasserstein squared) distance between `N(muA, covA)` and `N(muB, covB)`:
 * `||muA - muB||^2 + Tr(covA + covB - 2 (covA^(1/2) covB covA^(1/2))^(1/2))`.
 *
 * The trace of the matrix square root is computed as the nuclear norm of
 * `covB^(1/2) covA^(1/2)` (since `(R_b R_a)^T (R_b R_a) = R_a covB R_a`): the two PSD square
 * roots come from symmetric eigendecompositions (negative rounding eigenvalues clamped to 0) and
 * the singular values from one-sided Jacobi, which avoids the `sqrt(eps)` error of taking square
 * roots of tiny eigenvalues of the product. The result is clamped at 0 against rounding.
 *
 * @param muA Mean of the first Gaussian, length `dim`.
 * @param covA Covariance of the first Gaussian, `dim x dim` row-major, symmetric PSD.
 * @param muB Mean of the second Gaussian, length `dim`.
 * @param covB Covariance of the second Gaussian, `dim x dim` row-major, symmetric PSD.
 * @param dim Dimension.
 * @returns The squared Fréchet distance (>= 0).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { frechetDistanceFromStatistics } from "./frechet_distance.ts";
 * const d = frechetDistanceFromStatistics([0], [1], [3], [4], 1); // 9 + (1 + 4 - 2 * 2)
 * assert(Math.abs(d - 10) < 1e-12);
 * ```
 */
export function frechetDistanceFromStatistics(
  muA: ArrayLike<number>,
  covA: ArrayLike<number>,
  muB: ArrayLike<number>,
  covB: ArrayLike<number>,
  dim: number,
): number {
  if (!Number.isInteger(dim) || dim < 1) {
    throw new RangeError(`frechetDistance: dim must be a positive integer, got ${dim}`);
  }
  if (muA.length !== dim || muB.length !== dim) {
    throw new RangeError(
      `frechetDistance: means must have length dim = ${dim}, got ${muA.length} and ${muB.length}`,
    );
  }
  if (covA.length !== dim * dim || covB.length !== dim * dim) {
    throw new RangeError(
      `frechetDistance: covariances must be ${dim} x ${dim} (length ${
        dim * dim
      }), got lengths ${covA.length} and ${covB.length}`,
    );
  }
  let meanTerm = 0;
  for (let j = 0; j < dim; j++) {
    const diff = muA[j] - muB[j];
    meanTerm += diff * diff;
  }
  let trace = 0;
  for (let j = 0; j < dim; j++) trace += covA[j * dim + j] + covB[j * dim + j];
  const ra = sqrtPsd(covA, dim);
  const rb = sqrtPsd(covB, dim);
  const product = matMul(rb, ra, dim);
  const crossTrace = nuclearNorm(product, dim);
  const d = meanTerm + trace - 2 * crossTrace;
  if (!Number.isFinite(d)) throw new Error(`frechetDistance: result is ${d} (dim ${dim})`);
  return Math.max(0, d);
}

function matMul(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const oi = i * n;
    for (let k = 0; k < n; k++) {
      const aik = a[oi + k];
      if (aik === 0) continue;
      const bk = k * n;
      for (let j = 0; j < n; j++) out[oi + j] += aik * b[bk + j];
    }
  }
  return out;
}

/**
 * Fréchet distance between Gaussians fitted to two sets of embeddings, `n x dim` row-major
 * (mean and sample covariance with denominator `n - 1`, as in FID). The sets may differ in
 * size; each needs at least 2 rows. See {@link frechetDistanceFromStatistics} for the formula
 * and the numerics.
 *
 * @param a First set, `nA x dim` row-major.
 * @param b Second set, `nB x dim` row-major.
 * @param dim Embedding dimension.
 * @returns The squared Fréchet distance (>= 0; 0 for identical sets).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { frechetDistance } from "./frechet_distance.ts";
 * const a = new Float64Array([0, 0, 2, 2]); // 2 points in 2-D
 * const b = new Float64Array([1, 0, 3, 2]); // shifted by (1, 0)
 * assert(Math.abs(frechetDistance(a, b, 2) - 1) < 1e-12);
 * ```
 */
export function frechetDistance(a: NumericArray, b: NumericArray, dim: number): number {
  const sa = meanAndCovariance(a, dim);
  const sb = meanAndCovariance(b, dim);
  return frechetDistanceFromStatistics(sa.mean, sa.covariance, sb.mean, sb.covariance, dim);
}
