/**
 * The shape of an evaluation's results (what `evaluate` returns and `cli/evaluate.ts` writes as
 * JSON). Metrics that are undefined (e.g. kappa when a subject has one class only) are NaN,
 * which JSON writes as null.
 *
 * @module
 */
import type { Fold } from "./folds.ts";
import type { ConfusionMatrix, MeanSd } from "./metrics.ts";

/** A head the protocol can train. */
export type HeadName = "probe" | "finetune" | "handcrafted" | "scratch-probe" | "scratch-finetune";

/** Metrics of one test subject. */
export interface SubjectResult {
  /** The subject. */
  subject: string;
  /** The fold it was tested in. */
  fold: number;
  /** Its test windows. */
  windows: number;
  /** Macro F1 over the classes in its truth or predictions. */
  macroF1: number;
  /** Cohen's kappa (NaN when undefined). */
  kappa: number;
  /** Fraction of its windows classified correctly. */
  accuracy: number;
}

/** One fold of one head. */
export interface FoldResult {
  /** 0-based fold. */
  fold: number;
  /** Training subjects. */
  train: string[];
  /** Validation subjects. */
  val: string[];
  /** Test subjects. */
  test: string[];
  /** Window counts of the three sets. */
  windows: { train: number; val: number; test: number };
  /** Macro F1 pooled over the fold's test windows. */
  macroF1: number;
  /** Kappa pooled over the fold's test windows. */
  kappa: number;
  /** What training chose: `l2`, `iteration`, `valLoss`, `features` (the width; probes) or `bestEpoch`, `epochs`, `epochSteps` (steps per epoch), `valLoss`. */
  fit: Record<string, number>;
  /** Wall-clock time of the fold. */
  seconds: number;
}

/**
 * One trained fold of one head, as `evaluate` reports it to `onFold` and takes back in `finished`
 * (so a killed evaluation resumes where it stopped).
 */
export interface FoldRecord {
  /** The head. */
  head: HeadName;
  /** The fold's result. */
  fold: FoldResult;
  /** Its test subjects' metrics. */
  subjects: SubjectResult[];
  /** Its confusion matrix, `[true][pred]`. */
  confusion: ConfusionMatrix;
}

/** Summary of one head. */
export interface HeadSummary {
  /** Macro F1 over test subjects (mean ± SD). */
  macroF1: MeanSd;
  /** Kappa over test subjects (mean ± SD, undefined kappas skipped). */
  kappa: MeanSd;
  /** Accuracy over test subjects (mean ± SD). */
  accuracy: MeanSd;
  /** The same metrics over all test windows together. */
  pooled: { macroF1: number; kappa: number; accuracy: number };
}

/** Results of one head. */
export interface HeadReport {
  /** The head. */
  head: HeadName;
  /** Per fold. */
  folds: FoldResult[];
  /** Per test subject. */
  subjects: SubjectResult[];
  /** Summary over subjects and pooled. */
  summary: HeadSummary;
  /** Summed over folds, `[true][pred]` in the order of {@link EvalReport.classes}. */
  confusion: ConfusionMatrix;
  /**
   * Wall-clock time of the head, features included; with finished folds given to `evaluate`, their
   * recorded seconds are added, so a resumed report states the whole run's time.
   */
  seconds: number;
}

/** Everything `evaluate` measured. */
export interface EvalReport {
  /** Class names; class `c` is index `c` of every confusion matrix. */
  classes: string[];
  /** Windows given, evaluated, and left out (no label; no subject). */
  windows: { total: number; evaluated: number; unlabelled: number; noSubject: number };
  /** Subjects of the evaluated windows. */
  subjects: string[];
  /** Seed of folds, heads and random initialisations. */
  seed: number;
  /** Most training (and validation) windows per class in each fold; null: all labels. */
  labelsPerClass: number | null;
  /** All folds (some may not have been run, see `maxFolds`). */
  folds: Fold[];
  /** One report per head, in {@link HeadName} report order. */
  heads: HeadReport[];
}
