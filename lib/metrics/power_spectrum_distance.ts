/**
 * Distance between the mean log power spectra of real and generated window sets, per axis.
 *
 * @module
 */
import { meanPowerSpectrum, type WindowLayout } from "./power_spectrum.ts";
import type { NumericArray } from "./rows.ts";

/** Options of {@link powerSpectrumDistance}. */
export interface PowerSpectrumDistanceOptions extends WindowLayout {
  /**
   * Added to both densities before the log10, in units^2 / Hz (default 1e-12, far below any
   * accelerometer noise floor; it only keeps an exactly zero bin finite). 0 is allowed when no
   * bin is zero.
   */
  eps?: number;
}

/** Result of {@link powerSpectrumDistance}. */
export interface PowerSpectrumDistance {
  /** Distance per axis (x, y, z for FlowFM windows), in decades (log10 units). */
  perAxis: number[];
  /** Mean of `perAxis`. */
  mean: number;
  /** Frequencies of the compared bins in Hz (bins 1 .. length / 2; DC left out). */
  frequencies: Float64Array;
}

/**
 * Log-spectral distance between two window sets: per axis, the mean over frequency bins of
 * `|log10(P_real + eps) - log10(P_gen + eps)|`, where `P` is the mean (over windows) one-sided
 * Hann periodogram density of the mean-removed signal (see `meanPowerSpectrum`), over the bins
 * `1 .. floor(length / 2)` (0.1 Hz to 15 Hz for FlowFM windows; DC excluded). It is an L1
 * distance on log10 power, in decades: 0 for identical sets, and `|2 log10 a|` when every
 * generated window is the real one scaled by `a` (with `eps = 0`). The sets may differ in size.
 *
 * @param real Real windows `[nReal, length, channels]`, flat.
 * @param generated Generated windows `[nGen, length, channels]`, flat.
 * @param options Layout (default 300 samples, 3 channels, 30 Hz) and `eps`.
 * @returns The distance per axis and its mean.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { powerSpectrumDistance } from "./power_spectrum_distance.ts";
 * const real = new Float64Array(900);
 * for (let i = 0; i < 900; i++) real[i] = Math.sin(i * 0.37) + Math.cos(i * 1.3);
 * const loud = real.map((v) => 10 * v); // 10x amplitude: 100x power, 2 decades
 * const { mean } = powerSpectrumDistance(real, loud, { eps: 0 });
 * assert(Math.abs(mean - 2) < 1e-9);
 * ```
 */
export function powerSpectrumDistance(
  real: NumericArray,
  generated: NumericArray,
  options: PowerSpectrumDistanceOptions = {},
): PowerSpectrumDistance {
  const eps = options.eps ?? 1e-12;
  if (!(eps >= 0) || !Number.isFinite(eps)) {
    throw new RangeError(`powerSpectrumDistance: eps must be a finite number >= 0, got ${eps}`);
  }
  let pr, pg;
  try {
    pr = meanPowerSpectrum(real, options);
  } catch (e) {
    throw rename(e, "real");
  }
  try {
    pg = meanPowerSpectrum(generated, options);
  } catch (e) {
    throw rename(e, "generated");
  }
  const perAxis: number[] = [];
  for (let c = 0; c < pr.perAxis.length; c++) {
    const a = pr.perAxis[c];
    const b = pg.perAxis[c];
    let sum = 0;
    for (let k = 0; k < a.length; k++) {
      const d = Math.abs(Math.log10(a[k] + eps) - Math.log10(b[k] + eps));
      if (!Number.isFinite(d)) {
        if (a[k] + eps === b[k] + eps) continue; // both exactly zero with eps = 0: no difference
        throw new RangeError(
          `powerSpectrumDistance: axis ${c} bin ${k + 1} (${pr.frequencies[k]} Hz) has power ${
            a[k]
          } (real) vs ${b[k]} (generated); use eps > 0`,
        );
      }
      sum += d;
    }
    perAxis.push(sum / a.length);
  }
  const mean = perAxis.reduce((s, v) => s + v, 0) / perAxis.length;
  return { perAxis, mean, frequencies: pr.frequencies };
}

function rename(e: unknown, name: string): unknown {
  if (e instanceof Error) {
    e.message = e.message.replace(
      /^meanPowerSpectrum: windows/,
      `powerSpectrumDistance: ${name}`,
    ).replace(/^meanPowerSpectrum:/, "powerSpectrumDistance:");
  }
  return e;
}
