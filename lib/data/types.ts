/**
 * Shared types and constants of the data layer: the window record, drop statistics and the
 * model's window geometry.
 *
 * @module
 */

/** Model sample rate in Hz. */
export const SAMPLE_RATE_HZ = 30;
/** Samples per window (10 s at 30 Hz). */
export const WINDOW_SAMPLES = 300;
/** Channels per sample (x, y, z). */
export const CHANNELS = 3;
/** Float32 values per window: `WINDOW_SAMPLES * CHANNELS`. */
export const WINDOW_VALUES: number = WINDOW_SAMPLES * CHANNELS;
/** Standard gravity in m/s^2, used to convert to g. */
export const STANDARD_GRAVITY = 9.80665;

/**
 * One 10 s window of tri-axial acceleration in g, resampled to 30 Hz and clipped.
 *
 * `data` is time-major with x, y, z interleaved: `data[t * 3 + c]`.
 */
export interface AccelWindow {
  /** 900 float32 values, layout [300, 3]. */
  data: Float32Array;
  /** Time of the first sample, in seconds (epoch seconds for absolute timestamps). */
  start: number;
  /** Activity label, or null when unlabelled (or labels are ignored). */
  label: string | null;
  /** Subject id, or null when unknown. */
  subject: string | null;
  /** Source file (or source name) the window comes from. */
  source: string;
}

/** Windows dropped, by reason. */
export interface DropCounts {
  /** Windows that contained a NaN (missing value) after resampling. */
  nan: number;
  /** Windows that spanned two labels (only with `labelPolicy: "drop-mixed"`). */
  mixedLabel: number;
}

/** Counters of a parse: rows, segments, windows kept and dropped by reason. */
export interface WindowStats {
  /** Files read (1 for a single CSV). */
  files: number;
  /** Files skipped because they were too short for one window (adapters only). */
  skippedFiles: number;
  /** Data rows read (excluding header and blank lines). */
  rows: number;
  /** Bad rows skipped with `skipBadRows`. */
  skippedRows: number;
  /** Rows skipped because their timestamp repeated the previous one. */
  duplicateRows: number;
  /** Rows skipped with `skipBadRows` because their timestamp went back in time (also counted
   * in `skippedRows`). */
  backwardRows: number;
  /** Continuous segments (recordings split at gaps). */
  segments: number;
  /** Gaps longer than the gap threshold. */
  gaps: number;
  /** Segments too short for a single window. */
  shortSegments: number;
  /** Windows emitted. */
  windows: number;
  /** Emitted windows with a label. */
  labelledWindows: number;
  /** Emitted windows without a label. */
  unlabelledWindows: number;
  /** Samples (time points) of emitted windows with an axis clipped at the clip limit. */
  clippedSamples: number;
  /** Windows dropped, by reason. */
  dropped: DropCounts;
}

/**
 * An async stream of windows whose `stats` fill in while it is consumed.
 */
export interface WindowStream extends AsyncIterable<AccelWindow> {
  /** Live counters; final once iteration has finished. */
  readonly stats: WindowStats;
}

/**
 * Returns a zeroed {@linkcode WindowStats} record.
 *
 * @returns A new stats record with all counters at 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { emptyStats } from "./types.ts";
 * assert(emptyStats().dropped.nan === 0);
 * ```
 */
export function emptyStats(): WindowStats {
  return {
    files: 0,
    skippedFiles: 0,
    rows: 0,
    skippedRows: 0,
    duplicateRows: 0,
    backwardRows: 0,
    segments: 0,
    gaps: 0,
    shortSegments: 0,
    windows: 0,
    labelledWindows: 0,
    unlabelledWindows: 0,
    clippedSamples: 0,
    dropped: { nan: 0, mixedLabel: 0 },
  };
}

/**
 * Adds the counters of `from` into `into` (in place).
 *
 * @param into Accumulator, modified.
 * @param from Counters to add.
 * @returns `into`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { addStats, emptyStats } from "./types.ts";
 * const a = emptyStats();
 * const b = emptyStats();
 * b.rows = 5;
 * b.dropped.nan = 1;
 * addStats(a, b);
 * assert(a.rows === 5 && a.dropped.nan === 1);
 * ```
 */
export function addStats(into: WindowStats, from: WindowStats): WindowStats {
  for (const k of Object.keys(from) as (keyof WindowStats)[]) {
    if (k !== "dropped") into[k] = (into[k] ?? 0) + (from[k] ?? 0); // older caches lack some
  }
  into.dropped.nan += from.dropped.nan;
  into.dropped.mixedLabel += from.dropped.mixedLabel;
  return into;
}
