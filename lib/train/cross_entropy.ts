/**
 * Class-weighted softmax cross-entropy, as PyTorch's `CrossEntropyLoss(weight)`: the weighted
 * mean `sum_i w_{y_i} CE_i / sum_i w_{y_i}`, and the class-inverse-frequency weights it uses.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Scalar, Tensor2D } from "../tensors.ts";

/**
 * Weighted cross-entropy of logits.
 *
 * @param logits Scores, shape `[batch, classes]`.
 * @param y Class index of each row (length `batch`).
 * @param weights One weight per class (all ones for the plain mean).
 * @returns A scalar tensor (differentiable in `logits`).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../runtime/backend.ts";
 * import { weightedCrossEntropy } from "./cross_entropy.ts";
 * await initBackend("cpu");
 * const l = weightedCrossEntropy(tf.zeros([2, 4]), Int32Array.from([0, 3]), new Float32Array(4).fill(1));
 * assert(Math.abs(l.dataSync()[0] - Math.log(4)) < 1e-5);
 * l.dispose();
 * ```
 */
export function weightedCrossEntropy(
  logits: Tensor2D,
  y: Int32Array,
  weights: Float32Array,
): Scalar {
  const [n, k] = logits.shape;
  if (y.length !== n || weights.length !== k) {
    throw new Error(
      `weightedCrossEntropy: logits [${logits.shape}], ${y.length} labels, ${weights.length} weights`,
    );
  }
  const w = Float32Array.from(y, (c) => weights[c]);
  let total = 0;
  for (const v of w) total += v;
  return tf.tidy(() => {
    const logp = tf.logSoftmax(logits);
    const onehot = tf.oneHot(tf.tensor1d(y, "int32"), k);
    const ce = tf.neg(tf.sum(tf.mul(onehot, logp), 1));
    return tf.div(tf.sum(tf.mul(ce, tf.tensor1d(w))), Math.max(total, 1e-12)) as tf.Scalar;
  });
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
 * import { classWeights } from "./cross_entropy.ts";
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
