/**
 * Web Worker of data-parallel training (see `lib/train/data_parallel.ts`) and fine-tuning (see
 * `lib/train/finetune_parallel.ts`): holds one replica of the model (for fine-tuning, plus the
 * head), computes the loss and gradients of its shard of each batch, and takes the weights the
 * main thread broadcasts after each update. Messages are handled one at a time, in order.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { type BackendName, initBackend } from "../runtime/backend.ts";
import { assignFlat, flatten, flattenInto } from "../runtime/flat_weights.ts";
import { objectiveSpec } from "../flow/objective.ts";
import type { FlowFM } from "../model/flowfm.ts";
import type { NormMode } from "../model/encoder.ts";
import type { Params } from "../model/params.ts";
import { Rng } from "../random.ts";
import { batchGradients } from "./gradients.ts";
import type { AuxDraws } from "./aux_tasks.ts";
import { deserializeModel } from "../weights/model_file.ts";
import { finetuneGradients, finetuneStore, HEAD_PARAMS } from "./finetune_head.ts";

/** What a fine-tuning worker holds beyond the model (see `lib/train/finetune_head.ts`). */
export interface FinetuneInit {
  /** Width of the head's hidden layer. */
  hidden: number;
  /** Number of classes. */
  classes: number;
  /** The head's initial weights, concatenated in the order of `HEAD_PARAMS`. */
  head: Float32Array;
  /** Cross-entropy weight of each class. */
  classWeights: Float32Array;
}

/** Messages the main thread sends to a training worker. */
export type TrainWorkerRequest =
  | {
    kind: "init";
    weights: Uint8Array;
    backend: BackendName;
    microBatch: number;
    norm: NormMode;
    faultAtStep: number;
    /** Present: a fine-tuning worker (the head and class weights); absent: pretraining. */
    finetune?: FinetuneInit;
  }
  | {
    kind: "grad";
    task?: "pretrain";
    step: number;
    x: Float32Array;
    noise: Float32Array;
    times: Float32Array;
    aug: Float32Array | null;
    /** The encoder's windows when they differ from `x` (a time-shifted view). */
    source?: Float32Array | null;
    /** The auxiliary tasks' windows and labels of this shard, when the model has them. */
    aux?: AuxDraws | null;
    weight: number;
  }
  | {
    kind: "grad";
    task: "finetune";
    step: number;
    x: Float32Array;
    y: Int32Array;
    aug: Float32Array | null;
    noise: Float32Array | null;
    weight: number;
  }
  | {
    /** Without values: the weights are in the shared region (see `kind: "share"`). */
    kind: "set";
    values?: Float32Array;
  }
  /** Regions shared with the main thread: this worker's gradients, and the broadcast weights. */
  | { kind: "share"; grads: SharedArrayBuffer; weights: SharedArrayBuffer }
  | { kind: "memory" };

/** Messages a training worker sends back. */
export type TrainWorkerReply =
  | { kind: "ready"; backend: string; trainable: string[]; buffers: string[] }
  | {
    kind: "grads";
    step: number;
    loss: number;
    /** Absent when they were written to the shared region (gradients, then statistics). */
    grads?: Float32Array;
    buffers?: Float32Array;
    /** Milliseconds the worker spent on this shard. */
    ms: number;
  }
  | { kind: "set" }
  | { kind: "shared" }
  | { kind: "memory"; numTensors: number; numBytes: number; heapBytes: number }
  | { kind: "error"; message: string };

let model: FlowFM | null = null;
/** `model.params` for pretraining; the head plus the encoder's variables for fine-tuning. */
let store: Params | null = null;
let classWeights: Float32Array | null = null;
let settings = { microBatch: 0, norm: "train" as NormMode, faultAtStep: 0 };
let trainable: string[] = [], buffers: string[] = [];
let shared: { grads: Float32Array; weights: Float32Array } | null = null;
const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<TrainWorkerRequest>) => void) | null;
  postMessage(msg: TrainWorkerReply, transfer?: Transferable[]): void;
};

