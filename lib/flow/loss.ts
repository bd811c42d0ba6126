/**
 * The FlowFM objective: conditional flow matching with the condition produced by the encoder,
 * `L = E || v(x_t, t, E(x_1')) - (x_1 - x_0) ||^2`. Gradients flow into both networks (no stop
 * gradient on `z`): the joint training is the method.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Scalar, Tensor1D, Tensor2D, Tensor3D } from "../tensors.ts";
import type { NormMode } from "../model/encoder.ts";
import { samplePath } from "./path.ts";
import { DDPM_STEPS, noiseData, type NoiseSchedule } from "./diffusion.ts";
import { mean } from "../model/reduce.ts";

/**
 * What the losses use of a model: the encoder and the velocity network, both tensor-level. A
 * `FlowFM` is one; the losses take this instead so that `lib/flow/` does not import the model class.
 */
export interface JointModel {
  /** The encoder `E(x) -> z`, shape `[batch, embeddingDim]`. */
  embed(x: Tensor3D, mode: NormMode): Tensor2D;
  /** The velocity (or, for DDPM, noise) network `v(x_t, t, z)`. */
  velocity(xt: Tensor3D, t: Tensor1D, z: Tensor2D): Tensor3D;
}

/** Inputs of one loss evaluation. */
export interface FlowMatchingBatch {
  /** Data windows `x_1`, shape `[batch, 300, 3]`, clipped, in g. */
  x1: Tensor3D;
  /** Noise `x_0`, same shape. */
  x0: Tensor3D;
  /** Times, shape `[batch]`. */
  t: Tensor1D;
  /** The encoder's input `x_1'` (an augmented view); defaults to `x1`. */
  view?: Tensor3D;
}

/**
 * Flow-matching loss (mean squared error over all elements), encoder in training mode.
 *
 * @param model The model.
 * @param batch Data, noise, times and optional view.
 * @returns Scalar loss.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { FlowFM, initBackend, presetConfig } from "../../mod.ts";
 * import { flowMatchingLoss } from "./loss.ts";
 * await initBackend("cpu");
 * const model = new FlowFM(presetConfig("tiny"));
 * const x1 = tf.zeros([2, 300, 3]) as tf.Tensor3D;
 * const loss = flowMatchingLoss(model, { x1, x0: tf.ones([2, 300, 3]) as tf.Tensor3D, t: tf.tensor1d([0.2, 0.7]) });
 * assert(loss.rank === 0);
 * model.dispose();
 * ```
 */
export function flowMatchingLoss(model: JointModel, batch: FlowMatchingBatch): Scalar {
  return tf.tidy(() => {
    const z = model.embed(batch.view ?? batch.x1, "train");
    const { xt, target } = samplePath(batch.x0, batch.x1, batch.t);
    const v = model.velocity(xt, batch.t, z);
    return mean(tf.squaredDifference(v, target)) as tf.Scalar;
  });
}

/** Inputs of one DDPM loss evaluation. */
export interface DiffusionBatch {
  /** Data windows (DDPM's `x_0`), shape `[batch, 300, 3]`. */
  data: Tensor3D;
  /** Noise `eps`, same shape. */
  eps: Tensor3D;
  /** 0-based diffusion step per window (`t - 1`), in [0, T). */
  steps: ArrayLike<number>;
  /** The encoder's input (an augmented view); defaults to `data`. */
  view?: Tensor3D;
}

/**
 * The diffusion baseline's loss: `|| eps_theta(x_t, t, E(x')) - eps ||^2`, averaged, with joint
 * gradients into the encoder. The generator network is used as the noise predictor and sees the
 * time as `t / T`.
 *
 * @param model A model whose config has `objective: "ddpm"`.
 * @param batch Data, noise, steps and optional view.
 * @param schedule The noise schedule.
 * @returns Scalar loss.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { FlowFM, initBackend, presetConfig } from "../../mod.ts";
 * import { linearSchedule } from "./diffusion.ts";
 * import { diffusionLoss } from "./loss.ts";
 * await initBackend("cpu");
 * const model = new FlowFM(presetConfig("tiny", { objective: "ddpm" }));
 * const data = tf.zeros([2, 300, 3]) as tf.Tensor3D, eps = tf.ones([2, 300, 3]) as tf.Tensor3D;
 * assert(diffusionLoss(model, { data, eps, steps: [3, 500] }, linearSchedule()).rank === 0);
 * model.dispose();
 * ```
 */
export function diffusionLoss(
  model: JointModel,
  batch: DiffusionBatch,
  schedule: NoiseSchedule,
): Scalar {
  return tf.tidy(() => {
    const z = model.embed(batch.view ?? batch.data, "train");
    const xt = noiseData(batch.data, batch.eps, batch.steps, schedule) as tf.Tensor3D;
    const t = tf.tensor1d(Array.from(batch.steps, (s) => s / DDPM_STEPS));
    const pred = model.velocity(xt, t, z);
    return mean(tf.squaredDifference(pred, batch.eps)) as tf.Scalar;
  });
}
