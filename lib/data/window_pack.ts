/**
 * Window packs: the windows of any data the library reads, in one safetensors file that the
 * PyTorch twin (`python/flowfm_torch/data.py`) trains on. CSV parsing, units, resampling and
 * windowing stay here; Python only reads the pack.
 *
 * A pack holds, for `n` windows of 300 samples x 3 axes at 30 Hz in g:
 * - `windows`: `F16` `[n, 300, 3]` in g, clipped at ±3 g as the model clips its input (encoding
 *   `f16-g`); or, for a dense pack, `U8` `[2, n, 300, 3]` (encoding `milli-g-delta-zigzag-bytes`):
 *   the samples in milli-g (rounded, clipped at ±3 g), delta-coded along time within each window
 *   (sample 0 as is, then differences), zigzag-mapped to unsigned (`d >= 0 ? 2d : -2d - 1`), low
 *   bytes in plane 0 and high bytes in plane 1, which gzip compresses about a fifth better than
 *   plain 16-bit deltas;
 * - `dataset`, `placement`, `subject`: `I32` `[n]`, indices into the JSON lists of the same names
 *   in `__metadata__` (`subject` -1 when unknown; subjects are named `dataset/subject`);
 * - `continues` (dense packs only): `U8` `[n]`, 1 where window `i + 1` follows window `i` without
 *   a gap in the same recording, so windows can be cut at any offset across the two;
 * - `__metadata__`: `format: "flowfm-windows"`, `encoding`, `sampleRate`, `windowLength`,
 *   `channels`, the three lists and `sources` (what was read, one line per group).
 *
 * @module
 */
import { CHANNELS, SAMPLE_RATE_HZ, WINDOW_SAMPLES, WINDOW_VALUES } from "./types.ts";
import type { WindowBatch } from "./window_set.ts";
import { encodeRawSafetensors, type RawTensor } from "../weights/safetensors_encode.ts";
import { f32ToF16Bits } from "../weights/half_float.ts";

/** Packed values are clipped at ±3 g, as the model clips its input. */
const CLIP_G = 3;

/** The `format` of a window pack's `__metadata__`. */
export const PACK_FORMAT = "flowfm-windows";

/** One group of windows: all from one data set and placement. */
export interface PackGroup {
  /** Data set name, e.g. `dsads` or `csv`. */
  dataset: string;
  /** Placement on the body, e.g. `wrist`, or `unspecified`. */
  placement: string;
  /** One line saying what was read. */
  description: string;
  /** The windows (labels are not stored). */
  set: WindowBatch;
}

/** What {@link packWindows} returns. */
export interface WindowPack {
  /** The tensors, ready for `encodeRawSafetensors`. */
  tensors: RawTensor[];
  /** The `__metadata__` strings. */
  metadata: Record<string, string>;
  /** Windows in the pack. */
  count: number;
}

/**
 * Packs groups of windows (see the module doc for the layout).
 *
 * @param groups The windows, a group per data set and placement; at least one window in all.
 * @param options `dense`: milli-g deltas as zigzag byte planes with `continues` flags (for non-overlapping
 *   windows, which the twin cuts at any offset), instead of `F16` windows.
 * @returns The pack's tensors and metadata.
 * @throws Error when there are no windows.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { packWindows } from "./window_pack.ts";
 * import { packWindows as batchOf } from "./window_set.ts";
 * const w = (start: number) => ({ data: new Float32Array(900).fill(1), start, label: null, subject: "s1", source: "a.csv" });
 * const pack = packWindows([{ dataset: "csv", placement: "wrist", description: "a.csv", set: batchOf([w(0), w(10)]) }], { dense: true });
 * assert.equal(pack.count, 2);
 * const cont = pack.tensors.find((t) => t.name === "continues")!;
 * assert.deepEqual([...cont.data], [1, 0]);
 * ```
 */
