/**
 * The three binary heads of SSL-Wearables' auxiliary tasks on `z` (arrow of time, permutation,
 * time-warp; `lib/train/aux_tasks.ts`), present in a model whose `encoder.auxTasks` weight is
 * above 0. They are trained with the encoder and kept in the model file, so a checkpoint resumes
 * them; `encode` never uses them.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Params } from "./params.ts";

/** Name prefix of the heads' parameters: pretraining-only, so fine-tuning leaves them alone. */
export const AUX_PREFIX = "encoder.aux.";
const W = `${AUX_PREFIX}w`, B = `${AUX_PREFIX}b`;

/**
 * Creates the heads: one linear layer from `z` to 3 logits.
 *
 * @param params The model's parameters (adds `encoder.aux.w` `[zDim, 3]` and `encoder.aux.b`).
 * @param zDim Width of `z`.
 */
export function createAuxHeads(params: Params, zDim: number): void {
  params.create(W, [zDim, 3], { kind: "uniform", fanIn: zDim });
  params.create(B, [3], { kind: "zeros" });
}

/**
 * Mean binary cross-entropy of the three heads on `z` against which tasks were applied.
 *
 * @param params The model's parameters, with the heads.
 * @param z Representations of the transformed windows, shape `[n, zDim]`.
 * @param labels 1 where a task was applied, shape `[n, 3]`.
 * @returns A scalar.
 * @throws Error when the model has no heads (its `encoder.auxTasks` is 0).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../runtime/backend.ts";
 * import { Params } from "./params.ts";
 * import { Rng } from "../random.ts";
 * import { auxTaskLoss, createAuxHeads } from "./aux_heads.ts";
 * await initBackend("cpu");
 * const p = new Params(new Rng(0));
 * createAuxHeads(p, 4);
 * const loss = auxTaskLoss(p, tf.zeros([2, 4]), tf.zeros([2, 3]));
 * assert(Math.abs(loss.dataSync()[0] - Math.log(2)) < 1e-6); // zero logits: ln 2
 * ```
 */
export function auxTaskLoss(params: Params, z: tf.Tensor2D, labels: tf.Tensor2D): tf.Scalar {
  if (!params.vars.has(W)) {
    throw new Error("auxiliary tasks: the model has no heads (its encoder.auxTasks is 0)");
  }
  return tf.tidy(() => {
    const logits = tf.add(tf.matMul(z, params.get(W)), params.get(B));
    return tf.losses.sigmoidCrossEntropy(labels, logits) as tf.Scalar;
  });
}
