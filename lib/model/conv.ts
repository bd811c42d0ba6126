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
 * On WebGPU the three passes are kernels of their own instead (`./conv_webgpu.ts`).
 *
 * Shapes use tfjs's channels-last layout: a batch of sequences is `[batch, length, channels]`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Tensor3D } from "../tensors.ts";
import { flipFilter, wrapPad } from "./copy_kernels.ts";
import { filterGradMatMul } from "./filter_grad.ts";
import { onWasm } from "./wasm_kernels.ts";
import { onWebGpu } from "./webgpu_kernels.ts";
import { conv1dWebGpu } from "./conv_webgpu.ts";

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
export function conv1dFilterGrad(x: Tensor3D, dy: Tensor3D, k: number): Tensor3D {
  const [, lin] = x.shape;
  const [, lout] = dy.shape;
  if (lin - lout + 1 !== k) {
    throw new Error(
      `conv1dFilterGrad: input shape [${x.shape}] and output gradient shape [${dy.shape}] ` +
        `do not fit kernel width ${k}`,
    );
  }
  return filterGrad(x, dy, k, false);
}

/**
 * `dW[j, ci, co] = sum_{b,l} x[b, l + j - pad, ci] dy[b, l, co]` with `pad = (k - 1) / 2` zeros
 * each side when `samePadding`, else 0: a GEMM over shifted rows on wasm
 * (`./filter_grad.ts`), {@link filterGradConv2d} elsewhere.
 */
function filterGrad(x: tf.Tensor3D, dy: tf.Tensor3D, k: number, samePadding: boolean): tf.Tensor3D {
  const p = samePadding ? (k - 1) / 2 : 0;
  if (!onWasm(x)) return filterGradConv2d(x, dy, k, p);
  return p === 0
    ? filterGradMatMul(x, dy, k)
    : tf.tidy(() => filterGradMatMul(tf.pad(x, [[0, 0], [p, p], [0, 0]]), dy, k));
}

/**
 * The filter gradient as one conv2d: a correlation over the length axis summed over the batch is
 * itself a convolution, in which the input channels become the batch, the batch becomes the
 * channels, and `dy` is the filter (width `outLength`). It replaces k slices + concat + transpose
 * + matMul (2.7-4x faster on the `small` preset's layers on wasm, where the GEMM of
 * `./filter_grad.ts` is faster still; a matMul over a row-copied im2col matrix contracted with
 * `transposeA` was 2x slower). Used on cpu and WebGPU.
 *
 * @param x Input, shape `[batch, inLength, inChannels]`.
 * @param dy Output gradient, shape `[batch, inLength + 2 * pad - k + 1, outChannels]`.
 * @param k Kernel width.
 * @param pad Zeros assumed on each side of `x`.
 * @returns Shape `[k, inChannels, outChannels]`.
 */
export function filterGradConv2d(
  x: tf.Tensor3D,
  dy: tf.Tensor3D,
  k: number,
  pad = 0,
): tf.Tensor3D {
  const [b, lin, cin] = x.shape;
  const [, lout, cout] = dy.shape;
  return tf.tidy(() => {
    const xi = tf.reshape(tf.transpose(x, [2, 1, 0]), [cin, 1, lin, b]) as tf.Tensor4D;
    const f = tf.reshape(tf.transpose(dy, [1, 0, 2]), [1, lout, b, cout]) as tf.Tensor4D;
    const o = pad === 0
      ? tf.conv2d(xi, f, 1, "valid")
      : tf.conv2d(xi, f, 1, [[0, 0], [0, 0], [pad, pad], [0, 0]]); // [cin, 1, k, cout]
    return tf.transpose(tf.reshape(o, [cin, k, cout]), [1, 0, 2]);
  });
}

/**
 * Input gradient of a stride-1 valid conv1d: a forward conv of `dy`, zero-padded by `k - 1` on
 * both sides, with the flipped and transposed filter.
 *
 * @param dy Output gradient, shape `[batch, outLength, outChannels]`.
 * @param w Filter, shape `[k, inChannels, outChannels]`.
 * @returns Shape `[batch, outLength + k - 1, inChannels]`.
 */
