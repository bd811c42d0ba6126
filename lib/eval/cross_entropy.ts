/**
 * Class-weighted softmax cross-entropy, as PyTorch's `CrossEntropyLoss(weight)`: the weighted
 * mean `sum_i w_{y_i} CE_i / sum_i w_{y_i}`.
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
