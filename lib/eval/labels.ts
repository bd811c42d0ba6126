/**
 * The windows that evaluation keeps (labelled, with a subject).
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
