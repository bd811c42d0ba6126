/**
 * Gradient clipping by the global norm: the norm, the factor that clips it, and clipped copies.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Tensor } from "../tensors.ts";
import { onWebGpu } from "../model/webgpu_kernels.ts";
import { registerSquaredNormWebGpu, SQUARED_NORM_KERNEL } from "./squared_norm_webgpu.ts";

/**
 * The global gradient norm, and the gradients scaled to at most `clipNorm` (new tensors only
 * when scaled; the caller disposes what it passed and, when `scaled`, what it got).
 *
 * @param grads Gradients.
 * @param clipNorm Largest allowed norm; `0` = no clipping.
 * @returns The norm before clipping and the (possibly scaled) gradients.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../runtime/backend.ts";
 * import { clipGradients } from "./clip.ts";
 * await initBackend("cpu");
 * const g = new Map([["w", tf.tensor1d([3, 4])]]);
 * const r = await clipGradients(g, 1);
 * assert.equal(r.norm, 5);
 * assert.ok(Math.abs((await r.grads.get("w")!.data())[1] - 0.8) < 1e-6);
 * tf.dispose([...g.values(), ...r.grads.values()]);
 * ```
 */
export async function clipGradients(
  grads: Map<string, Tensor>,
  clipNorm: number,
): Promise<{ norm: number; grads: Map<string, Tensor>; scaled: boolean }> {
  const norm = await gradientNorm(grads);
  const scale = clipScale(norm, clipNorm);
  if (scale === 1 || !Number.isFinite(norm)) return { norm, grads, scaled: false };
  const out = new Map<string, tf.Tensor>();
  for (const [k, g] of grads) out.set(k, tf.mul(g, scale));
  return { norm, grads: out, scaled: true };
}

/**
 * The global (L2) norm of all gradients together.
 *
 * @param grads Gradients.
 * @returns The norm.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../runtime/backend.ts";
 * import { gradientNorm } from "./clip.ts";
 * await initBackend("cpu");
 * const g = new Map([["a", tf.tensor1d([3])], ["b", tf.tensor1d([4])]]);
 * assert.equal(await gradientNorm(g), 5);
 * tf.dispose([...g.values()]);
 * ```
 */
export async function gradientNorm(grads: Map<string, Tensor>): Promise<number> {
  if (grads.size === 0) return 0;
  const sq = tf.tidy(() => sumOfSquares([...grads.values()]));
  try {
    return Math.sqrt((await sq.data())[0]);
  } finally {
    sq.dispose();
  }
}

/**
 * The sum of the squares of every element of `xs`, as a scalar-sized tensor: one kernel on webgpu
 * (`./squared_norm_webgpu.ts`), tfjs's ops elsewhere.
 */
function sumOfSquares(xs: tf.Tensor[]): tf.Tensor {
  if (xs.every(onWebGpu)) {
    registerSquaredNormWebGpu();
    const inputs = Object.fromEntries(xs.map((x, i) => [`g${i}`, x]));
    return tf.engine().runKernel(SQUARED_NORM_KERNEL, inputs) as tf.Tensor;
  }
  return pairwiseSum(xs.map((g) => tf.sum(tf.square(g))));
}

/**
 * Sums same-shaped tensors with two-input adds in a balanced tree. Not `tf.addN`: on WebGPU
 * (tfjs-backend-webgpu 4.22; an NVIDIA H200 and llvmpipe alike) an `addN` of eight or more computed
 * tensors (more storage buffers than WebGPU's default limit of 8 per shader stage) returned a wrong
 * sum, often 0, without an error, which left training on WebGPU unclipped (`tests/clip_test.ts`).
 */
function pairwiseSum(xs: tf.Tensor[]): tf.Tensor {
  let level = xs;
  while (level.length > 1) {
    const next: tf.Tensor[] = [];
    for (let i = 0; i < level.length; i += 2) {
      next.push(i + 1 < level.length ? tf.add(level[i], level[i + 1]) : level[i]);
    }
    level = next;
  }
  return level[0];
}

/**
 * The factor that clips a gradient of norm `norm` to at most `clipNorm`.
 *
 * @param norm The gradient's global norm.
 * @param clipNorm Largest allowed norm; `0` = no clipping.
 * @returns `clipNorm / norm` when clipping applies, else 1.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { clipScale } from "./clip.ts";
 * assert.equal(clipScale(5, 1), 0.2);
 * assert.equal(clipScale(0.5, 1), 1);
 * assert.equal(clipScale(5, 0), 1);
 * ```
 */
export function clipScale(norm: number, clipNorm: number): number {
  return clipNorm > 0 && norm > clipNorm ? clipNorm / norm : 1;
}
