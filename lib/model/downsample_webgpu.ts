/**
 * The encoder's anti-aliased downsampling on WebGPU as one kernel each way: the fixed filter (a box
 * of width `factor` convolved with itself `order` times, normalised) applied with zero padding and
 * stride `factor` in one WGSL program, its weights written into the shader as constants; the input
 * gradient in another. tfjs's route is a pad and `order + 1` average pools, each with two reshapes
 * and a cast, and as many gradients.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Tensor3D } from "../tensors.ts";
import { registerWebGpuKernel, runElementwise } from "./webgpu_kernels.ts";

const FORWARD = "FlowFMDownsample", BACKWARD = "FlowFMDownsampleGrad";

/**
 * The composed filter: a box of width `factor` convolved with itself `order` times, divided by
 * `factor^(order + 1)`; `(order + 1)(factor - 1) + 1` taps.
 *
 * @param factor Box width.
 * @param order Extra convolutions.
 * @returns The taps (they sum to 1).
 */
export function downsampleFilter(factor: number, order: number): number[] {
  let f = [1];
  for (let i = 0; i <= order; i++) {
    const next = new Array(f.length + factor - 1).fill(0);
    f.forEach((v, j) => {
      for (let k = 0; k < factor; k++) next[j + k] += v / factor;
    });
    f = next;
  }
  return f;
}

/** WGSL declaring the taps as `F` (a function-scope array, indexable at run time). */
function taps(factor: number, order: number): string {
  const f = downsampleFilter(factor, order);
  return `var F = array<f32, ${f.length}>(${f.map((v) => v.toPrecision(9)).join(", ")});`;
}

/** `y[b, o, c] = sum_n F[n] x[b, o * factor + n - pad, c]` (zero outside) */
const FORWARD_CODE = `
  let ch = index % uniforms.c;
  let o = (index / uniforms.c) % uniforms.outLen;
  let n = index / (uniforms.c * uniforms.outLen);
  var s = 0.0;
  for (var j = 0; j < uniforms.k; j++) {
    let i = o * uniforms.factor + j - uniforms.pad;
    if (i >= 0 && i < uniforms.inLen) {
      s = s + F[j] * X[(n * uniforms.inLen + i) * uniforms.c + ch];
    }
  }
  result[index] = s;`;

/** `dx[b, i, c] = sum over (o, n) with o * factor + n = i + pad of F[n] dy[b, o, c]` */
const BACKWARD_CODE = `
  let ch = index % uniforms.c;
  let i = (index / uniforms.c) % uniforms.inLen;
  let n = index / (uniforms.c * uniforms.inLen);
  var s = 0.0;
  for (var j = 0; j < uniforms.k; j++) {
    let t = i + uniforms.pad - j;
    if (t >= 0 && t % uniforms.factor == 0 && t / uniforms.factor < uniforms.outLen) {
      s = s + F[j] * DY[(n * uniforms.outLen + t / uniforms.factor) * uniforms.c + ch];
    }
  }
  result[index] = s;`;

const DIMS = ["inLen", "outLen", "c", "k", "factor", "pad"];

function register(): void {
  const kernel = (name: string, key: string, input: string, code: string, out: "y" | "dx") =>
    registerWebGpuKernel(name, (inputs, backend, attrs) => {
      const { factor, order, batch, inLen, outLen, c } = attrs;
      const len = out === "y" ? outLen : inLen;
      const d: Record<string, number> = {
        ...attrs,
        k: (order + 1) * (factor - 1) + 1,
        pad: (order * (factor - 1)) / 2,
      };
      const r = runElementwise(
        backend,
        `${key}_${factor}_${order}`,
        batch * len * c,
        [input],
        `${taps(factor, order)}\n${code}`,
        [inputs[input.toLowerCase()]],
        DIMS.map((n) => ({ name: n, type: "i32" as const, value: d[n] })),
      );
      return { dataId: r.dataId, shape: [batch, len, c], dtype: "float32" };
    });
  kernel(FORWARD, "flowfm_down", "X", FORWARD_CODE, "y");
  kernel(BACKWARD, "flowfm_down_dx", "DY", BACKWARD_CODE, "dx");
  // the gradient, registered under the kernel's name (no custom-gradient wrapper); nothing saved
  if (!tf.getGradient(FORWARD)) {
    tf.registerGradient({
      kernelName: FORWARD,
      gradFunc: (dy, _saved, attrs) => ({
        x: () => tf.engine().runKernel(BACKWARD, { dy: dy as tf.Tensor }, attrs as tf.NamedAttrMap),
      }),
    });
  }
}

/**
 * Anti-aliased downsampling on WebGPU, differentiable (see the module's notes); the caller checks
 * that `order * (factor - 1)` is even.
 *
 * @param x Input `[batch, length, channels]`, on webgpu.
 * @param factor Downsampling factor (> 1).
 * @param order Extra box convolutions.
 * @returns Shape `[batch, floor((length + 2 pad - k) / factor) + 1, channels]`, `k` the taps.
 */
export function downsampleWebGpu(x: Tensor3D, factor: number, order: number): Tensor3D {
  const [batch, inLen, c] = x.shape;
  const k = (order + 1) * (factor - 1) + 1, pad = (order * (factor - 1)) / 2;
  const outLen = Math.floor((inLen + 2 * pad - k) / factor) + 1;
  if (outLen < 1) {
    throw new RangeError(`antiAliasDownsample: input [${x.shape}] is shorter than the filter`);
  }
  register();
  const attrs = { factor, order, batch, inLen, outLen, c } as unknown as tf.NamedAttrMap;
  return tf.engine().runKernel(FORWARD, { x }, attrs) as Tensor3D;
}
