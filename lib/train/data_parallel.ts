/**
 * Data-parallel training over Web Workers, one model replica each (tfjs-backend-wasm's own threads
 * do not start under Deno, so this is how a step uses every core).
 *
 * Each step the main thread draws the whole batch's noise, times and views from the run's
 * generator, splits the batch into contiguous shards, and each worker returns the loss and
 * gradients of its shard, weighted by its share. The main thread sums them in worker order (so a
 * run is reproducible bit for bit for a given worker count and seed), clips, applies Adam to its
 * own copy of the model, and broadcasts the new weights.
 *
 * Batch norm: each replica normalises with its own shard's statistics, as PyTorch DDP without
 * SyncBN; the running statistics kept are worker 0's, broadcast to all (DDP's
 * `broadcast_buffers`). A run resumed with another worker count therefore continues correctly but
 * is not bit-identical to an uninterrupted one.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { BackendName } from "../runtime/backend.ts";
import { unflatten } from "../runtime/flat_weights.ts";
import type { FlowFM } from "../model/flowfm.ts";
import type { NormMode } from "../model/encoder.ts";
import type { Adam } from "./optimizer.ts";
import type { Rng } from "../random.ts";
import { serializeModel } from "../weights/model_file.ts";
import type { StepDraws } from "./gradients.ts";
import { type StepResult, Trainer, type TrainerOptions } from "./trainer.ts";
import { WorkerGroup } from "./worker_group.ts";

/** Options of {@link DataParallelTrainer.create}: the trainer's, plus the workers'. */
export interface DataParallelOptions extends TrainerOptions {
  /**
   * Number of workers; each step uses at most one per 8 windows of the
   * batch (at least 2 when the batch has 4), so shards keep usable batch-norm statistics.
   * @default {navigator.hardwareConcurrency}
   */
  workers?: number;
  /**
   * Backend of each worker.
   * @default {"wasm"}
   */
  backend?: BackendName;
  /**
   * Encoder batch norm in the workers: `"train"` (shard statistics) or `"eval"` (frozen running
   * statistics, so the summed gradient equals the single-process one).
   * @default {"train"}
   */
  norm?: NormMode;
  /**
   * Testing aid: worker 0 throws at this step, as a crashed replica would.
   * @default {0} never
   */
  faultAtStep?: number;
}

/**
 * A {@link Trainer} whose gradients are computed by workers. Same `step`, `steps`, `optimizer` and
 * `rng`; checkpoints are the same. Call {@link DataParallelTrainer.dispose} to stop the workers.
 */
export class DataParallelTrainer {
  /** The model the updates are applied to (the workers hold copies). */
  readonly model: FlowFM;
  readonly #trainer: Trainer;
  readonly #group: WorkerGroup;

  private constructor(model: FlowFM, trainer: Trainer, group: WorkerGroup) {
    this.model = model;
    this.#trainer = trainer;
    this.#group = group;
  }

  /**
   * Starts the workers, each with a copy of `model`.
   *
   * @param model The model to train (updated in place, on the main thread's backend).
   * @param options Trainer settings, worker count and backend.
   * @returns The ready trainer.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { FlowFM, initBackend, presetConfig } from "../../mod.ts";
   * import { DataParallelTrainer } from "./data_parallel.ts";
   * await initBackend("cpu");
   * const model = new FlowFM(presetConfig("tiny"));
   * const dp = await DataParallelTrainer.create(model, { workers: 2, backend: "cpu" });
   * const r = await dp.step(new Float32Array(4 * 900).map((_, i) => Math.sin(i)));
   * assert.equal(r.step, 1);
   * dp.dispose(); model.dispose();
   * ```
   */
  static async create(
    model: FlowFM,
    options: DataParallelOptions = {},
  ): Promise<DataParallelTrainer> {
    const n = Math.max(1, options.workers ?? (globalThis.navigator?.hardwareConcurrency || 1));
    if (!Number.isInteger(n)) {
      throw new Error(`workers must be a whole number, got ${options.workers}`);
    }
    const trainer = new Trainer(model, options);
    try {
      const weights = await serializeModel(model);
      const group = await WorkerGroup.start(n, model.params, (index) => ({
        kind: "init",
        weights: weights.slice(),
        backend: options.backend ?? "wasm",
        microBatch: options.microBatch ?? 0,
        norm: options.norm ?? "train",
        faultAtStep: index === 0 ? options.faultAtStep ?? 0 : 0,
      }));
      return new DataParallelTrainer(model, trainer, group);
    } catch (e) {
      trainer.dispose();
      throw e;
    }
  }

