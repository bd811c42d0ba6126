/**
 * Per-element error between paired real and generated (reconstructed) windows.
 *
 * @module
 */
import { CHANNELS } from "../data/types.ts";
import { type NumericArray, rowCount } from "./rows.ts";

/** Result of {@link reconstructionError}. */
export interface ReconstructionError {
  /** Mean squared error over all elements. */
  mse: number;
  /** `sqrt(mse)`. */
  rmse: number;
  /** Root mean squared error per axis (x, y, z for FlowFM windows). */
  perAxisRmse: number[];
}

/**
 * Mean squared error, its root and the per-axis RMSE between paired windows: `generated[i]` is
 * compared with `real[i]`, element by element, in float64. The arrays must have equal length,
 * a multiple of the channel count.
 *
 * @param real Real windows `[n, length, channels]`, flat.
 * @param generated Generated windows, same shape and order.
 * @param options `channels` per sample (default 3, interleaved x y z).
 * @returns MSE, RMSE and RMSE per axis.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reconstructionError } from "./reconstruction_error.ts";
 * const r = reconstructionError(new Float32Array([0, 0, 0]), new Float32Array([1, 2, 2]));
 * assert(r.mse === 3 && r.perAxisRmse[1] === 2);
 * ```
 */
export function reconstructionError(
  real: NumericArray,
  generated: NumericArray,
  options: { channels?: number } = {},
): ReconstructionError {
  const channels = options.channels ?? CHANNELS;
  if (!Number.isInteger(channels) || channels < 1) {
    throw new RangeError(
      `reconstructionError: channels must be a positive integer, got ${channels}`,
    );
  }
  const n = rowCount("reconstructionError", "real", real, channels, 1);
  rowCount("reconstructionError", "generated", generated, channels, 1);
  if (generated.length !== real.length) {
    throw new RangeError(
      `reconstructionError: real has length ${real.length} but generated has length ${generated.length}; windows must be paired`,
    );
  }
  const sums = new Float64Array(channels);
  for (let i = 0; i < n; i++) {
    const o = i * channels;
    for (let c = 0; c < channels; c++) {
      const d = generated[o + c] - real[o + c];
      sums[c] += d * d;
    }
  }
  let total = 0;
  for (let c = 0; c < channels; c++) total += sums[c];
  const mse = total / real.length;
  return {
    mse,
    rmse: Math.sqrt(mse),
    perAxisRmse: Array.from(sums, (s) => Math.sqrt(s / n)),
  };
}
