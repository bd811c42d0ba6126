/**
 * SSL-Wearables' self-supervised tasks (Yuan et al. 2024, `OxWearables/ssl-wearables`), drawn as
 * an auxiliary loss for FlowFM pretraining: each window of the encoder's view is copied and, each
 * with probability 1/2, time-warped, permuted and reversed; three binary heads on `z` say which
 * were applied (`lib/model/aux_heads.ts`). A representation that tells a reversed or shuffled
 * walk from a real one has to model how movement unfolds in time, not the exact waveform.
 *
 * - **Arrow of time**: the window played backwards.
 * - **Permutation**: cut into 4 segments of at least 10 samples, put back in another order.
 * - **Time-warp**: resampled along a smooth random speed curve (cubic through 6 knots drawn from
 *   N(1, 0.2^2), as SSL-Wearables' `DA_TimeWarp`), the same for every axis.
 *
 * @module
 */
import type { Rng } from "../random.ts";

/** The tasks, in the order of their labels and heads. */
export const AUX_TASKS = ["reversed", "permuted", "warped"] as const;

/** Windows with the tasks applied, and which were. */
export interface AuxDraws {
  /** Transformed windows, `[n, length, channels]` flat. */
  x: Float32Array;
  /** 1 where a task was applied, `[n, 3]` flat, in {@link AUX_TASKS} order. */
  labels: Float32Array;
}

const SEGMENTS = 4, MIN_SEGMENT = 10; // SSL-Wearables' permutation: 4 pieces of >= 10 samples
const KNOTS = 4, WARP_SD = 0.2; // its time-warp: 4 inner knots, speed ~ N(1, 0.2^2)

/**
 * Draws the tasks for `n` windows from `rng` and applies them (warp, then permutation, then
 * reversal).
 *
 * @param rng Generator (advanced).
 * @param windows `[n, length, channels]` flat (not changed).
 * @param length Samples per window (at least `4 * 10`).
 * @param channels Channels per sample.
 * @returns The transformed copies and their labels.
 * @throws RangeError when the windows are too short to permute or do not fill whole windows.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Rng } from "../random.ts";
 * import { drawAuxTasks } from "./aux_tasks.ts";
 * const w = new Float32Array(2 * 300 * 3).map((_, i) => Math.sin(i / 30));
 * const { x, labels } = drawAuxTasks(new Rng(0), w, 300, 3);
 * assert.equal(x.length, w.length);
 * assert.equal(labels.length, 6);
 * assert.ok(labels.every((v) => v === 0 || v === 1));
 * ```
 */
export function drawAuxTasks(
  rng: Rng,
  windows: Float32Array,
  length: number,
  channels: number,
): AuxDraws {
  const per = length * channels, n = windows.length / per;
  if (length < SEGMENTS * MIN_SEGMENT || !Number.isInteger(n)) {
    throw new RangeError(
      `drawAuxTasks: ${windows.length} values are not whole windows of [${length}, ${channels}] ` +
        `with at least ${SEGMENTS * MIN_SEGMENT} samples`,
    );
  }
  const x = new Float32Array(windows.length), labels = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    let w: Float32Array = windows.slice(i * per, (i + 1) * per);
    const [rev, perm, warp] = [rng.uniform() < 0.5, rng.uniform() < 0.5, rng.uniform() < 0.5];
    if (warp) w = timeWarp(w, length, channels, rng);
    if (perm) w = permuteSegments(w, length, channels, rng);
    if (rev) w = reverseTime(w, length, channels);
    x.set(w, i * per);
    labels.set([rev ? 1 : 0, perm ? 1 : 0, warp ? 1 : 0], i * 3);
  }
  return { x, labels };
}

/**
 * The window played backwards.
 *
 * @param w One window, `[length, channels]` flat.
 * @param length Samples.
 * @param channels Channels per sample.
 * @returns A new array.
 */
export function reverseTime(w: Float32Array, length: number, channels: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let t = 0; t < length; t++) {
    out.set(w.subarray(t * channels, (t + 1) * channels), (length - 1 - t) * channels);
  }
  return out;
}

/**
 * The window cut into 4 segments of at least 10 samples and put back in another order.
 *
 * @param w One window, `[length, channels]` flat.
 * @param length Samples (at least 40).
 * @param channels Channels per sample.
 * @param rng Generator for the cuts and the order.
 * @returns A new array.
 */
export function permuteSegments(
  w: Float32Array,
  length: number,
  channels: number,
  rng: Rng,
): Float32Array {
  // cuts: SEGMENTS - 1 sorted points with every piece >= MIN_SEGMENT
  const slack = length - SEGMENTS * MIN_SEGMENT;
  const offsets = Array.from({ length: SEGMENTS - 1 }, () => rng.int(slack + 1))
    .sort((a, b) => a - b);
  const starts = [0, ...offsets.map((o, k) => o + (k + 1) * MIN_SEGMENT), length];
  let order: number[];
  do {
    order = [0, 1, 2, 3];
    for (let k = SEGMENTS - 1; k > 0; k--) {
      const j = rng.int(k + 1);
      [order[k], order[j]] = [order[j], order[k]];
    }
  } while (order.every((v, k) => v === k));
  const out = new Float32Array(w.length);
  let at = 0;
  for (const k of order) {
    const piece = w.subarray(starts[k] * channels, starts[k + 1] * channels);
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}

/**
 * The window resampled along a smooth random speed curve: speeds at 6 evenly spaced knots drawn
 * from N(1, 0.2^2) (floored at 0.1), joined by a cubic (Catmull-Rom) curve, integrated into a warped
 * time axis that spans the window, and the samples linearly interpolated at the warped times.
 *
 * @param w One window, `[length, channels]` flat.
 * @param length Samples.
 * @param channels Channels per sample.
 * @param rng Generator for the knots.
 * @returns A new array (first and last samples kept).
 */
export function timeWarp(
  w: Float32Array,
  length: number,
  channels: number,
  rng: Rng,
): Float32Array {
  const knots = Array.from(
    { length: KNOTS + 2 },
    () => Math.max(0.1, 1 + WARP_SD * rng.normal()),
  );
  const speed = new Float64Array(length);
  const span = (length - 1) / (KNOTS + 1);
  for (let t = 0; t < length; t++) {
    const u = t / span, k = Math.min(Math.floor(u), KNOTS), f = u - k;
    const p0 = knots[Math.max(k - 1, 0)], p1 = knots[k], p2 = knots[k + 1];
    const p3 = knots[Math.min(k + 2, KNOTS + 1)];
    speed[t] = Math.max(
      0.05,
      0.5 * (2 * p1 + (p2 - p0) * f + (2 * p0 - 5 * p1 + 4 * p2 - p3) * f * f +
        (3 * p1 - p0 - 3 * p2 + p3) * f * f * f),
    );
  }
  // warped[t] = where output sample t reads the input, from 0 to length - 1
  const warped = new Float64Array(length);
  for (let t = 1; t < length; t++) warped[t] = warped[t - 1] + speed[t];
  const scale = (length - 1) / warped[length - 1];
  const out = new Float32Array(w.length);
  for (let t = 0; t < length; t++) {
    const s = Math.min(warped[t] * scale, length - 1), i0 = Math.floor(s);
    const i1 = Math.min(i0 + 1, length - 1), f = s - i0;
    for (let c = 0; c < channels; c++) {
      out[t * channels + c] = w[i0 * channels + c] * (1 - f) + w[i1 * channels + c] * f;
    }
  }
  return out;
}