  /** Milliseconds each worker spent on its shard in the last step (for profiling). */
  lastWorkerMs: number[] = [];

  /** Number of workers. */
  get workers(): number {
    return this.#group.size;
  }

  /** Steps completed so far. */
  get steps(): number {
    return this.#trainer.steps;
  }

  /** The optimizer (its state goes into checkpoints). */
  get optimizer(): Adam {
    return this.#trainer.optimizer;
  }

  /** Noise, time and augmentation draws (of the whole batch, on the main thread). */
  get rng(): Rng {
    return this.#trainer.rng;
  }
  set rng(r: Rng) {
    this.#trainer.rng = r;
  }

  /**
   * One data-parallel step on a batch of windows (already clipped, in g).
   *
   * @param batch Windows `[batch, windowLength, channels]`, flat.
   * @returns Step number, loss and gradient norm.
   * @throws TrainingDivergedError when the loss or gradient norm is not finite (nothing updated).
   */
  async step(batch: Float32Array, source?: Float32Array): Promise<StepResult> {
    const { windowLength: len, channels: ch } = this.model.config;
    const per = len * ch, n = batch.length / per;
    if (!Number.isInteger(n) || n < 2) {
      throw new Error(`train step: need at least 2 windows of [${len}, ${ch}] per batch, got ${n}`);
    }
    const draws = this.#trainer.draw(n, batch, source);
    const { loss, grads: sum, buffers, norm } = await this.gradients(batch, draws, this.steps + 1);
    const grads = unflatten(this.model.params, [...this.#group.keys.trainable], sum);
    let result: StepResult;
    try {
      result = await this.#trainer.applyGradients(loss, grads, norm);
    } finally {
      tf.dispose([...grads.values()]);
    }
    await this.#group.sync(buffers);
    return result;
  }

  /**
   * Loss and gradient of a whole batch, computed by the workers on contiguous shards and summed
   * in worker order; nothing is updated.
   *
   * @param batch Windows `[n, windowLength, channels]`, flat.
   * @param draws The step's noise, times and views for all `n` windows.
   * @param step Step number, for error messages.
   * @returns The batch loss, the gradient of every trainable parameter (concatenated in the
   *   order of `model.params.trainable`), its global norm and worker 0's batch-norm running
   *   statistics.
   */
  async gradients(
    batch: Float32Array,
    draws: StepDraws,
    step = this.steps + 1,
  ): Promise<{ loss: number; grads: Float32Array; buffers: Float32Array; norm: number }> {
    const per = this.model.config.windowLength * this.model.config.channels, n = batch.length / per;
    const { ms, ...sum } = await this.#group.gradients(n, (a, b) => ({
      msg: {
        kind: "grad",
        step,
        x: batch.slice(a * per, b * per),
        noise: draws.noise.slice(a * per, b * per),
        times: draws.times.slice(a, b),
        aug: draws.aug ? draws.aug.slice(a * 9, b * 9) : null,
        source: draws.source ? draws.source.slice(a * per, b * per) : null,
        aux: draws.aux
          ? { x: draws.aux.x.slice(a * per, b * per), labels: draws.aux.labels.slice(a * 3, b * 3) }
          : null,
        weight: (b - a) / n,
      },
    }));
    this.lastWorkerMs = ms;
    return sum;
  }

  /**
   * Live tensors in each worker (for leak checks) and its wasm heap size.
   *
   * @returns One summary per worker: `tf.memory()`'s counts and the wasm heap in bytes (0 on
   *   other backends).
   */
  async workerMemory(): Promise<{ numTensors: number; numBytes: number; heapBytes: number }[]> {
    return await this.#group.memory();
  }

  /** Stops every worker and frees the optimizer state (not the model). */
  dispose(): void {
    this.#group.dispose("trainer disposed");
    this.#trainer.dispose();
  }
}
