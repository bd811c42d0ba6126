/**
 * Data-parallel fine-tuning over the training workers, on the same engine as pretraining
 * (`worker_group.ts`, which `data_parallel.ts` uses too): each step the main thread draws the whole
 * batch's augmentation, splits the batch into contiguous shards, and each worker returns the
 * class-weighted cross-entropy and gradients (encoder and head) of its shard, weighted by its
 * share of the batch's total class weight. The main thread sums them in worker order (so a run
 * is reproducible bit for bit for a given worker count and seed), applies Adam to its own copy,
 * and broadcasts the new weights.
 *
 * Batch norm: each replica normalises with its own shard's statistics (PyTorch DDP without
 * SyncBN), so results differ from a single-process run; the running statistics kept (used for
 * validation and test predictions) are worker 0's, broadcast to all.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { BackendName } from "../runtime/backend.ts";
import { flatten, unflatten } from "../runtime/flat_weights.ts";
import type { NormMode } from "../model/encoder.ts";
import type { Params } from "../model/params.ts";
import type { Adam } from "./optimizer.ts";
import { type FinetuneDraws, HEAD_PARAMS } from "./finetune_head.ts";
import { WorkerGroup } from "./worker_group.ts";

/** Options of {@link FinetuneWorkers.create}. */
export interface FinetuneWorkerOptions {
  /** Number of workers; each step uses at most one per 8 windows of the
   * batch (at least 2 when the batch has 4), so shards keep usable batch-norm statistics. */
  workers: number;
  /** Backend of each worker. */
  backend: BackendName;
  /**
   * Encoder batch norm in the workers: `"train"` (shard statistics) or `"eval"` (frozen running
   * statistics, so the summed gradient equals the single-process one).
   * @default {"train"}
   */
  norm?: NormMode;
}

/** The fine-tuning problem each worker is set up with. */
export interface FinetuneSetup {
  /** The model's weights file (each worker builds its replica from it). */
  modelBytes: Uint8Array;
  /** The main thread's store (from `finetuneStore`), whose head the workers copy. */
  store: Params;
  /** Width of the head's hidden layer. */
  hidden: number;
  /** Number of classes. */
  classes: number;
  /** Cross-entropy weight of each class. */
  classWeights: Float32Array;
}

/**
 * Workers that compute fine-tuning gradients of a batch in shards. Call
 * {@link FinetuneWorkers.dispose} to stop them.
 */
export class FinetuneWorkers {
  readonly #group: WorkerGroup;
  readonly #setup: FinetuneSetup;
  #step = 0;

  private constructor(group: WorkerGroup, setup: FinetuneSetup) {
    this.#group = group;
    this.#setup = setup;
  }

  /**
   * Starts the workers, each with a replica of the model and of `setup.store`'s head.
   *
   * @param setup Model bytes, the main thread's store, head width, classes and class weights.
   * @param options Worker count, backend and norm mode.
   * @returns The ready workers.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { FlowFM, initBackend, presetConfig, serializeModel } from "../../mod.ts";
   * import { Rng } from "../random.ts";
   * import { finetuneStore } from "./finetune_head.ts";
   * import { FinetuneWorkers } from "./finetune_parallel.ts";
   * await initBackend("cpu");
   * const model = new FlowFM(presetConfig("tiny"));
   * const store = finetuneStore(model, new Rng(0), 8, 2);
   * const pool = await FinetuneWorkers.create({ modelBytes: await serializeModel(model), store,
   *   hidden: 8, classes: 2, classWeights: Float32Array.of(1, 1) }, { workers: 2, backend: "cpu" });
   * const g = await pool.gradients(new Float32Array(4 * 900), Int32Array.of(0, 1, 0, 1),
   *   { aug: null, noise: null });
   * assert.equal(g.grads.length, [...store.trainable].reduce((a, k) => a + store.get(k).size, 0));
   * pool.dispose(); model.dispose();
   * ```
   */
  static async create(
    setup: FinetuneSetup,
    options: FinetuneWorkerOptions,
  ): Promise<FinetuneWorkers> {
    const n = options.workers;
    if (!Number.isInteger(n) || n < 1) throw new Error(`workers must be >= 1, got ${n}`);
    const head = await flatten(HEAD_PARAMS.map((k) => setup.store.get(k)));
    const group = await WorkerGroup.start(n, setup.store, () => ({
      kind: "init",
      weights: setup.modelBytes,
      backend: options.backend,
      microBatch: 0,
      norm: options.norm ?? "train",
      faultAtStep: 0,
      finetune: {
        hidden: setup.hidden,
        classes: setup.classes,
        head,
        classWeights: setup.classWeights,
      },
    }), (ready) => {
      const mine = new Set(setup.store.trainable);
      if (ready.trainable.length !== mine.size || ready.trainable.some((k) => !mine.has(k))) {
        throw new Error("fine-tuning workers: their trainable weights differ from this thread's");
      }
    });
    return new FinetuneWorkers(group, setup);
  }

