/**
 * The one data-parallel engine of the library, shared by pretraining (`data_parallel.ts`) and
 * fine-tuning (`finetune_parallel.ts`): a group of training workers (`train_worker.ts`), each with
 * a replica, that compute the loss and gradients of contiguous shards of a batch. The group sums
 * them in worker order (so a run is reproducible bit for bit for a given worker count), and after
 * the caller's optimizer step broadcasts the weights and worker 0's batch-norm statistics back.
 * What each task sends (its init payload and its shard's draws) and how it applies the gradient
 * stay with the task.
 *
 * @module
 */
import type { Params } from "../model/params.ts";
import type { TrainWorkerReply, TrainWorkerRequest } from "./train_worker.ts";
import {
  ask,
  type Exchange,
  type GradReply,
  shardCount,
  shareMemory,
  type Slot,
  startWorker,
  stopWorkers,
  sumReplies,
  syncWorkers,
} from "./train_worker_slot.ts";

/** A worker's `init` request. */
export type InitRequest = Extract<TrainWorkerRequest, { kind: "init" }>;
/** A worker's `grad` request. */
export type GradRequest = Extract<TrainWorkerRequest, { kind: "grad" }>;
/** What a worker says when it is ready: its backend and the order its weights travel in. */
export type ReadyReply = Extract<TrainWorkerReply, { kind: "ready" }>;

/** A batch's summed loss and gradients, and what each worker took. */
export interface GroupGradients {
  /** The batch loss (the shards' weighted losses, summed). */
  loss: number;
  /** Gradients of the trainable weights, concatenated in the workers' order. */
  grads: Float32Array;
  /** Worker 0's batch-norm running statistics. */
  buffers: Float32Array;
  /** Global norm of `grads` (accumulated in float64). */
  norm: number;
  /** Milliseconds each worker spent on its shard. */
  ms: number[];
}

/** Training workers with one replica each; build with {@link WorkerGroup.start}. */
export class WorkerGroup {
  readonly #slots: Slot[];
  readonly #store: Params;
  readonly #keys: { trainable: string[]; buffers: string[] };
  readonly #shared: Exchange | null;

  private constructor(
    slots: Slot[],
    store: Params,
    keys: { trainable: string[]; buffers: string[] },
    shared: Exchange | null,
  ) {
    this.#slots = slots;
    this.#store = store;
    this.#keys = keys;
    this.#shared = shared;
  }

  /**
   * Starts `workers` workers, initialises each with `init(index)`, and shares memory with them.
   * On any failure every worker is stopped and the error rethrown.
   *
   * @param workers How many (an integer >= 1).
   * @param store The main thread's parameters, which the workers' weights mirror.
   * @param init The `init` request of worker `index`.
   * @param check Inspects worker 0's `ready` reply before memory is shared (throw to refuse it).
   * @returns The ready group.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { FlowFM, initBackend, presetConfig, serializeModel } from "../../mod.ts";
   * import { WorkerGroup } from "./worker_group.ts";
   * await initBackend("cpu");
   * const model = new FlowFM(presetConfig("tiny"));
   * const weights = await serializeModel(model);
   * const group = await WorkerGroup.start(2, model.params, () => ({
   *   kind: "init", weights, backend: "cpu", microBatch: 0, norm: "train", faultAtStep: 0,
   * }));
   * assert.equal(group.size, 2);
   * assert.equal(group.keys.trainable.length, model.params.trainable.size);
   * group.dispose("done"); model.dispose();
   * ```
   */
  static async start(
    workers: number,
    store: Params,
    init: (index: number) => InitRequest,
    check?: (ready: ReadyReply) => void,
  ): Promise<WorkerGroup> {
    if (!Number.isInteger(workers) || workers < 1) {
      throw new Error(`workers must be an integer >= 1, got ${workers}`);
    }
    const slots: Slot[] = [];
    try {
      for (let index = 0; index < workers; index++) slots.push(startWorker(index));
      const replies = await Promise.all(slots.map((s) => ask(s, init(s.index))));
      const ready = replies[0] as ReadyReply;
      check?.(ready);
      const keys = { trainable: ready.trainable, buffers: ready.buffers };
      return new WorkerGroup(slots, store, keys, await shareMemory(slots, store, keys));
    } catch (e) {
      stopWorkers(slots, "start failed");
      throw e;
    }
  }

  /** Number of workers. */
  get size(): number {
    return this.#slots.length;
  }

  /** Trainable and buffer names, in the order weights and gradients travel. */
  get keys(): { readonly trainable: readonly string[]; readonly buffers: readonly string[] } {
    return this.#keys;
  }

  /**
   * The contiguous shards `[a, b)` a batch of `n` windows is split into, one per worker used (at
   * most one per 8 windows, see `shardCount`), in worker order.
   *
   * @param n Windows in the batch.
   * @returns The shards' bounds.
   */
  shards(n: number): [number, number][] {
    const k = shardCount(this.#slots.length, n);
    return Array.from(
      { length: k },
      (_, i) => [Math.floor((i * n) / k), Math.floor(((i + 1) * n) / k)],
    );
  }

  /**
   * Loss and gradient of a batch of `n` windows: each worker used gets its shard `[a, b)` (see
   * {@link WorkerGroup.shards}) through `request`, and their replies are summed in worker order.
   * Nothing is updated.
   *
   * @param n Windows in the batch.
   * @param request The `grad` request of shard `[a, b)`, worker `i` (and buffers to transfer).
   * @returns The summed loss and gradients, worker 0's statistics, the norm, each worker's time.
   */
  async gradients(
    n: number,
    request: (a: number, b: number, i: number) => { msg: GradRequest; transfer?: Transferable[] },
  ): Promise<GroupGradients> {
    const replies = await Promise.all(
      this.shards(n).map(([a, b], i) => {
        const { msg, transfer } = request(a, b, i);
        return ask(this.#slots[i], msg, transfer);
      }),
    ) as GradReply[];
    return { ...sumReplies(replies, this.#shared), ms: replies.map((r) => r.ms) };
  }

  /**
   * Sends every worker the main thread's weights (trainable, then buffers) after an update, with
   * `buffers` (worker 0's statistics) kept as the main thread's.
   *
   * @param buffers The statistics from {@link WorkerGroup.gradients}.
   * @returns Nothing; resolves when every worker has its weights.
   */
  async sync(buffers: Float32Array): Promise<void> {
    await syncWorkers(this.#slots, this.#store, this.#keys, buffers, this.#shared);
  }

  /**
   * Live tensors in each worker (for leak checks) and its wasm heap size.
   *
   * @returns One summary per worker: `tf.memory()`'s counts and the wasm heap in bytes (0 on
   *   other backends).
   */
  async memory(): Promise<{ numTensors: number; numBytes: number; heapBytes: number }[]> {
    const r = await Promise.all(this.#slots.map((s) => ask(s, { kind: "memory" })));
    return (r as Extract<TrainWorkerReply, { kind: "memory" }>[]).map((m) => ({
      numTensors: m.numTensors,
      numBytes: m.numBytes,
      heapBytes: m.heapBytes,
    }));
  }

  /**
   * Stops every worker.
   *
   * @param why Said to a caller still waiting on one.
   */
  dispose(why: string): void {
    stopWorkers(this.#slots, why);
  }
}
