/**
 * Validation and conversion of user-supplied windows to a flat `Float32Array` laid out as
 * `[n, length, channels]` (time-major, x y z interleaved).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Tensor } from "../tensors.ts";

/**
 * Windows as a flat `Float32Array`, `Float64Array` or `number[]` (`n * 300 * 3` values,
 * time-major, x y z interleaved), nested arrays `[n][300][3]`, or a tensor `[n, 300, 3]`.
 */
export type WindowsInput =
  | Float32Array
  | Float64Array
  | readonly number[]
  | ArrayLike<ArrayLike<ArrayLike<number>>>
  | Tensor;

/** Expected window geometry, and what to do with values. */
export interface WindowSpec {
  /** Samples per window. */
  length: number;
  /** Values per sample. */
  channels: number;
  /** Clip values to `[-clip, clip]`; `0` disables clipping. */
  clip: number;
  /** Names the caller in error messages, e.g. `"encode"`. */
  caller: string;
  /** Samples per second, only used in error messages. */
  sampleRate?: number;
  /**
   * Receives the warning when more than 1 % of the values are clipped (m/s^2 data given as g,
   * say), without a `warning:` prefix.
   * @default {console.warn}
   */
  onWarning?: (message: string) => void;
}

/** A batch of windows as one flat array. */
export interface WindowBatch {
  /** Values, length `count * length * channels`. */
  data: Float32Array;
  /** Number of windows. */
  count: number;
}

const AXES = ["x", "y", "z"];
const ACCEPTED = "a flat Float32Array, Float64Array or number[], nested arrays or a tensor";

/** A plain array whose first element is a number: flat values, not nested windows. */
const isFlat = (input: unknown): input is readonly number[] =>
  Array.isArray(input) && input.length > 0 && typeof input[0] === "number";

function geometry(spec: WindowSpec): string {
  const secs = spec.sampleRate
    ? ` (${spec.length / spec.sampleRate} s at ${spec.sampleRate} Hz)`
    : "";
  return `[n, ${spec.length}, ${spec.channels}]${secs}`;
}

function fromNested(
  input: ArrayLike<ArrayLike<ArrayLike<number>>>,
  spec: WindowSpec,
): Float32Array {
  const { length: len, channels: ch, caller } = spec;
  const out = new Float32Array(input.length * len * ch);
  for (let i = 0; i < input.length; i++) {
    const w = input[i];
    if (!w || typeof w.length !== "number") {
      throw new Error(
        `${caller}: window ${i} is not an array; expected ${ACCEPTED} of shape ${geometry(spec)}`,
      );
    }
    if (w.length !== len) {
      throw new Error(
        `${caller}: window ${i} has ${w.length} samples, expected ${len}; windows have shape ${
          geometry(spec)
        }`,
      );
    }
    for (let s = 0; s < len; s++) {
      const row = w[s];
      if (!row || row.length !== ch) {
        throw new Error(
          `${caller}: window ${i}, sample ${s} has ${row?.length ?? "no"} values, expected ${ch}`,
        );
      }
      for (let c = 0; c < ch; c++) out[(i * len + s) * ch + c] = row[c];
    }
  }
  return out;
}

/**
 * Reads windows into a flat array, checking shape and values, and clipping; more than 1 % of
 * the values clipped is warned about (`spec.onWarning`, else `console.warn`), naming the share
 * and, when the median vector norm says so, that the data look like m/s^2.
 *
 * @param input Windows in any accepted form.
 * @param spec Expected geometry and clipping.
 * @returns The values (a copy) and the window count.
 * @throws Error naming the window, sample and axis of a wrong shape or a NaN/Infinity.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readWindows } from "./windows.ts";
 * const b = await readWindows([[[0, 0, 5]]], { length: 1, channels: 3, clip: 3, caller: "demo" });
 * assert(b.count === 1 && b.data[2] === 3);
 * ```
 */
