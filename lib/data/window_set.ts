/**
 * Packing windows into contiguous batches (`Float32Array` of shape [n, 300, 3]) with
 * per-window metadata, and collecting a whole stream into a {@linkcode WindowSet}.
 *
 * @module
 */

import {
  type AccelWindow,
  addStats,
  emptyStats,
  WINDOW_VALUES,
  type WindowStats,
  type WindowStream,
} from "./types.ts";

/** Windows packed contiguously: `data` is row-major [count, 300, 3]. */
export interface WindowBatch {
  /** Number of windows. */
  count: number;
  /** `count * 900` float32 values. */
  data: Float32Array;
  /** Start time of each window (s). */
  starts: Float64Array;
  /** Label of each window (null = unlabelled). */
  labels: (string | null)[];
  /** Subject of each window. */
  subjects: (string | null)[];
  /** Source file of each window. */
  sources: string[];
}

/** A whole data set of windows with the statistics of its parse. */
export interface WindowSet extends WindowBatch {
  /** Counters of the parse that produced the set. */
  stats: WindowStats;
}

/**
 * Returns window `i` of a batch as an {@linkcode AccelWindow} (`data` is a view, not a copy).
 *
 * @param batch A batch or set.
 * @param i Index in [0, count).
 * @returns The window.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { packWindows, windowAt } from "./window_set.ts";
 * const w = { data: new Float32Array(900).fill(1), start: 5, label: "a", subject: null, source: "s" };
 * assert(windowAt(packWindows([w]), 0).start === 5);
 * ```
 */
export function windowAt(batch: WindowBatch, i: number): AccelWindow {
  if (!(i >= 0 && i < batch.count)) throw new RangeError(`window ${i} out of range`);
  return {
    data: batch.data.subarray(i * WINDOW_VALUES, (i + 1) * WINDOW_VALUES),
    start: batch.starts[i],
    label: batch.labels[i],
    subject: batch.subjects[i],
    source: batch.sources[i],
  };
}

/**
 * Packs windows into one contiguous batch.
 *
 * @param windows Windows to pack.
 * @returns The batch.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { packWindows } from "./window_set.ts";
 * const w = { data: new Float32Array(900), start: 0, label: null, subject: "s1", source: "f" };
 * const b = packWindows([w, w]);
 * assert(b.count === 2 && b.data.length === 1800);
 * ```
 */
export function packWindows(windows: readonly AccelWindow[]): WindowBatch {
  const n = windows.length;
  const data = new Float32Array(n * WINDOW_VALUES);
  const starts = new Float64Array(n);
  windows.forEach((w, i) => {
    data.set(w.data, i * WINDOW_VALUES);
    starts[i] = w.start;
  });
  return {
    count: n,
    data,
    starts,
    labels: windows.map((w) => w.label),
    subjects: windows.map((w) => w.subject),
    sources: windows.map((w) => w.source),
  };
}

/**
 * Groups a window stream into batches of `batchSize` (the last one may be smaller).
 *
 * @param windows Source of windows.
 * @param batchSize Windows per batch (positive integer).
 * @returns Async iterator of batches.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { batchWindows } from "./window_set.ts";
 * async function* five() {
 *   for (let i = 0; i < 5; i++) {
 *     yield { data: new Float32Array(900), start: i, label: null, subject: null, source: "f" };
 *   }
 * }
 * const sizes: number[] = [];
 * for await (const b of batchWindows(five(), 2)) sizes.push(b.count);
 * assert(sizes.join(",") === "2,2,1");
 * ```
 */
export async function* batchWindows(
  windows: AsyncIterable<AccelWindow>,
  batchSize: number,
): AsyncGenerator<WindowBatch, void, undefined> {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError("batchSize must be a positive integer");
  }
  let pending: AccelWindow[] = [];
  for await (const w of windows) {
    pending.push(w);
    if (pending.length === batchSize) {
      yield packWindows(pending);
      pending = [];
    }
  }
  if (pending.length > 0) yield packWindows(pending);
}

/**
 * Reads a whole stream into memory as one {@linkcode WindowSet}.
 *
 * @param stream Window stream (its final stats are copied into the set).
 * @returns The set.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readCsvWindows } from "./csv_reader.ts";
 * import { collectWindows } from "./window_set.ts";
 * let csv = "x,y,z\n";
 * for (let i = 0; i < 600; i++) csv += "0,0,1\n";
 * const set = await collectWindows(readCsvWindows(csv, { sampleRate: 30 }));
 * assert(set.count === 3 && set.stats.windows === 3);
 * ```
 */
