/**
 * The downstream evaluation protocol of SSL-Wearables (so numbers are comparable with it):
 * recordings resampled to 30 Hz and cut into 10 s windows with 5 s overlap, in g clipped to ±3 g;
 * folds by subject, never by window (leave-one-subject-out for <= 10 subjects, otherwise 5 seeded
 * 80/20 subject splits, with 12.5 % of the training subjects held out for validation / early
 * stopping); one or more heads trained per fold on the same folds; macro F1 per test subject
 * (mean ± SD over subjects) and Cohen's kappa.
 *
 * Heads:
 * - `probe`: logistic regression on the frozen model's embeddings;
 * - `finetune`: all encoder layers plus an MLP head, from a fresh copy of the model per fold;
 * - `handcrafted`: logistic regression (the probe's trainer) on handcrafted features;
 * - `scratch-probe`, `scratch-finetune`: the same, with the model's architecture randomly
 *   initialised (seeded), i.e. the "trained from scratch" baselines.
 *
 * Windows with a null label or a null subject are excluded (and counted in the report).
 *
 * @module
 */
// The protocol's heads run through ./heads.ts (the one lib/eval file that calls lib/train: see
// tests/layout_test.ts); here only their option types.
import type { EpochRecord, FinetuneOptions } from "../train/finetune.ts";
import type { ProbeOptions } from "../train/linear_probe.ts";
import type { Features } from "../classify/features.ts";
import { type HeadInput, headInput, trainHead } from "./heads.ts";
import { encodeLabels } from "../classify/labels.ts";
import { fewLabels } from "./few_labels.ts";
import { type Fold, foldIndices, subjectFolds } from "./folds.ts";
import { type EvalData, keptWindows } from "./labels.ts";
export type { EvalData } from "./labels.ts";
import {
  accuracy,
  addConfusion,
  cohensKappa,
  type ConfusionMatrix,
  confusionMatrix,
  macroF1,
  meanSd,
} from "./metrics.ts";
import type {
  EvalReport,
  FoldRecord,
  FoldResult,
  HeadName,
  HeadReport,
  SubjectResult,
} from "./results.ts";
import { subjectScores } from "./subject_scores.ts";

/** Every head, in report order. */
export const HEAD_NAMES: readonly HeadName[] = [
  "probe",
  "finetune",
  "scratch-probe",
  "scratch-finetune",
  "handcrafted",
];

/** Progress of {@link evaluate}, for display. */
export interface EvalProgress {
  /** Head being trained. */
  head: HeadName;
  /** 0-based fold, or -1 while features are computed. */
  fold: number;
  /** Number of folds run. */
  folds: number;
  /** What happened. */
  stage: "features" | "epoch" | "fold-done";
  /** The epoch just finished (fine-tuning). */
  epoch?: EpochRecord;
  /** Macro F1 of the fold's test windows (pooled), at `fold-done`. */
  macroF1?: number;
  /** Macro F1 of each of the fold's test subjects, at `fold-done` (the summary's mean is over
   * these, from every fold). */
  subjectMacroF1?: number[];
}

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /** Heads to run. */
  heads: readonly HeadName[];
  /** Model weights file bytes; needed by every head but `handcrafted`. */
  model?: Uint8Array;
  /**
   * Seed of folds, validation subjects, heads and the scratch baselines' weights.
   * @default {0}
   */
  seed?: number;
  /** Number of folds (default: leave-one-subject-out for <= 10 subjects, else 5). */
  folds?: number;
  /** Run only the first folds (for quick checks); default all. */
  maxFolds?: number;
  /**
   * Low-label setting: per fold, at most this many windows per class (seeded) from the training
   * subjects and from the validation subjects; the test subjects stay whole. Unset: all labels.
   */
  labelsPerClass?: number;
  /** Linear-probe settings (also for `handcrafted`). */
  probe?: ProbeOptions;
  /**
   * What `probe` and `scratch-probe` fit on (`z`, `stages`, `z+handcrafted`; see `FEATURES`).
   * @default {"z"}
   */
  features?: Features;
  /** Fine-tuning settings. */
  finetune?: Omit<FinetuneOptions, "seed" | "onEpoch">;
  /**
   * Batch size when encoding windows for the probe.
   * @default {64}
   */
  encodeBatchSize?: number;
  /** Called as work progresses. */
  onProgress?: (p: EvalProgress) => void;
  /**
   * Folds an earlier call with the same data and options trained (from its `onFold`), taken as
   * they are: every fold is seeded on its own, so the report is the uninterrupted call's. A
   * record whose subjects differ from this call's fold is an error.
   */
  finished?: readonly FoldRecord[];
  /** Called after each fold is trained (not for `finished` ones), e.g. to keep it on disk. */
  onFold?: (record: FoldRecord) => void | Promise<void>;
}

/** `head`'s records among `finished`, by fold; each must have the subjects of this call's fold. */
function finishedFolds(finished: readonly FoldRecord[], head: HeadName, run: Fold[]) {
  const out = new Map<number, FoldRecord>();
  for (const r of finished.filter((r) => r.head === head)) {
    const fold = run.find((f) => f.index === r.fold.fold);
    const same = (a: readonly string[], b: readonly string[]) => a.join("\n") === b.join("\n");
    if (
      !fold || !same(fold.train, r.fold.train) || !same(fold.val, r.fold.val) ||
      !same(fold.test, r.fold.test)
    ) {
      throw new Error(
        `evaluate: finished fold ${r.fold.fold} of "${head}" does not match this call's folds ` +
          `(other subjects, seed or fold count): it comes from other data or options`,
      );
    }
    out.set(r.fold.fold, r);
  }
  return out;
}