async function handle(msg: TrainWorkerRequest): Promise<void> {
  if (msg.kind === "init") {
    const info = await initBackend(msg.backend);
    model = deserializeModel(msg.weights, "training worker weights").model;
    settings = { microBatch: msg.microBatch, norm: msg.norm, faultAtStep: msg.faultAtStep };
    const f = msg.finetune;
    store = f ? finetuneStore(model, new Rng(0), f.hidden, f.classes) : model.params;
    if (f) assignFlat(store!, HEAD_PARAMS, f.head, "init (head)");
    classWeights = f ? f.classWeights : null;
    trainable = [...store.trainable];
    buffers = [...store.vars.keys()].filter((k) => !store!.trainable.has(k));
    scope.postMessage({ kind: "ready", backend: info.backend, trainable, buffers });
    return;
  }
  if (msg.kind === "memory") {
    const m = tf.memory();
    // The wasm backend's linear memory (its heap grows, never shrinks); 0 on other backends.
    const wasm = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm;
    const heapBytes = wasm?.HEAPU8?.length ?? 0;
    scope.postMessage({
      kind: "memory",
      numTensors: m.numTensors,
      numBytes: m.numBytes,
      heapBytes,
    });
    return;
  }
  if (!model) throw new Error("not initialised");
  if (msg.kind === "share") {
    shared = { grads: new Float32Array(msg.grads), weights: new Float32Array(msg.weights) };
    scope.postMessage({ kind: "shared" });
    return;
  }
  if (msg.kind === "set") {
    const values = msg.values ?? shared?.weights;
    if (!values) throw new Error("set: no weights sent and no shared region");
    assignFlat(store!, [...trainable, ...buffers], values, "set");
    scope.postMessage({ kind: "set" });
    return;
  }
  if (msg.step === settings.faultAtStep) throw new Error("injected fault (faultAtStep)");
  const t0 = performance.now();
  if ((msg.task === "finetune") !== (classWeights !== null)) {
    throw new Error(`a ${msg.task ?? "pretrain"} request to a worker started for the other task`);
  }
  const { value, grads } = msg.task === "finetune"
    ? finetuneGradients(model, store!, msg.x, msg.y, classWeights!, msg, {
      weight: msg.weight,
      norm: settings.norm,
    })
    : batchGradients(model, objectiveSpec(model.config.objective), msg.x, {
      noise: msg.noise,
      times: msg.times,
      aug: msg.aug,
      source: msg.source ?? null,
      aux: msg.aux ?? null,
    }, { microBatch: settings.microBatch, weight: msg.weight, norm: settings.norm });
  try {
    const loss = (await value.data())[0];
    const gs = trainable.map((k) => grads.get(k)!), bs = buffers.map((k) => store!.get(k));
    if (shared) {
      await flattenInto(bs, shared.grads, await flattenInto(gs, shared.grads));
      scope.postMessage({ kind: "grads", step: msg.step, loss, ms: performance.now() - t0 });
      return;
    }
    const g = await flatten(gs), b = await flatten(bs);
    const ms = performance.now() - t0;
    scope.postMessage({ kind: "grads", step: msg.step, loss, grads: g, buffers: b, ms }, [
      g.buffer as ArrayBuffer,
      b.buffer as ArrayBuffer,
    ]);
  } finally {
    value.dispose();
    tf.dispose([...grads.values()]);
  }
}

let queue: Promise<void> = Promise.resolve();
scope.onmessage = (e: MessageEvent<TrainWorkerRequest>) => {
  const msg = e.data;
  queue = queue.then(() => handle(msg)).catch((err) => {
    scope.postMessage({
      kind: "error",
      message: `${msg.kind}${msg.kind === "grad" ? ` (step ${msg.step})` : ""}: ${
        String((err as Error)?.message ?? err)
      }`,
    });
  });
};