export async function readWindows(input: WindowsInput, spec: WindowSpec): Promise<WindowBatch> {
  const { length: len, channels: ch, caller } = spec;
  const per = len * ch;
  let data: Float32Array;
  if (input instanceof tf.Tensor) {
    const s = input.shape;
    if (s.length !== 3 || s[1] !== len || s[2] !== ch) {
      throw new Error(`${caller}: expected a tensor of shape ${geometry(spec)}, got [${s}]`);
    }
    data = new Float32Array(await input.data());
  } else if (input instanceof Float32Array || input instanceof Float64Array || isFlat(input)) {
    const what = Array.isArray(input) ? "flat array" : input.constructor.name;
    if (input.length % per !== 0) {
      throw new Error(
        `${caller}: a ${what} of ${input.length} values is not a whole number of windows of shape ${
          geometry(spec)
        } (${per} values each)`,
      );
    }
    const bad = Array.isArray(input) ? input.findIndex((v) => typeof v !== "number") : -1;
    if (bad >= 0) {
      throw new Error(
        `${caller}: element ${bad} of the flat array is ${typeof input[bad]}, not a number`,
      );
    }
    data = new Float32Array(input as ArrayLike<number>);
  } else if (input && typeof (input as ArrayLike<unknown>).length === "number") {
    data = fromNested(input as ArrayLike<ArrayLike<ArrayLike<number>>>, spec);
  } else {
    throw new Error(`${caller}: expected ${ACCEPTED} of shape ${geometry(spec)}`);
  }
  const count = data.length / per;
  if (count === 0) throw new Error(`${caller}: no windows given`);
  let clipped = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) {
      const w = Math.floor(i / per), s = Math.floor((i % per) / ch), c = i % ch;
      throw new Error(
        `${caller}: window ${w}, sample ${s}, axis ${
          AXES[c] ?? c
        } is ${v}; values must be finite (g)`,
      );
    }
    if (spec.clip > 0 && (v > spec.clip || v < -spec.clip)) {
      data[i] = v > 0 ? spec.clip : -spec.clip;
      clipped++;
    }
  }
  const warning = unitWarning(data, clipped, spec);
  if (warning) (spec.onWarning ?? ((m: string) => console.warn(`warning: ${m}`)))(warning);
  return { data, count };
}

/**
 * The warning for input that clipping changed a lot: more than 1 % of the values clipped; with
 * 3 channels and a median vector norm above 2 after clipping (in g a person at rest reads about
 * 1), it adds that the data look like m/s^2. Null when at most 1 % was clipped.
 */
function unitWarning(clippedData: Float32Array, clipped: number, spec: WindowSpec): string | null {
  const share = clipped / clippedData.length;
  if (spec.clip <= 0 || share <= 0.01) return null;
  let note = "";
  if (spec.channels === 3) {
    const n = clippedData.length / 3, step = Math.max(1, Math.floor(n / 10000));
    const norms: number[] = [];
    for (let i = 0; i < n; i += step) {
      norms.push(Math.hypot(clippedData[i * 3], clippedData[i * 3 + 1], clippedData[i * 3 + 2]));
    }
    norms.sort((a, b) => a - b);
    const median = norms[norms.length >> 1];
    if (median > 2) {
      note = "; the median vector norm after clipping is " + median.toPrecision(3) +
        " (about 1 at rest in g): are the data in m/s^2? divide them by 9.80665";
    }
  }
  return `${spec.caller}: ${clipped} of ${clippedData.length} values (${
    (100 * share).toFixed(1)
  } %) were clipped at ±${spec.clip} g${note}`;
}

/**
 * Checks interpolation weights: a non-empty array of finite numbers.
 *
 * @param alphas The weights as given.
 * @param caller Names the caller in error messages.
 * @returns The weights.
 * @throws Error naming the bad index, or saying the array is empty or not an array.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkAlphas } from "./windows.ts";
 * assert.deepEqual(checkAlphas([0, 1], "demo"), [0, 1]);
 * assert.throws(() => checkAlphas([0, NaN], "demo"), /alphas\[1\] is NaN/);
 * ```
 */
export function checkAlphas(alphas: unknown, caller: string): number[] {
  if (!Array.isArray(alphas)) {
    throw new Error(`${caller}: alphas must be an array of finite numbers, got ${typeof alphas}`);
  }
  if (alphas.length === 0) {
    throw new Error(`${caller}: alphas is empty; give at least one mixing weight, e.g. [0, 1]`);
  }
  alphas.forEach((a, i) => {
    if (typeof a !== "number" || !Number.isFinite(a)) {
      const shown = typeof a === "number" ? String(a) : `${JSON.stringify(a)} (${typeof a})`;
      throw new Error(`${caller}: alphas[${i}] is ${shown}; each alpha must be a finite number`);
    }
  });
  return alphas;
}
