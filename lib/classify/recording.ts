/**
 * A raw recording (one sensor, constant rate, any units) into the model's windows, with the data
 * layer's own resampler and windower (`lib/data`), as CSV files go through them: converted to g,
 * resampled linearly to the model's rate, cut into windows with a hop, clipped.
 *
 * @module
 */
import { Resampler } from "../data/resampler.ts";
import { emptyStats } from "../data/types.ts";
import { medianNorm, parseUnit, toGFactor, unitMismatch } from "../data/units.ts";
import { Windower } from "../data/windower.ts";

/** A raw tri-axial recording at a constant rate. */
export interface Recording {
  /**
   * The samples, x y z interleaved (`[x0, y0, z0, x1, ...]`, a Float32Array, Float64Array or
   * number[]) or one `[x, y, z]` per sample.
   */
  samples: ArrayLike<number> | ArrayLike<ArrayLike<number>>;
  /** Samples per second (any rate; resampled to the model's). */
  rate: number;
  /** Units of the samples: `"g"` or `"m/s^2"` (also `m/s2`, `m/s²`, `mps2`). */
  units: string;
  /**
   * Go on when the signal contradicts `units` (a median vector norm far from 1 g at rest), as the
   * CLI's `--trust-units` does.
   * @default {false}
   */
  trustUnits?: boolean;
}

/** The geometry to cut a recording into (a model's `windowSpec` has it) and the hop. */
export interface RecordingGeometry {
  /** Samples per window. */
  length: number;
  /** The model's rate in Hz. */
  sampleRate: number;
  /** Values are clipped to `±clip` g. */
  clip: number;
  /** Seconds between window starts. */
  hopSeconds: number;
}

/** A recording's windows and where they start. */
export interface RecordingWindows {
  /** Row-major `[count, length, 3]` windows in g, clipped. */
  data: Float32Array;
  /** Number of windows. */
  count: number;
  /** Start of each window, in seconds from the recording's first sample. */
  starts: Float64Array;
}

/**
 * Checks a recording and cuts it into windows. Errors name the field (`recording.rate`,
 * `recording.units`, `recording.samples`) and show what they received.
 *
 * @param recording Samples, rate and units.
 * @param geometry Window length, rate and clip of the model, and the hop.
 * @returns The windows in g at the model's rate, and their start times.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { recordingWindows } from "./recording.ts";
 * // 20 s at 50 Hz in m/s^2, lying still: windows at 0, 5 and 10 s.
 * const samples = new Float32Array(1000 * 3).map((_, i) => (i % 3 === 2 ? 9.81 : 0));
 * const w = recordingWindows({ samples, rate: 50, units: "m/s^2" },
 *   { length: 300, sampleRate: 30, clip: 3, hopSeconds: 5 });
 * assert.deepEqual([...w.starts], [0, 5, 10]);
 * assert.ok(Math.abs(w.data[2] - 1) < 1e-3);
 * assert.throws(() => recordingWindows({ samples, rate: 0, units: "g" },
 *   { length: 300, sampleRate: 30, clip: 3, hopSeconds: 5 }), /recording\.rate/);
 * ```
 */
export function recordingWindows(
  recording: Recording,
  geometry: RecordingGeometry,
): RecordingWindows {
  const { rate, units } = recording ?? {};
  if (typeof rate !== "number" || !Number.isFinite(rate) || rate <= 0) {
    throw new Error(
      `recording.rate must be a positive number of samples per second, got ${show(rate)}`,
    );
  }
  const unit = typeof units === "string" ? parseUnit(units) : null;
  if (!unit) throw new Error(`recording.units must be "g" or "m/s^2", got ${show(units)}`);
  const xyz = flatSamples(recording.samples);
  const n = xyz.length / 3, seconds = n / rate;
  const windowSeconds = geometry.length / geometry.sampleRate;
  if (seconds < windowSeconds) {
    throw new Error(
      `recording.samples: ${n} samples at ${rate} Hz are ${+seconds.toFixed(3)} s, shorter ` +
        `than one ${windowSeconds} s window`,
    );
  }
  const axis = (a: number) => Array.from({ length: n }, (_, i) => xyz[3 * i + a]);
  const bad = unitMismatch(unit, medianNorm(axis(0), axis(1), axis(2)));
  if (bad && !recording.trustUnits) {
    throw new Error(`recording.units is "${units}", but the ${bad} (trustUnits: true)`);
  }
  const hop = Math.round(geometry.hopSeconds * geometry.sampleRate);
  if (!(hop >= 1)) {
    throw new Error(`hopSeconds must be at least one sample, got ${show(geometry.hopSeconds)}`);
  }
  const windows: Float32Array[] = [], starts: number[] = [];
  const windower = new Windower(
    { windowSamples: geometry.length, hopSamples: hop, clip: geometry.clip, labelPolicy: "ignore" },
    emptyStats(),
    (data, start) => {
      windows.push(data);
      starts.push(start);
    },
  );
  const resampler = new Resampler(
    { rate: geometry.sampleRate, gapSeconds: Infinity },
    windower.push,
    windower.endSegment,
  );
  const f = toGFactor(unit);
  for (let i = 0; i < n; i++) {
    resampler.push(i / rate, xyz[3 * i] * f, xyz[3 * i + 1] * f, xyz[3 * i + 2] * f, 0);
  }
  resampler.end();
  const per = geometry.length * 3, data = new Float32Array(windows.length * per);
  windows.forEach((w, i) => data.set(w, i * per));
  return { data, count: windows.length, starts: Float64Array.from(starts) };
}

/** The samples as one flat x y z array, checked: whole samples, finite values. */
function flatSamples(samples: Recording["samples"]): Float64Array {
  if (samples == null || typeof samples.length !== "number") {
    throw new Error(`recording.samples must be an array of x y z values, got ${show(samples)}`);
  }
  if (samples.length === 0) throw new Error("recording.samples is empty");
  const nested = typeof samples[0] === "object" && samples[0] !== null;
  const flat = nested
    ? Float64Array.from({ length: samples.length * 3 }, (_, i) => {
      const row = (samples as ArrayLike<ArrayLike<number>>)[Math.floor(i / 3)];
      if (row?.length !== 3) {
        throw new Error(
          `recording.samples[${Math.floor(i / 3)}] must be [x, y, z], got ${show(row)}`,
        );
      }
      return row[i % 3];
    })
    : Float64Array.from(samples as ArrayLike<number>);
  if (!nested && flat.length % 3 !== 0) {
    throw new Error(
      `recording.samples holds ${flat.length} values, not whole x y z samples (a multiple of 3)`,
    );
  }
  const at = flat.findIndex((v) => !Number.isFinite(v));
  if (at >= 0) {
    throw new Error(
      `recording.samples: sample ${Math.floor(at / 3)}, axis ${"xyz"[at % 3]} is ${flat[at]} ` +
        "(every value must be finite; cut the recording at missing values)",
    );
  }
  return flat;
}

/** A value for an error message, kept short. */
function show(v: unknown): string {
  const s = typeof v === "string" ? JSON.stringify(v) : String(v);
  return Array.isArray(v) ? `[${v.slice(0, 4).join(", ")}${v.length > 4 ? ", …" : ""}]` : s;
}
