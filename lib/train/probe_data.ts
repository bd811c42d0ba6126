/**
 * The linear probes' data (both solvers): features standardised with the training rows' mean and
 * SD, class weights, and the split's rows as tensors.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { classWeights } from "./cross_entropy.ts";

/** Row-major features `[count, dim]`. */
export interface FeatureMatrix {
  /** Values, length `count * dim`. */
  data: Float32Array;
  /** Rows (windows). */
  count: number;
  /** Columns (features). */
  dim: number;
}

/**
 * Rows of `x`, standardised: `(x - mean) / sd` per feature.
 *
 * @param x Features.
 * @param rows Rows to take.
 * @param mean Per-feature mean.
 * @param sd Per-feature SD.
 * @returns Row-major `[rows, dim]` values.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { standardisedRows } from "./probe_data.ts";
 * const x = { data: Float32Array.of(1, 3), count: 2, dim: 1 };
 * assert.deepEqual([...standardisedRows(x, Int32Array.of(1), Float32Array.of(2), Float32Array.of(1))], [1]);
 * ```
 */
export function standardisedRows(
  x: FeatureMatrix,
  rows: Int32Array,
  mean: Float32Array,
  sd: Float32Array,
): Float32Array {
  const d = x.dim, out = new Float32Array(rows.length * d);
  rows.forEach((r, i) => {
    for (let j = 0; j < d; j++) out[i * d + j] = (x.data[r * d + j] - mean[j]) / sd[j];
  });
  return out;
}

/**
 * Per-feature mean and SD of the chosen rows; an SD that is 0 (to 1e-6 of the mean) becomes 1.
 *
 * @param x Features.
 * @param rows Rows (e.g. a fold's training windows).
 * @returns Mean and SD, one per feature.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { featureStats } from "./probe_data.ts";
 * const s = featureStats({ data: Float32Array.of(1, 5, 3, 5), count: 2, dim: 2 }, Int32Array.of(0, 1));
 * assert.deepEqual([[...s.mean], [...s.sd]], [[2, 5], [1, 1]]);
 * ```
 */
export function featureStats(
  x: FeatureMatrix,
  rows: Int32Array,
): { mean: Float32Array; sd: Float32Array } {
  const d = x.dim, mean = new Float32Array(d), sd = new Float32Array(d);
  for (let j = 0; j < d; j++) {
    let m = 0, s = 0;
    for (const r of rows) m += x.data[r * d + j];
    m /= rows.length;
    for (const r of rows) s += (x.data[r * d + j] - m) ** 2;
    const v = Math.sqrt(s / rows.length);
    [mean[j], sd[j]] = [m, v > 1e-6 * Math.max(1, Math.abs(m)) ? v : 1];
  }
  return { mean, sd };
}

/**
 * A split's probe data: the training rows' per-feature mean and SD, class weights (`balanced`:
 * inverse frequency in the training rows; `none`: all 1), labels, and the standardised rows as
 * tensors `xTrain` `[train, dim]` and `xVal` `[val, dim]`, which the caller disposes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initBackend } from "../runtime/backend.ts";
 * import { probeData } from "./probe_data.ts";
 * await initBackend("cpu");
 * const x = { data: Float32Array.of(1, 3, 5), count: 3, dim: 1 };
 * const d = probeData(x, Int32Array.of(0, 1, 1), 2, { train: Int32Array.of(0, 1), val: Int32Array.of(2) });
 * assert.deepEqual([d.xTrain.shape, [...d.xVal.dataSync()], [...d.yVal]], [[2, 1], [3], [1]]);
 * d.xTrain.dispose(), d.xVal.dispose();
 * ```
 */
export function probeData(
  x: FeatureMatrix,
  y: Int32Array,
  classes: number,
  split: { train: Int32Array; val: Int32Array },
  classWeighting: "balanced" | "none" = "balanced",
): {
  mean: Float32Array;
  sd: Float32Array;
  weights: Float32Array;
  yTrain: Int32Array;
  yVal: Int32Array;
  xTrain: tf.Tensor2D;
  xVal: tf.Tensor2D;
} {
  const { train, val } = split;
  const { mean, sd } = featureStats(x, train);
  const weights = classWeighting === "none"
    ? new Float32Array(classes).fill(1)
    : classWeights(y, train, classes);
  return {
    mean,
    sd,
    weights,
    yTrain: Int32Array.from(train, (r) => y[r]),
    yVal: Int32Array.from(val, (r) => y[r]),
    xTrain: tf.tensor2d(standardisedRows(x, train, mean, sd), [train.length, x.dim]),
    xVal: tf.tensor2d(standardisedRows(x, val, mean, sd), [val.length, x.dim]),
  };
}