/**
 * Runs the protocol.
 *
 * @param data Windows with labels and subjects.
 * @param options Heads, model, seed, folds and head settings.
 * @returns Per-fold, per-subject and summary results of every head.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initBackend } from "../runtime/backend.ts";
 * import { evaluate } from "./protocol.ts";
 * await initBackend("cpu");
 * const windows = new Float32Array(8 * 900);
 * for (let i = 0; i < 8; i++) for (let t = 0; t < 300; t++) windows[i * 900 + 3 * t] = i % 2 ? Math.sin(t) : 1;
 * const r = await evaluate(
 *   { windows, labels: [..."abababab"], subjects: [..."ppqqrrss"] },
 *   { heads: ["handcrafted"], probe: { maxIterations: 20 } },
 * );
 * assert(r.folds.length === 4 && r.heads[0].subjects.length === 4);
 * ```
 */
export async function evaluate(data: EvalData, options: EvaluateOptions): Promise<EvalReport> {
  const seed = options.seed ?? 0;
  const kept = keptWindows(data);
  const { classes, y } = encodeLabels(kept.labels);
  if (classes.length < 2) {
    throw new Error(
      `evaluate: need labelled windows of at least 2 classes, got ${classes.length} (${
        classes.join(", ") || "none"
      }) in ${kept.labels.length} windows`,
    );
  }
  const folds = subjectFolds(kept.subjects, { seed, folds: options.folds });
  const run = folds.slice(0, options.maxFolds ?? folds.length);
  const heads: HeadReport[] = [];
  for (const head of HEAD_NAMES.filter((h) => options.heads.includes(h))) {
    const t0 = performance.now();
    const reuse = finishedFolds(options.finished ?? [], head, run);
    let input: HeadInput | null = null;
    if (reuse.size < run.length) { // every fold finished: neither weights nor features needed
      if (!head.endsWith("finetune")) {
        options.onProgress?.({ head, fold: -1, folds: run.length, stage: "features" });
      }
      input = await headInput(head, kept.windows, { ...options, seed });
    }
    const foldResults: FoldResult[] = [],
      subjects: SubjectResult[] = [],
      cms: ConfusionMatrix[] = [];
    let earlierSeconds = 0; // the finished folds' time, spent by the call that trained them
    for (const fold of run) {
      const tf0 = performance.now(), done = reuse.get(fold.index);
      if (done) {
        foldResults.push(done.fold), subjects.push(...done.subjects), cms.push(done.confusion);
        earlierSeconds += done.fold.seconds;
        options.onProgress?.({
          head,
          fold: fold.index,
          folds: run.length,
          stage: "fold-done",
          macroF1: done.fold.macroF1,
          subjectMacroF1: done.subjects.map((s) => s.macroF1),
        });
        continue;
      }
      const all = foldIndices(kept.subjects, fold);
      const split = options.labelsPerClass === undefined
        ? all
        : fewLabels(all, y, options.labelsPerClass, seed * 1000 + fold.index);
      const { pred, fit } = await trainHead(input!, kept.windows, y, classes.length, split, {
        seed: seed * 1000 + fold.index,
        probe: options.probe,
        finetune: options.finetune,
        onEpoch: (epoch) =>
          options.onProgress?.({
            head,
            fold: fold.index,
            folds: run.length,
            stage: "epoch",
            epoch,
          }),
      });
      const yTest = Int32Array.from(split.test, (i) => y[i]);
      const cm = confusionMatrix(yTest, pred, classes.length);
      const scores = subjectScores(kept.subjects, split.test, yTest, pred, classes.length, fold);
      cms.push(cm), subjects.push(...scores);
      foldResults.push({
        fold: fold.index,
        train: fold.train,
        val: fold.val,
        test: fold.test,
        windows: { train: split.train.length, val: split.val.length, test: split.test.length },
        macroF1: macroF1(cm),
        kappa: cohensKappa(cm),
        fit,
        seconds: (performance.now() - tf0) / 1000,
      });
      await options.onFold?.({ head, fold: foldResults.at(-1)!, subjects: scores, confusion: cm });
      options.onProgress?.({
        head,
        fold: fold.index,
        folds: run.length,
        stage: "fold-done",
        macroF1: macroF1(cm),
        subjectMacroF1: scores.map((s) => s.macroF1),
      });
    }
    const confusion = addConfusion(cms, classes.length);
    heads.push({
      head,
      folds: foldResults,
      subjects,
      summary: {
        macroF1: meanSd(subjects.map((s) => s.macroF1)),
        kappa: meanSd(subjects.map((s) => s.kappa)),
        accuracy: meanSd(subjects.map((s) => s.accuracy)),
        pooled: {
          macroF1: macroF1(confusion),
          kappa: cohensKappa(confusion),
          accuracy: accuracy(confusion),
        },
      },
      confusion,
      seconds: (performance.now() - t0) / 1000 + earlierSeconds,
    });
  }
  return {
    classes,
    windows: {
      total: data.labels.length,
      evaluated: kept.labels.length,
      unlabelled: kept.unlabelled,
      noSubject: kept.noSubject,
    },
    subjects: [...new Set(kept.subjects)].sort((a, b) =>
      a.localeCompare(b, "en", { numeric: true })
    ),
    seed,
    labelsPerClass: options.labelsPerClass ?? null,
    folds,
    heads,
  };
}
