/**
 * The TensorFlow.js tensor types that appear in the library's tensor-level signatures, named here
 * so the API documentation can show and link them (they are `@tensorflow/tfjs-core`'s own types,
 * not new ones). `@flowfm/flowfm/advanced` exports them.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";

/** A TensorFlow.js tensor of any rank (`tf.Tensor` from `@tensorflow/tfjs-core`). */
export type Tensor = tf.Tensor;
/** A rank-0 TensorFlow.js tensor (`tf.Scalar`), e.g. a loss. */
export type Scalar = tf.Scalar;
/** A rank-1 TensorFlow.js tensor (`tf.Tensor1D`), e.g. flow times `[batch]`. */
export type Tensor1D = tf.Tensor1D;
/** A rank-2 TensorFlow.js tensor (`tf.Tensor2D`), e.g. representations `[batch, dim]`. */
export type Tensor2D = tf.Tensor2D;
/** A rank-3 TensorFlow.js tensor (`tf.Tensor3D`), e.g. windows `[batch, 300, 3]`. */
export type Tensor3D = tf.Tensor3D;
/** A mutable TensorFlow.js tensor (`tf.Variable`) holding a weight. */
export type Variable = tf.Variable;
