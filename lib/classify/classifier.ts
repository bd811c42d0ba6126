/**
 * The one classifier concept: windows in, a label per window out. Two kinds implement it, a
 * linear probe on a frozen encoder (`probe_classifier.ts`) and a fine-tuned encoder with an MLP
 * head (`finetuned_classifier.ts`); `loadClassifier` reads either from its file.
 *
 * @module
 */
import type { WindowsInput } from "../model/windows.ts";
import type { Features } from "./features.ts";

/** The window geometry a classifier expects (the encoder's). */
export interface ClassifierWindow {
  /** Samples per window. */
  length: number;
  /** Values per sample. */
  channels: number;
  /** Samples per second. */
  sampleRate: number;
  /** Inputs are clipped to `±clip` g. */
  clip: number;
}

/** Options of {@link Classifier.predict}. */
export interface PredictOptions {
  /**
   * Windows per encoder forward pass.
   * @default {64}
   */
  batchSize?: number;
}

/** What {@link Classifier.predict} returns. */
export interface Predictions {
  /** Predicted class of each window. */
  labels: string[];
  /** Class probabilities (softmax), row-major `[windows, classes]`. */
  probabilities: Float32Array;
  /** Class names; column `c` of `probabilities` is `classes[c]`. */
  classes: string[];
}

/** The two kinds of classifier: a probe on a frozen encoder, or a fine-tuned encoder. */
export type ClassifierKind = "probe" | "finetuned";

/**
 * An activity classifier, whichever its kind. Get one from `fitClassifier`,
 * `fitFinetunedClassifier` or `loadClassifier`; `dispose()` it when done.
 */
export interface Classifier {
  /** `"probe"`: a linear probe bound to a separate encoder; `"finetuned"`: carries its encoder. */
  readonly kind: ClassifierKind;
  /** Class names, in the order of the probabilities' columns. */
  readonly classes: string[];
  /** The window geometry it expects. */
  readonly window: ClassifierWindow;
  /** What the head reads from the encoder (a fine-tuned classifier reads its own encoder's `z`). */
  readonly features: Features;
  /** Names the classifier (its file) in error messages. */
  readonly source: string;
  /**
   * Predicts the class of each window.
   *
   * @param windows `[n, 300, 3]` windows in g at 30 Hz (flat, nested or a tensor).
   * @param options Batch size.
   * @returns Labels, probabilities `[n, classes]` and the class names.
   */
  predict(windows: WindowsInput, options?: PredictOptions): Promise<Predictions>;
  /**
   * The classifier as one safetensors file, which `loadClassifier` reads back.
   *
   * @returns The file's bytes.
   */
  serialize(): Promise<Uint8Array>;
  /** Frees what the classifier owns (a probe owns no tensors; its model stays the caller's). */
  dispose(): void;
}

/**
 * Labels and softmax probabilities from logits, row-major `[n, classes]`.
 *
 * @param logits Scores, `n * classes.length` values.
 * @param classes Class names.
 * @returns The predictions.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fromLogits } from "./classifier.ts";
 * const p = fromLogits(Float32Array.of(0, 2, 3, 1), ["a", "b"]);
 * assert.deepEqual(p.labels, ["b", "a"]);
 * assert.ok(Math.abs(p.probabilities[0] + p.probabilities[1] - 1) < 1e-6);
 * ```
 */
export function fromLogits(logits: Float32Array, classes: readonly string[]): Predictions {
  const k = classes.length, n = logits.length / k;
  const probabilities = new Float32Array(logits.length), labels: string[] = [];
  for (let i = 0; i < n; i++) {
    const row = logits.subarray(i * k, (i + 1) * k);
    let best = 0;
    for (let c = 1; c < k; c++) if (row[c] > row[best]) best = c;
    let sum = 0;
    for (let c = 0; c < k; c++) sum += Math.exp(row[c] - row[best]);
    for (let c = 0; c < k; c++) probabilities[i * k + c] = Math.exp(row[c] - row[best]) / sum;
    labels.push(classes[best]);
  }
  return { labels, probabilities, classes: classes.slice() };
}
