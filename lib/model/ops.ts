/**
 * Tensor operations the networks are built from (normalisation, pooling, up-sampling,
 * activations, time embedding); the convolutions and their gradients are in `./conv.ts` and
 * re-exported here. Shapes use tfjs's channels-last layout: `[batch, length, channels]`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

export { conv1dFilterGrad, conv1dInputGrad, conv1dSame, conv1dValid } from "./conv.ts";
export { circularPad } from "./copy_kernels.ts";
import { joinChannels, padLength, splitChannels } from "./copy_kernels.ts";
import { groupNormFused } from "./norm_kernels.ts";
import { onWebGpu } from "./webgpu_kernels.ts";
import { downsampleWebGpu } from "./downsample_webgpu.ts";

function avgPool1d(x: tf.Tensor3D, size: number, stride: number): tf.Tensor3D {
  const [b, l, c] = x.shape;
  const y = tf.avgPool(tf.reshape(x, [b, 1, l, c]) as tf.Tensor4D, [1, size], [1, stride], "valid");
  return tf.reshape(y, [b, y.shape[2], c]);
}

/**
 * Anti-aliased downsampling as in SSL-Wearables' `Downsample`: a fixed per-channel filter that is
 * a box of width `factor` convolved with itself `order` times (normalised), zero padding
 * `order * (factor - 1) / 2` each side, applied with stride `factor`. Computed as `order`
 * stride-1 average pools followed by one stride-`factor` average pool, which is the same filter
 * and differentiable on every backend; on webgpu one kernel each way (`./downsample_webgpu.ts`).
 *
 * @param x Input, shape `[batch, length, channels]`.
 * @param factor Downsampling factor (> 1).
 * @param order Number of extra box convolutions (`order * (factor - 1)` must be even).
 * @returns Shape `[batch, floor((length + 2*pad - (order+1)*(factor-1) - 1) / factor) + 1, channels]`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../runtime/backend.ts";
 * import { antiAliasDownsample } from "./ops.ts";
 * await initBackend("cpu");
 * assert(antiAliasDownsample(tf.ones([1, 300, 2]), 2, 2).shape[1] === 150);
 * ```
 */
export function antiAliasDownsample(x: tf.Tensor3D, factor: number, order: number): tf.Tensor3D {
  if (factor < 2 || (order * (factor - 1)) % 2 !== 0) {
    throw new Error(`antiAliasDownsample: factor ${factor} with order ${order} is not symmetric`);
  }
  if (onWebGpu(x)) return downsampleWebGpu(x, factor, order);
  const pad = (order * (factor - 1)) / 2;
  let h = pad > 0 ? padLength(x, pad) : x;
  for (let i = 0; i < order; i++) h = avgPool1d(h, factor, 1);
  return avgPool1d(h, factor, factor);
}

/**
 * Group normalisation without affine parameters.
 *
 * @param x Input, shape `[batch, length, channels]`; `channels` divisible by `groups`.
 * @param groups Number of channel groups.
 * @param eps Added to the variance.
 * @returns Normalised tensor of the same shape.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../runtime/backend.ts";
 * import { groupNorm } from "./ops.ts";
 * await initBackend("cpu");
 * assert(groupNorm(tf.randomNormal([2, 8, 4]), 2).shape[2] === 4);
 * ```
 */
export function groupNorm(x: tf.Tensor3D, groups: number, eps = 1e-5): tf.Tensor3D {
  const [, , c] = x.shape;
  if (c % groups !== 0) {
    throw new Error(`groupNorm: ${c} channels (shape [${x.shape}]) not divisible by ${groups}`);
  }
  return groupNormFused(x, groups, eps);
}

/**
 * Nearest-neighbour upsampling by 2 along the length axis.
 *
 * @param x Input, shape `[batch, length, channels]`.
 * @returns Shape `[batch, 2 * length, channels]`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../runtime/backend.ts";
 * import { upsample2 } from "./ops.ts";
 * await initBackend("cpu");
 * assert(upsample2(tf.tensor3d([1, 2], [1, 2, 1])).dataSync().join() === "1,1,2,2");
 * ```
 */
