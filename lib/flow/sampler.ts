/**
 * Sampling: integrate `dx/dt = v(x, t, z)` from noise at `t = 0` to a window at `t = 1` (flow
 * matching), or run DDIM / ancestral sampling with the network as noise predictor (DDPM).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { FlowFM } from "../model/flowfm.ts";
import { Rng } from "../random.ts";
import { solveOde, type SolverMethod, SOLVERS } from "./solver.ts";
import { ancestralSample, ddimSample, DDPM_STEPS, linearSchedule } from "./diffusion.ts";
import type { WindowsInput } from "../model/windows.ts";

/** Generated windows. */
export interface Windows {
  /** Values laid out `[count, 300, 3]`, in g. */
  data: Float32Array;
  /** Number of windows. */
  count: number;
}

/** How to sample: an ODE solver for flow matching, `ddim` or `ancestral` for DDPM. */
export type SampleMethod = SolverMethod | "ddim" | "ancestral";

/** Options for `FlowFM.sample`. Give exactly one of `z` and `windows`. */
export interface SampleOptions {
  /**
   * Representations to condition on, `n x embeddingDim` (flat, or one array per window).
   * @default undefined
   */
  z?: Float32Array | ArrayLike<ArrayLike<number>>;
  /**
   * Reference windows: they are encoded and their `z` conditions the generation (reconstruction).
   * @default undefined
   */
  windows?: WindowsInput;
  /**
   * Flow-matching models: an ODE solver (`euler`, `midpoint`, `heun`, `rk4`). DDPM models:
   * `ddim` (deterministic, `steps` steps) or `ancestral` (always all 1000 steps).
   * @default "midpoint" for flow matching, "ddim" for DDPM
   */
  method?: SampleMethod;
  /**
   * Number of solver steps (network evaluations = steps x 1, 2 or 4 for the ODE solvers).
   * @default 10 for flow matching, 50 for DDIM
   */
  steps?: number;
  /**
   * Seed of the starting noise; equal seeds give equal windows.
   * @default 0
   */
  seed?: number;
  /**
   * Windows generated per batch.
   * @default 64
   */
  batchSize?: number;
  /**
   * Start every window from the same noise (useful for interpolation).
   * @default false
   */
  sameNoise?: boolean;
  /**
   * Called after each finished batch with (windows done, windows total).
   * @default undefined
   */
  onProgress?: (done: number, total: number) => void;
}

function flattenZ(z: Float32Array | ArrayLike<ArrayLike<number>>, dim: number): Float32Array {
  if (z instanceof Float32Array) {
    if (z.length === 0 || z.length % dim !== 0) {
      throw new Error(`sample: z has ${z.length} values, not a multiple of embeddingDim ${dim}`);
    }
    return z;
  }
  const out = new Float32Array(z.length * dim);
  for (let i = 0; i < z.length; i++) {
    if (z[i].length !== dim) {
      throw new Error(`sample: z[${i}] has ${z[i].length} values, expected embeddingDim ${dim}`);
    }
    for (let j = 0; j < dim; j++) out[i * dim + j] = z[i][j];
  }
  return out;
}

/**
 * Generates windows with a model; see {@link SampleOptions}. `FlowFM.sample` calls this.
 *
 * @param model The model.
 * @param options Conditioning, solver and seed.
 * @returns The generated windows.
 * @example
 * ```ts
 * import { FlowFM, initBackend, presetConfig } from "../../mod.ts";
 * import { generate } from "./sampler.ts";
 * await initBackend("cpu");
 * const model = new FlowFM(presetConfig("tiny"));
 * const out = await generate(model, { z: new Float32Array(32), steps: 1 });
 * console.assert(out.count === 1);
 * model.dispose();
 * ```
 */
export async function generate(model: FlowFM, options: SampleOptions): Promise<Windows> {
  const ddpm = model.config.objective === "ddpm";
  const { method = ddpm ? "ddim" : "midpoint", steps = ddpm ? 50 : 10, seed = 0, batchSize = 64 } =
    options;
  const allowed: readonly string[] = ddpm ? ["ddim", "ancestral"] : SOLVERS;
  if (!allowed.includes(method)) {
    throw new Error(
      `sample: method "${method}" does not apply to a ${model.config.objective} model; use one of ${
        allowed.join(", ")
      }`,
    );
  }
  if (!Number.isInteger(steps) || steps < 1) {
    throw new Error(`sample: steps must be an integer >= 1, got ${steps}`);
  }
  if ((options.z === undefined) === (options.windows === undefined)) {
    throw new Error(
      "sample: give exactly one of `z` (representations) or `windows` (to reconstruct)",
    );
  }
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new Error(`sample: batchSize must be an integer >= 1, got ${batchSize}`);
  }
  const dim = model.embeddingDim;
  const z = options.z !== undefined
    ? flattenZ(options.z, dim)
    : (await model.encode(options.windows!, { batchSize })).data;
  for (let i = 0; i < z.length; i++) {
    if (!Number.isFinite(z[i])) {
      throw new Error(`sample: z[${Math.floor(i / dim)}][${i % dim}] is ${z[i]}`);
    }
  }
  const count = z.length / dim;
  const len = model.config.windowLength, ch = model.config.channels, per = len * ch;
  const rng = new Rng(seed);
  const schedule = linearSchedule();
  const stepRng = new Rng(seed + 1); // ancestral sampling's per-step noise
  // All noise is drawn up front, so the result does not depend on batchSize.
  const noise = options.sameNoise ? rng.normals(per) : rng.normals(count * per);
  const out = new Float32Array(count * per);
  for (let i = 0; i < count; i += batchSize) {
    const n = Math.min(batchSize, count - i);
    const x1 = tf.tidy(() => {
      const zb = tf.tensor2d(z.subarray(i * dim, (i + n) * dim), [n, dim]);
      const x0 = options.sameNoise
        ? tf.tile(tf.tensor3d(noise, [1, len, ch]), [n, 1, 1])
        : tf.tensor3d(noise.subarray(i * per, (i + n) * per), [n, len, ch]);
      const f = (x: tf.Tensor, t: number) =>
        model.velocity(x as tf.Tensor3D, tf.fill([n], t) as tf.Tensor1D, zb);
      if (!ddpm) return solveOde(f, x0, { method: method as SolverMethod, steps });
      const eps = (x: tf.Tensor, step: number) => f(x, step / DDPM_STEPS);
      return method === "ddim"
        ? ddimSample(eps, x0, steps, schedule, model.config.clip)
        : ancestralSample(eps, x0, schedule, stepRng, model.config.clip);
    });
    try {
      out.set(await x1.data(), i * per);
    } finally {
      x1.dispose();
    }
    options.onProgress?.(i + n, count);
  }
  return { data: out, count };
}
