/**
 * `a + b` for two tensors of one shape on WebGPU (the networks' residual connections) as one
 * kernel (`FlowFMAdd`) whose gradient is registered under its name and saves nothing: `dy` passes
 * to `a` as it is and to `b` as a copy (a new handle on the same buffer: no dispatch). tfjs's `Add`
 * saves both inputs (two Identity kernels) for their shapes and reshapes each gradient.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { registerWebGpuKernel, runElementwise } from "./webgpu_kernels.ts";

const KERNEL = "FlowFMAdd";

function register(): void {
  if (tf.getKernel(KERNEL, "webgpu")) return;
  registerWebGpuKernel(KERNEL, ({ a, b }, backend) => {
    const size = a.shape.reduce((x, y) => x * y, 1);
    const r = runElementwise(
      backend,
      "flowfm_add",
      size,
      ["A", "B"],
      "result[index] = A[index] + B[index];",
      [a, b],
    );
    return { dataId: r.dataId, shape: a.shape, dtype: "float32" };
  });
  // `a` gets dy itself: tfjs's backward pass frees a gradient only when it accumulates into a
  // tensor's, and then no other pending tensor holds this one (b gets its own handle).
  tf.registerGradient({
    kernelName: KERNEL,
    gradFunc: (dy) => ({ a: () => dy as tf.Tensor, b: () => tf.clone(dy as tf.Tensor) }),
  });
}

/**
 * `a + b` on WebGPU for tensors of the same shape, differentiable.
 *
 * @param a A float32 tensor on webgpu.
 * @param b The same shape.
 * @returns Their sum.
 * @throws Error naming the shapes when they differ.
 */
export function addSameWebGpu<T extends tf.Tensor>(a: T, b: T): T {
  if (a.shape.join() !== b.shape.join()) {
    throw new Error(`add: shapes [${a.shape}] and [${b.shape}] differ`);
  }
  register();
  return tf.engine().runKernel(KERNEL, { a, b }) as T;
}
