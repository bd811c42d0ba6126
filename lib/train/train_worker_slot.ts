/**
 * The main thread's handle on one training worker (`./train_worker.ts`): one request at a time,
 * its reply or its failure. A worker that throws, crashes or sends an unreadable message is marked
 * dead with an error naming it and its last message, and every later request fails at once, so a
 * caller never waits on a dead worker.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Params } from "../model/params.ts";
import { assignFlat, flatten, flattenInto } from "../runtime/flat_weights.ts";
import type { TrainWorkerReply, TrainWorkerRequest } from "./train_worker.ts";

/**
 * Training workers to use when none are asked for: every core on the wasm backend (its own
 * threads do not start under Deno), else 1 (this thread; a GPU backend is not helped by more).
 *
 * @returns `navigator.hardwareConcurrency` on wasm, else 1.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initBackend } from "../runtime/backend.ts";
 * import { defaultWorkers } from "./train_worker_slot.ts";
 * await initBackend("cpu");
 * assert.equal(defaultWorkers(), 1);
 * ```
 */
export function defaultWorkers(): number {
  return tf.getBackend() === "wasm" ? globalThis.navigator?.hardwareConcurrency || 1 : 1;
}

/** One worker and its single pending request. */
export interface Slot {
  worker: Worker;
  index: number;
  last: string;
  waiting: { resolve: (r: TrainWorkerReply) => void; reject: (e: Error) => void } | null;
  dead: Error | null;
}

/**
 * Sends one request to a worker and waits for its reply; a dead worker rejects at once.
 *
 * @param slot The worker.
 * @param msg The request.
 * @param transfer Buffers to transfer rather than copy.
 * @returns The reply.
 */
export function ask(
  slot: Slot,
  msg: TrainWorkerRequest,
  transfer: Transferable[] = [],
): Promise<TrainWorkerReply> {
  if (slot.dead) return Promise.reject(slot.dead);
  return new Promise((resolve, reject) => {
    slot.waiting = { resolve, reject };
    slot.worker.postMessage(msg, transfer);
  });
}

/**
 * Marks a worker dead and rejects its pending request.
 *
 * @param slot The worker.
 * @param message What went wrong.
 * @returns The error, which names the worker and its last message.
 */
export function fail(slot: Slot, message: string): Error {
  const e = new Error(
    `training worker ${slot.index} failed: ${message} (its last message: ${slot.last})`,
  );
  slot.dead = e;
  slot.waiting?.reject(e);
  slot.waiting = null;
  return e;
}

/**
 * Starts training worker `index` (a module worker running `./train_worker.ts`).
 *
 * @param index Its number, used in error messages.
 * @returns Its slot, not yet initialised (send an `init` request).
 */
export function startWorker(index: number): Slot {
  const worker = new Worker(new URL("./train_worker.ts", import.meta.url), { type: "module" });
  const slot: Slot = { worker, index, last: "none yet", waiting: null, dead: null };
  worker.onmessage = (e: MessageEvent<TrainWorkerReply>) => {
    const m = e.data;
    slot.last = m.kind === "grads" ? `gradients of step ${m.step}` : m.kind;
    if (m.kind === "error") return void fail(slot, m.message);
    const w = slot.waiting;
    slot.waiting = null;
    w?.resolve(m);
  };
  worker.onerror = (e) => {
    e.preventDefault();
    fail(slot, e.message);
  };
  worker.onmessageerror = () => void fail(slot, "a message could not be decoded");
  return slot;
}

/** A worker's gradient reply. */
export type GradReply = Extract<TrainWorkerReply, { kind: "grads" }>;

/**
 * Memory the main thread shares with its workers, so that no step allocates (or copies through
 * messages) its megabytes of gradients and weights: one region per worker for its gradients and
 * batch-norm statistics, one for the weights the main thread broadcasts, and the main thread's sum.
 */
export interface Exchange {
  /** Number of trainable values (the gradients' length; the statistics follow them). */
  trainable: number;
  /** Per worker: its gradients, then its batch-norm statistics. */
  grads: Float32Array[];
  /** The weights, trainable then buffers, as `syncWorkers` sends them. */
  weights: Float32Array;
  /** Where `sumReplies` sums the gradients (reused every step). */
  sum: Float32Array;
}

/**
 * Gives each ready worker its shared regions (see {@link Exchange}). Where `SharedArrayBuffer` is
 * missing (a browser page that is not cross-origin isolated) nothing is shared and the values
 * travel in the messages, as copies.
 *
 * @param slots The workers, initialised.
 * @param store The main thread's parameters (their sizes).
 * @param keys Trainable and buffer names, in the order the workers use.
 * @returns The exchange, or null when nothing can be shared.
 */
