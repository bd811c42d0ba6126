/**
 * Downstream evaluation of FlowFM representations with the SSL-Wearables protocol: subject-wise
 * folds, a linear probe on frozen embeddings, fine-tuning with an MLP head, "from scratch" and
 * handcrafted-feature baselines, and macro F1 per test subject with Cohen's kappa. The heads are
 * trained by `lib/train` (`fineTune`, `trainLinearProbe` are in `@flowfm/flowfm/advanced`); the
 * product classifiers are in the main entry point.
 *
 * @example Evaluate handcrafted features on labelled windows
 * ```ts
 * import assert from "node:assert/strict";
 * import { initBackend } from "../runtime/backend.ts";
 * import { evaluate, reportMarkdown } from "./mod.ts";
 * await initBackend("cpu");
 * const windows = new Float32Array(8 * 900);
 * for (let i = 0; i < 8; i++) {
 *   for (let t = 0; t < 300; t++) windows[i * 900 + 3 * t] = i % 2 ? Math.sin(t) : 1;
 * }
 * const report = await evaluate(
 *   { windows, labels: [..."abababab"], subjects: [..."ppqqrrss"] },
 *   { heads: ["handcrafted"], probe: { maxIterations: 20 } },
 * );
 * assert(reportMarkdown(report, "demo").includes("| handcrafted |"));
 * ```
 *
 * @module
 */
export { fewLabels, samplePerClass } from "./few_labels.ts";
export {
  type Fold,
  type FoldIndices,
  foldIndices,
  type FoldOptions,
  subjectFolds,
} from "./folds.ts";
// Shared with the classifiers (lib/classify), which evaluation reads through.
export { HANDCRAFTED_FEATURE_NAMES, handcraftedFeatures } from "../classify/handcrafted.ts";
export { type EncodedLabels, encodeLabels, stratifiedSplit } from "../classify/labels.ts";
export { FEATURES, type Features } from "../classify/features.ts";
// The heads' settings (the training code itself is lib/train, in `@flowfm/flowfm/advanced`).
export type {
  EpochRecord,
  FinetuneAugment,
  FinetuneOptions,
  FinetuneResult,
} from "../train/finetune.ts";
export type { FeatureMatrix, ProbeFit, ProbeOptions } from "../train/linear_probe.ts";
export {
  accuracy,
  addConfusion,
  cohensKappa,
  type ConfusionMatrix,
  confusionMatrix,
  macroF1,
  type MeanSd,
  meanSd,
  perClassF1,
} from "./metrics.ts";
export {
  type EvalData,
  type EvalProgress,
  evaluate,
  type EvaluateOptions,
  HEAD_NAMES,
} from "./protocol.ts";
export type {
  EvalReport,
  FoldRecord,
  FoldResult,
  HeadName,
  HeadReport,
  HeadSummary,
  SubjectResult,
} from "./results.ts";
export type { AugmentOptions } from "../train/augment.ts";
export { reportMarkdown } from "./report.ts";
