/**
 * Copies the networks make every step, as kernels of their own on wasm: the wrap-around padding of
 * circular convolutions, the U-Net skip concatenations and their gradient's channel split, the
 * flipped filter of a convolution's input gradient, and the crop that is the zero padding's
 * gradient. tfjs's Slice on wasm first copies its whole input out of the backend's heap into fresh
 * memory, and its strided slice and gather copy element by element; on our VM those made these
 * copies cost about 0.5 s of a `small` training step. These kernels copy rows straight between
 * heap views. They are registered under names of their own (no tfjs kernel is replaced), and other
 * backends use tfjs's ops, with the same values.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { onWasm, registerWasmKernel } from "./wasm_kernels.ts";

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
 * import { circularPad } from "./copy_kernels.ts";
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
  if (left === 0 && right === 0) return x;
  return tf.tidy(() => {
    const parts: tf.Tensor3D[] = [];
    if (left > 0) parts.push(tf.slice(x, [0, l - left, 0], [b, left, c]));
    parts.push(x);
    if (right > 0) parts.push(tf.slice(x, [0, 0, 0], [b, right, c]));
    return tf.concat(parts, 1);
  });
}

const SPLIT = "FlowFMSplitChannels", WRAP = "FlowFMWrapPad";
const CONCAT = "FlowFMConcatChannels", FLIP = "FlowFMFlipFilter", CROP = "FlowFMCropLength";

function register(): void {
  if (tf.getKernel(SPLIT, "wasm")) return;
  registerWasmKernel(SPLIT, (inputs, be, attrs) => {
    const x = inputs.x;
    const [n, l, c] = x.shape, c1 = attrs.c1, c2 = c - c1;
    const a = be.makeOutput([n, l, c1], "float32"), b = be.makeOutput([n, l, c2], "float32");
    // views after both allocations: an allocation may grow (and so detach) the heap
    const xv = be.typedArrayFromHeap(x), av = be.typedArrayFromHeap(a);
    const bv = be.typedArrayFromHeap(b);
    for (let r = 0; r < n * l; r++) {
      av.set(xv.subarray(r * c, r * c + c1), r * c1);
      bv.set(xv.subarray(r * c + c1, (r + 1) * c), r * c2);
    }
    return [a, b];
  });
  registerWasmKernel(WRAP, (inputs, be, attrs) => {
    const x = inputs.x;
    const [n, l, c] = x.shape, p = attrs.p, lp = l + 2 * p;
    const out = be.makeOutput([n, lp, c], "float32");
    const xv = be.typedArrayFromHeap(x), ov = be.typedArrayFromHeap(out);
    for (let i = 0; i < n; i++) {
      const xi = xv.subarray(i * l * c, (i + 1) * l * c), o = i * lp * c;
      ov.set(xi.subarray((l - p) * c), o);
      ov.set(xi, o + p * c);
      ov.set(xi.subarray(0, p * c), o + (p + l) * c);
    }
    return out;
  });
  registerWasmKernel(CONCAT, (inputs, be) => {
    const a = inputs.a, b = inputs.b;
    const [n, l, c1] = a.shape, c2 = b.shape[2], c = c1 + c2;
    const out = be.makeOutput([n, l, c], "float32");
    const av = be.typedArrayFromHeap(a), bv = be.typedArrayFromHeap(b);
    const ov = be.typedArrayFromHeap(out);
    for (let r = 0; r < n * l; r++) {
      ov.set(av.subarray(r * c1, (r + 1) * c1), r * c);
      ov.set(bv.subarray(r * c2, (r + 1) * c2), r * c + c1);
    }
    return out;
  });
  registerWasmKernel(FLIP, (inputs, be) => {
    const w = inputs.w;
    const [k, cin, cout] = w.shape;
    const out = be.makeOutput([k, cout, cin], "float32");
    const wv = be.typedArrayFromHeap(w), ov = be.typedArrayFromHeap(out);
    for (let j = 0; j < k; j++) {
      const src = j * cin * cout, dst = (k - 1 - j) * cout * cin;
      for (let ci = 0; ci < cin; ci++) {
        for (let co = 0; co < cout; co++) ov[dst + co * cin + ci] = wv[src + ci * cout + co];
      }
    }
    return out;
  });
  registerWasmKernel(CROP, (inputs, be, attrs) => {
    const x = inputs.x;
    const [n, l, c] = x.shape, from = attrs.from, len = attrs.len;
    const out = be.makeOutput([n, len, c], "float32");
    const xv = be.typedArrayFromHeap(x), ov = be.typedArrayFromHeap(out);
    for (let i = 0; i < n; i++) {
      const a = (i * l + from) * c;
      ov.set(xv.subarray(a, a + len * c), i * len * c);
    }
    return out;
  });
}

/**
 * Zero padding of `p` samples on both ends of the length axis, as `tf.pad`, whose gradient crops
 * with a copy kernel on wasm rather than tfjs's Slice.
 *
 * @param x Shape `[batch, length, channels]`.
 * @param p Zeros added at each end.
 * @returns Shape `[batch, length + 2p, channels]`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../runtime/backend.ts";
 * import { padLength } from "./copy_kernels.ts";
 * await initBackend("cpu");
 * assert.deepEqual([...padLength(tf.tensor3d([1, 2], [1, 2, 1]), 1).dataSync()], [0, 1, 2, 0]);
 * ```
 */
