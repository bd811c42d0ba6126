/**
 * The sum of squares of many tensors on WebGPU, the square of the global gradient norm that
 * clipping needs: a kernel of its own (`FlowFMSquaredNorm`) in place of a `Square`, a `Sum` and an
 * `Add` per gradient. Each WGSL program is one workgroup that reads as many gradients as a shader
 * stage may bind, squares and sums them, adds the running total of the previous program, and
 * leaves the new total; so a model of P parameters takes about P / 6 dispatches on WebGPU's
 * default limit of 8 storage buffers per stage.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import { flatInfo, registerWebGpuKernel, type WebGpuProgram } from "../model/webgpu_kernels.ts";

/** The kernel's name. */
export const SQUARED_NORM_KERNEL = "FlowFMSquaredNorm";

/** Threads of the one workgroup. */
const THREADS = 256;

/** One workgroup summing the squares of inputs `G0..G{k-1}`, plus `S[0]` when `chained`. */
function program(k: number, chained: boolean): WebGpuProgram {
  const names = Array.from({ length: k }, (_, i) => `G${i}`);
  const loops = names.map((g) =>
    `for (var i = tid; i < uniforms.${g.toLowerCase()}Shape; i = i + ${THREADS}) {
          let x = ${g}[i];
          s = s + x * x;
        }`
  ).join("\n        ");
  return {
    outputShape: [1],
    shaderKey: `flowfm_squared_norm_${k}_${chained}`,
    dispatchLayout: { x: [0] },
    dispatch: [1, 1, 1],
    variableNames: chained ? ["S", ...names] : names,
    workgroupSize: [THREADS, 1, 1],
    size: true,
    getUserCode: () => `
      var<workgroup> partial : array<f32, ${THREADS}>;
      fn main(index : i32) {
        let tid = i32(localIndex);
        var s = 0.0;
        ${loops}
        partial[tid] = s;
        workgroupBarrier();
        for (var stride = ${THREADS / 2}; stride > 0; stride = stride / 2) {
          if (tid < stride) {
            partial[tid] = partial[tid] + partial[tid + stride];
          }
          workgroupBarrier();
        }
        if (tid == 0) {
          result[0] = partial[0]${chained ? " + S[0]" : ""};
        }
      }`,
  };
}

/** Registers {@link SQUARED_NORM_KERNEL} on webgpu, once. Inputs: any names, any shapes. */
export function registerSquaredNormWebGpu(): void {
  registerWebGpuKernel(SQUARED_NORM_KERNEL, (inputs, backend) => {
    const xs = Object.values(inputs).map(flatInfo);
    // one storage buffer is the output, one the running total
    const per = Math.max(1, backend.device.limits.maxStorageBuffersPerShaderStage - 2);
    let total: tf.TensorInfo | null = null;
    for (let i = 0; i < xs.length || total === null; i += per) {
      const chunk = xs.slice(i, i + per);
      const next: tf.TensorInfo = backend.runWebGPUProgram(
        program(chunk.length, total !== null),
        total ? [total, ...chunk] : chunk,
        "float32",
      );
      if (total) backend.disposeData(total.dataId);
      total = next;
    }
    return total;
  });
}
