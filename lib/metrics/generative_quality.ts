/**
 * Generative quality of a model on real windows: reconstruct them from their own `z` and compare
 * the generated windows with the real ones by Fréchet distance on a fixed reference encoder's
 * embeddings, per-axis power-spectrum distance, RBF-kernel MMD and reconstruction error.
 *
 * @module
 */
import { frechetDistance } from "./frechet_distance.ts";
import { mmdRbf } from "./mmd_rbf.ts";
import { powerSpectrumDistance } from "./power_spectrum_distance.ts";
import { reconstructionError } from "./reconstruction_error.ts";
import type { FlowFM } from "../model/flowfm.ts";
import type { SampleOptions } from "../flow/sampler.ts";
import { objectiveSpec } from "../flow/objective.ts";

/** Quality of generated windows against the real windows they were conditioned on. */
export interface QualityReport {
  /** Fréchet distance between reference-encoder embeddings of real and generated windows. */
  frechet: number;
  /** Mean over axes of the log-power-spectrum distance (decades). */
  spectrum: number;
  /** Squared MMD (unbiased) with an RBF kernel (median bandwidth) on raw windows. */
  mmd: number;
  /** RMSE between each real window and its reconstruction from its own `z`, in g. */
  reconstructionRmse: number;
  /** Network evaluations per generated window. */
  nfe: number;
  /** Wall time of the generation, in seconds. */
  seconds: number;
}

/**
 * Network evaluations per window of a sampling setting.
 *
 * @param model The model (its objective decides the defaults).
 * @param options Method and steps.
 * @returns NFE.
 * @throws Error when the method does not apply to the model's objective.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FlowFM, initBackend, presetConfig } from "../../mod.ts";
 * import { samplingNfe } from "./generative_quality.ts";
 * await initBackend("cpu");
 * const m = new FlowFM(presetConfig("tiny"));
 * assert(samplingNfe(m, { method: "rk4", steps: 5 }) === 20);
 * m.dispose();
 * ```
 */
export function samplingNfe(
  model: FlowFM,
  options: Pick<SampleOptions, "method" | "steps">,
): number {
  const spec = objectiveSpec(model.config.objective);
  return spec.evaluations(options.method ?? spec.defaultMethod, options.steps ?? spec.defaultSteps);
}

/**
 * Reconstructs `real` with `model` and scores the result.
 *
 * @param model The generative model.
 * @param reference The fixed reference encoder for the Fréchet distance.
 * @param real Real windows `[n, 300, 3]` (n >= 2; a few hundred for a stable Fréchet distance).
 * @param options Sampling settings (method, steps, seed).
 * @returns The scores.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FlowFM, initBackend, presetConfig } from "../../mod.ts";
 * import { generativeQuality } from "./generative_quality.ts";
 * await initBackend("cpu");
 * const m = new FlowFM(presetConfig("tiny"));
 * const real = new Float32Array(4 * 900).map((_, i) => Math.sin(i / 9));
 * const q = await generativeQuality(m, m, real, { steps: 1, method: "euler" });
 * assert(q.nfe === 1 && Number.isFinite(q.frechet));
 * m.dispose();
 * ```
 */
export async function generativeQuality(
  model: FlowFM,
  reference: FlowFM,
  real: Float32Array,
  options: Omit<SampleOptions, "z" | "windows">,
): Promise<QualityReport> {
  const t0 = performance.now();
  const gen = await model.sample({ ...options, windows: real });
  const seconds = (performance.now() - t0) / 1000;
  const [er, eg] = [await reference.encode(real), await reference.encode(gen.data)];
  return {
    frechet: frechetDistance(er.data, eg.data, er.dim),
    spectrum: powerSpectrumDistance(real, gen.data).mean,
    mmd: mmdRbf(real, gen.data, { maxSamples: 256 }).unbiased,
    reconstructionRmse: reconstructionError(real, gen.data).rmse,
    nfe: samplingNfe(model, options),
    seconds,
  };
}

/** How much the generator relies on `z`: reconstruction error with the right and shuffled `z`. */
export interface ConditioningReport {
  /** RMSE (g) of reconstructions conditioned on each window's own `z`. */
  rightZ: number;
  /** RMSE (g) when the `z` are shuffled between windows (same starting noise). */
  shuffledZ: number;
  /** `shuffledZ / rightZ`: near 1 means the generator ignores `z`. */
  ratio: number;
}

/**
 * Probes whether the generator uses the representation: windows are reconstructed from the same
 * noise once with their own `z` and once with `z` shuffled between windows.
 *
 * @param model The model.
 * @param real Real windows `[n, 300, 3]`, n >= 2.
 * @param options Sampling settings (method, steps, seed).
 * @returns The two errors and their ratio.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FlowFM, initBackend, presetConfig } from "../../mod.ts";
 * import { conditioningGap } from "./generative_quality.ts";
 * await initBackend("cpu");
 * const m = new FlowFM(presetConfig("tiny"));
 * const real = new Float32Array(3 * 900).map((_, i) => Math.sin(i / (5 + (i % 7))));
 * const r = await conditioningGap(m, real, { steps: 1, method: "euler" });
 * assert(r.rightZ > 0 && Number.isFinite(r.ratio));
 * m.dispose();
 * ```
 */
export async function conditioningGap(
  model: FlowFM,
  real: Float32Array,
  options: Omit<SampleOptions, "z" | "windows">,
): Promise<ConditioningReport> {
  const { data: z, count, dim } = await model.encode(real);
  if (count < 2) throw new Error(`conditioningGap: need at least 2 windows, got ${count}`);
  const shuffled = new Float32Array(z.length);
  // A cyclic shift: every window gets another window's z.
  for (let i = 0; i < count; i++) {
    shuffled.set(z.subarray(((i + 1) % count) * dim, ((i + 1) % count + 1) * dim), i * dim);
  }
  const right = await model.sample({ ...options, z });
  const wrong = await model.sample({ ...options, z: shuffled });
  const rightZ = reconstructionError(real, right.data).rmse;
  const shuffledZ = reconstructionError(real, wrong.data).rmse;
  return { rightZ, shuffledZ, ratio: shuffledZ / rightZ };
}
