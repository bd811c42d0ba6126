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
 * - `dataset`, `placement`, `subject`: `I32` `[n]`, indices into the JSON lists `datasets`,
 *   `placements` and `subjects` in `__metadata__` (-1: unknown; subjects are named
 *   `dataset/subject`);
 * - `continues` (dense packs only): `U8` `[n]`, 1 where window `i + 1` follows window `i` without
 *   a gap in the same recording, so windows can be cut at any offset across the two;
 * - `__metadata__`: `format: "flowfm-windows"`, `encoding`, `sampleRate`, `windowLength`,
 *   `channels`, the three lists and `sources` (what was read).
 *
 * @module
 */
import { CHANNELS, SAMPLE_RATE_HZ, WINDOW_SAMPLES, WINDOW_VALUES } from "./types.ts";
import type { WindowBatch, WindowMeta } from "./window_set.ts";
import { encodeRawSafetensors, type RawTensor } from "../weights/safetensors_encode.ts";
import { f32ToF16Bits } from "../weights/half_float.ts";

/** Packed values are clipped at ±3 g, as the model clips its input. */
const CLIP_G = 3;

/** The `format` of a window pack's `__metadata__`. */
export const PACK_FORMAT = "flowfm-windows";

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
 * Packs windows with their data set, subject and placement (see the module doc for the layout).
 *
 * @param set The windows, `[count, 300, 3]` in g (labels are not stored).
 * @param meta Each window's data set, subject and placement indices and the name tables.
 * @param sources What was read, for the metadata.
 * @param options `dense`: milli-g deltas as zigzag byte planes with `continues` flags (for
 *   non-overlapping windows, which the twin cuts at any offset), instead of `F16` windows.
 * @returns The pack's tensors and metadata.
 * @throws Error when there are no windows, or `meta` does not fit them.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { packWindows } from "./window_pack.ts";
 * import { packWindows as batchOf } from "./window_set.ts";
 * const w = (start: number) => ({ data: new Float32Array(900).fill(1), start, label: null, subject: "s1", source: "a.csv" });
 * const meta = {
 *   datasetIndex: new Int32Array(2), subjectIndex: new Int32Array(2), placementIndex: new Int32Array(2),
 *   datasetNames: ["csv"], subjectNames: ["csv/s1"], placementNames: ["wrist"],
 * };
 * const pack = packWindows(batchOf([w(0), w(10)]), meta, "a.csv", { dense: true });
 * assert.equal(pack.count, 2);
 * const cont = pack.tensors.find((t) => t.name === "continues")!;
 * assert.deepEqual([...cont.data], [1, 0]);
 * ```
 */
export function packWindows(
  set: WindowBatch,
  meta: WindowMeta,
  sources: string,
  options: { dense?: boolean } = {},
): WindowPack {
  const count = set.count;
  if (count === 0) throw new Error("pack: no windows to pack");
  for (const k of ["datasetIndex", "subjectIndex", "placementIndex"] as const) {
    if (meta[k].length !== count) {
      throw new Error(`pack: ${k} has ${meta[k].length} entries for ${count} windows`);
    }
  }
  const continues = new Uint8Array(count);
  const f32 = options.dense ? null : new Float32Array(count * WINDOW_VALUES);
  const planes = options.dense ? new Uint8Array(2 * count * WINDOW_VALUES) : null;
  const hop = WINDOW_SAMPLES / SAMPLE_RATE_HZ; // seconds: windows that far apart are contiguous
  for (let k = 0; k < count; k++) {
    const values = set.data.subarray(k * WINDOW_VALUES, (k + 1) * WINDOW_VALUES);
    if (f32) {
      for (let j = 0; j < WINDOW_VALUES; j++) {
        f32[k * WINDOW_VALUES + j] = Math.max(-CLIP_G, Math.min(CLIP_G, values[j]));
      }
    } else deltaBytes(values, planes!, k * WINDOW_VALUES, count * WINDOW_VALUES);
    continues[k] = k + 1 < count && set.sources[k + 1] === set.sources[k] &&
        meta.datasetIndex[k + 1] === meta.datasetIndex[k] &&
        Math.abs(set.starts[k + 1] - set.starts[k] - hop) < 1e-6
      ? 1
      : 0;
  }
  const shape = [count, WINDOW_SAMPLES, CHANNELS];
  const tensors: RawTensor[] = [
    f32
      ? { name: "windows", dtype: "F16", shape, data: f32ToF16Bits(f32) }
      : { name: "windows", dtype: "U8", shape: [2, ...shape], data: planes! },
    { name: "dataset", dtype: "I32", shape: [count], data: meta.datasetIndex },
    { name: "placement", dtype: "I32", shape: [count], data: meta.placementIndex },
    { name: "subject", dtype: "I32", shape: [count], data: meta.subjectIndex },
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
    datasets: JSON.stringify(meta.datasetNames),
    placements: JSON.stringify(meta.placementNames),
    subjects: JSON.stringify(meta.subjectNames),
    sources,
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
