/**
 * The FlowFM model: an encoder `E(x) -> z` and a velocity network `v(x_t, t, z)`, trained jointly
 * by conditional flow matching. This class holds both networks' weights and offers the user-level
 * operations: {@link FlowFM.encode}, {@link FlowFM.sample}, {@link FlowFM.interpolate}.
 *
 * @module
 */
import { createAuxHeads } from "./aux_heads.ts";
import * as tf from "@tensorflow/tfjs-core";
import type { Tensor1D, Tensor2D, Tensor3D } from "../tensors.ts";
import { embeddingDim, type FlowFMConfig } from "./config.ts";
import { validateConfig } from "./validate_config.ts";
import { createEncoder, encoderForward, encoderStageFeatures, type NormMode } from "./encoder.ts";
import { createGenerator, velocityForward } from "./generator.ts";
import { Params } from "./params.ts";
import { Rng } from "../random.ts";
import {
  type ConditionalGenerator,
  generate,
  type SampleOptions,
  type Windows,
} from "../flow/sampler.ts";
import { checkAlphas, readWindows, type WindowsInput, type WindowSpec } from "./windows.ts";

/** Embeddings of a batch of windows. */
export interface Embeddings {
  /** Row-major values, length `count * dim`. */
  data: Float32Array;
  /** Number of windows. */
  count: number;
  /** Width of each embedding (`z`). */
  dim: number;
}

/** Options for {@link FlowFM.encode}. */
export interface EncodeOptions {
  /**
   * Windows per forward pass; large inputs are split into batches of this size.
   * @default {64}
   */
  batchSize?: number;
  /**
   * What each row holds: `"z"`, the embedding; `"stages"`, every encoder stage's output averaged
   * over time and its SD over time, then `z` (the features a probe on `stages` reads).
   * @default {"z"}
   */
  features?: "z" | "stages";
}

/** Options for {@link FlowFM.interpolate}. */
export interface InterpolateOptions extends Omit<SampleOptions, "z" | "windows"> {
  /**
   * Mixing weights: window `i` is generated from `(1 - a_i) z_A + a_i z_B`.
   * @default {[0, 0.25, 0.5, 0.75, 1]}
   */
  alphas?: number[];
}

/** Parameter counts of a model. */
export interface ParameterCounts {
  /** Trainable encoder weights. */
  encoder: number;
  /** Trainable generator weights. */
  generator: number;
  /** Both. */
  total: number;
}

/** A FlowFM model (encoder + generator). Call {@link FlowFM.dispose} when done. */
export class FlowFM {
  /** The full configuration; it is what the weights file stores. */
  readonly config: FlowFMConfig;
  /** Named weights of both networks. */
  readonly params: Params;
  #disposed = false;

  /**
   * Builds a model with freshly initialised weights (seeded by `config.seed`).
   *
   * @param config A configuration, e.g. from `presetConfig("small")`.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { FlowFM, initBackend, presetConfig } from "../../mod.ts";
   * await initBackend("cpu");
   * const model = new FlowFM(presetConfig("tiny", { seed: 1 }));
   * assert(model.embeddingDim === 32);
   * model.dispose();
   * ```
   */
  constructor(config: FlowFMConfig) {
    this.config = validateConfig(structuredClone(config));
    this.params = new Params(new Rng(this.config.seed));
    createEncoder(this.params, this.config.encoder, this.config.channels);
    createGenerator(this.params, this.config.generator, this.config.channels, this.embeddingDim);
    if (this.config.encoder.auxTasks) createAuxHeads(this.params, this.embeddingDim);
  }

  /** Width of the representation `z`. */
  get embeddingDim(): number {
    return embeddingDim(this.config);
  }

  /**
   * Counts trainable parameters.
   * @returns Encoder, generator and total counts.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { FlowFM, initBackend, presetConfig } from "../../mod.ts";
   * await initBackend("cpu");
   * const model = new FlowFM(presetConfig("tiny"));
   * assert(model.parameterCounts().total > 0);
   * model.dispose();
   * ```
   */
  parameterCounts(): ParameterCounts {
    const encoder = this.params.count("encoder."), generator = this.params.count("generator.");
    return { encoder, generator, total: encoder + generator };
  }

  /**
   * Tensor-level encoder (for training and advanced use). Inputs must already be clipped.
   * @param x Windows, shape `[batch, 300, 3]`.
   * @param mode `"train"` (batch statistics) or `"eval"` (running statistics).
   * @returns `z`, shape `[batch, embeddingDim]`.
   */
  embed(x: Tensor3D, mode: NormMode = "eval"): Tensor2D {
    this.#live("embed");
    this.#checkShape("embed", x);
    return encoderForward(this.params, this.config.encoder, x, mode);
  }

  /**
   * Tensor-level velocity field.
   * @param xt Points on the path, shape `[batch, 300, 3]`.
   * @param t Times, shape `[batch]`.
   * @param z Representations, shape `[batch, embeddingDim]`.
   * @returns Velocities, shape `[batch, 300, 3]`.
   */
  velocity(xt: Tensor3D, t: Tensor1D, z: Tensor2D): Tensor3D {
    this.#live("velocity");
    this.#checkShape("velocity", xt);
    if (z.rank !== 2 || z.shape[1] !== this.embeddingDim) {
      throw new Error(
        `velocity: expected z of shape [batch, ${this.embeddingDim}], got [${z.shape}]`,
      );
    }
    return velocityForward(this.params, this.config.generator, xt, t, z);
  }

