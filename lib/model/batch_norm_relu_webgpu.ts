/**
 * The encoder's batch norm with running statistics (evaluation mode) and the ReLU after it, as one
 * WGSL program on WebGPU, for encoding: tfjs's `batchNorm` reshapes to 4-D and back around its
 * kernel, and the ReLU is a kernel more. Forward only: where gradients are recorded (fine-tuning
 * in evaluation mode) callers use tfjs's ops.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Tensor3D } from "../tensors.ts";
import { registerWebGpuKernel, runElementwise } from "./webgpu_kernels.ts";

const KERNEL = "FlowFMBatchNormRelu";

/** `y = max(0, (x - mean) / sqrt(variance + eps) * gamma + beta)` per channel */
const CODE = `
  let ch = index % uniforms.c;
  result[index] = max(0.0, (X[index] - M[ch]) * inverseSqrt(V[ch] + uniforms.eps) * G[ch] + B[ch]);`;

function register(): void {
  registerWebGpuKernel(KERNEL, ({ x, mean, variance, gamma, beta }, backend, { eps }) => {
    const size = x.shape.reduce((a, b) => a * b, 1);
    const r = runElementwise(backend, "flowfm_bn_relu", size, ["X", "M", "V", "G", "B"], CODE, [
      x,
      mean,
      variance,
      gamma,
      beta,
    ], [{ name: "c", type: "i32", value: x.shape[2] }, { name: "eps", type: "f32", value: eps }]);
    return { dataId: r.dataId, shape: x.shape, dtype: "float32" };
  });
}

/**
 * `relu(batchNorm(x))` with running statistics, one kernel on webgpu, no gradient.
 *
 * @param x Activations `[batch, length, c]`, on webgpu.
 * @param mean Running mean `[c]`.
 * @param variance Running variance `[c]`.
 * @param gamma Scale `[c]`.
 * @param beta Shift `[c]`.
 * @param eps Added to the variance.
 * @returns Shape `[batch, length, c]`.
 */
export function batchNormReluWebGpu(
  x: Tensor3D,
  mean: tf.Tensor,
  variance: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  eps: number,
): Tensor3D {
  register();
  return tf.engine().runKernel(KERNEL, { x, mean, variance, gamma, beta }, { eps }) as Tensor3D;
}
