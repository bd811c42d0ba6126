/**
 * The batch norm's running statistics update on WebGPU as one kernel of two WGSL programs:
 * `mean' = (1 - m) mean + m batchMean`, `var' = (1 - m) var + m unbias batchVar` (`unbias` =
 * `n / (n - 1)`), in place of seven tfjs kernels per norm and step.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { registerWebGpuKernel, runElementwise } from "./webgpu_kernels.ts";

const KERNEL = "FlowFMRunningStats";

function register(): void {
  registerWebGpuKernel(KERNEL, ({ mean, variance, batchMean, batchVar }, backend, attrs) => {
    const c = mean.shape.reduce((a, b) => a * b, 1);
    const uniforms = [
      { name: "momentum", type: "f32" as const, value: attrs.momentum },
      { name: "unbias", type: "f32" as const, value: attrs.unbias },
    ];
    const mix = (key: string, factor: string, old: tf.TensorInfo, batch: tf.TensorInfo) => {
      const code = `result[index] = R[index] * (1.0 - uniforms.momentum) + ` +
        `B[index] * ${factor} * uniforms.momentum;`;
      const r = runElementwise(backend, key, c, ["R", "B"], code, [old, batch], uniforms);
      return { dataId: r.dataId, shape: old.shape, dtype: "float32" as const };
    };
    return [
      mix("flowfm_running_mean", "1.0", mean, batchMean),
      mix("flowfm_running_var", "uniforms.unbias", variance, batchVar),
    ];
  });
}

/**
 * Updates running statistics in place from a batch's, on webgpu, as one kernel.
 *
 * @param mean Running mean (assigned).
 * @param variance Running variance (assigned).
 * @param batchMean The batch's mean, same shape.
 * @param batchVar The batch's biased variance, same shape.
 * @param momentum Weight of the batch.
 * @param n Values per channel in the batch (the variance is unbiased with `n / (n - 1)`).
 */
export function updateRunningStatsWebGpu(
  mean: tf.Variable,
  variance: tf.Variable,
  batchMean: tf.Tensor,
  batchVar: tf.Tensor,
  momentum: number,
  n: number,
): void {
  register();
  const unbias = n / Math.max(1, n - 1);
  tf.tidy(() => {
    const [m, v] = tf.engine().runKernel(KERNEL, { mean, variance, batchMean, batchVar }, {
      momentum,
      unbias,
    }) as unknown as tf.Tensor[];
    mean.assign(m);
    variance.assign(v);
  });
}