export function upsample2(x: tf.Tensor3D): tf.Tensor3D {
  return upsample2Impl(x) as tf.Tensor3D;
}

// Each sample repeated as a channel-axis concat (a contiguous copy), and the gradient as a sum of
// the two copies: on wasm, tf.stack's Pack and its Unpack gradient cost 4-15x as much.
const upsample2Impl = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor3D;
  const [b, l, c] = x.shape;
  return {
    value: tf.reshape(tf.concat([x, x], 2), [b, 2 * l, c]),
    gradFunc: (dy: tf.Tensor) => tf.sum(tf.reshape(dy, [b, l, 2, c]), 2),
  };
});

/**
 * Concatenation along the channel (last) axis, as `tf.concat([a, b], 2)`, whose gradient is
 * {@link splitChannels} rather than `tf.split` (on wasm the U-Net's skip concatenations' split
 * gradients cost 0.16 s of a `small` step through tfjs's Slice).
 *
 * @param a Shape `[batch, length, c1]`.
 * @param b Shape `[batch, length, c2]`.
 * @returns Shape `[batch, length, c1 + c2]`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../runtime/backend.ts";
 * import { concatChannels } from "./ops.ts";
 * await initBackend("cpu");
 * const y = concatChannels(tf.tensor3d([1, 2], [1, 2, 1]), tf.tensor3d([3, 4], [1, 2, 1]));
 * assert.deepEqual([...y.dataSync()], [1, 3, 2, 4]);
 * ```
 */
export function concatChannels(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  if (a.shape[0] !== b.shape[0] || a.shape[1] !== b.shape[1]) {
    throw new Error(
      `concatChannels: shapes [${a.shape}] and [${b.shape}] differ before the channels`,
    );
  }
  return concatChannelsImpl(a, b) as tf.Tensor3D;
}

const concatChannelsImpl = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [a, b] = args as [tf.Tensor3D, tf.Tensor3D];
  return {
    value: joinChannels(a, b),
    gradFunc: (dy: tf.Tensor) => splitChannels(dy as tf.Tensor3D, a.shape[2]),
  };
});

/**
 * SiLU (swish) activation `x * sigmoid(x)`.
 *
 * @param x Any tensor.
 * @returns Same shape.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../runtime/backend.ts";
 * import { silu } from "./ops.ts";
 * await initBackend("cpu");
 * assert(silu(tf.scalar(0)).dataSync()[0] === 0);
 * ```
 */
export function silu<T extends tf.Tensor>(x: T): T {
  return tf.mul(x, tf.sigmoid(x));
}

/**
 * Sinusoidal embedding of flow times, as in diffusion models (`t` scaled by 1000).
 *
 * @param t Times, shape `[batch]`, in [0, 1].
 * @param dim Embedding width (even).
 * @returns Shape `[batch, dim]`: `[sin(1000 t f_i), cos(1000 t f_i)]`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../runtime/backend.ts";
 * import { timeEmbedding } from "./ops.ts";
 * await initBackend("cpu");
 * assert(timeEmbedding(tf.tensor1d([0, 0.5]), 8).shape[1] === 8);
 * ```
 */
export function timeEmbedding(t: tf.Tensor1D, dim: number): tf.Tensor2D {
  if (dim % 2 !== 0) throw new Error(`timeEmbedding: dim must be even, got ${dim}`);
  const half = dim / 2;
  const freqs = new Float32Array(half);
  for (let i = 0; i < half; i++) freqs[i] = Math.exp((-Math.log(10000) * i) / half);
  const args = tf.mul(tf.reshape(tf.mul(t, 1000), [-1, 1]), tf.tensor2d(freqs, [1, half]));
  return tf.concat([tf.sin(args), tf.cos(args)], 1) as tf.Tensor2D;
}
