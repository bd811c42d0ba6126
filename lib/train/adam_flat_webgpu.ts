/**
 * Adam over every parameter as one kernel on WebGPU (`FlowFMAdamFlat`), with both moments of all
 * parameters in one flat buffer: `[m of every parameter | v of every parameter]`, in a fixed key
 * order. Each WGSL program updates the moments of as many parameters as a shader stage may bind
 * (the old buffer, their gradients and the new buffer), then one program per parameter writes its
 * new weights: `P / 6 + P` dispatches for `P` parameters at WebGPU's default of 8 storage buffers
 * per stage, against `3 P` for the per-parameter kernel of `./adam_webgpu.ts`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import {
  flatInfo,
  type ProgramUniform,
  registerWebGpuKernel,
  runElementwise,
  type WebGpuProgram,
} from "../model/webgpu_kernels.ts";
import type { AdamStepConstants } from "./adam_kernel.ts";

const KERNEL = "FlowFMAdamFlat";
const CONSTANTS = ["beta1", "beta2", "stepSize", "eps", "gradScale"] as const;

/** Moments of gradients `G0..G{k-1}`, each at its own offset, into the new buffer `result`. */
function momentsProgram(k: number, total: number, threads: number): WebGpuProgram {
  const names = Array.from({ length: k }, (_, i) => `G${i}`);
  const updates = names.map((g, i) => `
        if (index < uniforms.${g.toLowerCase()}Shape) {
          let j = uniforms.o${i} + index;
          let g = ${g}[index] * uniforms.gradScale;
          result[j] = MV[j] * uniforms.beta1 + g * (1.0 - uniforms.beta1);
          let jv = uniforms.n + j;
          result[jv] = MV[jv] * uniforms.beta2 + (g * g) * (1.0 - uniforms.beta2);
        }`).join("");
  return {
    outputShape: [total],
    shaderKey: `flowfm_adam_flat_mv_${k}`,
    dispatchLayout: { x: [0] },
    dispatch: [Math.ceil(threads / 64), 1, 1],
    variableNames: ["MV", ...names],
    workgroupSize: [64, 1, 1],
    size: false,
    uniforms: [
      "n : i32,",
      ...CONSTANTS.map((c) => `${c} : f32,`),
      ...names.map((_, i) => `o${i} : i32,`),
    ].join(" "),
    getUserCode: () => `
      fn main(index : i32) {${updates}
      }`,
  };
}

/** `p' = p - stepSize m' / (sqrt(v') + eps)` for one parameter at offset `o`. */
const WEIGHTS = `
  let m = MV[uniforms.o + index];
  let v = MV[uniforms.n + uniforms.o + index];
  result[index] = P[index] - (m * uniforms.stepSize) / (sqrt(v) + uniforms.eps);`;

function register(): void {
  registerWebGpuKernel(KERNEL, (inputs, backend, attrs) => {
    const count = attrs.count;
    const mv = inputs.mv;
    const ps = Array.from({ length: count }, (_, i) => inputs[`p${i}`]);
    const gs = Array.from({ length: count }, (_, i) => inputs[`g${i}`]);
    const sizes = ps.map((p) => p.shape.reduce((a, b) => a * b, 1));
    const offsets: number[] = [];
    sizes.reduce((o, s) => (offsets.push(o), o + s), 0);
    const n = mv.shape[0] / 2;
    const next = backend.makeTensorInfo([2 * n], "float32");
    const per = Math.max(1, backend.device.limits.maxStorageBuffersPerShaderStage - 2);
    const constants: ProgramUniform[] = CONSTANTS.map((c) => ({
      type: "float32",
      data: [attrs[c]],
    }));
    for (let i = 0; i < count; i += per) {
      const chunk = gs.slice(i, i + per).map(flatInfo);
      const threads = Math.max(...sizes.slice(i, i + per));
      const uniforms: ProgramUniform[] = [
        { type: "int32", data: [n] },
        ...constants,
        ...offsets.slice(i, i + per).map((o) => ({ type: "int32" as const, data: [o] })),
      ];
      backend.runWebGPUProgram(
        momentsProgram(chunk.length, 2 * n, threads),
        [mv, ...chunk],
        "float32",
        uniforms,
        next,
      );
    }
    const outs = ps.map((p, i) => {
      const r = runElementwise(backend, "flowfm_adam_flat_p", sizes[i], ["P", "MV"], WEIGHTS, [
        p,
        next,
      ], [
        { name: "n", type: "i32", value: n },
        { name: "o", type: "i32", value: offsets[i] },
        { name: "stepSize", type: "f32", value: attrs.stepSize },
        { name: "eps", type: "f32", value: attrs.eps },
      ]);
      return { dataId: r.dataId, shape: p.shape, dtype: "float32" as const };
    });
    return [next, ...outs];
  });
}

/**
 * One Adam update of every parameter on webgpu: the new moments buffer and the new weights.
 *
 * @param mv Both moments, `[2 N]`: every parameter's `m` in order, then every `v`.
 * @param params Parameters, in the buffer's order (N values in all).
 * @param grads Their gradients, same shapes.
 * @param k The update's constants.
 * @returns `[mv', ...params']` (new tensors; the inputs are not changed).
 */
export function adamFlatStep(
  mv: tf.Tensor,
  params: tf.Tensor[],
  grads: tf.Tensor[],
  k: AdamStepConstants,
): tf.Tensor[] {
  register();
  const inputs: Record<string, tf.Tensor> = { mv };
  params.forEach((p, i) => (inputs[`p${i}`] = p));
  grads.forEach((g, i) => (inputs[`g${i}`] = g));
  const attrs = { ...k, count: params.length } as unknown as tf.NamedAttrMap;
  return tf.engine().runKernel(KERNEL, inputs, attrs) as unknown as tf.Tensor[];
}
