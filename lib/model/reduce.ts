/**
 * Means and moments whose gradient stays on the device.
 *
 * tfjs's own gradient of `tf.mean` (and so of `tf.moments`) multiplies `dy` by `tf.ones(x.shape)`,
 * a tensor made on the CPU at every backward pass and then copied to the backend. On a real GPU
 * (WebGPU on an NVIDIA H200, `gpu/gpu_uploads_per_step.ts`) those copies took 1.85 s of a 2.9 s
 * `small` training step at batch 64 and 8.2 s of 9.2 s at batch 256. These versions broadcast `dy`
 * on the device instead (zeros filled on the device plus `dy / n`; not `tf.broadcastTo`, whose
 * Tile kernel cost 0.9 s of a `small` step on wasm); forward values and gradients are the same
 * numbers as tfjs's (`dy / n` is computed once per reduced cell rather than once per element, the
 * same rounding).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

function reducedShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

function normalisedAxes(x: tf.Tensor, axis?: number | number[]): number[] {
  const axes = axis === undefined ? [...x.shape.keys()] : Array.isArray(axis) ? axis : [axis];
  return axes.map((a) => {
    const r = a < 0 ? a + x.rank : a;
    if (!(Number.isInteger(r) && r >= 0 && r < x.rank)) {
      throw new RangeError(`mean: axis ${a} out of range for a tensor of shape [${x.shape}]`);
    }
    return r;
  });
}

/**
 * The mean of `x` over `axis`, as `tf.mean`, with a gradient broadcast on the device.
 *
 * @param x Any tensor, shape `[...]`.
 * @param axis The axes to reduce (negative counts from the end); omitted, all of them.
 * @param keepDims Keep the reduced axes with length 1.
 * @returns The mean: `x`'s shape without (or with length 1 at) the reduced axes.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../runtime/backend.ts";
 * import { mean } from "./reduce.ts";
 * await initBackend("cpu");
 * const x = tf.tensor2d([[1, 2], [3, 6]]);
 * assert.deepEqual(Array.from(mean(x, 1).dataSync()), [1.5, 4.5]);
 * assert.deepEqual(Array.from(tf.grad((v: tf.Tensor) => tf.sum(mean(v, 0)))(x).dataSync()), [0.5, 0.5, 0.5, 0.5]);
 * ```
 */
export function mean(x: tf.Tensor, axis?: number | number[], keepDims = false): tf.Tensor {
  const axes = normalisedAxes(x, axis);
  const kept = reducedShape(x.shape, axes);
  const n = axes.reduce((p, a) => p * x.shape[a], 1);
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor;
    return {
      value: tf.mean(input, axes, keepDims),
      // Broadcast by adding to a filled zero tensor, made on the device: tf.broadcastTo's Tile
      // kernel is 10-20x slower on wasm (45 ms for [64, 75, 128], 0.9 s of a small step).
      gradFunc: (dy: tf.Tensor) =>
        tf.add(tf.fill(x.shape, 0, x.dtype), tf.div(tf.reshape(dy, kept), n)),
    };
  });
  return f(x);
}

/**
 * Mean and (biased) variance of `x` over `axis`, as `tf.moments`, through {@link mean}.
 *
 * @param x Any tensor, shape `[...]`.
 * @param axis The axes to reduce.
 * @param keepDims Keep the reduced axes with length 1.
 * @returns `{ mean, variance }`, each `x`'s shape reduced over `axis`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../runtime/backend.ts";
 * import { moments } from "./reduce.ts";
 * await initBackend("cpu");
 * const m = moments(tf.tensor1d([1, 3]), 0);
 * assert.deepEqual([m.mean.dataSync()[0], m.variance.dataSync()[0]], [2, 1]);
 * ```
 */
export function moments(
  x: tf.Tensor,
  axis: number | number[],
  keepDims = false,
): { mean: tf.Tensor; variance: tf.Tensor } {
  return tf.tidy(() => {
    const axes = normalisedAxes(x, axis);
    const m = mean(x, axes, keepDims);
    const centred = tf.sub(x, keepDims ? m : tf.reshape(m, reducedShape(x.shape, axes)));
    return { mean: m, variance: mean(tf.square(centred), axes, keepDims) };
  });
}
