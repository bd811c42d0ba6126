/**
 * Registration of the library's own kernels on one tfjs backend, shared by the wasm kernels
 * (`./wasm_kernels.ts`) and the WebGPU kernels (`./webgpu_kernels.ts`): under names of their own
 * (`FlowFM...`; no tfjs kernel is replaced), once, and chosen at run time by the backend check.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

/** A kernel body on backend `B`: named inputs, the backend, attributes; one output or several. */
export type OwnKernel<B> = (
  inputs: Record<string, tf.TensorInfo>,
  backend: B,
  attrs: Record<string, number>,
) => tf.TensorInfo | tf.TensorInfo[];

/**
 * Registers `kernel` on `backendName` under `name`, once (later calls do nothing).
 *
 * @param backendName The tfjs backend (`"wasm"`, `"webgpu"`).
 * @param name The kernel's name (ours: `FlowFM...`).
 * @param kernel Its body; `backend` is the backend object as the kernel uses it.
 */
export function registerOwnKernel<B>(
  backendName: string,
  name: string,
  kernel: OwnKernel<B>,
): void {
  if (tf.getKernel(name, backendName)) return;
  tf.registerKernel({
    kernelName: name,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) =>
      kernel(
        inputs as Record<string, tf.TensorInfo>,
        backend as unknown as B,
        (attrs ?? {}) as Record<string, number>,
      ),
  });
}

/**
 * Whether `x` is a float32 tensor on `backendName`, where the library's kernels for it run.
 *
 * @param x Any tensor.
 * @param backendName The tfjs backend.
 * @returns True on that backend for float32.
 */
export function onBackend(x: tf.Tensor, backendName: string): boolean {
  return tf.getBackend() === backendName && x.dtype === "float32";
}
