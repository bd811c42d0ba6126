/**
 * Group normalisation as one kernel forward and one backward on wasm. Written with tfjs ops, a
 * group norm is about 15 kernels per step (reshape, moments, rsqrt, subtract, multiply, and the
 * means of its gradient), each a pass over the activations plus tfjs's per-kernel cost; on wasm
 * these kernels do the same in two or three passes over heap views, accumulating in float64. They
 * are registered under names of their own (no tfjs kernel is replaced). On webgpu the same names
 * run WGSL programs (`./group_norm_webgpu.ts`); other backends use tfjs's ops.
 *
 * With `y` the normalised value and `r = 1 / sqrt(var + eps)` per (window, group), the gradient is
 * `dx = r * (dy - mean(dy) - y * mean(dy * y))`, the means over the group's samples and channels.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { onWasm, registerWasmKernel } from "./wasm_kernels.ts";
import { onWebGpu } from "./webgpu_kernels.ts";
import { registerGroupNormWebGpu } from "./group_norm_webgpu.ts";

const FORWARD = "FlowFMGroupNorm", BACKWARD = "FlowFMGroupNormGrad";

/**
 * Per group of window `i`: the sum of `a` into `sa`, and of `a * b` (when `b` is given) or of
 * `a * a` (when not) into `sab`.
 */
function groupSums(
  a: Float32Array,
  b: Float32Array | null,
  i: number,
  l: number,
  c: number,
  cg: number,
  sa: Float64Array,
  sab: Float64Array,
): void {
  sa.fill(0);
  sab.fill(0);
  const groups = c / cg, base = i * l * c, bb = b ?? a;
  for (let t = 0; t < l; t++) {
    for (let g = 0, k = base + t * c; g < groups; g++) {
      let s = 0, p = 0;
      for (const end = k + cg; k < end; k++) {
        const v = a[k];
        s += v;
        p += v * bb[k];
      }
      sa[g] += s;
      sab[g] += p;
    }
  }
}

function register(): void {
  if (tf.getKernel(FORWARD, "wasm")) return;
  registerWasmKernel(FORWARD, (inputs, be, attrs) => {
    const x = inputs.x;
    const [n, l, c] = x.shape, groups = attrs.groups, eps = attrs.eps;
    const cg = c / groups, count = l * cg;
    const y = be.makeOutput([n, l, c], "float32"), r = be.makeOutput([n, groups], "float32");
    // views after both allocations: an allocation may grow (and so detach) the heap
    const xv = be.typedArrayFromHeap(x), yv = be.typedArrayFromHeap(y);
    const rv = be.typedArrayFromHeap(r);
    const sum = new Float64Array(groups), sq = new Float64Array(groups);
    const mean = new Float64Array(groups), scale = new Float64Array(groups);
    for (let i = 0; i < n; i++) {
      // one pass: E[x] and E[x^2] in float64 (exact enough for float32 activations)
      groupSums(xv, null, i, l, c, cg, sum, sq);
      for (let g = 0; g < groups; g++) {
        mean[g] = sum[g] / count;
        const variance = Math.max(0, sq[g] / count - mean[g] * mean[g]);
        scale[g] = 1 / Math.sqrt(Math.fround(variance) + eps);
        rv[i * groups + g] = scale[g];
      }
      for (let t = 0, k = i * l * c; t < l; t++) {
        for (let g = 0; g < groups; g++) {
          const m = mean[g], r = scale[g];
          for (const end = k + cg; k < end; k++) yv[k] = (xv[k] - m) * r;
        }
      }
    }
    return [y, r];
  });
  registerWasmKernel(BACKWARD, (inputs, be) => {
    const dy = inputs.dy, y = inputs.y;
    const r = inputs.r;
    const [n, l, c] = dy.shape, groups = r.shape[1], cg = c / groups, count = l * cg;
    const dx = be.makeOutput([n, l, c], "float32");
    const dv = be.typedArrayFromHeap(dy), yv = be.typedArrayFromHeap(y);
    const rv = be.typedArrayFromHeap(r), ov = be.typedArrayFromHeap(dx);
    const md = new Float64Array(groups), mdy = new Float64Array(groups);
    for (let i = 0; i < n; i++) {
      groupSums(dv, yv, i, l, c, cg, md, mdy);
      for (let g = 0; g < groups; g++) {
        md[g] /= count;
        mdy[g] /= count;
      }
      for (let t = 0, k = i * l * c; t < l; t++) {
        for (let g = 0; g < groups; g++) {
          const a = md[g], b = mdy[g], s = rv[i * groups + g];
          for (const end = k + cg; k < end; k++) ov[k] = s * (dv[k] - a - yv[k] * b);
        }
      }
    }
    return dx;
  });
}