export async function collectWindows(stream: WindowStream): Promise<WindowSet> {
  let cap = 64;
  let data = new Float32Array(cap * WINDOW_VALUES);
  let starts = new Float64Array(cap);
  const labels: (string | null)[] = [];
  const subjects: (string | null)[] = [];
  const sources: string[] = [];
  let n = 0;
  for await (const w of stream) {
    if (n === cap) {
      cap *= 2;
      const d = new Float32Array(cap * WINDOW_VALUES);
      d.set(data);
      data = d;
      const s = new Float64Array(cap);
      s.set(starts);
      starts = s;
    }
    data.set(w.data, n * WINDOW_VALUES);
    starts[n] = w.start;
    labels.push(w.label);
    subjects.push(w.subject);
    sources.push(w.source);
    n++;
  }
  const stats = structuredClone(stream.stats ?? emptyStats());
  return {
    count: n,
    data: data.slice(0, n * WINDOW_VALUES),
    starts: starts.slice(0, n),
    labels,
    subjects,
    sources,
    stats,
  };
}

/**
 * Copies the windows at `indices` (in that order) out of a flat `[n, 300, 3]` array.
 *
 * @param data Windows, `n * 900` values.
 * @param indices Window indices in [0, n).
 * @param out Where to write (`indices.length * 900` values); a new array when omitted.
 * @returns `out`, holding the chosen windows.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gatherWindows } from "./window_set.ts";
 * const data = new Float32Array(2 * 900).map((_, i) => Math.floor(i / 900));
 * assert(gatherWindows(data, [1, 0])[0] === 1);
 * ```
 */
export function gatherWindows(
  data: Float32Array,
  indices: ArrayLike<number>,
  out: Float32Array = new Float32Array(indices.length * WINDOW_VALUES),
): Float32Array {
  if (out.length !== indices.length * WINDOW_VALUES) {
    throw new RangeError(
      `gatherWindows: out has ${out.length} values, expected ${indices.length * WINDOW_VALUES}`,
    );
  }
  const n = data.length / WINDOW_VALUES;
  for (let j = 0; j < indices.length; j++) {
    const w = indices[j];
    if (!(w >= 0 && w < n)) {
      throw new RangeError(`gatherWindows: window ${w} out of range [0, ${n})`);
    }
    out.set(data.subarray(w * WINDOW_VALUES, (w + 1) * WINDOW_VALUES), j * WINDOW_VALUES);
  }
  return out;
}

/**
 * Concatenates window sets (e.g. several files or data sets), in order, adding their counters.
 *
 * @param sets The sets.
 * @returns A new set holding all their windows.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { collectWindows, concatSets } from "./window_set.ts";
 * import { readCsvWindows } from "./csv_reader.ts";
 * let csv = "x,y,z\n";
 * for (let i = 0; i < 300; i++) csv += "0,0,1\n";
 * const one = await collectWindows(readCsvWindows(csv, { sampleRate: 30 }));
 * const both = concatSets([one, one]);
 * assert.equal(both.count, 2 * one.count);
 * assert.equal(both.stats.rows, 2 * one.stats.rows);
 * ```
 */
export function concatSets(sets: WindowSet[]): WindowSet {
  const count = sets.reduce((n, s) => n + s.count, 0);
  const data = new Float32Array(count * WINDOW_VALUES);
  const starts = new Float64Array(count);
  const out: WindowSet = {
    count,
    data,
    starts,
    labels: [],
    subjects: [],
    sources: [],
    stats: emptyStats(),
  };
  let i = 0;
  for (const s of sets) {
    data.set(s.data, i * WINDOW_VALUES);
    starts.set(s.starts, i);
    out.labels.push(...s.labels);
    out.subjects.push(...s.subjects);
    out.sources.push(...s.sources);
    addStats(out.stats, s.stats);
    i += s.count;
  }
  return out;
}

/**
 * Each window's data set, subject and placement as integers into name tables (`loadDatasets` in
 * `lib/io` fills it; `cli/pack.ts` packs it).
 */
export interface WindowMeta {
  /** Data set of each window: an index into `datasetNames`. */
  datasetIndex: Int32Array;
  /** Subject of each window: an index into `subjectNames` (-1: none). */
  subjectIndex: Int32Array;
  /** Placement of each window: an index into `placementNames` (-1: unknown). */
  placementIndex: Int32Array;
  /** Data set names, in spec order ({@linkcode datasetLabel}). */
  datasetNames: string[];
  /** Subjects as `<data set>/<subject>` (so that equal ids of two sets stay apart), sorted. */
  subjectNames: string[];
  /** Placements, sorted. */
  placementNames: string[];
}
