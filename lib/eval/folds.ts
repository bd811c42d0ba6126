/**
 * Subject-wise folds of the evaluation protocol: never split by window, always by subject.
 *
 * - `<= 10` subjects: leave-one-subject-out (each subject is the test set once).
 * - more: the subjects are shuffled (seeded) and cut into `k` (default 5) groups of nearly equal
 *   size; each group is the test set once, so every split is about 80/20 and every subject is
 *   tested exactly once.
 * - In every fold, 12.5 % of the training subjects (rounded, at least 1 while 2 or more remain)
 *   are drawn (seeded) as validation subjects for early stopping.
 *
 * @module
 */
import { Rng } from "../random.ts";

/** One fold: disjoint subject lists. */
export interface Fold {
  /** 0-based fold number. */
  index: number;
  /** Subjects the head is trained on. */
  train: string[];
  /** Subjects held out for early stopping (may be empty when only one training subject remains). */
  val: string[];
  /** Subjects evaluated. */
  test: string[];
}

/** Options of {@link subjectFolds}. */
export interface FoldOptions {
  /**
   * Seed of the subject shuffle and of the validation draw.
   * @default {0}
   */
  seed?: number;
  /**
   * Number of folds. Default: leave-one-subject-out for `<= 10` subjects, otherwise 5.
   * A number equal to the subject count is leave-one-subject-out.
   */
  folds?: number;
  /**
   * Fraction of each fold's training subjects held out for validation.
   * @default {0.125}
   */
  valFraction?: number;
}

/** Distinct subjects, sorted so that folds do not depend on window order. */
function distinct(subjects: readonly (string | null)[]): string[] {
  const set = new Set<string>();
  for (const s of subjects) if (s !== null) set.add(s);
  return [...set].sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
}

/**
 * Makes the subject folds.
 *
 * @param subjects Subject of each window (duplicates and nulls are ignored), or the subject list.
 * @param options Seed, number of folds and validation fraction.
 * @returns The folds; within each, `train`, `val` and `test` are disjoint and cover all subjects.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { subjectFolds } from "./folds.ts";
 * const folds = subjectFolds(["a", "b", "c", "d"], { seed: 1 });
 * assert(folds.length === 4 && folds[0].test.length === 1 && folds[0].val.length === 1);
 * ```
 */
export function subjectFolds(
  subjects: readonly (string | null)[],
  options: FoldOptions = {},
): Fold[] {
  const all = distinct(subjects);
  const n = all.length;
  if (n < 2) throw new Error(`subjectFolds: need at least 2 subjects, got ${n}`);
  const k = options.folds ?? (n <= 10 ? n : 5);
  if (!Number.isInteger(k) || k < 2 || k > n) {
    throw new Error(
      `subjectFolds: folds must be an integer in [2, ${n}] for ${n} subjects, got ${k}`,
    );
  }
  const valFraction = options.valFraction ?? 0.125;
  if (!(valFraction >= 0 && valFraction < 1)) {
    throw new Error(`subjectFolds: valFraction must be in [0, 1), got ${valFraction}`);
  }
  const rng = new Rng((options.seed ?? 0) * 2654435761 + 17);
  // Leave-one-out keeps the sorted order (fold i tests subject i); k-fold shuffles first.
  const order = k === n ? all : Array.from(rng.permutation(n), (i) => all[i]);
  const folds: Fold[] = [];
  for (let f = 0; f < k; f++) {
    const lo = Math.round((f * n) / k), hi = Math.round(((f + 1) * n) / k);
    const test = order.slice(lo, hi);
    const rest = [...order.slice(0, lo), ...order.slice(hi)].sort((a, b) =>
      a.localeCompare(b, "en", { numeric: true })
    );
    const nVal = rest.length < 2 || valFraction === 0
      ? 0
      : Math.min(rest.length - 1, Math.max(1, Math.round(valFraction * rest.length)));
    const perm = rng.permutation(rest.length);
    const valSet = new Set(Array.from(perm.subarray(0, nVal), (i) => rest[i]));
    folds.push({
      index: f,
      train: rest.filter((s) => !valSet.has(s)),
      val: rest.filter((s) => valSet.has(s)),
      test,
    });
  }
  return folds;
}

/** Window indices of one fold. */
export interface FoldIndices {
  /** Training windows. */
  train: Int32Array;
  /** Validation windows. */
  val: Int32Array;
  /** Test windows. */
  test: Int32Array;
}

/**
 * Window indices of a fold. Windows whose subject is null or whose `keep` flag is false (e.g. a
 * null label) are left out of all three sets.
 *
 * @param subjects Subject of each window.
 * @param fold The fold.
 * @param keep Optional per-window filter.
 * @returns Indices in ascending order.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { foldIndices } from "./folds.ts";
 * const ix = foldIndices(["a", "b", "a"], { index: 0, train: ["a"], val: [], test: ["b"] });
 * assert(ix.train.length === 2 && ix.test[0] === 1);
 * ```
 */
export function foldIndices(
  subjects: readonly (string | null)[],
  fold: Fold,
  keep?: (i: number) => boolean,
): FoldIndices {
  const role = new Map<string, 0 | 1 | 2>();
  fold.train.forEach((s) => role.set(s, 0));
  fold.val.forEach((s) => role.set(s, 1));
  fold.test.forEach((s) => role.set(s, 2));
  const out: number[][] = [[], [], []];
  subjects.forEach((s, i) => {
    if (s === null || (keep && !keep(i))) return;
    const r = role.get(s);
    if (r !== undefined) out[r].push(i);
  });
  return {
    train: Int32Array.from(out[0]),
    val: Int32Array.from(out[1]),
    test: Int32Array.from(out[2]),
  };
}
