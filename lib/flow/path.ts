/**
 * The conditional flow-matching path (rectified flow / optimal-transport path):
 * `x_t = (1 - t) x_0 + t x_1` from noise `x_0 ~ N(0, I)` at `t = 0` to data `x_1` at `t = 1`,
 * with target velocity `u = x_1 - x_0`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Tensor1D, Tensor3D } from "../tensors.ts";
import type { Rng } from "../random.ts";

/** A point on the path and its target velocity. */
export interface PathSample {
  /** `x_t`, shape `[batch, length, channels]`. */
  xt: Tensor3D;
  /** Target velocity `x_1 - x_0`, same shape. */
  target: Tensor3D;
}

/**
 * Samples the path at times `t` for data `x1` and noise `x0`.
 *
 * @param x0 Noise, shape `[batch, length, channels]`.
 * @param x1 Data, same shape.
 * @param t Times, shape `[batch]`.
 * @returns `x_t` and the target velocity.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../runtime/backend.ts";
 * import { samplePath } from "./path.ts";
 * await initBackend("cpu");
 * const { xt } = samplePath(tf.zeros([1, 2, 1]), tf.ones([1, 2, 1]), tf.tensor1d([0.25]));
 * assert(xt.dataSync()[0] === 0.25);
 * ```
 */
export function samplePath(x0: Tensor3D, x1: Tensor3D, t: Tensor1D): PathSample {
  if (x0.shape.join() !== x1.shape.join() || t.shape[0] !== x1.shape[0]) {
    throw new Error(`samplePath: x0 [${x0.shape}], x1 [${x1.shape}] and t [${t.shape}] disagree`);
  }
  return tf.tidy(() => {
    const tb = tf.reshape(t, [-1, 1, 1]);
    const xt = tf.add(tf.mul(tf.sub(1, tb), x0), tf.mul(tb, x1)) as tf.Tensor3D;
    return { xt, target: tf.sub(x1, x0) as tf.Tensor3D };
  });
}

/**
 * Every way training can draw `t`: `uniform` on [0, 1); `logit-normal`, the sigmoid of N(0, 1),
 * which favours the middle; `logit-normal-noise`, the sigmoid of N(-0.8, 1), which puts more
 * weight near the noise end (t = 0), where the generator needs `z` most.
 */
export const TIME_SAMPLINGS = ["uniform", "logit-normal", "logit-normal-noise"] as const;

/** How training draws `t` (one of {@link TIME_SAMPLINGS}). */
export type TimeSampling = (typeof TIME_SAMPLINGS)[number];

/** Mean of the normal behind `logit-normal-noise` (the PyTorch study's value). */
const NOISE_LOGIT_MEAN = -0.8;

/**
 * Draws flow times with a seeded generator.
 *
 * @param rng The generator.
 * @param n How many.
 * @param kind `uniform` on [0, 1), `logit-normal` (sigmoid of N(0, 1)) or `logit-normal-noise`
 *   (sigmoid of N(-0.8, 1)).
 * @returns `n` times in [0, 1).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { drawTimes } from "./path.ts";
 * import { Rng } from "../random.ts";
 * assert(drawTimes(new Rng(0), 3, "uniform").length === 3);
 * ```
 */
export function drawTimes(rng: Rng, n: number, kind: TimeSampling): Float32Array {
  if (!(TIME_SAMPLINGS as readonly string[]).includes(kind)) {
    throw new Error(
      `drawTimes: unknown time sampling "${kind}", expected ${TIME_SAMPLINGS.join(" | ")}`,
    );
  }
  const mean = kind === "logit-normal-noise" ? NOISE_LOGIT_MEAN : 0;
  const t = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    t[i] = kind === "uniform" ? rng.uniform() : 1 / (1 + Math.exp(-(mean + rng.normal())));
  }
  return t;
}
