/**
 * FlowFM evaluation metrics (browser-safe, plain TypeScript in float64) for comparing real and
 * generated accelerometer windows `[n, 300, 3]` or their embeddings:
 *
 * - {@link frechetDistance}: Fréchet distance between Gaussians fitted to two embedding sets
 *   (FID-style), with the helpers {@link meanAndCovariance}, {@link symmetricEigen},
 *   {@link sqrtPsd} and {@link singularValues}.
 * - {@link powerSpectrumDistance}: per-axis mean absolute difference of log10 mean power
 *   spectra (Hann periodograms), in decades; {@link meanPowerSpectrum} gives the spectra.
 * - {@link mmdRbf}: squared MMD with an RBF kernel on flattened windows, unbiased and biased
 *   estimates, median-heuristic bandwidth by default.
 * - {@link reconstructionError}: MSE, RMSE and per-axis RMSE between paired windows.
 *
 * Nothing here uses `Deno.*` or TensorFlow.js.
 *
 * @example Real versus generated windows
 * ```ts
 * import assert from "node:assert/strict";
 * import { mmdRbf, powerSpectrumDistance, reconstructionError } from "./mod.ts";
 * const real = new Float32Array(2 * 900).map((_, i) => Math.sin(i / 7));
 * const gen = real.map((v) => 2 * v);
 * assert(Math.abs(powerSpectrumDistance(real, gen, { eps: 0 }).mean - 2 * Math.log10(2)) < 1e-9);
 * assert(mmdRbf(real, real).biased === 0);
 * assert(reconstructionError(real, real).rmse === 0);
 * ```
 *
 * @module
 */

export * from "./rows.ts";
export * from "./mean_covariance.ts";
export * from "./symmetric_eigen.ts";
export * from "./singular_values.ts";
export * from "./frechet_distance.ts";
export * from "./power_spectrum.ts";
export * from "./power_spectrum_distance.ts";
export * from "./mmd_rbf.ts";
export * from "./reconstruction_error.ts";
