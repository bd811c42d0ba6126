/**
 * The encoder's batch normalisation in training mode (batch statistics) as one kernel forward and
 * one backward on wasm, instead of about ten tfjs kernels forward and fifteen backward (moments,
 * subtract, rsqrt, multiply, add and their gradients, each a pass over the activations). The
 * kernels make two passes over heap views and sum in float64. They are registered under names of
 * their own (no tfjs kernel is replaced). On webgpu the same names run WGSL programs
 * (`./batch_norm_webgpu.ts`); other backends use tfjs ops with the same formula.
 *
 * Per channel, over the batch and length: `mean`, the biased `variance`, `r = 1 / sqrt(variance +
 * eps)`, `xhat = (x - mean) * r`, `y = gamma * xhat + beta`; backward `dbeta = sum dy`,
 * `dgamma = sum dy * xhat`, `dx = gamma * r * (dy - mean(dy) - xhat * mean(dy * xhat))`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { onWasm, registerWasmKernel } from "./wasm_kernels.ts";
import { onWebGpu } from "./webgpu_kernels.ts";
import { registerBatchNormWebGpu } from "./batch_norm_webgpu.ts";
import { moments } from "./reduce.ts";

const FORWARD = "FlowFMBatchNorm", BACKWARD = "FlowFMBatchNormGrad";

function register(): void {
  if (tf.getKernel(FORWARD, "wasm")) return;
  registerWasmKernel(FORWARD, (inputs, be, attrs) => {
    const { x, gamma, beta } = inputs;
    const eps = attrs.eps;
    const [b, l, c] = x.shape, rows = b * l;
    const y = be.makeOutput([b, l, c], "float32"), mean = be.makeOutput([c], "float32");
    const variance = be.makeOutput([c], "float32"), r = be.makeOutput([c], "float32");
    // views after every allocation: an allocation may grow (and so detach) the heap
    const xv = be.typedArrayFromHeap(x), yv = be.typedArrayFromHeap(y);
    const gv = be.typedArrayFromHeap(gamma), bv = be.typedArrayFromHeap(beta);
    const mv = be.typedArrayFromHeap(mean), vv = be.typedArrayFromHeap(variance);
    const rv = be.typedArrayFromHeap(r);
    const s = new Float64Array(c), q = new Float64Array(c);
    for (let k = 0, row = 0; row < rows; row++) {
      for (let ch = 0; ch < c; ch++, k++) {
        const v = xv[k];
        s[ch] += v;
        q[ch] += v * v;
      }
    }
    const m = new Float64Array(c), scale = new Float64Array(c), shift = new Float64Array(c);
    for (let ch = 0; ch < c; ch++) {
      m[ch] = s[ch] / rows;
      const v = Math.max(0, q[ch] / rows - m[ch] * m[ch]);
      mv[ch] = m[ch];
      vv[ch] = v;
      rv[ch] = 1 / Math.sqrt(Math.fround(v) + eps);
      scale[ch] = rv[ch] * gv[ch];
      shift[ch] = bv[ch] - m[ch] * scale[ch];
    }
    for (let k = 0, row = 0; row < rows; row++) {
      for (let ch = 0; ch < c; ch++, k++) yv[k] = xv[k] * scale[ch] + shift[ch];
    }
    return [y, mean, variance, r];
  });
  registerWasmKernel(BACKWARD, (inputs, be) => {
    const { dy, x, mean, r, gamma } = inputs;
    const [b, l, c] = x.shape, rows = b * l;
    const dx = be.makeOutput([b, l, c], "float32"), dg = be.makeOutput([c], "float32");
    const db = be.makeOutput([c], "float32");
    const dv = be.typedArrayFromHeap(dy), xv = be.typedArrayFromHeap(x);
    const mv = be.typedArrayFromHeap(mean), rv = be.typedArrayFromHeap(r);
    const gv = be.typedArrayFromHeap(gamma), ov = be.typedArrayFromHeap(dx);
    const dgv = be.typedArrayFromHeap(dg), dbv = be.typedArrayFromHeap(db);
    const sd = new Float64Array(c), sdx = new Float64Array(c);
    for (let k = 0, row = 0; row < rows; row++) {
      for (let ch = 0; ch < c; ch++, k++) {
        const d = dv[k];
        sd[ch] += d;
        sdx[ch] += d * (xv[k] - mv[ch]) * rv[ch];
      }
    }
    const a = new Float64Array(c), bb = new Float64Array(c), g = new Float64Array(c);
    for (let ch = 0; ch < c; ch++) {
      dbv[ch] = sd[ch];
      dgv[ch] = sdx[ch];
      g[ch] = gv[ch] * rv[ch];
      a[ch] = sd[ch] / rows;
      bb[ch] = (sdx[ch] / rows) * rv[ch]; // times (x - mean) gives xhat * mean(dy * xhat)
    }
    for (let k = 0, row = 0; row < rows; row++) {
      for (let ch = 0; ch < c; ch++, k++) {
        ov[k] = g[ch] * (dv[k] - a[ch] - (xv[k] - mv[ch]) * bb[ch]);
      }
    }
    return [dx, dg, db];
  });
}

/**
 * Batch normalisation with batch statistics (training mode), differentiable in `x`, `gamma` and
 * `beta`: one kernel forward and one backward on wasm, tfjs ops elsewhere.
 *
 * @param x Activations, shape `[batch, length, c]`.
 * @param gamma Scale per channel, shape `[c]`.
 * @param beta Shift per channel, shape `[c]`.
 * @param eps Added to the variance.
 * @param onStats Called with the batch mean and biased variance (shape `[c]`) to update running
 *   statistics (for use during the call: keep nothing).
 * @param relu Whether a ReLU follows (inside the kernels on webgpu, `tf.relu` elsewhere).
 * @returns Shape `[batch, length, c]`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../runtime/backend.ts";
 * import { batchNormTrain } from "./batch_norm_kernels.ts";
 * await initBackend("cpu");
 * const y = batchNormTrain(tf.tensor3d([1, 3], [1, 2, 1]), tf.ones([1]), tf.zeros([1]), 0);
 * assert.deepEqual([...y.dataSync()], [-1, 1]);
 * ```
 */
