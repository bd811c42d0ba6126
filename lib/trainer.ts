/**
 * One optimisation step of joint FlowFM training: draw noise, times and (optionally) augmented
 * views from a seeded generator, compute the flow-matching loss, clip the global gradient norm,
 * stop on a NaN or Inf loss, and apply Adam.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { applyMatrices, augmentMatrices, type AugmentOptions } from "./augment.ts";
import { DDPM_STEPS, linearSchedule, type NoiseSchedule } from "./diffusion.ts";
import { diffusionLoss, flowMatchingLoss } from "./loss.ts";
import type { FlowFM } from "./model.ts";
import { Adam } from "./optimizer.ts";
import { drawTimes, type TimeSampling } from "./path.ts";
import { Rng } from "./random.ts";

/** Training hyper-parameters. */
export interface TrainerOptions {
  /**
   * Adam learning rate.
   * @default 5e-4
   */
  lr?: number;
  /**
   * Clip the global gradient norm to this value; `0` disables clipping.
   * @default 1
   */
  clipNorm?: number;
  /**
   * How flow times are drawn (flow matching only; DDPM draws steps uniformly in [0, T)).
   * @default "uniform"
   */
  timeSampling?: TimeSampling;
  /**
   * Augmented encoder views (small rotation + scaling); `null` feeds the encoder `x_1` itself.
   * @default null
   */
  augment?: AugmentOptions | null;
  /**
   * Seed of noise, times and augmentations (the model's weights use `config.seed`).
   * @default the model's config.seed
   */
  seed?: number;
}

/** What one step did. */
export interface StepResult {
  /** Steps completed, including this one. */
  step: number;
  /** Loss before the update. */
  loss: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
}

/** Raised when the loss or the gradients stop being finite. Weights are left as before the step. */
export class TrainingDivergedError extends Error {
  /** The step that diverged (1-based). */
  readonly step: number;
  /**
   * Creates the error.
   *
   * @param step Step number.
   * @param what What was not finite.
   */
  constructor(step: number, what: string) {
    super(
      `training diverged at step ${step}: ${what}; lower the learning rate (--lr) or keep gradient clipping on`,
    );
    this.name = "TrainingDivergedError";
    this.step = step;
  }
}

/** Trains a {@link FlowFM} model in place. Call {@link Trainer.dispose} when done. */
export class Trainer {
  /** The model being trained. */
  readonly model: FlowFM;
  /** The optimizer (its state goes into checkpoints). */
  readonly optimizer: Adam;
  /** Noise, time and augmentation draws. */
  rng: Rng;
  readonly #schedule: NoiseSchedule | null;
  readonly #options: Required<Omit<TrainerOptions, "seed" | "augment">> & {
    augment: AugmentOptions | null;
  };

  /**
   * Creates a trainer (and its Adam optimizer) for a model.
   *
   * @param model The model to train.
   * @param options Hyper-parameters.
   * @example
   * ```ts
   * import { FlowFM, initBackend, presetConfig, Trainer } from "../mod.ts";
   * await initBackend("cpu");
   * const model = new FlowFM(presetConfig("tiny"));
   * const trainer = new Trainer(model, { lr: 1e-3 });
   * const r = await trainer.step(new Float32Array(4 * 300 * 3));
   * console.assert(r.step === 1 && Number.isFinite(r.loss));
   * trainer.dispose(); model.dispose();
   * ```
   */
  constructor(model: FlowFM, options: TrainerOptions = {}) {
    if (!tf.getGradient("Mean")) {
      throw new Error(
        "Trainer: tfjs gradients are not registered; call `await initBackend()` first",
      );
    }
    this.model = model;
    this.#options = {
      lr: options.lr ?? 5e-4,
      clipNorm: options.clipNorm ?? 1,
      timeSampling: options.timeSampling ?? "uniform",
      augment: options.augment ?? null,
    };
    this.optimizer = new Adam(model.params, { lr: this.#options.lr });
    this.rng = new Rng(options.seed ?? model.config.seed);
    this.#schedule = model.config.objective === "ddpm" ? linearSchedule() : null;
  }

  /** Steps completed so far. */
  get steps(): number {
    return this.optimizer.iterations;
  }

  /**
   * Runs one training step on a batch of windows (already clipped, in g).
   *
   * @param batch Windows `[batch, 300, 3]`, flat or as a tensor (not disposed).
   * @returns Step number, loss and gradient norm.
   * @throws TrainingDivergedError when the loss or gradient norm is NaN or infinite.
   */
  async step(batch: Float32Array | tf.Tensor3D): Promise<StepResult> {
    const { windowLength: len, channels: ch } = this.model.config;
    const per = len * ch;
    const n = batch instanceof Float32Array ? batch.length / per : batch.shape[0];
    if (!Number.isInteger(n) || n < 2) {
      throw new Error(`train step: need at least 2 windows of [${len}, ${ch}] per batch, got ${n}`);
    }
    const noiseData = this.rng.normals(n * per);
    const schedule = this.#schedule;
    const tData = schedule
      ? Float32Array.from({ length: n }, () => this.rng.int(DDPM_STEPS))
      : drawTimes(this.rng, n, this.#options.timeSampling);
    const aug = this.#options.augment ? augmentMatrices(this.rng, n, this.#options.augment) : null;
    const vars = [...this.model.params.trainable].map((k) => this.model.params.get(k));
    const names = new Map(vars.map((v, i) => [v.name, [...this.model.params.trainable][i]]));
    const { value, grads } = tf.tidy(() => {
      const x1 = batch instanceof Float32Array ? tf.tensor3d(batch, [n, len, ch]) : batch;
      const noise = tf.tensor3d(noiseData, [n, len, ch]);
      const view = aug ? applyMatrices(x1, aug) : undefined;
      const loss = schedule
        ? () => diffusionLoss(this.model, { data: x1, eps: noise, steps: tData, view }, schedule)
        : () => flowMatchingLoss(this.model, { x1, x0: noise, t: tf.tensor1d(tData), view });
      return tf.variableGrads(loss, vars);
    });
    const step = this.steps + 1;
    try {
      const loss = (await value.data())[0];
      if (!Number.isFinite(loss)) throw new TrainingDivergedError(step, `loss is ${loss}`);
      const sq = tf.tidy(() => tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))));
      const gradNorm = Math.sqrt((await sq.data())[0]);
      sq.dispose();
      if (!Number.isFinite(gradNorm)) {
        throw new TrainingDivergedError(step, `gradient norm is ${gradNorm}`);
      }
      const clip = this.#options.clipNorm;
      const scale = clip > 0 && gradNorm > clip ? clip / gradNorm : 1;
      const named = new Map<string, tf.Tensor>();
      for (const [tfName, g] of Object.entries(grads)) {
        named.set(names.get(tfName)!, scale === 1 ? g : tf.mul(g, scale));
      }
      this.optimizer.apply(named);
      if (scale !== 1) { for (const g of named.values()) g.dispose(); }
      return { step, loss, gradNorm };
    } finally {
      value.dispose();
      tf.dispose(Object.values(grads));
    }
  }

  /** Frees the optimizer state (not the model). */
  dispose(): void {
    this.optimizer.dispose();
  }
}