  /**
   * Encodes windows into embeddings. Values are checked (finite) and clipped to `±clip` g.
   *
   * @param windows `[n, 300, 3]` windows in g at 30 Hz: a flat Float32Array, Float64Array or
   *   number[], nested arrays or a tensor.
   * @param options Batch size, and which features (`z` or every stage's).
   * @returns The embeddings, `n x embeddingDim` (`n x dim` with `features: "stages"`).
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { FlowFM, initBackend, presetConfig } from "../../mod.ts";
   * await initBackend("cpu");
   * const model = new FlowFM(presetConfig("tiny"));
   * const { count, dim } = await model.encode(new Float32Array(2 * 300 * 3));
   * assert(count === 2 && dim === 32);
   * assert((await model.encode(new Float32Array(900), { features: "stages" })).dim > dim);
   * model.dispose();
   * ```
   */
  async encode(windows: WindowsInput, options: EncodeOptions = {}): Promise<Embeddings> {
    this.#live("encode");
    const { batchSize = 64, features = "z" } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new Error(`encode: batchSize must be an integer >= 1, got ${batchSize}`);
    }
    if (features !== "z" && features !== "stages") {
      throw new Error(`encode: features must be "z" or "stages", got ${JSON.stringify(features)}`);
    }
    const { data, count } = await readWindows(windows, this.windowSpec("encode"));
    const { windowLength: len, channels: ch, encoder } = this.config;
    const stages = features === "z" ? 0 : 2 * encoder.stages.reduce((n, s) => n + s.channels, 0);
    const dim = stages + this.embeddingDim;
    const out = new Float32Array(count * dim), per = len * ch;
    for (let i = 0; i < count; i += batchSize) {
      const n = Math.min(batchSize, count - i);
      const z = tf.tidy(() => {
        const x = tf.tensor3d(data.subarray(i * per, (i + n) * per), [n, len, ch]);
        if (features === "z") return this.embed(x, "eval");
        return encoderStageFeatures(this.params, encoder, x);
      });
      out.set(await z.data().finally(() => z.dispose()), i * dim);
    }
    return { data: out, count, dim };
  }

  /**
   * Generates windows by integrating the learned velocity from noise, conditioned on `z`
   * (given directly, or encoded from reference windows for reconstruction).
   *
   * @param options Conditioning, solver, steps and seed; see {@link SampleOptions}.
   * @returns Generated windows `[n, 300, 3]` in g.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { FlowFM, initBackend, presetConfig } from "../../mod.ts";
   * await initBackend("cpu");
   * const model = new FlowFM(presetConfig("tiny"));
   * const out = await model.sample({ windows: new Float32Array(300 * 3), steps: 2, method: "heun" });
   * assert(out.count === 1 && out.data.length === 900);
   * model.dispose();
   * ```
   */
  async sample(options: SampleOptions): Promise<Windows> {
    this.#live("sample");
    return await generate(this.#generator(), options);
  }

  /**
   * Generates windows along the line between the representations of two windows.
   *
   * @param a First window `[300, 3]` (or `[1, 300, 3]`).
   * @param b Second window.
   * @param options Mixing weights, solver, steps and seed.
   * @returns One generated window per weight.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { FlowFM, initBackend, presetConfig } from "../../mod.ts";
   * await initBackend("cpu");
   * const model = new FlowFM(presetConfig("tiny"));
   * const w = new Float32Array(900);
   * const out = await model.interpolate(w, w, { alphas: [0, 1], steps: 1 });
   * assert(out.count === 2);
   * model.dispose();
   * ```
   */
  async interpolate(
    a: WindowsInput,
    b: WindowsInput,
    options: InterpolateOptions,
  ): Promise<Windows> {
    this.#live("interpolate");
    const alphas = checkAlphas(options.alphas ?? [0, 0.25, 0.5, 0.75, 1], "interpolate");
    const za = await this.encode(a), zb = await this.encode(b);
    if (za.count !== 1 || zb.count !== 1) {
      throw new Error(`interpolate: expected one window each, got ${za.count} and ${zb.count}`);
    }
    const z = new Float32Array(alphas.length * za.dim);
    alphas.forEach((al, i) => {
      for (let j = 0; j < za.dim; j++) z[i * za.dim + j] = (1 - al) * za.data[j] + al * zb.data[j];
    });
    return generate(this.#generator(), { ...options, z, sameNoise: options.sameNoise ?? true });
  }

  /**
   * The geometry and clipping that inputs are checked against.
   * @param caller Name for error messages.
   * @returns The spec.
   */
  windowSpec(caller: string): WindowSpec & { sampleRate: number } {
    const { windowLength: length, channels, clip, sampleRate } = this.config;
    return { length, channels, clip, caller, sampleRate };
  }

  /** Frees all weights. The model cannot be used afterwards; a second call does nothing. */
  dispose(): void {
    if (!this.#disposed) this.params.dispose();
    this.#disposed = true;
  }

  #live(caller: string): void {
    if (this.#disposed) {
      throw new Error(`${caller}: this model was disposed; load or build a new one`);
    }
  }

  /** This model as the sampler sees it: objective, geometry, velocity network and encoder. */
  #generator(): ConditionalGenerator {
    const { objective, windowLength, channels, clip } = this.config;
    return {
      objective,
      windowLength,
      channels,
      clip,
      embeddingDim: this.embeddingDim,
      velocity: (xt, t, z) => this.velocity(xt, t, z),
      encode: (windows, options) => this.encode(windows, options),
    };
  }

  #checkShape(caller: string, x: tf.Tensor): void {
    const c = this.config;
    if (x.rank !== 3 || x.shape[1] !== c.windowLength || x.shape[2] !== c.channels) {
      throw new Error(
        `${caller}: expected shape [batch, ${c.windowLength}, ${c.channels}], got [${x.shape}]`,
      );
    }
  }
}
