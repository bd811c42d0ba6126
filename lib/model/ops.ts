/**
 * Tensor operations the networks are built from, written so that every backend (wasm, cpu,
 * WebGPU) can differentiate them.
 *
 * tfjs-backend-wasm has no `Conv2DBackpropFilter` kernel (and tfjs-backend-cpu's is very slow),
 * so {@link conv1d} carries its own gradient through `tf.customGrad` instead of registering one
 * globally: the filter gradient is one conv2d with `dy` as the filter, the input gradient a
 * forward convolution of the padded `dy` with the flipped, transposed filter. Nothing in tfjs's
 * global gradient registry is changed, so other tfjs code in the same process is unaffected.
 *
 * Shapes use tfjs's channels-last layout: a batch of sequences is `[batch, length, channels]`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

function checkRank(name: string, x: tf.Tensor, rank: number, what: string): void {
  if (x.rank !== rank) {
    throw new Error(`${name}: expected ${what} of rank ${rank}, got shape [${x.shape}]`);
  }
}

/**
 * Filter gradient of a stride-1 valid conv1d, `dW[j, ci, co] = sum_{b,l} x[b,l+j,ci] dy[b,l,co]`,
 * computed as one conv2d in which `dy` is the filter.
 *
 * @param x Input, shape `[batch, length, inChannels]`.
 * @param dy Output gradient, shape `[batch, length - k + 1, outChannels]`.
 * @param k Kernel width.
 * @returns Shape `[k, inChannels, outChannels]`.
 */
export function conv1dFilterGrad(x: tf.Tensor3D, dy: tf.Tensor3D, k: number): tf.Tensor3D {
  const [b, lin, cin] = x.shape;
  const [, lout, cout] = dy.shape;
  if (lin - lout + 1 !== k) {
    throw new Error(
      `conv1dFilterGrad: input shape [${x.shape}] and output gradient shape [${dy.shape}] ` +
        `do not fit kernel width ${k}`,
    );
  }
  // A correlation over the length axis, summed over the batch, is itself a convolution: the
  // input channels become the batch, the batch becomes the channels, and `dy` is the filter
  // (width lout). One conv2d (XNNPACK on wasm) replaces k slices + concat + transpose + matMul,
  // 2.7-4x faster on the small preset's layers.
  const xi = tf.reshape(tf.transpose(x, [2, 1, 0]), [cin, 1, lin, b]) as tf.Tensor4D;
  const f = tf.reshape(tf.transpose(dy, [1, 0, 2]), [1, lout, b, cout]) as tf.Tensor4D;
  const o = tf.conv2d(xi, f, 1, "valid"); // [cin, 1, k, cout]
  return tf.transpose(tf.reshape(o, [cin, k, cout]), [1, 0, 2]);
}

/**
 * Input gradient of a stride-1 valid conv1d: a forward conv of `dy`, zero-padded by `k - 1` on
 * both sides, with the flipped and transposed filter.
 *
 * @param dy Output gradient, shape `[batch, outLength, outChannels]`.
 * @param w Filter, shape `[k, inChannels, outChannels]`.
 * @returns Shape `[batch, outLength + k - 1, inChannels]`.
 */
export function conv1dInputGrad(dy: tf.Tensor3D, w: tf.Tensor3D): tf.Tensor3D {
  const k = w.shape[0];
  const flipped = tf.transpose(tf.reverse(w, 0), [0, 2, 1]) as tf.Tensor3D; // [k, cout, cin]
  const padded = k > 1 ? tf.pad(dy, [[0, 0], [k - 1, k - 1], [0, 0]]) : dy;
  return tf.conv1d(padded, flipped, 1, "valid");
}

const conv1dValidImpl = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, w, save] = args as [tf.Tensor3D, tf.Tensor3D, tf.GradSaveFunc];
  save([x, w]);
  return {
    value: tf.conv1d(x, w, 1, "valid"),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, sw] = saved as [tf.Tensor3D, tf.Tensor3D];
      const dy3 = dy as tf.Tensor3D;
      return [conv1dInputGrad(dy3, sw), conv1dFilterGrad(sx, dy3, sw.shape[0])];
    },
  };
});

