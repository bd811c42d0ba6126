/**
 * The diffusion baseline: a representation-conditional DDPM (Ho et al. 2020) with epsilon
 * prediction, `T = 1000` and linear betas from 1e-4 to 0.02, sampled ancestrally (1000 steps) or
 * with deterministic DDIM (Song et al. 2021) on a chosen number of steps.
 *
 * Notation follows DDPM: `x_0` is data, `x_T` noise, `x_t = sqrt(ab_t) x_0 + sqrt(1 - ab_t) eps`
 * with `ab_t = prod_{s<=t} (1 - beta_s)`. The network sees the time as `t / T` in [0, 1).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Tensor } from "../tensors.ts";
import type { Rng } from "../random.ts";

/** Number of diffusion steps. */
export const DDPM_STEPS = 1000;

/** A noise schedule: betas and cumulative products, index 0..T-1 for t = 1..T. */
export interface NoiseSchedule {
  /** `beta_t`. */
  betas: Float64Array;
  /** `ab_t = prod (1 - beta_s)` for s <= t. */
  alphaBars: Float64Array;
}

/**
 * The linear beta schedule of DDPM.
 *
 * @param steps T.
 * @param betaStart First beta.
 * @param betaEnd Last beta.
 * @returns Betas and cumulative alpha products.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { linearSchedule } from "./diffusion.ts";
 * const s = linearSchedule();
 * assert(s.betas.length === 1000 && s.alphaBars[999] < 1e-4);
 * ```
 */
export function linearSchedule(
  steps = DDPM_STEPS,
  betaStart = 1e-4,
  betaEnd = 0.02,
): NoiseSchedule {
  const betas = new Float64Array(steps), alphaBars = new Float64Array(steps);
  let ab = 1;
  for (let i = 0; i < steps; i++) {
    betas[i] = betaStart + ((betaEnd - betaStart) * i) / Math.max(1, steps - 1);
    ab *= 1 - betas[i];
    alphaBars[i] = ab;
  }
  return { betas, alphaBars };
}

/**
 * Forward noising in closed form: `x_t = sqrt(ab_t) x_0 + sqrt(1 - ab_t) eps`.
 *
 * @param x0 Data, shape `[batch, ...]`.
 * @param eps Noise, same shape.
 * @param steps Step index per example (0-based, i.e. t - 1), length `batch`.
 * @param schedule The schedule.
 * @returns `x_t`, same shape.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../runtime/backend.ts";
 * import { linearSchedule, noiseData } from "./diffusion.ts";
 * await initBackend("cpu");
 * const s = linearSchedule();
 * const xt = noiseData(tf.ones([1, 2]), tf.zeros([1, 2]), [0], s);
 * assert(Math.abs(xt.dataSync()[0] - Math.sqrt(s.alphaBars[0])) < 1e-6);
 * ```
 */
export function noiseData(
  x0: Tensor,
  eps: Tensor,
  steps: ArrayLike<number>,
  schedule: NoiseSchedule,
): Tensor {
  const b = x0.shape[0];
  if (steps.length !== b || eps.shape.join() !== x0.shape.join()) {
    throw new Error(
      `noiseData: x0 [${x0.shape}], eps [${eps.shape}] and ${steps.length} steps disagree`,
    );
  }
  const a = new Float32Array(b), s = new Float32Array(b);
  for (let i = 0; i < b; i++) {
    const ab = schedule.alphaBars[steps[i]];
    if (ab === undefined) {
      throw new Error(`noiseData: step ${steps[i]} outside [0, ${schedule.alphaBars.length})`);
    }
    a[i] = Math.sqrt(ab);
    s[i] = Math.sqrt(1 - ab);
  }
  return tf.tidy(() => {
    const shape = [b, ...x0.shape.slice(1).map(() => 1)];
    return tf.add(tf.mul(x0, tf.tensor(a, shape)), tf.mul(eps, tf.tensor(s, shape)));
  });
}

/** Predicts the noise: `eps(x_t, t)` with `t` the 0-based step index. Must not dispose `x`. */
export type EpsFn = (x: Tensor, step: number) => Tensor;

/**
 * The clean-data prediction `x_0 = (x_t - sqrt(1 - ab_t) eps) / sqrt(ab_t)`, clipped to the data
 * range as DDPM's reference implementation does (`clip_denoised`): at large `t` it divides by
 * `sqrt(ab_t)` (0.0064 at `t = T`), so an imperfect noise prediction would otherwise be amplified.
 */
function predictX0(x: tf.Tensor, e: tf.Tensor, ab: number, clip: number): tf.Tensor {
  const x0 = tf.div(tf.sub(x, tf.mul(e, Math.sqrt(1 - ab))), Math.sqrt(ab));
  return Number.isFinite(clip) ? tf.clipByValue(x0, -clip, clip) : x0;
}