export function batchNormTrain(
  x: tf.Tensor3D,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  eps: number,
  onStats?: (mean: tf.Tensor1D, variance: tf.Tensor1D) => void,
  relu = false,
): tf.Tensor3D {
  const c = x.shape[2];
  if (x.rank !== 3 || gamma.size !== c || beta.size !== c) {
    throw new Error(
      `batchNormTrain: expected x [batch, length, c] with gamma and beta of c values, got [${x.shape}], [${gamma.shape}] and [${beta.shape}]`,
    );
  }
  const gpu = onWebGpu(x) && onWebGpu(gamma) && onWebGpu(beta);
  if (relu && !gpu) return tf.relu(batchNormTrain(x, gamma, beta, eps, onStats));
  if (!onWasm(x) && !gpu) {
    const { mean: mu, variance } = moments(x, [0, 1]);
    onStats?.(mu as tf.Tensor1D, variance as tf.Tensor1D);
    const scale = tf.mul(tf.rsqrt(tf.add(variance, eps)), gamma);
    return tf.add(tf.mul(tf.sub(x, mu), scale), beta) as tf.Tensor3D;
  }
  if (gpu) registerBatchNormWebGpu(FORWARD, BACKWARD);
  else register();
  // the fourth output: r [c] on wasm, the stats [c, 3] (mean, variance, r) on webgpu
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, g, bt, save] = args as [tf.Tensor3D, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const [y, mean, variance, r] = tf.engine().runKernel(
      FORWARD,
      { x: input, gamma: g, beta: bt },
      { eps, relu: relu ? 1 : 0 },
    ) as unknown as [tf.Tensor3D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
    onStats?.(mean, variance);
    // On webgpu the stats hold the mean, and gamma and beta, when variables (the model's), outlive
    // the step: they are not saved (each saved tensor is a copy, an Identity kernel, in tfjs).
    const kept = gamma instanceof tf.Variable && beta instanceof tf.Variable;
    save(gpu ? (kept ? [input, r] : [input, r, g, bt]) : [input, mean, r, g]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sg, sb] = kept ? [gamma, beta] : [saved[2], saved[3]];
        const inputs: Record<string, tf.Tensor> = gpu
          ? { dy, x: saved[0], r: saved[1], gamma: sg, beta: sb }
          : { dy, x: saved[0], mean: saved[1], r: saved[2], gamma: saved[3] };
        const [dx, dg, db] = tf.engine().runKernel(BACKWARD, inputs, {
          relu: relu ? 1 : 0,
        }) as unknown as tf.Tensor[];
        const like = (t: tf.Tensor, shape: number[]) =>
          t.shape.join() === shape.join() ? t : tf.reshape(t, shape);
        return [dx, like(dg, gamma.shape), like(db, beta.shape)];
      },
    };
  });
  return f(x, gamma, beta) as tf.Tensor3D;
}