/**
 * Stride-1 "valid" 1-D convolution with a gradient every backend can run.
 *
 * @param x Input, shape `[batch, length, inChannels]`.
 * @param w Filter, shape `[kernel, inChannels, outChannels]`.
 * @returns Output, shape `[batch, length - kernel + 1, outChannels]`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../runtime/backend.ts";
 * import { conv1dValid } from "./ops.ts";
 * await initBackend("cpu");
 * const y = conv1dValid(tf.ones([1, 10, 3]), tf.ones([5, 3, 2]));
 * assert(y.shape[1] === 6 && y.shape[2] === 2);
 * ```
 */
export function conv1dValid(x: tf.Tensor3D, w: tf.Tensor3D): tf.Tensor3D {
  checkRank("conv1dValid", x, 3, "input [batch, length, channels]");
  checkRank("conv1dValid", w, 3, "filter [kernel, in, out]");
  if (x.shape[2] !== w.shape[1]) {
    throw new Error(
      `conv1dValid: input has ${x.shape[2]} channels (shape [${x.shape}]) but filter expects ${
        w.shape[1]
      } (shape [${w.shape}])`,
    );
  }
  return conv1dValidImpl(x, w) as tf.Tensor3D;
}

/**
 * Pads a sequence circularly (wrap-around), as PyTorch's `padding_mode="circular"`.
 *
 * @param x Input, shape `[batch, length, channels]`.
 * @param left Samples prepended (taken from the end).
 * @param right Samples appended (taken from the start).
 * @returns Shape `[batch, length + left + right, channels]`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../runtime/backend.ts";
 * import { circularPad } from "./ops.ts";
 * await initBackend("cpu");
 * const y = circularPad(tf.tensor3d([1, 2, 3], [1, 3, 1]), 1, 1);
 * assert(y.dataSync().join() === "3,1,2,3,1");
 * ```
 */
export function circularPad(x: tf.Tensor3D, left: number, right: number): tf.Tensor3D {
  const [b, l, c] = x.shape;
  if (left > l || right > l) {
    throw new Error(`circularPad: padding ${left}+${right} exceeds length of shape [${x.shape}]`);
  }
  const parts: tf.Tensor3D[] = [];
  if (left > 0) parts.push(tf.slice(x, [0, l - left, 0], [b, left, c]));
  parts.push(x);
  if (right > 0) parts.push(tf.slice(x, [0, 0, 0], [b, right, c]));
  return parts.length === 1 ? x : tf.concat(parts, 1);
}

/**
 * "Same"-length 1-D convolution (odd kernel), padded circularly or with zeros.
 *
 * @param x Input, shape `[batch, length, inChannels]`.
 * @param w Filter, shape `[kernel, inChannels, outChannels]` with an odd kernel.
 * @param padding `"circular"` or `"zeros"`.
 * @returns Shape `[batch, length, outChannels]`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../runtime/backend.ts";
 * import { conv1dSame } from "./ops.ts";
 * await initBackend("cpu");
 * assert(conv1dSame(tf.ones([2, 8, 3]), tf.ones([3, 3, 4]), "zeros").shape[1] === 8);
 * ```
 */
export function conv1dSame(
  x: tf.Tensor3D,
  w: tf.Tensor3D,
  padding: "circular" | "zeros",
): tf.Tensor3D {
  const k = w.shape[0];
  if (k % 2 !== 1) throw new Error(`conv1dSame: kernel must be odd, got filter shape [${w.shape}]`);
  const p = (k - 1) / 2;
  if (p === 0) return conv1dValid(x, w);
  const padded = padding === "circular"
    ? circularPad(x, p, p)
    : tf.pad(x, [[0, 0], [p, p], [0, 0]]) as tf.Tensor3D;
  return conv1dValid(padded, w);
}

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
 * and differentiable on every backend.
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
  const pad = (order * (factor - 1)) / 2;
  let h = pad > 0 ? tf.pad(x, [[0, 0], [pad, pad], [0, 0]]) as tf.Tensor3D : x;
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
  const [b, l, c] = x.shape;
  if (c % groups !== 0) {
    throw new Error(`groupNorm: ${c} channels (shape [${x.shape}]) not divisible by ${groups}`);
  }
  const g = tf.reshape(x, [b, l, groups, c / groups]);
  const { mean, variance } = tf.moments(g, [1, 3], true);
  const y = tf.mul(tf.sub(g, mean), tf.rsqrt(tf.add(variance, eps)));
  return tf.reshape(y, [b, l, c]);
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
  const [b, l, c] = x.shape;
  return tf.reshape(tf.stack([x, x], 2), [b, 2 * l, c]);
}

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