/**
 * Deterministic DDIM sampling (eta = 0) from `x_T` on `steps` evenly spaced time steps; the
 * last update lands on the predicted clean data.
 *
 * @param eps The noise predictor.
 * @param xT Starting noise (not disposed).
 * @param steps Number of DDIM steps (1..T).
 * @param schedule The schedule.
 * @param clip Clip each clean-data prediction to `[-clip, clip]` (the data range); `Infinity` = off.
 * @returns The sample, a new tensor.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../runtime/backend.ts";
 * import { ddimSample, linearSchedule } from "./diffusion.ts";
 * await initBackend("cpu");
 * // A predictor that always says "all of x_t is noise" returns data 0.
 * const x = ddimSample((x) => tf.div(x, 1), tf.ones([1, 1]), 10, linearSchedule());
 * assert(Number.isFinite(x.dataSync()[0]));
 * ```
 */
export function ddimSample(
  eps: EpsFn,
  xT: Tensor,
  steps: number,
  schedule: NoiseSchedule,
  clip = Infinity,
): Tensor {
  const T = schedule.alphaBars.length;
  if (!Number.isInteger(steps) || steps < 1 || steps > T) {
    throw new Error(`ddimSample: steps must be an integer in [1, ${T}], got ${steps}`);
  }
  const ts: number[] = [];
  for (let i = 0; i < steps; i++) {
    ts.push(Math.round(((T - 1) * (steps - 1 - i)) / Math.max(1, steps - 1)));
  }
  if (steps === 1) ts[0] = T - 1;
  let x = xT;
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i];
    const ab = schedule.alphaBars[t];
    const abPrev = i + 1 < ts.length ? schedule.alphaBars[ts[i + 1]] : 1;
    const prev = x;
    x = tf.tidy(() => {
      const e = eps(prev, t);
      const x0 = predictX0(prev, e, ab, clip);
      // With clipping, re-derive the noise from the clipped x0 so the update stays consistent.
      const e2 = Number.isFinite(clip)
        ? tf.div(tf.sub(prev, tf.mul(x0, Math.sqrt(ab))), Math.sqrt(1 - ab))
        : e;
      return tf.add(tf.mul(x0, Math.sqrt(abPrev)), tf.mul(e2, Math.sqrt(1 - abPrev)));
    });
    if (prev !== xT) prev.dispose();
  }
  return x;
}

/**
 * Ancestral DDPM sampling over all T steps (Ho et al. 2020): the posterior mean
 * `mu = c1 x_0 + c2 x_t` from the (clipped) clean-data prediction, plus noise with
 * `sigma_t^2 = beta_t`. Without clipping this equals `(x_t - beta_t / sqrt(1 - ab_t) eps) / sqrt(alpha_t)`.
 *
 * @param eps The noise predictor.
 * @param xT Starting noise (not disposed).
 * @param schedule The schedule.
 * @param rng Draws the per-step noise.
 * @param clip Clip each clean-data prediction to `[-clip, clip]`; `Infinity` = off.
 * @returns The sample, a new tensor.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../runtime/backend.ts";
 * import { ancestralSample, linearSchedule } from "./diffusion.ts";
 * import { Rng } from "../random.ts";
 * await initBackend("cpu");
 * const x = ancestralSample((x) => tf.zerosLike(x), tf.ones([1, 1]), linearSchedule(10), new Rng(0));
 * assert(Number.isFinite(x.dataSync()[0]));
 * ```
 */
export function ancestralSample(
  eps: EpsFn,
  xT: Tensor,
  schedule: NoiseSchedule,
  rng: Rng,
  clip = Infinity,
): Tensor {
  const T = schedule.alphaBars.length;
  let x = xT;
  for (let t = T - 1; t >= 0; t--) {
    const beta = schedule.betas[t], ab = schedule.alphaBars[t];
    const abPrev = t > 0 ? schedule.alphaBars[t - 1] : 1;
    const c1 = (Math.sqrt(abPrev) * beta) / (1 - ab);
    const c2 = (Math.sqrt(1 - beta) * (1 - abPrev)) / (1 - ab);
    const noise = t > 0 ? rng.normals(x.size) : null;
    const prev = x;
    x = tf.tidy(() => {
      const x0 = predictX0(prev, eps(prev, t), ab, clip);
      const mean = tf.add(tf.mul(x0, c1), tf.mul(prev, c2));
      return noise ? tf.add(mean, tf.mul(tf.tensor(noise, prev.shape), Math.sqrt(beta))) : mean;
    });
    if (prev !== xT) prev.dispose();
  }
  return x;
}
