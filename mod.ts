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
 * This entry point is what an application needs: pick a backend ({@link initBackend}), load the
 * shipped pretrained model ({@link loadPretrained}; its card is `weights/README.md`), load or
 * build another ({@link loadModel}, {@link FlowFM}, {@link presetConfig}), encode, sample and
 * interpolate, save it ({@link serializeModel}), train it ({@link train}, {@link loadCheckpoint}),
 * encode on every core ({@link EncoderPool}), turn windows into labels with a classifier
 * ({@link fitClassifier}, {@link fitFinetunedClassifier}, {@link loadClassifier}; defaults in
 * {@link CLASSIFY_DEFAULTS}), and take raw recordings at any rate and in any units through a
 * pipeline ({@link loadPipeline}). The building blocks underneath (tensor ops,
 * losses, solvers, the step-level `Trainer`, `Adam`, `Rng`) are in `@flowfm/flowfm/advanced`;
 * CSV ingestion, metrics and the evaluation protocol in `./data`, `./metrics` and `./eval`.
 *
 * @example Load a model, encode windows and generate from them
 * ```ts
 * import assert from "node:assert/strict";
 * import { FlowFM, initBackend, loadModel, presetConfig, serializeModel } from "./mod.ts";
 *
 * await initBackend("cpu"); // or "auto": WebGPU on a real GPU, else wasm
 * // A real program loads trained weights: await loadModel("runs/flowfm/model.safetensors")
 * const fresh = new FlowFM(presetConfig("tiny"));
 * const model = await loadModel(await serializeModel(fresh));
 * fresh.dispose();
 * const windows = new Float32Array(4 * 300 * 3); // 4 windows, [n, 300, 3], in g
 * const { data, count, dim } = await model.encode(windows);
 * assert(count === 4 && data.length === 4 * dim);
 *
 * // Reconstruct the windows from their representations with 4 midpoint steps.
 * const generated = await model.sample({ windows, method: "midpoint", steps: 4, seed: 1 });
 * assert(generated.data.length === windows.length);
 * // Or generate from given representations, here halfway between two windows.
 * const morph = await model.interpolate(windows.subarray(0, 900), windows.subarray(900, 1800), {
 *   alphas: [0.5],
 *   steps: 2,
 * });
 * assert(morph.count === 1);
 * model.dispose();
 * ```
 *
 * @example Train a model, then resume from its checkpoint
 * ```ts
 * import assert from "node:assert/strict";
 * import { FlowFM, initBackend, loadCheckpoint, presetConfig, train } from "./mod.ts";
 *
 * await initBackend("cpu");
 * // [count, 300, 3] windows in g; a WindowSet from @flowfm/flowfm/data fits.
 * const windows = { data: new Float32Array(8 * 900).map((_, i) => Math.sin(i / 9)), count: 8 };
 * const model = new FlowFM(presetConfig("tiny", { seed: 0 }));
 * let checkpoint: Uint8Array = new Uint8Array();
 * const result = await train(model, windows, { steps: 2, batch: 4 }, {
 *   onCheckpoint: (bytes) => {
 *     checkpoint = bytes; // a real program writes it to disk
 *   },
 * });
 * assert(result.steps === 2 && Number.isFinite(result.finalLoss));
 * model.dispose();
 *
 * // Weights, Adam moments, RNG and batch order: the run continues exactly where it stopped.
 * const { model: resumed, state } = loadCheckpoint(checkpoint, "checkpoint.safetensors");
 * assert.equal(state.step, 2);
 * assert.equal((await train(resumed, windows, { steps: 3, resume: state })).steps, 3);
 * resumed.dispose();
 * ```
 *
 * @module
 */
// Backends.
export {
  type AdapterInfo,
  BACKEND_NAMES,
  type BackendInfo,
  type BackendName,
  type BackendOptions,
  describeBackend,
  initBackend,
  type WasmBinaryName,
} from "./lib/runtime/backend.ts";
// The model: configuration, presets, encode / sample / interpolate.
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
} from "./lib/model/config.ts";
export { validateConfig } from "./lib/model/validate_config.ts";
export {
  type Embeddings,
  type EncodeOptions,
  FlowFM,
  type InterpolateOptions,
  type ParameterCounts,
} from "./lib/model/flowfm.ts";
export { type WindowsInput, type WindowSpec } from "./lib/model/windows.ts";
export { type SampleMethod, type SampleOptions, type Windows } from "./lib/flow/sampler.ts";
export { SAMPLE_METHODS } from "./lib/flow/objective.ts";
export { type SolverMethod } from "./lib/flow/solver.ts";
// Model files: load, save, inspect.
export {
  loadModel,
  type LoadOptions,
  type ModelSource,
  readSource,
  sourceUrl,
} from "./lib/weights/load.ts";
export { loadPretrained, type PretrainedPipelineOptions } from "./lib/classify/load_pretrained.ts";
export {
  type LoadPretrainedOptions,
  PRETRAINED_NAMES,
  type PretrainedName,
  pretrainedUrl,
  readPretrained,
  sha256Hex,
  verifySha256,
} from "./lib/weights/pretrained.ts";
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
export { type SafetensorsTensor, type StoredDtype } from "./lib/weights/safetensors.ts";
// Training: the loop, its options, hooks and results, checkpoints and defaults.
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
  type EarlierData,
  loadCheckpoint,
  type MomentTensor,
  type RunConfig,
  type RunState,
} from "./lib/train/checkpoint.ts";
export { type BatchSchedule } from "./lib/train/batches.ts";
export { TRAIN_DEFAULTS, type TrainDefaults } from "./lib/train/defaults.ts";
export { type BalanceMode } from "./lib/train/batches.ts";
export { TrainingDivergedError } from "./lib/train/trainer.ts";
// From windows to labels: one Classifier concept, two kinds (a probe on the frozen encoder, or a
// fine-tuned encoder), one loader, one defaults block.
export {
  type Classifier,
  type ClassifierKind,
  type ClassifierWindow,
  type Predictions,
  type PredictOptions,
} from "./lib/classify/classifier.ts";
export {
  ActivityClassifier,
  type ClassifierOptions,
  fitClassifier,
} from "./lib/classify/probe_classifier.ts";
export {
  FinetunedClassifier,
  type FinetunedClassifierOptions,
  type FinetunedFit,
  fitFinetunedClassifier,
} from "./lib/classify/finetuned_classifier.ts";
export { classifierKind, loadClassifier } from "./lib/classify/load_classifier.ts";
export {
  type ClassifierFit,
  type ProbeFileParts,
  serializeClassifier,
} from "./lib/classify/probe_file.ts";
export { encoderDigest } from "./lib/classify/encoder_digest.ts";
export {
  checkFeatures,
  extractFeatures,
  featureDim,
  type FeatureOptions,
  FEATURES,
  type Features,
} from "./lib/classify/features.ts";
export { CLASSIFY_DEFAULTS, type ClassifyDefaults } from "./lib/classify/defaults.ts";
// Encoding on every CPU core.
export { EncoderPool, type EncoderPoolOptions } from "./lib/runtime/encoder_pool.ts";
// The pipeline face: a raw recording at any rate and in any units in, embeddings or labels out.
export {
  loadPipeline,
  Pipeline,
  type PipelineLoadOptions,
  type PipelineOptions,
  type RecordingEmbeddings,
  type RecordingPredictions,
  SHIPPED_CLASSIFIERS,
  type ShippedClassifierName,
} from "./lib/classify/pipeline.ts";
export {
  type Recording,
  type RecordingGeometry,
  type RecordingWindows,
  recordingWindows,
} from "./lib/classify/recording.ts";
