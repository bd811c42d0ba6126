/**
 * The generator's FiLM and SiLU after a group norm, `silu(y * (1 + scale) + shift)` with `scale`
 * and `shift` the two halves of the condition's dense output, as kernels of their own on WebGPU:
 * one WGSL program forward, two backward (the input gradient per element; the scale and shift
 * gradients per window and channel, summed over the length). tfjs's ops are a reshape, a split,
 * three element-wise ops and the sigmoid, and for the gradient some twenty kernels more.
 *
 * With `u = y (1 + scale) + shift`, `s = sigmoid(u)`: `du = dout (s + u s (1 - s))`,
 * `dy = du (1 + scale)`, `dscale = sum_l du y`, `dshift = sum_l du`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Tensor2D, Tensor3D } from "../tensors.ts";
import { registerWebGpuKernel, runElementwise } from "./webgpu_kernels.ts";

const FORWARD = "FlowFMFilmSilu", BACKWARD_X = "FlowFMFilmSiluGrad";

/** `u` and `s` of element `index` (channel `ch`, window `n`) from `Y` and `SS`. */
const PRE = `
  let ch = index % uniforms.c;
  let n = index / (uniforms.c * uniforms.len);
  let scale = 1.0 + SS[n * 2 * uniforms.c + ch];
  let u = Y[index] * scale + SS[n * 2 * uniforms.c + uniforms.c + ch];
  let s = 1.0 / (1.0 + exp(-u));`;

const FORWARD_CODE = `${PRE}
  result[index] = u * s;`;

const GRAD_Y = `${PRE}
  result[index] = DY[index] * (s + u * s * (1.0 - s)) * scale;`;

/** Per (window, channel): `dscale` then `dshift`, as the layout of `ss`. */
const GRAD_SS = `
  let n = index / uniforms.c;
  let ch = index % uniforms.c;
  let scale = 1.0 + SS[n * 2 * uniforms.c + ch];
  let shift = SS[n * 2 * uniforms.c + uniforms.c + ch];
  var a = 0.0;
  var b = 0.0;
  for (var t = 0; t < uniforms.len; t++) {
    let k = (n * uniforms.len + t) * uniforms.c + ch;
    let u = Y[k] * scale + shift;
    let s = 1.0 / (1.0 + exp(-u));
    let du = DY[k] * (s + u * s * (1.0 - s));
    a = a + du * Y[k];
    b = b + du;
  }
  result[n * 2 * uniforms.c + ch] = a;
  result[n * 2 * uniforms.c + uniforms.c + ch] = b;`;

function register(): void {
  const dims = (like: tf.TensorInfo) => [
    { name: "len", type: "i32" as const, value: like.shape[1] },
    { name: "c", type: "i32" as const, value: like.shape[2] },
  ];
  const size = (t: tf.TensorInfo) => t.shape.reduce((a, b) => a * b, 1);
  registerWebGpuKernel(FORWARD, ({ y, ss }, backend) => {
    const r = runElementwise(backend, "flowfm_film", size(y), ["Y", "SS"], FORWARD_CODE, [
      y,
      ss,
    ], dims(y));
    return { dataId: r.dataId, shape: y.shape, dtype: "float32" };
  });
  registerWebGpuKernel(BACKWARD_X, ({ dy, y, ss }, backend) => {
    const names = ["DY", "Y", "SS"], inputs = [dy, y, ss];
    const dx = runElementwise(backend, "flowfm_film_dy", size(y), names, GRAD_Y, inputs, dims(y));
    const rows = y.shape[0] * y.shape[2];
    const dss = runElementwise(
      backend,
      "flowfm_film_dss",
      rows,
      names,
      GRAD_SS,
      inputs,
      dims(y),
      2 * rows,
    );
    return [
      { dataId: dx.dataId, shape: y.shape, dtype: "float32" },
      { dataId: dss.dataId, shape: ss.shape, dtype: "float32" },
    ];
  });
}

/**
 * `silu(y * (1 + scale) + shift)`, `[scale, shift]` the halves of `ss` along its channels, on
 * WebGPU, differentiable in `y` and `ss`.
 *
 * @param y Normalised activations `[batch, length, c]`, on webgpu.
 * @param ss Scale and shift per window `[batch, 2c]`.
 * @returns Shape `[batch, length, c]`.
 * @throws Error naming the shapes when `ss` does not fit `y`.
 */
export function filmSiluWebGpu(y: Tensor3D, ss: Tensor2D): Tensor3D {
  const [b, , c] = y.shape;
  if (ss.shape[0] !== b || ss.shape[1] !== 2 * c) {
    throw new Error(`filmSilu: scale and shift [${ss.shape}] do not fit activations [${y.shape}]`);
  }
  register();
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [ys, sss, save] = args as [Tensor3D, Tensor2D, tf.GradSaveFunc];
    save([ys, sss]);
    return {
      value: tf.engine().runKernel(FORWARD, { y: ys, ss: sss }) as Tensor3D,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.engine().runKernel(BACKWARD_X, { dy, y: saved[0], ss: saved[1] }) as tf.Tensor[],
    };
  });
  return f(y, ss) as Tensor3D;
}
