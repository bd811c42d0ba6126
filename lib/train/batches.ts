/**
 * The batch schedule of a training run: every epoch a fresh permutation of the windows, drawn from
 * a generator seeded by the run's seed and the epoch, so step `s` of a run always sees the same
 * windows, whether the run was interrupted or not.
 *
 * @module
 */
import { Rng } from "../random.ts";

/** What fixes a run's batch schedule; stored in checkpoints. */
export interface BatchSchedule {
  /** Windows per step as asked for (a run on fewer windows uses all of them). */
  batch: number;
  /** Seed of the per-epoch permutations. */
  seed: number;
  /** Steps of the whole run. */
  totalSteps: number;
  /** Windows in the data set the run started on. */
  windows: number;
}

/**
 * Indices of the windows of step `step` (0-based): position `step % perEpoch` of the seeded
 * permutation of epoch `floor(step / perEpoch)`, with `perEpoch = floor(count / batch)`.
 *
 * @param step Steps already taken.
 * @param count Windows in the data set.
 * @param batch Windows per step (at most `count`).
 * @param seed The run's seed.
 * @returns `batch` distinct window indices (a view of the epoch's permutation).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { batchIndices } from "./batches.ts";
 * const epoch = [0, 1, 2].flatMap((s) => [...batchIndices(s, 7, 2, 0)]);
 * assert.equal(new Set(epoch).size, 6); // no window twice within an epoch
 * assert.deepEqual(batchIndices(4, 7, 2, 0), batchIndices(4, 7, 2, 0));
 * ```
 */
export function batchIndices(step: number, count: number, batch: number, seed: number): Int32Array {
  if (!(batch >= 1 && batch <= count)) {
    throw new RangeError(`batchIndices: batch ${batch} must be in [1, ${count}]`);
  }
  const perEpoch = Math.floor(count / batch);
  const epoch = Math.floor(step / perEpoch), pos = step % perEpoch;
  const perm = new Rng(seed * 7919 + epoch + 1).permutation(count);
  return perm.subarray(pos * batch, (pos + 1) * batch);
}

/**
 * Steps that `epochs` passes over `count` windows take (a partial last batch is dropped).
 *
 * @param epochs Passes over the data.
 * @param count Windows in the data set.
 * @param batch Windows per step as asked for (capped at `count`).
 * @returns The number of steps.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stepsForEpochs } from "./batches.ts";
 * assert.equal(stepsForEpochs(2, 100, 32), 6);
 * assert.equal(stepsForEpochs(1, 10, 32), 1);
 * ```
 */
export function stepsForEpochs(epochs: number, count: number, batch: number): number {
  return epochs * Math.floor(count / Math.min(batch, count));
}
