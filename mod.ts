/**
 * # FlowFM
 *
 * A self-supervised foundation model for wearable accelerometer data, after Ukita & Okita,
 * "High-Performance Self-Supervised Learning by Joint Training of Flow Matching" (AISTATS 2026).
 * An encoder `E(x) -> z` (SSL-Wearables' 1-D ResNet-V2) and a velocity network `v(x_t, t, z)`
 * (a 1-D U-Net with FiLM conditioning) are trained jointly by conditional flow matching.
 *
 * Windows are 10 s of tri-axial acceleration at 30 Hz in g (`[n, 300, 3]`), clipped to ±3 g.
 * Runs on WebGPU (real GPUs), tfjs-backend-wasm (CPUs) or tfjs-backend-cpu; importing this
 * module has no side effects and uses no `Deno.*` API, so it also runs in browsers.
 *
 * @example Encode windows with a model
 * ```ts
 * import assert from "node:assert/strict";
 * import { FlowFM, initBackend, loadModel, presetConfig, serializeModel } from "./mod.ts";
 *
 * await initBackend("cpu"); // or "auto": WebGPU on a real GPU, else wasm
 * // A real program loads trained weights: await loadModel("runs/flowfm/model.safetensors")
 * const model = await loadModel(await serializeModel(new FlowFM(presetConfig("tiny"))));
 * const windows = new Float32Array(4 * 300 * 3); // 4 windows, [n, 300, 3], in g
 * const { data, count, dim } = await model.encode(windows);
 * assert(count === 4 && data.length === 4 * dim);
 *
 * // Reconstruct the windows from their representations with 4 midpoint steps.
 * const generated = await model.sample({ windows, method: "midpoint", steps: 4, seed: 1 });
 * assert(generated.data.length === windows.length);
 * model.dispose();
 * ```
 *
 * @module
 */
export {
  type AdapterInfo,
  BACKEND_NAMES,
  type BackendInfo,
  type BackendName,
  type BackendOptions,
  describeBackend,
  initBackend,
} from "./lib/runtime/backend.ts";
export {
  embeddingDim,
  type EncoderConfig,
  type EncoderStage,
  type FlowFMConfig,
  FORMAT_VERSION,
  type GeneratorConfig,
  type Objective,
  OBJECTIVE_NAMES,
  PRESET_NAMES,
  presetConfig,
  type PresetName,
  validateConfig,
} from "./lib/model/config.ts";
export {
  type Embeddings,
  type EncodeOptions,
  FlowFM,
  type InterpolateOptions,
  type ParameterCounts,
} from "./lib/model/flowfm.ts";
export {
  type ConditionalGenerator,
  generate,
  type SampleMethod,
  type SampleOptions,
  type Windows,
} from "./lib/flow/sampler.ts";
export {
  checkSampleMethod,
  type ObjectiveBatch,
  OBJECTIVES,
  type ObjectiveSampling,
  type ObjectiveSpec,
  objectiveSpec,
  SAMPLE_METHODS,
} from "./lib/flow/objective.ts";
export {
  ancestralSample,
  ddimSample,
  DDPM_STEPS,
  type EpsFn,
  linearSchedule,
  noiseData,
  type NoiseSchedule,
} from "./lib/flow/diffusion.ts";
export {
  evaluationsPerStep,
  solveOde,
  type SolveOptions,
  type SolverMethod,
  SOLVERS,
  type VelocityFn,
} from "./lib/flow/solver.ts";
export { drawTimes, type PathSample, samplePath, type TimeSampling } from "./lib/flow/path.ts";
export {
  type DiffusionBatch,
  diffusionLoss,
  type FlowMatchingBatch,
  flowMatchingLoss,
  type JointModel,
} from "./lib/flow/loss.ts";
export {
  type StepResult,
  Trainer,
  type TrainerOptions,
  TrainingDivergedError,
} from "./lib/train/trainer.ts";
export { Adam, type AdamOptions } from "./lib/train/optimizer.ts";
export { type AugmentOptions } from "./lib/train/augment.ts";
// The training loop, its run state and its defaults.
export {
  train,
  type TrainHooks,
  type TrainOptions,
  type TrainResult,
  type TrainStart,
  type TrainStepRecord,
  type TrainWindows,
} from "./lib/train/run.ts";
export {
  encodeCheckpoint,
  loadCheckpoint,
  type MomentTensor,
  type RunConfig,
  type RunState,
} from "./lib/train/checkpoint.ts";
export { batchIndices, type BatchSchedule, stepsForEpochs } from "./lib/train/batches.ts";
export { TRAIN_DEFAULTS } from "./lib/train/defaults.ts";
export { Rng } from "./lib/random.ts";
export { type WindowsInput } from "./lib/model/windows.ts";
export {
  type CheckpointExtras,
  deserializeModel,
  type LoadedWeights,
  readWeightsMetadata,
  SafetensorsError,
  serializeModel,
  WeightsError,
  type WeightsKind,
} from "./lib/weights/model_file.ts";
export { loadModel, type ModelSource, readSource } from "./lib/weights/load.ts";
export { type Init, Params } from "./lib/model/params.ts";
export { type NormMode } from "./lib/model/encoder.ts";
export { type SafetensorsTensor } from "./lib/weights/safetensors.ts";
export { EncoderPool, type EncoderPoolOptions } from "./lib/runtime/encoder_pool.ts";
export {
  conditioningGap,
  type ConditioningReport,
  generativeQuality,
  type QualityReport,
  samplingNfe,
} from "./lib/metrics/generative_quality.ts";
export { registerConvGradients } from "./lib/runtime/conv_gradients.ts";
export { conv1dFilterGrad, conv1dInputGrad, conv1dValid } from "./lib/model/ops.ts";
