/**
 * Class labels as indices, and the stratified validation split a classifier is fitted with.
 *
 * @module
 */
import { Rng } from "../random.ts";

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
 * Stratified split: about `fraction` of each class's rows to validation, at least one kept.
 *
 * @param y Class of every window.
 * @param rows Windows to split.
 * @param classes Number of classes.
 * @param fraction Share of each class for validation.
 * @param seed Seed of the split.
 * @returns Training and validation rows, ascending.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stratifiedSplit } from "./labels.ts";
 * const y = Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1]);
 * const { train, val } = stratifiedSplit(y, [0, 1, 2, 3, 4, 5, 6, 7], 2, 0.25, 0);
 * assert.equal(val.length, 2);
 * assert.equal(train.length + val.length, 8);
 * ```
 */
export function stratifiedSplit(
  y: Int32Array,
  rows: number[],
  classes: number,
  fraction: number,
  seed: number,
): { train: Int32Array; val: Int32Array } {
  const rng = new Rng(seed), train: number[] = [], val: number[] = [];
  for (let c = 0; c < classes; c++) {
    const mine = rows.filter((r) => y[r] === c);
    const order = rng.permutation(mine.length);
    const nVal = Math.min(mine.length - 1, Math.round(fraction * mine.length));
    order.forEach((o, i) => (i < nVal ? val : train).push(mine[o]));
  }
  const sorted = (a: number[]) => Int32Array.from(a.sort((p, q) => p - q));
  return { train: sorted(train), val: sorted(val) };
}