export function conv1dInputGrad(dy: Tensor3D, w: Tensor3D): Tensor3D {
  const k = w.shape[0];
  const flipped = flipFilter(w); // [k, cout, cin]
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
 * import { conv1dValid } from "./conv.ts";
 * await initBackend("cpu");
 * const y = conv1dValid(tf.ones([1, 10, 3]), tf.ones([5, 3, 2]));
 * assert(y.shape[1] === 6 && y.shape[2] === 2);
 * ```
 */
export function conv1dValid(x: Tensor3D, w: Tensor3D): Tensor3D {
  checkRank("conv1dValid", x, 3, "input [batch, length, channels]");
  checkRank("conv1dValid", w, 3, "filter [kernel, in, out]");
  if (x.shape[2] !== w.shape[1]) {
    throw new Error(
      `conv1dValid: input has ${x.shape[2]} channels (shape [${x.shape}]) but filter expects ${
        w.shape[1]
      } (shape [${w.shape}])`,
    );
  }
  if (onWebGpu(x) && onWebGpu(w)) return conv1dWebGpu(x, w, "valid");
  return conv1dValidImpl(x, w) as tf.Tensor3D;
}

/**
 * "Same"-length 1-D convolution (odd kernel), padded circularly or with zeros.
 *
 * @param x Input, shape `[batch, length, inChannels]`.
 * @param w Filter, shape `[kernel, inChannels, outChannels]` with an odd kernel.
 * @param padding `"circular"` or `"zeros"`.
 * @param bias Added per output channel, `[outChannels]` (optional; fused into the convolution's
 *   kernels on webgpu).
 * @returns Shape `[batch, length, outChannels]`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../runtime/backend.ts";
 * import { conv1dSame } from "./conv.ts";
 * await initBackend("cpu");
 * assert(conv1dSame(tf.ones([2, 8, 3]), tf.ones([3, 3, 4]), "zeros").shape[1] === 8);
 * ```
 */
export function conv1dSame(
  x: tf.Tensor3D,
  w: tf.Tensor3D,
  padding: "circular" | "zeros",
  bias?: tf.Tensor,
): tf.Tensor3D {
  const k = w.shape[0];
  if (k % 2 !== 1) throw new Error(`conv1dSame: kernel must be odd, got filter shape [${w.shape}]`);
  checkRank("conv1dSame", x, 3, "input [batch, length, channels]");
  if (x.shape[2] !== w.shape[1]) {
    throw new Error(
      `conv1dSame: input has ${x.shape[2]} channels (shape [${x.shape}]) but filter expects ${
        w.shape[1]
      } (shape [${w.shape}])`,
    );
  }
  if (onWebGpu(x) && onWebGpu(w) && (!bias || onWebGpu(bias))) {
    return conv1dWebGpu(x, w, padding, bias);
  }
  const conv = () =>
    k === 1
      ? conv1dValid(x, w)
      : (padding === "circular" ? conv1dCircularImpl : conv1dZerosImpl)(x, w) as tf.Tensor3D;
  return bias ? tf.tidy(() => tf.add(conv(), bias)) : conv();
}

// Zero-padded "same" convolution as one op: no padded copies of x or dy. Its input gradient is
// the "same" convolution of dy with the flipped filter; its filter gradient a conv2d whose
// explicit padding stands in for the zeros.
const conv1dZerosImpl = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, w, save] = args as [tf.Tensor3D, tf.Tensor3D, tf.GradSaveFunc];
  save([x, w]);
  return {
    value: tf.conv1d(x, w, 1, "same"),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, sw] = saved as [tf.Tensor3D, tf.Tensor3D];
      const dy3 = dy as tf.Tensor3D;
      return [tf.conv1d(dy3, flipFilter(sw), 1, "same"), filterGrad(sx, dy3, sw.shape[0], true)];
    },
  };
});

// Circularly padded "same" convolution as one op. With p = (k - 1) / 2, the input gradient is
// the circular "same" correlation of dy with the flipped filter: a valid conv of dy padded
// circularly by p, so the full-length padded gradient and its fold-back are never built.
const conv1dCircularImpl = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, w, save] = args as [tf.Tensor3D, tf.Tensor3D, tf.GradSaveFunc];
  const p = (w.shape[0] - 1) / 2;
  const xp = wrapPad(x, p); // throws, naming the shape, when p exceeds the length
  save([xp, w]);
  return {
    value: tf.conv1d(xp, w, 1, "valid"),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sxp, sw] = saved as [tf.Tensor3D, tf.Tensor3D];
      const dy3 = dy as tf.Tensor3D;
      const dx = tf.conv1d(wrapPad(dy3, p), flipFilter(sw), 1, "valid");
      return [dx, filterGrad(sxp, dy3, sw.shape[0], false)];
    },
  };
});
