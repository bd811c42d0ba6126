/**
 * One Adam update of one parameter on WebGPU: a kernel of its own (`FlowFMAdam`, the name of the
 * wasm kernel of `./adam_kernel.ts`) that runs three WGSL programs, the new first moment, the new
 * second moment and the new weights, each one fused pass, in place of the dozen element-wise
 * kernels (and dispatches) of tfjs's ops. Each program reads its buffers as flat arrays, so three
 * compiled shaders serve every parameter.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import { registerWebGpuKernel, runElementwise } from "../model/webgpu_kernels.ts";

/** The kernel's name on webgpu, as on wasm. */
export const ADAM_KERNEL = "FlowFMAdam";

/** `m' = b1 m + (1 - b1) s g` */
const FIRST = "result[index] = M[index] * uniforms.beta1 + (G[index] * uniforms.gradScale) * " +
  "(1.0 - uniforms.beta1);";
/** `v' = b2 v + (1 - b2) (s g)^2` */
const SECOND = "let g = G[index] * uniforms.gradScale;\n" +
  "result[index] = V[index] * uniforms.beta2 + (g * g) * (1.0 - uniforms.beta2);";
/** `p' = p - stepSize m' / (sqrt(v') + eps)` */
const WEIGHTS = "result[index] = P[index] - (M[index] * uniforms.stepSize) / " +
  "(sqrt(V[index]) + uniforms.eps);";

const CONSTANTS = ["beta1", "beta2", "stepSize", "eps", "gradScale"];

/** Registers {@link ADAM_KERNEL} on webgpu, once. */
export function registerAdamWebGpu(): void {
  registerWebGpuKernel(ADAM_KERNEL, (inputs, backend, attrs) => {
    const { p, m, v, g } = inputs;
    const n = p.shape.reduce((a, b) => a * b, 1);
    const uniforms = CONSTANTS.map((name) => ({ name, type: "f32" as const, value: attrs[name] }));
    const run = (key: string, names: string[], body: string, xs: tf.TensorInfo[]) =>
      runElementwise(backend, key, n, names, body, xs, uniforms);
    const m1 = run("flowfm_adam_m", ["M", "G"], FIRST, [m, g]);
    const v1 = run("flowfm_adam_v", ["V", "G"], SECOND, [v, g]);
    const p1 = run("flowfm_adam_p", ["P", "M", "V"], WEIGHTS, [p, m1, v1]);
    return [p1, m1, v1].map((t) => ({ dataId: t.dataId, shape: p.shape, dtype: "float32" }));
  });
}
