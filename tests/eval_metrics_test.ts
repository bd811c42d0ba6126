import assert from "node:assert/strict";
import {
  accuracy,
  addConfusion,
  cohensKappa,
  confusionMatrix,
  macroF1,
  meanSd,
  perClassF1,
} from "../lib/eval/metrics.ts";
import { classWeights } from "../lib/train/cross_entropy.ts";
import { encodeLabels } from "../lib/classify/labels.ts";

const close = (a: number, b: number, tol = 1e-12) =>
  assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`);

// A 3-class example computed by hand:
//   true  0 0 0 0 1 1 1 2 2 2
//   pred  0 0 1 2 1 1 0 2 2 1
// confusion [true][pred] = [[2, 1, 1], [1, 2, 0], [0, 1, 2]]
// class 0: TP 2, FN 2, FP 1 -> F1 = 4 / 7
// class 1: TP 2, FN 1, FP 2 -> F1 = 4 / 7
// class 2: TP 2, FN 1, FP 1 -> F1 = 4 / 6
// macro F1 = (4/7 + 4/7 + 2/3) / 3 = 38 / 63
// p_o = 6 / 10; row sums 4 3 3, column sums 3 4 3 -> p_e = (12 + 12 + 9) / 100 = 0.33
// kappa = (0.6 - 0.33) / (1 - 0.33) = 27 / 67
const yTrue = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2];
const yPred = [0, 0, 1, 2, 1, 1, 0, 2, 2, 1];

Deno.test("metrics: hand-computed 3-class confusion matrix, F1, macro F1, kappa, accuracy", () => {
  const cm = confusionMatrix(yTrue, yPred, 3);
  assert.deepEqual(cm, [[2, 1, 1], [1, 2, 0], [0, 1, 2]]);
  const f = perClassF1(cm);
  close(f[0], 4 / 7);
  close(f[1], 4 / 7);
  close(f[2], 2 / 3);
  close(macroF1(cm), 38 / 63);
  close(cohensKappa(cm), 27 / 67);
  close(accuracy(cm), 0.6);
});

Deno.test("metrics: macro F1 averages over classes in truth or predictions (scikit-learn)", () => {
  // Class 0: TP 2, FN 2 -> 2/3; class 1 only predicted -> 0; class 2 absent -> not averaged.
  close(macroF1(confusionMatrix([0, 0, 0, 0], [0, 0, 1, 1], 3)), 1 / 3);
  close(macroF1(confusionMatrix([1, 2], [1, 2], 3)), 1);
  assert.ok(Number.isNaN(macroF1(confusionMatrix([], [], 3))));
});

Deno.test("metrics: kappa extremes and undefined cases", () => {
  close(cohensKappa([[5, 0], [0, 5]]), 1);
  close(cohensKappa([[0, 5], [5, 0]]), -1);
  // Chance-level: predictions independent of truth.
  close(cohensKappa([[2, 2], [2, 2]]), 0);
  // One class only in both: p_e = 1, kappa undefined.
  assert.ok(Number.isNaN(cohensKappa([[4, 0], [0, 0]])));
  assert.ok(Number.isNaN(cohensKappa([[0, 0], [0, 0]])));
});

Deno.test("metrics: summed confusion, mean ± SD skipping NaN, errors name the bad label", () => {
  assert.deepEqual(addConfusion([[[1, 0], [0, 1]], [[0, 2], [0, 0]]], 2), [[1, 2], [0, 1]]);
  const m = meanSd([0.5, 0.7, NaN, 0.9]);
  close(m.mean, 0.7, 1e-12);
  close(m.sd, 0.2, 1e-12); // sqrt((0.04 + 0 + 0.04) / 2)
  assert.equal(m.n, 3);
  assert.deepEqual(meanSd([0.4]), { mean: 0.4, sd: 0, n: 1 });
  assert.ok(Number.isNaN(meanSd([]).mean));
  assert.throws(() => confusionMatrix([0, 3], [0, 0], 3), /label 3/);
  assert.throws(() => confusionMatrix([0], [0, 1], 2), /1 true labels but 2 predictions/);
});

Deno.test("labels: sorted class indices, null labels -1, inverse-frequency class weights", () => {
  const { classes, y } = encodeLabels(["walk", "sit", null, "walk", "lie", "walk"]);
  assert.deepEqual(classes, ["lie", "sit", "walk"]);
  assert.deepEqual([...y], [2, 1, -1, 2, 0, 2]);
  // Over windows 0,1,3,4,5: n = 5, K = 3, counts lie 1, sit 1, walk 3 -> 5/3, 5/3, 5/9.
  const w = classWeights(y, Int32Array.from([0, 1, 3, 4, 5]), 3);
  close(w[0], 5 / 3, 1e-6);
  close(w[1], 5 / 3, 1e-6);
  close(w[2], 5 / 9, 1e-6);
  // Weighted class totals are equal: each class contributes n / K.
  close(w[2] * 3, w[0] * 1, 1e-6);
  assert.deepEqual(encodeLabels(["s10", "s9", "s1"]).classes, ["s1", "s9", "s10"]);
});
