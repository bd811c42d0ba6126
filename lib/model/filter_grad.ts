/**
 * The filter gradient of a stride-1 1-D convolution as one matrix product, for tfjs-backend-wasm.
 *
 * `dW[j, ci, co] = sum_{b,l} x[b, l + j, ci] dy[b, l, co]`. With the batch's rows laid end to end
 * (`m = batch * inLength` rows), `dy` padded with zero rows to the input's length, and a matrix
 * `S` of `k * inChannels` rows whose row `(j, ci)` is input channel `ci` shifted left by `j`
 * samples, `dW` is `S @ dy`, shape `[k * inChannels, outChannels]`: one XNNPACK GEMM, which runs
 * at about 1.6x the FLOP rate of the conv2d with `dy` as the filter that other backends use
 * (`./conv.ts`), so the whole filter gradient takes about two thirds of that conv2d's time on the
 * `small` preset's layers. `S` is built by row copies in the heap (a kernel of our own,
 * `FlowFMShiftRows`).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { onWasm, registerWasmKernel } from "./wasm_kernels.ts";

const SHIFT = "FlowFMShiftRows";

function register(): void {
  registerWasmKernel(SHIFT, (inputs, be, attrs) => {
    const x = inputs.x;
    const [c, m] = x.shape, k = attrs.k;
    const out = be.makeOutput([k * c, m], "float32");
    const xv = be.typedArrayFromHeap(x), ov = be.typedArrayFromHeap(out);
    for (let j = 0; j < k; j++) {
      for (let ci = 0; ci < c; ci++) {
        const o = (j * c + ci) * m;
        ov.set(xv.subarray(ci * m + j, (ci + 1) * m), o);
        if (j > 0) ov.fill(0, o + m - j, o + m);
      }
    }
    return out;
  });
}

/**
 * Rows of `x` shifted left by `0 .. k - 1` places, zeros filling in from the right:
 * `out[j * c + i, r] = x[i, r + j]` (0 where `r + j >= m`).
 *
 * @param x Shape `[c, m]`.
 * @param k Number of shifts, `1 <= k <= m`.
 * @returns Shape `[k * c, m]`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../runtime/backend.ts";
 * import { shiftRows } from "./filter_grad.ts";
 * await initBackend("cpu");
 * const y = shiftRows(tf.tensor2d([1, 2, 3], [1, 3]), 2);
 * assert.deepEqual([...y.dataSync()], [1, 2, 3, 2, 3, 0]);
 * ```
 */
export function shiftRows(x: tf.Tensor2D, k: number): tf.Tensor2D {
  const [c, m] = x.shape;
  if (!(Number.isInteger(k) && k >= 1 && k <= m)) {
    throw new RangeError(`shiftRows: k must be in [1, ${m}] for shape [${x.shape}], got ${k}`);
  }
  if (onWasm(x)) {
    register();
    return tf.engine().runKernel(SHIFT, { x }, { k }) as tf.Tensor2D;
  }
  return tf.tidy(() => {
    const rows: tf.Tensor2D[] = [];
    for (let j = 0; j < k; j++) {
      rows.push(j === 0 ? x : tf.pad(tf.slice(x, [0, j], [c, m - j]), [[0, 0], [0, j]]));
    }
    return tf.concat(rows, 0);
  });
}

/**
 * `dW[j, ci, co] = sum_{b,l} x[b, l + j, ci] dy[b, l, co]` (a stride-1 valid conv1d's filter
 * gradient) as `shiftRows(x^T) @ dy`, `dy` zero-padded to the input's length.
 *
 * @param x Input, shape `[batch, inLength, inChannels]` (already padded for "same" convolutions).
 * @param dy Output gradient, shape `[batch, inLength - k + 1, outChannels]`.
 * @param k Kernel width.
 * @returns Shape `[k, inChannels, outChannels]`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../runtime/backend.ts";
 * import { filterGradMatMul } from "./filter_grad.ts";
 * await initBackend("cpu");
 * // x = [1, 2, 3], dy = [1, 1]: dW[j] = x[j] + x[j + 1]
 * const dw = filterGradMatMul(tf.tensor3d([1, 2, 3], [1, 3, 1]), tf.ones([1, 2, 1]), 2);
 * assert.deepEqual([...dw.dataSync()], [3, 5]);
 * ```
 */
export function filterGradMatMul(x: tf.Tensor3D, dy: tf.Tensor3D, k: number): tf.Tensor3D {
  const [b, lin, cin] = x.shape;
  const [, lout, cout] = dy.shape;
  if (dy.shape[0] !== b || lin - lout + 1 !== k) {
    throw new Error(
      `filterGradMatMul: input shape [${x.shape}] and output gradient shape [${dy.shape}] ` +
        `do not fit kernel width ${k}`,
    );
  }
  return tf.tidy(() => {
    const m = b * lin;
    const s = shiftRows(tf.transpose(tf.reshape(x, [m, cin])), k); // [k * cin, m]
    const dyp = lin > lout ? tf.pad(dy, [[0, 0], [0, lin - lout], [0, 0]]) : dy;
    return tf.reshape(tf.matMul(s, tf.reshape(dyp, [m, cout])), [k, cin, cout]);
  });
}
