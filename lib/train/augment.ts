/**
 * Augmented views for the encoder input: a small random 3-D rotation and a random scaling, per
 * window. Full random rotation erases the gravity direction that wrist activities depend on:
 * measured on a wrist data set, it cut a from-scratch CNN's macro F1 from .79 to .46. So the
 * default angle is small.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "../random.ts";

/** Augmentation settings. */
export interface AugmentOptions {
  /**
   * Largest rotation angle in degrees, about a uniformly random axis.
   * @default {10}
   */
  maxRotationDeg?: number;
  /**
   * Scaling factor drawn uniformly from `[1 - scale, 1 + scale]`.
   * @default {0.1}
   */
  scale?: number;
  /**
   * Axis of the rotation: `"random"` (uniform on the sphere) or `"gravity"` (the window's mean
   * acceleration, so the view turns about the vertical and keeps the gravity direction; needs the
   * batch's values). With `"gravity"`, `maxRotationDeg: 180` gives any heading.
   * @default {"random"}
   */
  rotationAxis?: "random" | "gravity";
  /**
   * After rotation and scaling, permute the three axes at random and flip each axis's sign with
   * probability 1/2 (a device worn another way round).
   * @default {false}
   */
  permuteAxes?: boolean;
  /**
   * Standard deviation, in g, of Gaussian noise added to the encoder's source window before the
   * view's rotation, scaling and permutation (sensor noise differs between devices); 0 = none.
   * @default {0}
   */
  jitter?: number;
}

/**
 * Upper bounds of the numeric {@link AugmentOptions} fields (all are at least 0): the CLI, `train()`
 * and checkpoint loading check the same ones. `scale` must stay below its bound (a factor of 0).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AUGMENT_LIMITS } from "./augment.ts";
 * assert.equal(AUGMENT_LIMITS.maxRotationDeg, 180);
 * ```
 */
export const AUGMENT_LIMITS = {
  maxRotationDeg: 180, // degrees, at most
  scale: 1, // below
  jitter: 1, // g, at most
} as const;

/** What {@link isAugmentOptions} accepts, for error messages. */
export const AUGMENT_RANGES = `maxRotationDeg in [0, ${AUGMENT_LIMITS.maxRotationDeg}], scale in ` +
  `[0, ${AUGMENT_LIMITS.scale}), jitter in [0, ${AUGMENT_LIMITS.jitter}], rotationAxis "random" ` +
  `or "gravity" and a boolean permuteAxes`;

/**
 * Whether a parsed JSON value is a valid {@link AugmentOptions} record (as a checkpoint stores it).
 *
 * @param v Any value.
 * @returns `true` when every field present has the right type and range.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isAugmentOptions } from "./augment.ts";
 * assert.ok(isAugmentOptions({ rotationAxis: "gravity" }));
 * assert.ok(!isAugmentOptions({ scale: -1 }));
 * assert.ok(isAugmentOptions({ scale: 0.9995 }) && !isAugmentOptions({ scale: 1 }));
 * assert.ok(isAugmentOptions({ jitter: 0.05 }) && !isAugmentOptions({ jitter: 2 }));
 * ```
 */
export function isAugmentOptions(v: unknown): v is AugmentOptions {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  const known = ["maxRotationDeg", "scale", "rotationAxis", "permuteAxes", "jitter"];
  const num = (x: unknown, max: number, below = false) =>
    x === undefined || (typeof x === "number" && x >= 0 && (below ? x < max : x <= max));
  const L = AUGMENT_LIMITS;
  return Object.keys(o).every((k) => known.includes(k)) &&
    num(o.maxRotationDeg, L.maxRotationDeg) &&
    num(o.scale, L.scale, true) && num(o.jitter, L.jitter) &&
    (o.rotationAxis === undefined || o.rotationAxis === "random" || o.rotationAxis === "gravity") &&
    (o.permuteAxes === undefined || typeof o.permuteAxes === "boolean");
}

/** The six permutations of three axes. */
const PERMUTATIONS = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];