/** tfjs ops: the normalised value `[b, l, c]` and `r` `[b, groups]`. */
function groupNormOps(x: tf.Tensor3D, groups: number, eps: number): [tf.Tensor3D, tf.Tensor2D] {
  const [b, l, c] = x.shape;
  return tf.tidy(() => {
    const g = tf.reshape(x, [b, l, groups, c / groups]);
    const { mean, variance } = tf.moments(g, [1, 3], true);
    const r = tf.rsqrt(tf.add(variance, eps));
    const y = tf.reshape(tf.mul(tf.sub(g, mean), r), [b, l, c]) as tf.Tensor3D;
    return [y, tf.reshape(r, [b, groups]) as tf.Tensor2D];
  });
}

/** tfjs ops: `dx` from `dy`, the normalised value `y` and `r`. */
function groupNormGradOps(dy: tf.Tensor3D, y: tf.Tensor3D, r: tf.Tensor2D): tf.Tensor3D {
  const [b, l, c] = dy.shape, groups = r.shape[1], shape = [b, l, groups, c / groups];
  return tf.tidy(() => {
    const d = tf.reshape(dy, shape), sy = tf.reshape(y, shape);
    const sr = tf.reshape(r, [b, 1, groups, 1]);
    const md = tf.mean(d, [1, 3], true), mdy = tf.mean(tf.mul(d, sy), [1, 3], true);
    return tf.reshape(tf.mul(sr, tf.sub(tf.sub(d, md), tf.mul(sy, mdy))), [b, l, c]);
  });
}

/**
 * Group normalisation without an affine part, differentiable: one kernel forward and one backward
 * on wasm, tfjs ops elsewhere. Callers check that `groups` divides the channels.
 *
 * @param x Input, shape `[batch, length, channels]`.
 * @param groups Number of channel groups (divides `channels`).
 * @param eps Added to the variance.
 * @returns The normalised tensor, shape `[batch, length, channels]`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../runtime/backend.ts";
 * import { groupNormFused } from "./norm_kernels.ts";
 * await initBackend("cpu");
 * const y = groupNormFused(tf.tensor3d([1, 2, 3, 4], [1, 2, 2]), 1, 0);
 * assert(Math.abs(y.dataSync()[0] + 1.3416) < 1e-3);
 * ```
 */
export function groupNormFused(x: tf.Tensor3D, groups: number, eps: number): tf.Tensor3D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, save] = args as [tf.Tensor3D, tf.GradSaveFunc];
    let y: tf.Tensor3D, r: tf.Tensor;
    const gpu = onWebGpu(input);
    if (onWasm(input) || gpu) {
      if (gpu) registerGroupNormWebGpu(FORWARD, BACKWARD);
      else register();
      // r: [batch, groups] on wasm; on webgpu the stats [batch, groups, 2] (mean, r)
      [y, r] = tf.engine().runKernel(FORWARD, { x: input }, { groups, eps }) as unknown as [
        tf.Tensor3D,
        tf.Tensor,
      ];
    } else [y, r] = groupNormOps(input, groups, eps);
    save([y, r]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sy, sr] = saved as [tf.Tensor3D, tf.Tensor2D];
        if (!onWasm(dy) && !onWebGpu(dy)) return groupNormGradOps(dy as tf.Tensor3D, sy, sr);
        return tf.engine().runKernel(BACKWARD, { dy, y: sy, r: sr }) as tf.Tensor3D;
      },
    };
  });
  return f(x) as tf.Tensor3D;
}
