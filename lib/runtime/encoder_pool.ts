/**
 * Data-parallel encoding on several CPU cores: tfjs-backend-wasm runs on one thread (its own
 * threads do not start under Deno), so an {@link EncoderPool} runs one model copy per Web Worker
 * and splits the windows between them.
 *
 * @module
 */
import type { BackendName } from "./backend.ts";
import { embeddingDim, type FlowFMConfig } from "../model/config.ts";
import { decodeSafetensors } from "../weights/safetensors.ts";
import { readWeightsMetadata } from "../weights/model_file.ts";
import type { Embeddings } from "../model/flowfm.ts";
import { readWindows, type WindowsInput } from "../model/windows.ts";
import type { WorkerReply, WorkerRequest } from "./encode_worker.ts";

/** Options for {@link EncoderPool.create}. */
export interface EncoderPoolOptions {
  /**
   * Number of workers; when omitted, `navigator.hardwareConcurrency` (at least 1).
   * @default {undefined}
   */
  workers?: number;
  /**
   * Backend each worker uses.
   * @default {"wasm"}
   */
  backend?: BackendName;
  /**
   * URL of the worker script. A single-file browser bundle does not carry the worker: bundle
   * `lib/runtime/encode_worker.ts` as its own file (`deno bundle --platform browser -o
   * encode_worker.js lib/runtime/encode_worker.ts`, as `web/serve.ts` does) and pass its URL.
   * @default {"./encode_worker.ts beside this module"}
   */
  workerUrl?: string | URL;
}

interface Slot {
  worker: Worker;
  pending: Map<number, { resolve: (d: Float32Array) => void; reject: (e: Error) => void }>;
}

/** A pool of encoder workers. Call {@link EncoderPool.dispose} to stop them. */
export class EncoderPool {
  readonly #slots: Slot[];
  readonly #config: FlowFMConfig;
  #next = 0;

  private constructor(slots: Slot[], config: FlowFMConfig) {
    this.#slots = slots;
    this.#config = config;
  }

  /** Number of workers. */
  get size(): number {
    return this.#slots.length;
  }

  /**
   * Starts the workers, each loading the model from `weights`.
   *
   * @param weights A model file's bytes (e.g. from `serializeModel`); its config gives the
   *   window geometry, clip and embedding width.
   * @param options Worker count and backend.
   * @returns The ready pool.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { EncoderPool, FlowFM, initBackend, presetConfig, serializeModel } from "../../mod.ts";
   * await initBackend("cpu");
   * const model = new FlowFM(presetConfig("tiny"));
   * const pool = await EncoderPool.create(await serializeModel(model), { workers: 2 });
   * const z = await pool.encode(new Float32Array(4 * 900));
   * assert(z.count === 4 && z.dim === 32);
   * pool.dispose();
   * model.dispose();
   * ```
   */
  static async create(weights: Uint8Array, options: EncoderPoolOptions = {}): Promise<EncoderPool> {
    const source = "EncoderPool weights";
    const { config } = readWeightsMetadata(decodeSafetensors(weights, { source }).metadata, source);
    const n = Math.max(1, options.workers ?? (globalThis.navigator?.hardwareConcurrency || 1));
    const slots: Slot[] = [];
    const ready: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      const url = options.workerUrl ?? new URL("./encode_worker.ts", import.meta.url);
      const worker = new Worker(url, { type: "module" });
      const slot: Slot = { worker, pending: new Map() };
      ready.push(
        new Promise((resolve, reject) => {
          worker.onmessage = (e: MessageEvent<WorkerReply>) => {
            const m = e.data;
            if (m.kind === "ready") return resolve();
            const p = slot.pending.get(m.id);
            if (m.kind === "error" && m.id === -1) {
              return reject(new Error(`encoder worker ${i}: ${m.message}`));
            }
            if (!p) return;
            slot.pending.delete(m.id);
            if (m.kind === "encoded") p.resolve(m.data);
            else p.reject(new Error(`encoder worker ${i}: ${m.message}`));
          };
          worker.onerror = (e) => {
            e.preventDefault();
            reject(new Error(`encoder worker ${i}: ${e.message}`));
          };
        }),
      );
      worker.postMessage(
        { kind: "init", weights, backend: options.backend ?? "wasm" } satisfies WorkerRequest,
      );
      slots.push(slot);
    }
    const pool = new EncoderPool(slots, config);
    try {
      await Promise.all(ready);
    } catch (e) {
      pool.dispose();
      throw e;
    }
    return pool;
  }

  /**
   * Encodes windows, `batchSize` at a time, spread over the workers; same values as
   * `FlowFM.encode` on the workers' backend.
   *
   * @param windows `[n, 300, 3]` windows in g (any form `FlowFM.encode` accepts).
   * @param options Batch size per worker call.
   * @returns The embeddings in input order.
   */
  async encode(windows: WindowsInput, options: { batchSize?: number } = {}): Promise<Embeddings> {
    const batchSize = options.batchSize ?? 64;
    const c = this.#config;
    const { data, count } = await readWindows(windows, {
      length: c.windowLength,
      channels: c.channels,
      clip: c.clip,
      caller: "EncoderPool.encode",
      sampleRate: c.sampleRate,
    });
    const dim = embeddingDim(c), per = c.windowLength * c.channels;
    const out = new Float32Array(count * dim);
    const jobs: Promise<void>[] = [];
    for (let i = 0; i < count; i += batchSize) {
      const n = Math.min(batchSize, count - i);
      const slot = this.#slots[this.#next++ % this.#slots.length];
      const id = this.#next;
      const chunk = data.slice(i * per, (i + n) * per);
      jobs.push(
        new Promise<Float32Array>((resolve, reject) => {
          slot.pending.set(id, { resolve, reject });
          slot.worker.postMessage(
            { kind: "encode", id, data: chunk, batchSize: n } satisfies WorkerRequest,
            [chunk.buffer as ArrayBuffer],
          );
        }).then((z) => out.set(z, i * dim)),
      );
    }
    await Promise.all(jobs);
    return { data: out, count, dim };
  }

  /** Stops every worker; pending calls are rejected. */
  dispose(): void {
    for (const s of this.#slots) {
      s.worker.terminate();
      for (const p of s.pending.values()) p.reject(new Error("EncoderPool disposed"));
      s.pending.clear();
    }
  }
}
