/**
 * Class labels as indices, class-inverse-frequency weights for the cross-entropy, and the windows
 * that evaluation keeps (labelled, with a subject).
 *
 * @module
 */
import { gatherWindows } from "../data/window_set.ts";

/** Labelled windows to evaluate on. */
export interface EvalData {
  /** Row-major `[n, 300, 3]` windows in g, clipped. */
  windows: Float32Array;
  /** Label of each window (null: excluded). */
  labels: readonly (string | null)[];
  /** Subject of each window (null: excluded). */
  subjects: readonly (string | null)[];
}

/** Labels mapped to class indices. */
export interface EncodedLabels {
  /** Class names, sorted (numeric-aware); index `c` is class `c`. */
  classes: string[];
  /** Class index of each window, or -1 for a window without a label. */
  y: Int32Array;
}

/**
 * Maps string labels to class indices; null labels become -1 (excluded from evaluation).
 *
 * @param labels Label of each window.
 * @returns Sorted class names and per-window indices.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeLabels } from "./labels.ts";
 * const { classes, y } = encodeLabels(["walk", null, "sit", "walk"]);
 * assert(classes.join() === "sit,walk" && y.join() === "1,-1,0,1");
 * ```
 */
export function encodeLabels(labels: readonly (string | null)[]): EncodedLabels {
  const classes = [...new Set(labels.filter((l): l is string => l !== null))]
    .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  const index = new Map(classes.map((c, i) => [c, i]));
  const y = Int32Array.from(labels, (l) => (l === null ? -1 : index.get(l)!));
  return { classes, y };
}

/**
 * Class-inverse-frequency weights `n / (K n_c)` over the given windows, where `K` is the number
 * of classes present; a class absent from them gets weight 0.
 *
 * @param y Class index of each window.
 * @param indices Windows to count (e.g. a fold's training windows).
 * @param classes Number of classes.
 * @returns One weight per class (balanced data gives all ones).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { classWeights } from "./labels.ts";
 * const w = classWeights(Int32Array.from([0, 0, 0, 1]), Int32Array.from([0, 1, 2, 3]), 3);
 * assert(Math.abs(w[0] - 2 / 3) < 1e-6 && w[1] === 2 && w[2] === 0);
 * ```
 */
export function classWeights(y: Int32Array, indices: Int32Array, classes: number): Float32Array {
  const counts = new Float64Array(classes);
  for (const i of indices) counts[y[i]]++;
  const present = counts.filter((c) => c > 0).length;
  return Float32Array.from(counts, (c) => (c > 0 ? indices.length / (present * c) : 0));
}

/**
 * The windows that have both a label and a subject, with their labels and subjects, and counts of
 * those left out.
 *
 * @param data Windows (row-major `[n, 300, 3]`), labels and subjects; null excludes a window.
 * @returns The kept windows, labels and subjects; how many lacked a label or a subject.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { keptWindows } from "./labels.ts";
 * const k = keptWindows({ windows: new Float32Array(3 * 900), labels: ["a", null, "b"], subjects: ["p", "q", null] });
 * assert.deepEqual([k.labels, k.unlabelled, k.noSubject], [["a"], 1, 1]);
 * ```
 */
export function keptWindows(data: EvalData): {
  windows: Float32Array;
  labels: string[];
  subjects: string[];
  unlabelled: number;
  noSubject: number;
} {
  const idx: number[] = [];
  let unlabelled = 0, noSubject = 0;
  data.labels.forEach((l, i) => {
    if (l === null) unlabelled++;
    else if (data.subjects[i] === null) noSubject++;
    else idx.push(i);
  });
  const windows = gatherWindows(data.windows, idx);
  return {
    windows,
    labels: idx.map((i) => data.labels[i]!),
    subjects: idx.map((i) => data.subjects[i]!),
    unlabelled,
    noSubject,
  };
}
