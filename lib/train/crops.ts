/**
 * Random crops for pretraining: instead of the fixed window grid (10 s windows every 5 s), each
 * drawn window is shifted by a random offset into the recording, so every epoch sees new windows.
 *
 * Crops come from the window set itself, no recordings are kept: two windows of one source whose
 * starts differ by `d` samples with `0 < d <= windowLength` cover `d + windowLength` contiguous
 * samples, so a crop starting `k` samples (`0 <= k < d`) after the first window is the first
 * window's samples `k..` followed by the second window's samples `windowLength - d ..`. A window
 * with no such partner (the last of its recording) is used as it is.
 *
 * @module
 */
import { Rng } from "../random.ts";

/** Each window's partner: the next window of its source within one window length, or -1. */
export interface CropPartners {
  /** Index of the partner window, or -1. */
  next: Int32Array;
  /** Samples between the two windows' starts (0 where there is no partner). */
  shift: Int32Array;
}

/**
 * Finds each window's crop partner ({@link CropPartners}).
 *
 * @param starts Start of each window, in seconds from the start of its source.
 * @param sources Recording (file) of each window.
 * @param sampleRate Samples per second.
 * @param windowLength Samples per window.
 * @returns The partners.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cropPartners } from "./crops.ts";
 * const p = cropPartners([0, 5, 10, 0], ["a", "a", "a", "b"], 30, 300);
 * assert.deepEqual([...p.next], [1, 2, -1, -1]);
 * assert.deepEqual([...p.shift], [150, 150, 0, 0]);
 * ```
 */
export function cropPartners(
  starts: ArrayLike<number>,
  sources: readonly (string | null)[],
  sampleRate: number,
  windowLength: number,
): CropPartners {
  const n = starts.length;
  if (sources.length !== n) {
    throw new RangeError(`cropPartners: ${n} starts but ${sources.length} sources`);
  }
  const next = new Int32Array(n).fill(-1), shift = new Int32Array(n);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) =>
    (sources[a] ?? "") < (sources[b] ?? "")
      ? -1
      : (sources[a] ?? "") > (sources[b] ?? "")
      ? 1
      : starts[a] - starts[b]
  );
  for (let j = 0; j + 1 < n; j++) {
    const a = order[j], b = order[j + 1];
    if (sources[a] === null || sources[a] !== sources[b]) continue;
    const exact = (starts[b] - starts[a]) * sampleRate, d = Math.round(exact);
    if (d > 0 && d <= windowLength && Math.abs(exact - d) < 1e-3) {
      next[a] = b;
      shift[a] = d;
    }
  }
  return { next, shift };
}

/**
 * Copies the windows `indices` into `out`, each cropped at a random offset toward its partner
 * (offsets from a generator seeded by `seed` and `step`, so a resumed run draws the same crops).
 *
 * @param data All windows, `[count, windowLength, channels]` flat.
 * @param indices Windows of the batch.
 * @param partners From {@link cropPartners}.
 * @param perWindow Values per window (`windowLength * channels`).
 * @param channels Values per sample.
 * @param step The step (0-based) the batch is for.
 * @param seed The run's seed.
 * @param out Destination, `indices.length * perWindow` values.
 * @returns `out`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cropPartners, gatherCrops } from "./crops.ts";
 * // One source, 1 channel, windows of 4 samples every 2 samples: values are the sample times.
 * const data = Float32Array.from([0, 1, 2, 3, 2, 3, 4, 5]);
 * const p = cropPartners([0, 2], ["a", "a"], 1, 4);
 * const out = gatherCrops(data, Int32Array.from([0]), p, 4, 1, 0, 1, new Float32Array(4));
 * assert.ok([0, 1].includes(out[0]) && out.every((v, t) => v === out[0] + t));
 * ```
 */
export function gatherCrops(
  data: Float32Array,
  indices: Int32Array,
  partners: CropPartners,
  perWindow: number,
  channels: number,
  step: number,
  seed: number,
  out: Float32Array,
): Float32Array {
  const rng = new Rng(seed * 104729 + step * 31 + 7);
  const len = perWindow / channels;
  indices.forEach((i, b) => {
    const j = partners.next[i], d = partners.shift[i];
    const k = j < 0 ? 0 : rng.int(d); // offset in samples, [0, d)
    const dst = b * perWindow, head = (len - k) * channels;
    out.set(data.subarray(i * perWindow + k * channels, (i + 1) * perWindow), dst);
    if (k > 0) {
      const from = j * perWindow + (len - d) * channels;
      out.set(data.subarray(from, from + k * channels), dst + head);
    }
  });
  return out;
}
