/**
 * Sample mean and covariance of row vectors, in float64.
 *
 * @module
 */
import { type NumericArray, rowCount } from "./rows.ts";

/** Mean and covariance of `n` rows of width `dim`. */
export interface MeanCovariance {
  /** Mean, length `dim`. */
  mean: Float64Array;
  /** Sample covariance (denominator `n - 1`), `dim x dim` row-major, exactly symmetric. */
  covariance: Float64Array;
  /** Number of rows. */
  count: number;
  /** Row width. */
  dim: number;
}

/**
 * Mean and unbiased sample covariance (denominator `n - 1`, as `numpy.cov`) of `n x dim`
 * row-major data, by two passes in float64 (the mean first, then centred products).
 *
 * @param data `n x dim` values, row-major; `n >= 2`.
 * @param dim Row width.
 * @returns The mean, the covariance and the sizes.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { meanAndCovariance } from "./mean_covariance.ts";
 * const { mean, covariance } = meanAndCovariance(new Float64Array([0, 0, 2, 4]), 2);
 * assert(mean[1] === 2 && covariance[0] === 2 && covariance[1] === 4);
 * ```
 */
export function meanAndCovariance(data: NumericArray, dim: number): MeanCovariance {
  const n = rowCount("meanAndCovariance", "data", data, dim, 2);
  const mean = new Float64Array(dim);
  for (let r = 0; r < n; r++) {
    const o = r * dim;
    for (let j = 0; j < dim; j++) mean[j] += data[o + j];
  }
  for (let j = 0; j < dim; j++) mean[j] /= n;
  const cov = new Float64Array(dim * dim);
  const c = new Float64Array(dim);
  for (let r = 0; r < n; r++) {
    const o = r * dim;
    for (let j = 0; j < dim; j++) c[j] = data[o + j] - mean[j];
    for (let i = 0; i < dim; i++) {
      const ci = c[i];
      if (ci === 0) continue;
      const row = i * dim;
      for (let j = i; j < dim; j++) cov[row + j] += ci * c[j];
    }
  }
  for (let i = 0; i < dim; i++) {
    for (let j = i; j < dim; j++) {
      const v = cov[i * dim + j] / (n - 1);
      cov[i * dim + j] = v;
      cov[j * dim + i] = v;
    }
  }
  return { mean, covariance: cov, count: n, dim };
}