  /** Number of workers. */
  get workers(): number {
    return this.#group.size;
  }

  /**
   * Weighted loss and gradient of a whole batch, computed by the workers on contiguous shards and
   * summed in worker order; nothing is updated.
   *
   * @param x Windows `[n, windowLength, channels]`, flat, clipped.
   * @param y Class index of each window.
   * @param draws The batch's augmentation, for all `n` windows.
   * @returns The loss, the gradients of every trainable weight (concatenated in the order of the
   *   store's `trainable`) and worker 0's batch-norm running statistics.
   */
  async gradients(
    x: Float32Array,
    y: Int32Array,
    draws: FinetuneDraws,
  ): Promise<{ loss: number; grads: Float32Array; buffers: Float32Array }> {
    const n = y.length, per = x.length / n, w = this.#setup.classWeights;
    const mass = this.#group.shards(n).map(([a, b]) =>
      y.subarray(a, b).reduce((s, c) => s + w[c], 0)
    );
    const total = mass.reduce((s, m) => s + m, 0);
    const step = ++this.#step;
    const { loss, grads, buffers } = await this.#group.gradients(n, (a, b, i) => {
      const xs = x.slice(a * per, b * per);
      const noise = draws.noise ? draws.noise.slice(a * per, b * per) : null;
      return {
        msg: {
          kind: "grad",
          task: "finetune",
          step,
          x: xs,
          y: y.slice(a, b),
          aug: draws.aug ? draws.aug.slice(a * 9, b * 9) : null,
          noise,
          weight: total > 0 ? mass[i] / total : (b - a) / n,
        },
        transfer: noise ? [xs.buffer, noise.buffer] : [xs.buffer],
      };
    });
    return { loss, grads, buffers };
  }

  /**
   * One step: the batch's gradient from the workers, Adam on the main thread's store, worker 0's
   * batch-norm running statistics kept, and every weight broadcast back.
   *
   * @param x Windows `[n, windowLength, channels]`, flat, clipped.
   * @param y Class index of each window.
   * @param draws The batch's augmentation.
   * @param opt Adam over the main thread's store.
   * @returns The batch's weighted loss.
   */
  async step(x: Float32Array, y: Int32Array, draws: FinetuneDraws, opt: Adam): Promise<number> {
    const store = this.#setup.store;
    const { loss, grads: sum, buffers } = await this.gradients(x, y, draws);
    const grads = unflatten(store, [...this.#group.keys.trainable], sum);
    try {
      opt.apply(grads);
    } finally {
      tf.dispose([...grads.values()]);
    }
    await this.#group.sync(buffers);
    return loss;
  }

  /**
   * Live tensors in each worker (for leak checks).
   *
   * @returns `tf.memory().numTensors` of each worker.
   */
  async workerTensors(): Promise<number[]> {
    return (await this.#group.memory()).map((m) => m.numTensors);
  }

  /** Stops every worker. */
  dispose(): void {
    this.#group.dispose("fine-tuning done");
  }
}
