/**
 * Mean one-sided power spectra of accelerometer windows: per window and axis, a Hann-windowed
 * periodogram of the mean-removed signal (a direct real DFT with precomputed twiddles),
 * averaged over windows.
 *
 * @module
 */
import { CHANNELS, SAMPLE_RATE_HZ, WINDOW_SAMPLES } from "../data/types.ts";
import { type NumericArray, rowCount } from "./rows.ts";

/** Layout of a window set. Defaults fit FlowFM windows `[n, 300, 3]` at 30 Hz. */
export interface WindowLayout {
  /** Samples per window (default 300). */
  length?: number;
  /** Axes per sample, interleaved (default 3: x y z). */
  channels?: number;
  /** Sample rate in Hz, for the frequency axis and the density scaling (default 30). */
  sampleRate?: number;
}

/** Mean power spectral density of a window set, per axis. */
export interface MeanPowerSpectrum {
  /**
   * Frequencies of the bins in Hz: `k * sampleRate / length` for `k = 1 .. floor(length / 2)`
   * (the DC bin is left out: the signal is mean-removed).
   */
  frequencies: Float64Array;
  /** Per axis, the mean power spectral density at those frequencies, in units^2 / Hz. */
  perAxis: Float64Array[];
  /** Number of windows averaged. */
  count: number;
}

interface DftTables {
  cos: Float64Array;
  sin: Float64Array;
  hann: Float64Array;
  bins: number;
}

const tableCache = new Map<number, DftTables>();

function dftTables(length: number): DftTables {
  let t = tableCache.get(length);
  if (t) return t;
  const bins = Math.floor(length / 2);
  const cos = new Float64Array(bins * length);
  const sin = new Float64Array(bins * length);
  for (let k = 1; k <= bins; k++) {
    for (let j = 0; j < length; j++) {
      // (k * j) mod length keeps the angle small and the table exact at the same phase.
      const angle = (2 * Math.PI * ((k * j) % length)) / length;
      cos[(k - 1) * length + j] = Math.cos(angle);
      sin[(k - 1) * length + j] = Math.sin(angle);
    }
  }
  // Periodic Hann window (as scipy.signal.periodogram(window="hann")).
  const hann = new Float64Array(length);
  for (let j = 0; j < length; j++) hann[j] = 0.5 - 0.5 * Math.cos((2 * Math.PI * j) / length);
  t = { cos, sin, hann, bins };
  tableCache.set(length, t);
  return t;
}

/**
 * Mean one-sided power spectral density per axis. For each window and axis the signal `x` is
 * mean-removed, multiplied by a periodic Hann window `w`, and transformed with a direct real DFT;
 * the density at bin `k` is `2 |X_k|^2 / (sampleRate * sum w^2)` (not doubled at the Nyquist bin
 * of an even length), as `scipy.signal.periodogram(x, fs, window="hann", detrend="constant")`.
 * Densities are then averaged over windows (linear power, before any log).
 *
 * @param windows `[n, length, channels]` values, flat, `n >= 1`.
 * @param layout Window length, channel count and sample rate.
 * @returns Frequencies (bins 1 .. length / 2) and the mean density per axis.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { meanPowerSpectrum } from "./power_spectrum.ts";
 * const w = new Float64Array(300 * 3);
 * for (let i = 0; i < 300; i++) w[i * 3] = Math.sin((2 * Math.PI * 3 * i) / 30); // 3 Hz on x
 * const { frequencies, perAxis } = meanPowerSpectrum(w);
 * const peak = perAxis[0].indexOf(Math.max(...perAxis[0]));
 * assert(frequencies[peak] === 3);
 * ```
 */
export function meanPowerSpectrum(
  windows: NumericArray,
  layout: WindowLayout = {},
): MeanPowerSpectrum {
  const { length, channels, sampleRate } = resolveLayout("meanPowerSpectrum", layout);
  const n = rowCount("meanPowerSpectrum", "windows", windows, length * channels, 1);
  const { cos, sin, hann, bins } = dftTables(length);
  let wsum2 = 0;
  for (let j = 0; j < length; j++) wsum2 += hann[j] * hann[j];
  const perAxis: Float64Array[] = [];
  for (let c = 0; c < channels; c++) perAxis.push(new Float64Array(bins));
  const x = new Float64Array(length);
  const stride = length * channels;
  for (let w = 0; w < n; w++) {
    for (let c = 0; c < channels; c++) {
      const base = w * stride + c;
      let mean = 0;
      for (let j = 0; j < length; j++) mean += windows[base + j * channels];
      mean /= length;
      for (let j = 0; j < length; j++) x[j] = (windows[base + j * channels] - mean) * hann[j];
      const acc = perAxis[c];
      for (let k = 0; k < bins; k++) {
        const o = k * length;
        let re = 0;
        let im = 0;
        for (let j = 0; j < length; j++) {
          re += x[j] * cos[o + j];
          im += x[j] * sin[o + j];
        }
        acc[k] += re * re + im * im;
      }
    }
  }
  const frequencies = new Float64Array(bins);
  for (let k = 1; k <= bins; k++) {
    frequencies[k - 1] = (k * sampleRate) / length;
    const nyquist = length % 2 === 0 && k === bins;
    const scale = (nyquist ? 1 : 2) / (sampleRate * wsum2 * n);
    for (let c = 0; c < channels; c++) perAxis[c][k - 1] *= scale;
  }
  return { frequencies, perAxis, count: n };
}

/** Resolves and checks a window layout. */
function resolveLayout(
  fn: string,
  layout: WindowLayout,
): Required<WindowLayout> {
  const length = layout.length ?? WINDOW_SAMPLES;
  const channels = layout.channels ?? CHANNELS;
  const sampleRate = layout.sampleRate ?? SAMPLE_RATE_HZ;
  if (!Number.isInteger(length) || length < 2) {
    throw new RangeError(`${fn}: length must be an integer >= 2, got ${length}`);
  }
  if (!Number.isInteger(channels) || channels < 1) {
    throw new RangeError(`${fn}: channels must be a positive integer, got ${channels}`);
  }
  if (!(sampleRate > 0) || !Number.isFinite(sampleRate)) {
    throw new RangeError(`${fn}: sampleRate must be a positive number, got ${sampleRate}`);
  }
  return { length, channels, sampleRate };
}
