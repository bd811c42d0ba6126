/**
 * # FlowFM internals (`@flowfm/flowfm/advanced`)
 *
 * The building blocks under the main entry point, for research code and custom training loops:
 * tensor-level ops and parameters, the probability path, the flow-matching and DDPM losses, the
 * raw ODE solvers and diffusion samplers, the objective table, the step-level {@link Trainer}
 * (single-process or data-parallel over Web Workers), {@link Adam}, the seeded {@link Rng}, the
 * checkpoint encoder, fine-tuning and the linear probe's solvers ({@link fineTune},
 * {@link trainLinearProbe}), and model-level generative scores ({@link generativeQuality},
 * {@link conditioningGap}). Everyday use (load, encode, sample, train) needs only the main entry
 * point, `@flowfm/flowfm`. These APIs follow the model's internals and may change more often.
 *
 * Like the main entry point, importing this module has no side effects and uses no `Deno.*` API.
 * The TensorFlow.js tensor types that appear in these signatures are re-exported as types.
 *
 * @example Integrate an ODE and take one training step by hand
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { FlowFM, initBackend, presetConfig } from "../mod.ts";
 * import { solveOde, Trainer } from "./advanced.ts";
 * await initBackend("cpu");
 *
 * // dx/dt = 1 from x(0) = 0: every solver lands on x(1) = 1.
 * const x1 = solveOde((x) => tf.onesLike(x), tf.zeros([2]), { method: "rk4", steps: 3 });
 * assert.ok((await x1.data()).every((v) => Math.abs(v - 1) < 1e-6));
 * x1.dispose();
 *
 * const model = new FlowFM(presetConfig("tiny"));
 * const trainer = new Trainer(model, { lr: 1e-3 });
 * const batch = new Float32Array(4 * 300 * 3).map((_, i) => Math.sin(i / 9));
 * const { step, loss } = await trainer.step(batch);
 * assert.ok(step === 1 && Number.isFinite(loss));
 * trainer.dispose();
 * model.dispose();
 * ```
 *
 * @module
 */
export type { Scalar, Tensor, Tensor1D, Tensor2D, Tensor3D, Variable } from "./tensors.ts";
// Tensor-level building blocks of the networks.
export { conv1dFilterGrad, conv1dInputGrad, conv1dValid } from "./model/ops.ts";
export { type Init, Params } from "./model/params.ts";
export { type NormMode } from "./model/encoder.ts";
export { registerConvGradients } from "./runtime/conv_gradients.ts";
export { Rng } from "./random.ts";
// The method: probability path, losses, solvers, the diffusion baseline and the objective table.
export {
  drawTimes,
  type PathSample,
  samplePath,
  TIME_SAMPLINGS,
  type TimeSampling,
} from "./flow/path.ts";
export {
  type DiffusionBatch,
  diffusionLoss,
  type FlowMatchingBatch,
  flowMatchingLoss,
  type JointModel,
} from "./flow/loss.ts";
export {
  evaluationsPerStep,
  solveOde,
  type SolveOptions,
  SOLVERS,
  type VelocityFn,
} from "./flow/solver.ts";
export {
  ancestralSample,
  ddimSample,
  DDPM_STEPS,
  type EpsFn,
  linearSchedule,
  noiseData,
  type NoiseSchedule,
} from "./flow/diffusion.ts";
export {
  checkSampleMethod,
  type ObjectiveBatch,
  OBJECTIVES,
  type ObjectiveSampling,
  type ObjectiveSpec,
  objectiveSpec,
} from "./flow/objective.ts";
export { type ConditionalGenerator, generate } from "./flow/sampler.ts";
// Step-level training.
export { type StepResult, Trainer, type TrainerOptions } from "./train/trainer.ts";
export {
  type BatchGradientOptions,
  type BatchGradients,
  batchGradients,
  drawStep,
  type StepDraws,
} from "./train/gradients.ts";
export { clipGradients } from "./train/clip.ts";
export { AUX_TASKS, type AuxDraws, drawAuxTasks } from "./train/aux_tasks.ts";
export { type DataParallelOptions, DataParallelTrainer } from "./train/data_parallel.ts";
export { Adam, type AdamOptions } from "./train/optimizer.ts";
export { type AugmentOptions } from "./train/augment.ts";
export { batchIndices, stepsForEpochs } from "./train/batches.ts";
export { type CropPartners, cropPartners, gatherCrops } from "./train/crops.ts";
export { encodeCheckpoint } from "./train/checkpoint.ts";
// Downstream training: fine-tuning with an MLP head and the linear probe's two solvers (the
// classifiers of the main entry point and the evaluation protocol of ./eval train through these).
export {
  type EpochRecord,
  fineTune,
  type FinetuneAugment,
  type FinetuneOptions,
  type FinetuneResult,
} from "./train/finetune.ts";
export {
  type FeatureMatrix,
  LinearProbe,
  type ProbeFit,
  type ProbeOptions,
  trainLinearProbe,
} from "./train/linear_probe.ts";
export { trainFastProbe, trainProbe } from "./train/fast_probe.ts";
export { FINETUNE_DEFAULTS, PROBE_DEFAULTS } from "./train/downstream_defaults.ts";
export { classWeights, weightedCrossEntropy } from "./train/cross_entropy.ts";
// Model-level generative scores (they run the model; ./metrics stays plain TypeScript).
export {
  conditioningGap,
  type ConditioningReport,
  generativeQuality,
  type QualityReport,
  samplingNfe,
} from "./metrics/generative_quality.ts";
