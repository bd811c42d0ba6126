/**
 * Classification metrics of the evaluation protocol: confusion matrix, macro F1, Cohen's kappa,
 * accuracy, and mean ± SD over subjects. Pure JavaScript, no tensors.
 *
 * Macro F1 follows scikit-learn's `f1_score(average="macro")`: it averages over the classes that
 * occur in the true or the predicted labels (of the windows given, e.g. one test subject), and a
 * class's F1 is `2 TP / (2 TP + FP + FN)`.
 *
 * @module
 */

/** Rows are true classes, columns predicted classes: `matrix[true][pred]` counts windows. */
export type ConfusionMatrix = number[][];

/**
 * Counts a confusion matrix.
 *
 * @param yTrue True class indices in `[0, classes)`.
 * @param yPred Predicted class indices, same length.
 * @param classes Number of classes.
 * @returns `classes x classes` counts, `[true][pred]`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { confusionMatrix } from "./metrics.ts";
 * const cm = confusionMatrix([0, 1, 1], [0, 1, 0], 2);
 * assert(cm[1][0] === 1 && cm[1][1] === 1);
 * ```
 */
export function confusionMatrix(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  classes: number,
): ConfusionMatrix {
  if (yTrue.length !== yPred.length) {
    throw new Error(`confusionMatrix: ${yTrue.length} true labels but ${yPred.length} predictions`);
  }
  const cm = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i], p = yPred[i];
    if (!(t >= 0 && t < classes && p >= 0 && p < classes)) {
      throw new Error(`confusionMatrix: label ${t} or prediction ${p} outside [0, ${classes})`);
    }
    cm[t][p]++;
  }
  return cm;
}

/**
 * Adds confusion matrices of equal size.
 *
 * @param matrices Matrices to add.
 * @param classes Size, used when `matrices` is empty.
 * @returns The element-wise sum.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { addConfusion } from "./metrics.ts";
 * assert(addConfusion([[[1]], [[2]]], 1)[0][0] === 3);
 * ```
 */
export function addConfusion(matrices: ConfusionMatrix[], classes: number): ConfusionMatrix {
  const out = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (const m of matrices) {
    for (let i = 0; i < classes; i++) for (let j = 0; j < classes; j++) out[i][j] += m[i][j];
  }
  return out;
}

/**
 * F1 of each class, or NaN for a class that neither occurs nor is predicted.
 *
 * @param cm Confusion matrix `[true][pred]`.
 * @returns One F1 per class.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { perClassF1 } from "./metrics.ts";
 * const f = perClassF1([[1, 0], [0, 0]]);
 * assert(f[0] === 1 && Number.isNaN(f[1]));
 * ```
 */
export function perClassF1(cm: ConfusionMatrix): number[] {
  const k = cm.length;
  return cm.map((row, c) => {
    const tp = row[c];
    let fn = 0, fp = 0;
    for (let j = 0; j < k; j++) {
      if (j === c) continue;
      fn += row[j];
      fp += cm[j][c];
    }
    const den = 2 * tp + fp + fn;
    return den === 0 ? NaN : (2 * tp) / den;
  });
}

/**
 * Macro F1 over the classes that occur in the true or predicted labels (scikit-learn's
 * convention); NaN for an empty matrix.
 *
 * @param cm Confusion matrix `[true][pred]`.
 * @returns The mean F1 of the present classes.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { macroF1 } from "./metrics.ts";
 * assert(macroF1([[2, 0], [0, 3]]) === 1);
 * ```
 */
export function macroF1(cm: ConfusionMatrix): number {
  const f = perClassF1(cm).filter((v) => !Number.isNaN(v));
  return f.length ? f.reduce((a, b) => a + b, 0) / f.length : NaN;
}

/**
 * Fraction of windows on the diagonal; NaN for an empty matrix.
 *
 * @param cm Confusion matrix.
 * @returns Accuracy in [0, 1].
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { accuracy } from "./metrics.ts";
 * assert(accuracy([[1, 1], [0, 2]]) === 0.75);
 * ```
 */
export function accuracy(cm: ConfusionMatrix): number {
  let n = 0, d = 0;
  cm.forEach((row, i) => row.forEach((v, j) => (n += v, d += i === j ? v : 0)));
  return n ? d / n : NaN;
}

/**
 * Cohen's kappa `(p_o - p_e) / (1 - p_e)`. NaN when it is undefined (`p_e = 1`: one class only,
 * in both the truth and the predictions) or the matrix is empty.
 *
 * @param cm Confusion matrix `[true][pred]`.
 * @returns Kappa in [-1, 1].
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cohensKappa } from "./metrics.ts";
 * assert(cohensKappa([[5, 0], [0, 5]]) === 1);
 * ```
 */
export function cohensKappa(cm: ConfusionMatrix): number {
  const k = cm.length;
  let n = 0, diag = 0;
  const rows = new Array<number>(k).fill(0), cols = new Array<number>(k).fill(0);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      n += cm[i][j];
      rows[i] += cm[i][j];
      cols[j] += cm[i][j];
    }
    diag += cm[i][i];
  }
  if (n === 0) return NaN;
  const po = diag / n;
  let pe = 0;
  for (let i = 0; i < k; i++) pe += (rows[i] / n) * (cols[i] / n);
  return pe >= 1 ? NaN : (po - pe) / (1 - pe);
}

/** Mean and sample standard deviation of the finite values of a list. */
export interface MeanSd {
  /** Mean (NaN when no value is finite). */
  mean: number;
  /** Sample SD (n - 1 in the denominator; 0 for one value, NaN for none). */
  sd: number;
  /** Number of finite values used. */
  n: number;
}

/**
 * Mean ± sample SD over the finite values (NaN entries, e.g. an undefined kappa, are skipped).
 *
 * @param values Values, e.g. one macro F1 per test subject.
 * @returns Mean, SD and count.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { meanSd } from "./metrics.ts";
 * const { mean, sd } = meanSd([1, 3, NaN]);
 * assert(mean === 2 && Math.abs(sd - Math.SQRT2) < 1e-12);
 * ```
 */
export function meanSd(values: readonly number[]): MeanSd {
  const v = values.filter((x) => Number.isFinite(x));
  const n = v.length;
  if (n === 0) return { mean: NaN, sd: NaN, n };
  const mean = v.reduce((a, b) => a + b, 0) / n;
  const ss = v.reduce((a, b) => a + (b - mean) ** 2, 0);
  return { mean, sd: n > 1 ? Math.sqrt(ss / (n - 1)) : 0, n };
}