/**
 * Per-window 3x3 matrices `P s R`: `R` a rotation by an angle up to `maxRotationDeg` about a random
 * axis (or the window's gravity direction), `s` a scale, `P` an optional signed axis permutation.
 *
 * @param rng Draws axes, angles, scales and permutations.
 * @param n Number of windows.
 * @param options Ranges.
 * @param batch The windows, `[n, length, 3]` row-major; needed for `rotationAxis: "gravity"`.
 * @returns Row-major matrices, length `9 n`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { augmentMatrices } from "./augment.ts";
 * import { Rng } from "../random.ts";
 * const m = augmentMatrices(new Rng(0), 1, { maxRotationDeg: 0, scale: 0 });
 * assert(m[0] === 1 && m[1] === 0 && m[4] === 1);
 * ```
 */
export function augmentMatrices(
  rng: Rng,
  n: number,
  options: AugmentOptions = {},
  batch?: Float32Array,
): Float32Array {
  const maxRad = ((options.maxRotationDeg ?? 10) * Math.PI) / 180;
  const scale = options.scale ?? 0.1;
  const gravity = (options.rotationAxis ?? "random") === "gravity";
  if (gravity && (!batch || batch.length % (3 * n) !== 0)) {
    throw new Error(
      `augmentMatrices: rotationAxis "gravity" needs the batch's ${n} windows of 3 channels, got ${
        batch ? `${batch.length} values` : "none"
      }`,
    );
  }
  const out = new Float32Array(9 * n);
  for (let i = 0; i < n; i++) {
    let [x, y, z] = gravity ? windowMean(batch!, n, i) : [rng.normal(), rng.normal(), rng.normal()];
    if (gravity && Math.hypot(x, y, z) < 1e-6) [x, y, z] = [0, 0, 1]; // free fall: any axis
    const norm = Math.hypot(x, y, z) || 1;
    [x, y, z] = [x / norm, y / norm, z / norm];
    const a = (2 * rng.uniform() - 1) * maxRad;
    const s = 1 + (2 * rng.uniform() - 1) * scale;
    const c = Math.cos(a), si = Math.sin(a), C = 1 - c;
    // Rodrigues' rotation formula.
    const r = [
      c + x * x * C,
      x * y * C - z * si,
      x * z * C + y * si,
      y * x * C + z * si,
      c + y * y * C,
      y * z * C - x * si,
      z * x * C - y * si,
      z * y * C + x * si,
      c + z * z * C,
    ];
    if (options.permuteAxes) {
      const p = PERMUTATIONS[Math.min(5, Math.floor(rng.uniform() * 6))];
      for (let row = 0; row < 3; row++) {
        const sign = rng.uniform() < 0.5 ? -1 : 1;
        for (let col = 0; col < 3; col++) {
          out[9 * i + 3 * row + col] = sign * s * r[3 * p[row] + col];
        }
      }
    } else for (let j = 0; j < 9; j++) out[9 * i + j] = s * r[j];
  }
  return out;
}

/** Mean acceleration vector of window `i` of `n` in a `[n, length, 3]` batch. */
function windowMean(batch: Float32Array, n: number, i: number): [number, number, number] {
  const len = batch.length / (3 * n);
  const m = [0, 0, 0];
  for (let t = 0, o = i * len * 3; t < len; t++, o += 3) {
    m[0] += batch[o], m[1] += batch[o + 1], m[2] += batch[o + 2];
  }
  return [m[0] / len, m[1] / len, m[2] / len];
}

/**
 * Applies per-window matrices: `x'[b, t, :] = M_b x[b, t, :]`.
 *
 * @param x Windows, shape `[batch, length, 3]`.
 * @param matrices From {@link augmentMatrices}, length `9 batch`.
 * @returns Augmented windows, same shape.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../runtime/backend.ts";
 * import { applyMatrices } from "./augment.ts";
 * await initBackend("cpu");
 * const y = applyMatrices(tf.ones([1, 2, 3]), new Float32Array([2, 0, 0, 0, 2, 0, 0, 0, 2]));
 * assert(y.dataSync()[0] === 2);
 * ```
 */
export function applyMatrices(x: tf.Tensor3D, matrices: Float32Array): tf.Tensor3D {
  const b = x.shape[0];
  if (x.shape[2] !== 3 || matrices.length !== 9 * b) {
    throw new Error(
      `applyMatrices: x [${x.shape}] needs ${9 * b} matrix values, got ${matrices.length}`,
    );
  }
  return tf.tidy(() => {
    // x [b, L, 3] . M^T [b, 3, 3]
    const mt = tf.transpose(tf.tensor3d(matrices, [b, 3, 3]), [0, 2, 1]) as tf.Tensor3D;
    return tf.matMul(x, mt);
  });
}
