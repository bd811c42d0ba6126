/**
 * Worker side of {@link EncoderPool} (see `encoder_pool.ts`): holds one model copy on its own
 * tfjs backend and encodes the batches it is sent.
 *
 * @module
 */
import { type BackendName, initBackend } from "./backend.ts";
import type { FlowFM } from "../model/flowfm.ts";
import { deserializeModel } from "../weights/model_file.ts";

/** Messages a pool sends to a worker. */
export type WorkerRequest =
  | { kind: "init"; weights: Uint8Array; backend: BackendName }
  | { kind: "encode"; id: number; data: Float32Array; batchSize: number };

/** Messages a worker sends back. */
export type WorkerReply =
  | { kind: "ready"; backend: string }
  | { kind: "encoded"; id: number; data: Float32Array }
  | { kind: "error"; id: number; message: string };

let model: FlowFM | null = null;
const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<WorkerRequest>) => void) | null;
  postMessage(msg: WorkerReply, transfer?: Transferable[]): void;
};

scope.onmessage = async (e: MessageEvent<WorkerRequest>) => {
  const msg = e.data;
  try {
    if (msg.kind === "init") {
      const info = await initBackend(msg.backend);
      model = deserializeModel(msg.weights, "worker weights").model;
      scope.postMessage({ kind: "ready", backend: info.backend });
    } else {
      if (!model) throw new Error("encoder worker: not initialised");
      const z = await model.encode(msg.data, { batchSize: msg.batchSize });
      scope.postMessage({ kind: "encoded", id: msg.id, data: z.data }, [
        z.data.buffer as ArrayBuffer,
      ]);
    }
  } catch (err) {
    scope.postMessage({
      kind: "error",
      id: msg.kind === "encode" ? msg.id : -1,
      message: String((err as Error)?.message ?? err),
    });
  }
};
