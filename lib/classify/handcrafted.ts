/**
 * Handcrafted features of a window, the protocol's non-learned baseline: for each axis and the
 * magnitude, summary statistics (mean, SD, min, max, 10/25/50/75/90th percentiles) and spectral
 * features from a small DFT of the mean-removed signal (dominant frequency, its share of the
 * power, log energy in 7 bands between 0.1 and 15 Hz); plus the correlations between axes.
 *
 * @module
 */
import { CHANNELS, SAMPLE_RATE_HZ, WINDOW_SAMPLES, WINDOW_VALUES } from "../data/types.ts";

const LENGTH = WINDOW_SAMPLES;
const RATE = SAMPLE_RATE_HZ;
const STATS = ["mean", "sd", "min", "max", "p10", "p25", "p50", "p75", "p90"];
const PERCENTILES = [0.1, 0.25, 0.5, 0.75, 0.9];
/** Band edges in Hz; each band is [lo, hi), the last one includes 15 Hz. */
const BANDS: [number, number][] = [[0.1, 0.5], [0.5, 1], [1, 2], [2, 3], [3, 5], [5, 8], [
  8,
  15.01,
]];
const SIGNALS = ["x", "y", "z", "mag"];

/** Names of the features, in the order {@link handcraftedFeatures} writes them. */
export const HANDCRAFTED_FEATURE_NAMES: readonly string[] = [
  ...SIGNALS.flatMap((s) => STATS.map((f) => `${s}.${f}`)),
  "corr.xy",
  "corr.xz",
  "corr.yz",
  ...SIGNALS.flatMap((s) => [
    `${s}.domFreq`,
    `${s}.domShare`,
    ...BANDS.map(([lo, hi]) => `${s}.band${lo}-${Math.min(hi, 15)}Hz`),
  ]),
];

let tables: { cos: Float64Array; sin: Float64Array; bins: number } | null = null;

function dftTables(): { cos: Float64Array; sin: Float64Array; bins: number } {
  if (tables) return tables;
  const bins = LENGTH / 2; // k = 1..150: 0.1 Hz .. 15 Hz
  const cos = new Float64Array(bins * LENGTH), sin = new Float64Array(bins * LENGTH);
  for (let k = 1; k <= bins; k++) {
    for (let t = 0; t < LENGTH; t++) {
      const a = (2 * Math.PI * k * t) / LENGTH;
      cos[(k - 1) * LENGTH + t] = Math.cos(a);
      sin[(k - 1) * LENGTH + t] = Math.sin(a);
    }
  }
  tables = { cos, sin, bins };
  return tables;
}

function percentile(sorted: Float64Array, q: number): number {
  const pos = q * (sorted.length - 1), lo = Math.floor(pos), hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Writes the spectral features of a mean-removed signal into `out` at `o`; returns the new offset. */
function spectral(sig: Float64Array, out: Float32Array, o: number, power: Float64Array): number {
  const { cos, sin, bins } = dftTables();
  let total = 0, best = 0, bestK = 1;
  for (let k = 0; k < bins; k++) {
    let re = 0, im = 0;
    const row = k * LENGTH;
    for (let t = 0; t < LENGTH; t++) {
      re += sig[t] * cos[row + t];
      im -= sig[t] * sin[row + t];
    }
    const p = (re * re + im * im) / (LENGTH * LENGTH);
    power[k] = p;
    total += p;
    if (p > best) [best, bestK] = [p, k + 1];
  }
  out[o++] = (bestK * RATE) / LENGTH;
  out[o++] = total > 0 ? best / total : 0;
  for (const [lo, hi] of BANDS) {
    let e = 0;
    for (let k = 0; k < bins; k++) {
      const f = ((k + 1) * RATE) / LENGTH;
      if (f >= lo && f < hi) e += power[k];
    }
    out[o++] = Math.log(e + 1e-8);
  }
  return o;
}

/**
 * Computes handcrafted features for windows of 300 samples x 3 axes at 30 Hz.
 *
 * @param windows Row-major `[n, 300, 3]` values in g.
 * @returns Features `[n, dim]` (row-major) with their names.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HANDCRAFTED_FEATURE_NAMES, handcraftedFeatures } from "./handcrafted.ts";
 * const w = new Float32Array(900);
 * for (let t = 0; t < 300; t++) w[t * 3] = Math.sin(2 * Math.PI * 2 * t / 30); // 2 Hz on x
 * const f = handcraftedFeatures(w);
 * assert(f.dim === HANDCRAFTED_FEATURE_NAMES.length);
 * assert(f.data[HANDCRAFTED_FEATURE_NAMES.indexOf("x.domFreq")] === 2);
 * ```
 */
export function handcraftedFeatures(
  windows: Float32Array,
): { data: Float32Array; count: number; dim: number; names: readonly string[] } {
  const per = WINDOW_VALUES;
  if (windows.length % per !== 0) {
    throw new Error(`handcraftedFeatures: length ${windows.length} is not a multiple of ${per}`);
  }
  const n = windows.length / per, dim = HANDCRAFTED_FEATURE_NAMES.length;
  const out = new Float32Array(n * dim);
  const sig = Array.from({ length: 4 }, () => new Float64Array(LENGTH));
  const centred = new Float64Array(LENGTH), power = new Float64Array(LENGTH / 2);
  const means = new Float64Array(4), sds = new Float64Array(4);
  for (let i = 0; i < n; i++) {
    const w = windows.subarray(i * per, (i + 1) * per);
    for (let t = 0; t < LENGTH; t++) {
      const x = w[CHANNELS * t], y = w[CHANNELS * t + 1], z = w[CHANNELS * t + 2];
      sig[0][t] = x;
      sig[1][t] = y;
      sig[2][t] = z;
      sig[3][t] = Math.sqrt(x * x + y * y + z * z);
    }
    let o = i * dim;
    for (let s = 0; s < 4; s++) {
      const v = sig[s];
      let mean = 0;
      for (let t = 0; t < LENGTH; t++) mean += v[t];
      mean /= LENGTH;
      let ss = 0;
      for (let t = 0; t < LENGTH; t++) ss += (v[t] - mean) ** 2;
      const sd = Math.sqrt(ss / LENGTH);
      [means[s], sds[s]] = [mean, sd];
      const sorted = Float64Array.from(v).sort();
      out[o++] = mean;
      out[o++] = sd;
      out[o++] = sorted[0];
      out[o++] = sorted[LENGTH - 1];
      for (const q of PERCENTILES) out[o++] = percentile(sorted, q);
    }
    for (const [a, b] of [[0, 1], [0, 2], [1, 2]]) {
      let c = 0;
      for (let t = 0; t < LENGTH; t++) c += (sig[a][t] - means[a]) * (sig[b][t] - means[b]);
      const den = LENGTH * sds[a] * sds[b];
      out[o++] = den > 1e-12 ? c / den : 0;
    }
    for (let s = 0; s < 4; s++) {
      for (let t = 0; t < LENGTH; t++) centred[t] = sig[s][t] - means[s];
      o = spectral(centred, out, o, power);
    }
  }
  return { data: out, count: n, dim, names: HANDCRAFTED_FEATURE_NAMES };
}