export async function shareMemory(
  slots: readonly Slot[],
  store: Params,
  keys: { trainable: readonly string[]; buffers: readonly string[] },
): Promise<Exchange | null> {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  if (typeof SharedArrayBuffer !== "function" || isolated === false) return null;
  const size = (ks: readonly string[]) => ks.reduce((a, k) => a + store.get(k).size, 0);
  const trainable = size(keys.trainable), all = trainable + size(keys.buffers);
  const weights = new SharedArrayBuffer(4 * all);
  const grads = slots.map(() => new SharedArrayBuffer(4 * all));
  await Promise.all(slots.map((s, i) => ask(s, { kind: "share", grads: grads[i], weights })));
  return {
    trainable,
    grads: grads.map((g) => new Float32Array(g)),
    weights: new Float32Array(weights),
    sum: new Float32Array(trainable),
  };
}

/**
 * Sums the workers' shard losses and gradients in worker order (the same order every step, so a
 * run is reproducible bit for bit for a given worker count).
 *
 * @param replies One reply per worker, in worker order.
 * @param shared Where the gradients are when the replies do not carry them (and where to sum).
 * @returns The batch loss, the summed gradients, their global norm (accumulated in float64) and
 *   worker 0's batch-norm running statistics (views into `shared` when given: valid until the
 *   next step).
 */
export function sumReplies(
  replies: readonly GradReply[],
  shared: Exchange | null = null,
): { loss: number; grads: Float32Array; buffers: Float32Array; norm: number } {
  const part = (r: GradReply, i: number) =>
    r.grads && r.buffers ? { g: r.grads, b: r.buffers } : {
      g: shared!.grads[i].subarray(0, shared!.trainable),
      b: shared!.grads[i].subarray(shared!.trainable),
    };
  const parts = replies.map(part);
  let loss = 0, sq = 0;
  const sum = shared ? shared.sum : new Float32Array(parts[0].g.length);
  sum.set(parts[0].g);
  for (let w = 1; w < parts.length; w++) {
    const g = parts[w].g;
    for (let i = 0; i < sum.length; i++) sum[i] += g[i];
  }
  for (let w = 0; w < parts.length; w++) loss += replies[w].loss;
  for (let i = 0; i < sum.length; i++) sq += sum[i] * sum[i];
  return { loss, grads: sum, buffers: parts[0].b, norm: Math.sqrt(sq) };
}

/**
 * How many of `workers` a batch of `n` windows is split over: shards of at least 8 windows where
 * the batch allows (batch-norm statistics of smaller shards are noisy), never fewer than 2 windows
 * per shard, and at least 2 workers when there are 2 and 4 windows.
 *
 * @param workers Workers available.
 * @param n Windows in the batch.
 * @returns Workers to use (at least 1).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { shardCount } from "./train_worker_slot.ts";
 * assert.equal(shardCount(16, 64), 8); // 8 shards of 8, not 16 of 4
 * assert.equal(shardCount(2, 64), 2);
 * assert.equal(shardCount(2, 4), 2);
 * assert.equal(shardCount(4, 3), 1);
 * ```
 */
export function shardCount(workers: number, n: number): number {
  return Math.max(1, Math.min(workers, Math.floor(n / 2), Math.max(2, Math.floor(n / 8))));
}

/**
 * After an update on the main thread: worker 0's batch-norm running statistics become the
 * store's, then every weight (trainable, then buffers) is sent to every worker.
 *
 * @param slots The workers.
 * @param store The main thread's updated parameters.
 * @param keys Trainable and buffer names, in the order the workers use.
 * @param buffers Worker 0's running statistics, concatenated in the order of `keys.buffers`.
 * @param shared Memory shared with the workers: the weights go there, not in the messages.
 * @returns Resolves when every worker has its copy.
 */
export async function syncWorkers(
  slots: readonly Slot[],
  store: Params,
  keys: { trainable: readonly string[]; buffers: readonly string[] },
  buffers: Float32Array,
  shared: Exchange | null = null,
): Promise<void> {
  assignFlat(store, keys.buffers, buffers, "worker 0's batch-norm statistics");
  const all = [...keys.trainable, ...keys.buffers].map((k) => store.get(k));
  if (shared) await flattenInto(all, shared.weights);
  const values = shared ? undefined : await flatten(all);
  await Promise.all(slots.map((s) => ask(s, { kind: "set", values })));
}

/**
 * Terminates workers; a pending or later request fails with `why`.
 *
 * @param slots The workers.
 * @param why Ends the "training worker N: stopped (…)" message.
 */
export function stopWorkers(slots: readonly Slot[], why: string): void {
  for (const s of slots) {
    s.worker.terminate();
    if (!s.dead) s.dead = new Error(`training worker ${s.index}: stopped (${why})`);
    s.waiting?.reject(s.dead);
    s.waiting = null;
  }
}
