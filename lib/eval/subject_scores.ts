/**
 * Per-subject metrics of one fold: the protocol's unit of reporting (macro F1, kappa and accuracy
 * over each test subject's windows, then mean ± SD over subjects).
 *
 * @module
 */
import { accuracy, cohensKappa, confusionMatrix, macroF1 } from "./metrics.ts";
import type { SubjectResult } from "./results.ts";

/**
 * Scores each test subject of a fold on its own windows.
 *
 * @param subjects Subject of every window (indexed by window).
 * @param test The fold's test window indices, `[m]`.
 * @param yTest True class of each test window, `[m]`, in the order of `test`.
 * @param pred Predicted class of each test window, `[m]`, in the order of `test`.
 * @param classes Number of classes.
 * @param fold The fold's index and test subjects; a subject without test windows is skipped.
 * @returns One result per test subject with windows, in the order of `fold.test`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { subjectScores } from "./subject_scores.ts";
 * const subjects = ["a", "a", "b", "b"];
 * const r = subjectScores(subjects, Int32Array.from([0, 1, 2, 3]), [0, 1, 0, 1], [0, 1, 1, 1], 2,
 *   { index: 0, test: ["a", "b", "c"] });
 * assert.deepEqual(r.map((s) => [s.subject, s.windows, s.accuracy]), [["a", 2, 1], ["b", 2, 0.5]]);
 * ```
 */
export function subjectScores(
  subjects: readonly string[],
  test: ArrayLike<number>,
  yTest: ArrayLike<number>,
  pred: ArrayLike<number>,
  classes: number,
  fold: { index: number; test: readonly string[] },
): SubjectResult[] {
  if (yTest.length !== test.length || pred.length !== test.length) {
    throw new Error(
      `subjectScores: ${test.length} test windows, ${yTest.length} labels, ${pred.length} predictions`,
    );
  }
  const rowsOf = new Map<string, number[]>();
  for (let j = 0; j < test.length; j++) {
    const s = subjects[test[j]];
    rowsOf.set(s, [...(rowsOf.get(s) ?? []), j]);
  }
  const out: SubjectResult[] = [];
  for (const subject of fold.test) {
    const rows = rowsOf.get(subject);
    if (!rows) continue;
    const cm = confusionMatrix(rows.map((j) => yTest[j]), rows.map((j) => pred[j]), classes);
    out.push({
      subject,
      fold: fold.index,
      windows: rows.length,
      macroF1: macroF1(cm),
      kappa: cohensKappa(cm),
      accuracy: accuracy(cm),
    });
  }
  return out;
}