export function packWindows(
  groups: readonly PackGroup[],
  options: { dense?: boolean } = {},
): WindowPack {
  const count = groups.reduce((n, g) => n + g.set.count, 0);
  if (count === 0) throw new Error("pack: no windows to pack");
  const datasets: string[] = [], placements: string[] = [], subjects: string[] = [];
  const index = (list: string[], v: string) => {
    const i = list.indexOf(v);
    return i >= 0 ? i : list.push(v) - 1;
  };
  const subjectIndex = new Map<string, number>();
  const ds = new Int32Array(count), pl = new Int32Array(count), sj = new Int32Array(count);
  const continues = new Uint8Array(count);
  const f32 = options.dense ? null : new Float32Array(count * WINDOW_VALUES);
  const planes = options.dense ? new Uint8Array(2 * count * WINDOW_VALUES) : null;
  const hop = WINDOW_SAMPLES / SAMPLE_RATE_HZ; // seconds: windows that far apart are contiguous
  let k = 0;
  for (const g of groups) {
    const d = index(datasets, g.dataset), p = index(placements, g.placement);
    const { set } = g;
    for (let i = 0; i < set.count; i++, k++) {
      ds[k] = d, pl[k] = p;
      const s = set.subjects[i];
      if (s === null) sj[k] = -1;
      else {
        const key = `${g.dataset}/${s}`;
        if (!subjectIndex.has(key)) subjectIndex.set(key, subjects.push(key) - 1);
        sj[k] = subjectIndex.get(key)!;
      }
      const values = set.data.subarray(i * WINDOW_VALUES, (i + 1) * WINDOW_VALUES);
      if (f32) {
        for (let j = 0; j < WINDOW_VALUES; j++) {
          f32[k * WINDOW_VALUES + j] = Math.max(-CLIP_G, Math.min(CLIP_G, values[j]));
        }
      } else deltaBytes(values, planes!, k * WINDOW_VALUES, count * WINDOW_VALUES);
      continues[k] = i + 1 < set.count && set.sources[i + 1] === set.sources[i] &&
          Math.abs(set.starts[i + 1] - set.starts[i] - hop) < 1e-6
        ? 1
        : 0;
    }
  }
  const shape = [count, WINDOW_SAMPLES, CHANNELS];
  const tensors: RawTensor[] = [
    f32
      ? { name: "windows", dtype: "F16", shape, data: f32ToF16Bits(f32) }
      : { name: "windows", dtype: "U8", shape: [2, ...shape], data: planes! },
    { name: "dataset", dtype: "I32", shape: [count], data: ds },
    { name: "placement", dtype: "I32", shape: [count], data: pl },
    { name: "subject", dtype: "I32", shape: [count], data: sj },
  ];
  if (options.dense) {
    tensors.push({ name: "continues", dtype: "U8", shape: [count], data: continues });
  }
  const metadata: Record<string, string> = {
    format: PACK_FORMAT,
    encoding: options.dense ? DENSE_ENCODING : "f16-g",
    sampleRate: String(SAMPLE_RATE_HZ),
    windowLength: String(WINDOW_SAMPLES),
    channels: String(CHANNELS),
    datasets: JSON.stringify(datasets),
    placements: JSON.stringify(placements),
    subjects: JSON.stringify(subjects),
    sources: groups.map((g) => `${g.dataset}:${g.placement}: ${g.description}`).join("\n"),
  };
  return { tensors, metadata, count };
}

/** The `encoding` of a dense pack (see the module doc). */
export const DENSE_ENCODING = "milli-g-delta-zigzag-bytes";

/**
 * One window's values `[300, 3]` in g as milli-g (rounded, clipped at ±3 g), delta-coded along
 * time per axis, zigzag-mapped, written as low bytes at `planes[at..]` and high bytes at
 * `planes[plane + at..]`.
 */
function deltaBytes(values: Float32Array, planes: Uint8Array, at: number, plane: number): void {
  const prev = [0, 0, 0];
  for (let t = 0; t < WINDOW_SAMPLES; t++) {
    for (let c = 0; c < CHANNELS; c++) {
      const j = t * CHANNELS + c;
      const q = Math.round(Math.max(-CLIP_G, Math.min(CLIP_G, values[j])) * 1000);
      const d = q - prev[c];
      prev[c] = q;
      const z = d >= 0 ? 2 * d : -2 * d - 1;
      planes[at + j] = z & 0xff;
      planes[plane + at + j] = z >>> 8;
    }
  }
}

/**
 * Encodes a pack as safetensors bytes.
 *
 * @param pack From {@link packWindows}.
 * @returns The file's bytes.
 */
export function encodePack(pack: WindowPack): Uint8Array {
  return encodeRawSafetensors(pack.tensors, pack.metadata);
}