export function padLength(x: tf.Tensor3D, p: number): tf.Tensor3D {
  if (!(Number.isInteger(p) && p >= 0)) throw new RangeError(`padLength: bad padding ${p}`);
  let f = padImpls.get(p);
  if (!f) {
    f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const x = args[0] as tf.Tensor3D;
      const [n, l, c] = x.shape;
      return {
        value: tf.pad(x, [[0, 0], [p, p], [0, 0]]),
        gradFunc: (dy: tf.Tensor) => {
          if (!onWasm(dy)) return tf.slice(dy, [0, p, 0], [n, l, c]);
          register();
          return tf.engine().runKernel(CROP, { x: dy }, { from: p, len: l }) as tf.Tensor3D;
        },
      };
    });
    padImpls.set(p, f);
  }
  return f(x) as tf.Tensor3D;
}

/** One differentiable padding op per padding width. */
const padImpls = new Map<number, (x: tf.Tensor) => tf.Tensor>();

/**
 * `tf.concat([a, b], 2)` for `[batch, length, c]` tensors (no gradient of its own).
 *
 * @param a Shape `[batch, length, c1]`.
 * @param b Shape `[batch, length, c2]`.
 * @returns Shape `[batch, length, c1 + c2]`.
 */
export function joinChannels(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  if (!onWasm(a) || b.dtype !== "float32") return tf.concat([a, b], 2);
  register();
  return tf.engine().runKernel(CONCAT, { a, b }) as tf.Tensor3D;
}

/**
 * A convolution filter flipped along its width with its channels swapped, as
 * `tf.transpose(tf.reverse(w, 0), [0, 2, 1])`: the filter of a convolution's input gradient.
 *
 * @param w Shape `[k, inChannels, outChannels]`.
 * @returns Shape `[k, outChannels, inChannels]`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../runtime/backend.ts";
 * import { flipFilter } from "./copy_kernels.ts";
 * await initBackend("cpu");
 * const w = tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]);
 * assert.deepEqual([...flipFilter(w).dataSync()], [5, 7, 6, 8, 1, 3, 2, 4]);
 * ```
 */
export function flipFilter(w: tf.Tensor3D): tf.Tensor3D {
  if (!onWasm(w)) return tf.tidy(() => tf.transpose(tf.reverse(w, 0), [0, 2, 1]));
  register();
  return tf.engine().runKernel(FLIP, { w }) as tf.Tensor3D;
}

/**
 * Splits `x` along its channels into the first `c1` and the rest, as `tf.split(x, [c1, c - c1], 2)`.
 *
 * @param x Shape `[batch, length, c]`.
 * @param c1 Channels of the first part, in `[1, c)`.
 * @returns Shapes `[batch, length, c1]` and `[batch, length, c - c1]`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../runtime/backend.ts";
 * import { splitChannels } from "./copy_kernels.ts";
 * await initBackend("cpu");
 * const [a, b] = splitChannels(tf.tensor3d([1, 2, 3, 4, 5, 6], [1, 2, 3]), 1);
 * assert.deepEqual([...a.dataSync(), ...b.dataSync()], [1, 4, 2, 3, 5, 6]);
 * ```
 */
export function splitChannels(x: tf.Tensor3D, c1: number): [tf.Tensor3D, tf.Tensor3D] {
  const c = x.shape[2];
  if (!(Number.isInteger(c1) && c1 >= 1 && c1 < c)) {
    throw new RangeError(
      `splitChannels: c1 must be in [1, ${c}) for shape [${x.shape}], got ${c1}`,
    );
  }
  if (!onWasm(x)) return tf.split(x, [c1, c - c1], 2) as [tf.Tensor3D, tf.Tensor3D];
  register();
  return tf.engine().runKernel(SPLIT, { x }, { c1 }) as unknown as [tf.Tensor3D, tf.Tensor3D];
}

/**
 * {@link circularPad} by `p` on both sides, without a gradient of its own (for use inside custom
 * gradients).
 *
 * @param x Shape `[batch, length, channels]`.
 * @param p Samples added on each side, at most `length`.
 * @returns Shape `[batch, length + 2p, channels]` (a new tensor, also for `p = 0`).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../runtime/backend.ts";
 * import { wrapPad } from "./copy_kernels.ts";
 * await initBackend("cpu");
 * assert.deepEqual([...wrapPad(tf.tensor3d([1, 2, 3], [1, 3, 1]), 1).dataSync()], [3, 1, 2, 3, 1]);
 * ```
 */
export function wrapPad(x: tf.Tensor3D, p: number): tf.Tensor3D {
  if (!(Number.isInteger(p) && p >= 0 && p <= x.shape[1])) {
    throw new RangeError(`wrapPad: padding ${p} does not fit shape [${x.shape}]`);
  }
  if (p === 0) return tf.clone(x);
  if (!onWasm(x)) return circularPad(x, p, p);
  register();
  return tf.engine().runKernel(WRAP, { x }, { p }) as tf.Tensor3D;
}
