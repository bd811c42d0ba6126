/**
 * One optimisation step of joint FlowFM training: draw noise, times and (optionally) augmented
 * views from a seeded generator, compute the objective's loss (flow matching or the DDPM baseline,
 * see `lib/flow/objective.ts`), clip the global gradient norm, stop on a NaN or Inf loss, and apply
 * Adam.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { applyMatrices, augmentMatrices, type AugmentOptions } from "./augment.ts";
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

/** Turns tfjs-backend-wasm's out-of-memory crash into an error that says what to do. */
function explainWasmOom(e: unknown, n: number, micro: number): unknown {
  if (
    e instanceof Error &&
    /memory access out of bounds|Out of memory|Cannot enlarge memory/i.test(e.message)
  ) {
    return new Error(
      `train step: the backend ran out of memory on ${micro} windows at once (batch ${n}); ` +
        `use micro-batches (microBatch / --micro-batch ${
          Math.max(1, Math.floor(micro / 2))
        }) or a smaller batch`,
    );
  }
  return e;
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
   * import { FlowFM, initBackend, presetConfig, Trainer } from "../../mod.ts";
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
    const objective = this.#objective;
    const tData = objective.drawTimes(this.rng, n, this.#options.timeSampling);
    const aug = this.#options.augment ? augmentMatrices(this.rng, n, this.#options.augment) : null;
    const trainable = [...this.model.params.trainable];
    const vars = trainable.map((k) => this.model.params.get(k));
    const names = new Map(vars.map((v, i) => [v.name, trainable[i]]));
    const micro = Math.min(n, this.#options.microBatch || n);
    const chunkGrads = (start: number, m: number) =>
      tf.tidy(() => {
        const all = batch instanceof Float32Array ? tf.tensor3d(batch, [n, len, ch]) : batch;
        const x1 = m === n ? all : tf.slice(all, [start, 0, 0], [m, len, ch]);
        const noise = tf.tensor3d(noiseData.subarray(start * per, (start + m) * per), [m, len, ch]);
        const tc = tData.subarray(start, start + m);
        const view = aug ? applyMatrices(x1, aug.subarray(start * 9, (start + m) * 9)) : undefined;
        const loss = () => objective.loss(this.model, { data: x1, noise, times: tc, view });
        const r = tf.variableGrads(loss, vars);
        // Weight each micro-batch by its share of the batch, so the sum is the batch mean.
        return m === n ? r : {
          value: tf.mul(r.value, m / n) as tf.Scalar,
          grads: Object.fromEntries(Object.entries(r.grads).map(([k, g]) => [k, tf.mul(g, m / n)])),
        };
      });
    let value: tf.Scalar | undefined, grads: Record<string, tf.Tensor> = {};
    try {
      ({ value, grads } = chunkGrads(0, micro));
      for (let start = micro; start < n; start += micro) {
        const next = chunkGrads(start, Math.min(micro, n - start));
        const summed = tf.tidy(() => ({
          value: tf.add(value!, next.value) as tf.Scalar,
          grads: Object.fromEntries(
            Object.entries(grads).map(([k, g]) => [k, tf.add(g, next.grads[k])]),
          ),
        }));
        tf.dispose([value!, next.value, ...Object.values(grads), ...Object.values(next.grads)]);
        ({ value, grads } = summed);
      }
    } catch (e) {
      tf.dispose([...(value ? [value] : []), ...Object.values(grads)]);
      throw explainWasmOom(e, n, micro);
    }
    const step = this.steps + 1;
    try {
      const loss = (await value!.data())[0];
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
      value!.dispose();
      tf.dispose(Object.values(grads));
    }
  }

  /** Frees the optimizer state (not the model). */
  dispose(): void {
    this.optimizer.dispose();
  }
}
