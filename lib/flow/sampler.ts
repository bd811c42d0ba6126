/**
 * Sampling: integrate `dx/dt = v(x, t, z)` from noise at `t = 0` to a window at `t = 1` (flow
 * matching), or run DDIM / ancestral sampling with the network as noise predictor (DDPM).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Tensor1D, Tensor2D, Tensor3D } from "../tensors.ts";
import type { Objective } from "../model/config.ts";
import { Rng } from "../random.ts";
import { checkSampleMethod, objectiveSpec, type SampleMethod } from "./objective.ts";
import type { WindowsInput } from "../model/windows.ts";

export type { SampleMethod };

/** Generated windows. */
export interface Windows {
  /** Values laid out `[count, windowLength, channels]` (`[count, 300, 3]` for FlowFM), in g. */
  data: Float32Array;
  /** Number of windows. */
  count: number;
}

/**
 * What {@link generate} needs of a model, as flow_matching's `ODESolver(velocity_model)` takes
 * only the velocity model: the objective, the window geometry and the conditional network.
 * `FlowFM.sample` passes one; any object with these members can be sampled.
 */
export interface ConditionalGenerator {
  /** Objective the network was trained with; it decides how to sample (see `OBJECTIVES`). */
  readonly objective: Objective;
  /** Samples per window. */
  readonly windowLength: number;
  /** Channels per sample. */
  readonly channels: number;
  /** Data range in g: DDPM sampling clips its clean-data predictions to `±clip`. */
  readonly clip: number;
  /** Width of the representation `z`. */
  readonly embeddingDim: number;
  /**
   * The network `v(x_t, t, z)`, shapes `[n, windowLength, channels]`, `[n]`, `[n, embeddingDim]`
   * (for DDPM the noise prediction, with `t = step / T`).
   */
  velocity(xt: Tensor3D, t: Tensor1D, z: Tensor2D): Tensor3D;
  /** Encodes reference windows into `z`; needed only for {@link SampleOptions.windows}. */
  encode?(windows: WindowsInput, options: { batchSize: number }): Promise<{ data: Float32Array }>;
}

/** Options for `FlowFM.sample`. Give exactly one of `z` and `windows`. */
export interface SampleOptions {
  /**
   * Representations to condition on, `n x embeddingDim` (flat, or one array per window).
   * @default {undefined}
   */
  z?: Float32Array | ArrayLike<ArrayLike<number>>;
  /**
   * Reference windows: they are encoded and their `z` conditions the generation (reconstruction).
   * @default {undefined}
   */
  windows?: WindowsInput;
  /**
   * Flow-matching models: an ODE solver (`euler`, `midpoint`, `heun`, `rk4`). DDPM models:
   * `ddim` (deterministic, `steps` steps) or `ancestral` (always all 1000 steps). When omitted:
   * `midpoint` for flow matching, `ddim` for DDPM.
   * @default {undefined}
   */
  method?: SampleMethod;
  /**
   * Number of solver steps (network evaluations = steps x 1, 2 or 4 for the ODE solvers).
   * When omitted: 10 for flow matching, 50 for DDIM.
   * @default {undefined}
   */
  steps?: number;
  /**
   * Seed of the starting noise; equal seeds give equal windows.
   * @default {0}
   */
  seed?: number;
  /**
   * Windows generated per batch.
   * @default {64}
   */
  batchSize?: number;
  /**
   * Start every window from the same noise (useful for interpolation).
   * @default {false}
   */
  sameNoise?: boolean;
  /**
   * Called after each finished batch with (windows done, windows total).
   * @default {undefined}
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
 * Generates windows with a conditional generator; see {@link SampleOptions}. `FlowFM.sample`
 * calls this with the model's networks and geometry.
 *
 * @param model The objective, geometry and network (see {@link ConditionalGenerator}).
 * @param options Conditioning, solver and seed.
 * @returns The generated windows.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../runtime/backend.ts";
 * import { type ConditionalGenerator, generate } from "./sampler.ts";
 * await initBackend("cpu");
 * // A constant velocity of 1: one Euler step moves the noise by exactly 1.
 * const model: ConditionalGenerator = {
 *   objective: "fm", windowLength: 4, channels: 3, clip: 3, embeddingDim: 2,
 *   velocity: (xt) => tf.onesLike(xt),
 * };
 * const a = await generate(model, { z: new Float32Array(2), steps: 1, method: "euler" });
 * const b = await generate(model, { z: new Float32Array(2), steps: 1, method: "rk4" });
 * assert.equal(a.count, 1);
 * assert.ok(a.data.every((v, i) => Math.abs(v - b.data[i]) < 1e-6));
 * ```
 */
export async function generate(
  model: ConditionalGenerator,
  options: SampleOptions,
): Promise<Windows> {
  const spec = objectiveSpec(model.objective);
  const { seed = 0, batchSize = 64 } = options;
  const method = checkSampleMethod(spec, options.method ?? spec.defaultMethod, "sample");
  const steps = options.steps ?? spec.defaultSteps;
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
  if (options.windows !== undefined && !model.encode) {
    throw new Error("sample: `windows` needs a generator with an encoder; give `z` instead");
  }
  const dim = model.embeddingDim;
  const z = options.z !== undefined
    ? flattenZ(options.z, dim)
    : (await model.encode!(options.windows!, { batchSize })).data;
  for (let i = 0; i < z.length; i++) {
    if (!Number.isFinite(z[i])) {
      throw new Error(`sample: z[${Math.floor(i / dim)}][${i % dim}] is ${z[i]}`);
    }
  }
  const count = z.length / dim;
  const len = model.windowLength, ch = model.channels, per = len * ch;
  const rng = new Rng(seed);
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
      return spec.sample(f, x0, { method, steps, clip: model.clip, rng: stepRng });
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
