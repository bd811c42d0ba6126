/**
 * One optimisation step of joint FlowFM training: draw noise, times and (optionally) augmented
 * views from a seeded generator, compute the objective's loss (flow matching or the DDPM baseline,
 * see `lib/flow/objective.ts`), clip the global gradient norm, stop on a NaN or Inf loss, and apply
 * Adam.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Tensor, Tensor3D } from "../tensors.ts";
import type { AugmentOptions } from "./augment.ts";
import { batchGradients, drawStep, type StepDraws } from "./gradients.ts";
import { clipScale, gradientNorm } from "./clip.ts";
import { type ObjectiveSpec, objectiveSpec } from "../flow/objective.ts";
import type { FlowFM } from "../model/flowfm.ts";
import { Adam } from "./optimizer.ts";
import { TRAIN_DEFAULTS } from "./defaults.ts";
import type { TimeSampling } from "../flow/path.ts";
import { Rng } from "../random.ts";

/** Training hyper-parameters. */
export interface TrainerOptions {
  /**
   * Adam learning rate.
   * @default {5e-4}
   */
  lr?: number;
  /**
   * Clip the global gradient norm to this value; `0` disables clipping.
   * @default {1}
   */
  clipNorm?: number;
  /**
   * How flow times are drawn (flow matching only; DDPM draws steps uniformly in [0, T)).
   * @default {"uniform"}
   */
  timeSampling?: TimeSampling;
  /**
   * Augmented encoder views (small rotation + scaling); `null` feeds the encoder `x_1` itself.
   * @default {null}
   */
  augment?: AugmentOptions | null;
  /**
   * Split each batch into micro-batches of this many windows and accumulate their gradients
   * (same update, less memory; batch-norm statistics are then per micro-batch); `0` = no split.
   * tfjs-backend-wasm has a 2 GB heap: the `base` preset needs micro-batches of 16 there.
   * @default {0}
   */
  microBatch?: number;
  /**
   * Seed of noise, times and augmentations (the model's weights use `config.seed`); when
   * omitted, the model's `config.seed`.
   * @default {undefined}
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

/**
 * Raised when the loss or the gradients stop being finite. Trainable weights and the optimizer are
 * left as before the step (batch-norm running statistics were already updated by its forward pass).
 */
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
  readonly #objective: ObjectiveSpec;
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
   * import assert from "node:assert/strict";
   * import { FlowFM, initBackend, presetConfig } from "../../mod.ts";
   * import { Trainer } from "../advanced.ts";
   * await initBackend("cpu");
   * const model = new FlowFM(presetConfig("tiny"));
   * const trainer = new Trainer(model, { lr: 1e-3 });
   * const r = await trainer.step(new Float32Array(4 * 300 * 3));
   * assert(r.step === 1 && Number.isFinite(r.loss));
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
      lr: options.lr ?? TRAIN_DEFAULTS.lr,
      clipNorm: options.clipNorm ?? TRAIN_DEFAULTS.clipNorm,
      timeSampling: options.timeSampling ?? "uniform",
      augment: options.augment ?? null,
      microBatch: options.microBatch ?? TRAIN_DEFAULTS.microBatch,
    };
    this.optimizer = new Adam(model.params, { lr: this.#options.lr });
    this.rng = new Rng(options.seed ?? model.config.seed);
    this.#objective = objectiveSpec(model.config.objective);
  }

  /** Steps completed so far. */
  get steps(): number {
    return this.optimizer.iterations;
  }

  /**
   * Runs one training step on a batch of windows (already clipped, in g).
   *
   * @param batch Windows `[batch, 300, 3]`, flat or as a tensor (not disposed).
   * @param source The windows the encoder sees instead, same shape (a time-shifted view).
   * @returns Step number, loss and gradient norm.
   * @throws TrainingDivergedError when the loss or gradient norm is NaN or infinite.
   */
  async step(batch: Float32Array | Tensor3D, source?: Float32Array): Promise<StepResult> {
    const { windowLength: len, channels: ch } = this.model.config;
    const per = len * ch;
    const n = batch instanceof Float32Array ? batch.length / per : batch.shape[0];
    if (!Number.isInteger(n) || n < 2) {
      throw new Error(`train step: need at least 2 windows of [${len}, ${ch}] per batch, got ${n}`);
    }
    const data = batch instanceof Float32Array ? batch : await batch.data() as Float32Array;
    const draws = this.draw(n, data, source);
    const { value, grads } = batchGradients(this.model, this.#objective, data, draws, {
      microBatch: this.#options.microBatch,
    });
    try {
      return await this.applyGradients((await value.data())[0], grads);
    } finally {
      value.dispose();
      tf.dispose([...grads.values()]);
    }
  }

  /**
   * Checks, clips and applies gradients of the whole batch: the second half of {@link step},
   * used alone by data-parallel training, where workers compute the gradients.
   *
   * @param loss The batch's loss.
   * @param grads Gradients by parameter name (not disposed).
   * @param norm Their global norm when the caller has it (data-parallel training computes it from
   *   the flat sum); computed here when not given.
   * @returns Step number, loss and gradient norm.
   * @throws TrainingDivergedError when the loss or gradient norm is NaN or infinite; then
   *   nothing is updated.
   */
  async applyGradients(
    loss: number,
    grads: Map<string, Tensor>,
    norm?: number,
  ): Promise<StepResult> {
    const step = this.steps + 1;
    if (!Number.isFinite(loss)) throw new TrainingDivergedError(step, `loss is ${loss}`);
    const gradNorm = norm ?? await gradientNorm(grads);
    if (!Number.isFinite(gradNorm)) {
      throw new TrainingDivergedError(step, `gradient norm is ${gradNorm}`);
    }
    // clipping is a factor on the gradient, applied inside the Adam update
    this.optimizer.apply(grads, clipScale(gradNorm, this.#options.clipNorm));
    return { step, loss, gradNorm };
  }

  /**
   * Draws the next step's noise, times and views for `n` windows (advancing {@link rng}).
   *
   * @param n Windows in the batch.
   * @param batch The batch's windows (needed only for rotations about gravity and for jitter).
   * @param source The windows the encoder sees instead of `batch` (a time-shifted view); the
   *   gravity direction and the jitter are then taken from and added to them.
   * @returns The draws, with `source` set.
   */
  draw(n: number, batch?: Float32Array, source?: Float32Array): StepDraws {
    const { windowLength: len, channels: ch } = this.model.config;
    const draws = drawStep(
      this.rng,
      n,
      len * ch,
      this.#objective,
      this.#options.timeSampling,
      this.#options.augment,
      source ?? batch,
      this.model.config.encoder.auxTasks ? [len, ch] : undefined,
    );
    return { ...draws, source: draws.source ?? source ?? null };
  }

  /** The objective being trained. */
  get objective(): ObjectiveSpec {
    return this.#objective;
  }

  /** Frees the optimizer state (not the model). */
  dispose(): void {
    this.optimizer.dispose();
  }
}
