/**
 * What the library's own wasm kernels share (`./copy_kernels.ts`, `./norm_kernels.ts`,
 * `./batch_norm_kernels.ts`): the part of tfjs-backend-wasm's backend they use, and their
 * registration under names of their own (no tfjs kernel is replaced).
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import { onBackend, type OwnKernel, registerOwnKernel } from "./own_kernels.ts";

/** What the kernels use of tfjs-backend-wasm's backend. */
export interface WasmBackend {
  /** Allocates an output tensor in the wasm heap. */
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  /** A view of a tensor's values in the heap (invalid after the next allocation). */
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

/** A kernel body: named inputs, the backend, attributes; one output or several. */
export type WasmKernel = OwnKernel<WasmBackend>;

/**
 * Registers `kernel` on the wasm backend under `name`, once (later calls do nothing).
 *
 * @param name The kernel's name (ours: `FlowFM...`).
 * @param kernel Its body. Take heap views after the last `makeOutput`: an allocation may grow,
 *   and so detach, the heap.
 */
export function registerWasmKernel(name: string, kernel: WasmKernel): void {
  registerOwnKernel("wasm", name, kernel);
}

/**
 * Whether `x` is a float32 tensor on the wasm backend, where the library's kernels run.
 *
 * @param x Any tensor.
 * @returns True on wasm for float32.
 */
export function onWasm(x: tf.Tensor): boolean {
  return onBackend(x, "wasm");
}
