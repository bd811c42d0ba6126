/**
 * The low-label setting of the evaluation protocol: per fold, a seeded subsample of at most `N`
 * labelled windows per class from the training subjects (and, separately, from the validation
 * subjects, since a user with 10 labels per class has no large validation set either). The test
 * subjects always stay whole, so every setting is scored on the same windows.
 *
 * @module
 */
import { Rng } from "../random.ts";
import type { FoldIndices } from "./folds.ts";

/**
 * At most `perClass` windows of each class from `indices`, drawn without replacement with a
 * seeded shuffle; classes with fewer windows keep all of theirs. The result is in ascending order.
 *
 * @param indices Window indices to draw from.
 * @param y Class index of every window (indexed by the values of `indices`).
 * @param perClass Most windows per class (a positive integer).
 * @param seed Seed of the draw.
 * @returns The kept indices, ascending.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { samplePerClass } from "./few_labels.ts";
 * const kept = samplePerClass(Int32Array.from([0, 1, 2, 3, 4, 5]), Int32Array.from([0, 0, 0, 1, 1, 0]), 2, 7);
 * assert.equal(kept.length, 4);
 * ```
 */
export function samplePerClass(
  indices: Int32Array,
  y: Int32Array,
  perClass: number,
  seed: number,
): Int32Array {
  if (!Number.isInteger(perClass) || perClass < 1) {
    throw new RangeError(`labelsPerClass must be a positive integer, got ${perClass}`);
  }
  const rng = new Rng(seed);
  const order = rng.permutation(indices.length);
  const taken = new Map<number, number>();
  const kept: number[] = [];
  for (const j of order) {
    const i = indices[j], c = y[i], n = taken.get(c) ?? 0;
    if (n < perClass) {
      taken.set(c, n + 1);
      kept.push(i);
    }
  }
  return Int32Array.from(kept.sort((a, b) => a - b));
}

/**
 * A fold's indices with its training and validation windows cut to at most `perClass` per class
 * ({@link samplePerClass}); the test windows are unchanged.
 *
 * @param split The fold's full indices.
 * @param y Class index of every window.
 * @param perClass Most windows per class in training and in validation.
 * @param seed Seed of the draw (the fold's own seed, so folds draw independently).
 * @returns The reduced indices.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fewLabels } from "./few_labels.ts";
 * const split = { train: Int32Array.from([0, 1, 2]), val: Int32Array.from([3]), test: Int32Array.from([4, 5]) };
 * const r = fewLabels(split, Int32Array.from([0, 0, 1, 1, 0, 1]), 1, 0);
 * assert.equal(r.train.length, 2);
 * assert.deepEqual([...r.test], [4, 5]);
 * ```
 */
export function fewLabels(
  split: FoldIndices,
  y: Int32Array,
  perClass: number,
  seed: number,
): FoldIndices {
  return {
    train: samplePerClass(split.train, y, perClass, seed * 2 + 1),
    val: samplePerClass(split.val, y, perClass, seed * 2 + 2),
    test: split.test,
  };
}
