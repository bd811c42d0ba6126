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
   * With `permuteAxes`, the probability that a window's axes are permuted and sign-flipped; the
   * other windows keep their axes (and their gravity direction). Below 1 the view keeps
   * postures' gravity direction for a share `1 - p` of the windows.
   * @default {1}
   */
  permuteProbability?: number;
  /**
   * Largest tilt in degrees: after the rotation, each window turns by an angle drawn uniformly
   * from `[-maxTiltDeg, maxTiltDeg]` about a random horizontal axis (perpendicular to the
   * window's mean acceleration; needs the batch's values). With `rotationAxis: "gravity"` the
   * gravity direction then moves by exactly that angle: a small tilt, the heading free.
   * @default {0}
   */
  maxTiltDeg?: number;
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
  maxTiltDeg: 90, // degrees, at most
  permuteProbability: 1, // at most
  scale: 1, // below
  jitter: 1, // g, at most
} as const;

/** What {@link isAugmentOptions} accepts, for error messages. */
export const AUGMENT_RANGES = `maxRotationDeg in [0, ${AUGMENT_LIMITS.maxRotationDeg}], scale in ` +
  `[0, ${AUGMENT_LIMITS.scale}), jitter in [0, ${AUGMENT_LIMITS.jitter}], rotationAxis "random" ` +
  `or "gravity", a boolean permuteAxes, permuteProbability in [0, 1] and maxTiltDeg in ` +
  `[0, ${AUGMENT_LIMITS.maxTiltDeg}]`;

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
  const known = [
    "maxRotationDeg",
    "scale",
    "rotationAxis",
    "permuteAxes",
    "jitter",
    "permuteProbability",
    "maxTiltDeg",
  ];
  const num = (x: unknown, max: number, below = false) =>
    x === undefined || (typeof x === "number" && x >= 0 && (below ? x < max : x <= max));
  const L = AUGMENT_LIMITS;
  return Object.keys(o).every((k) => known.includes(k)) &&
    num(o.maxRotationDeg, L.maxRotationDeg) &&
    num(o.scale, L.scale, true) && num(o.jitter, L.jitter) &&
    num(o.permuteProbability, L.permuteProbability) && num(o.maxTiltDeg, L.maxTiltDeg) &&
    (o.rotationAxis === undefined || o.rotationAxis === "random" || o.rotationAxis === "gravity") &&
    (o.permuteAxes === undefined || typeof o.permuteAxes === "boolean");
}

/** The six permutations of three axes. */
const PERMUTATIONS = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];

/**
 * Per-window 3x3 matrices `P s T R`: `R` a rotation by an angle up to `maxRotationDeg` about a
 * random axis (or the window's gravity direction), `T` an optional tilt by up to `maxTiltDeg` about
 * a horizontal axis, `s` a scale, `P` an optional signed axis permutation (with probability
 * `permuteProbability`).
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
  const maxTilt = ((options.maxTiltDeg ?? 0) * Math.PI) / 180;
  const pPermute = options.permuteProbability ?? 1;
  if ((gravity || maxTilt > 0) && (!batch || batch.length % (3 * n) !== 0)) {
    throw new Error(
      `augmentMatrices: ${
        gravity ? 'rotationAxis "gravity"' : "maxTiltDeg"
      } needs the batch's ${n} windows of 3 channels, got ${
        batch ? `${batch.length} values` : "none"
      }`,
    );
  }
  const out = new Float32Array(9 * n);
  for (let i = 0; i < n; i++) {
    const g = gravity || maxTilt > 0 ? unit(windowMean(batch!, n, i)) : null;
    const axis = gravity ? g! : unit([rng.normal(), rng.normal(), rng.normal()]);
    const a = (2 * rng.uniform() - 1) * maxRad;
    const s = 1 + (2 * rng.uniform() - 1) * scale;
    let r = rotation(axis, a);
    if (maxTilt > 0) {
      // A horizontal axis: a random direction less its component along gravity.
      let h = [0, 0, 0];
      for (let k = 0; k < 10 && Math.hypot(...h) < 1e-3; k++) {
        const v = [rng.normal(), rng.normal(), rng.normal()];
        const d = v[0] * g![0] + v[1] * g![1] + v[2] * g![2];
        h = v.map((vj, j) => vj - d * g![j]);
      }
      r = matMul3(rotation(unit(h as Vec3), (2 * rng.uniform() - 1) * maxTilt), r);
    }
    if (options.permuteAxes && (pPermute >= 1 || rng.uniform() < pPermute)) {
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

type Vec3 = [number, number, number];

/** `v / |v|`; a vector near 0 (free fall) gives the z axis. */
function unit(v: Vec3): Vec3 {
  const norm = Math.hypot(v[0], v[1], v[2]);
  return norm < 1e-6 ? [0, 0, 1] : [v[0] / norm, v[1] / norm, v[2] / norm];
}

/** Row-major rotation by angle `a` about unit axis `[x, y, z]` (Rodrigues' formula). */
function rotation([x, y, z]: Vec3, a: number): number[] {
  const c = Math.cos(a), si = Math.sin(a), C = 1 - c;
  return [
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
}

/** Row-major product `a b` of 3x3 matrices. */
function matMul3(a: number[], b: number[]): number[] {
  const out = new Array(9).fill(0);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      for (let k = 0; k < 3; k++) out[3 * i + j] += a[3 * i + k] * b[3 * k + j];
    }
  }
  return out;
}

/** Mean acceleration vector of window `i` of `n` in a `[n, length, 3]` batch. */
function windowMean(batch: Float32Array, n: number, i: number): Vec3 {
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
