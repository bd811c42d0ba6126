/**
 * Group normalisation (no affine part) on WebGPU: the kernels `FlowFMGroupNorm` and
 * `FlowFMGroupNormGrad` of `./norm_kernels.ts`, registered for webgpu, each two WGSL programs (one
 * thread per window and group for the statistics, one per element for the result), in place of
 * some 25 tfjs kernels per norm and step (reshapes, moments, rsqrt, subtract, multiply, and the
 * means of its gradient).
 *
 * On webgpu the forward kernel's second output is `stats`, `[batch, groups, 2]`: each group's
 * mean and `r = 1 / sqrt(var + eps)` (two passes over the group: the mean, then the variance
 * about it); the backward kernel takes it as `r`. With `y` the normalised value,
 * `dx = r * (dy - mean(dy) - y * mean(dy * y))`, the means over the group's samples and channels.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import { registerWebGpuKernel, runElementwise, type WebGpuBackend } from "./webgpu_kernels.ts";

/** Per (window, group): the mean and `r` of `X`, `[batch, groups, 2]` (uniforms `len`, `c`, `groups`, `eps`). */
export const GROUP_STATS = `
  let n = index / uniforms.groups;
  let g = index % uniforms.groups;
  let cg = uniforms.c / uniforms.groups;
  let count = f32(uniforms.len * cg);
  var s = 0.0;
  for (var t = 0; t < uniforms.len; t++) {
    let k = (n * uniforms.len + t) * uniforms.c + g * cg;
    for (var j = 0; j < cg; j++) {
      s = s + X[k + j];
    }
  }
  let mean = s / count;
  var q = 0.0;
  for (var t = 0; t < uniforms.len; t++) {
    let k = (n * uniforms.len + t) * uniforms.c + g * cg;
    for (var j = 0; j < cg; j++) {
      let d = X[k + j] - mean;
      q = q + d * d;
    }
  }
  result[2 * index] = mean;
  result[2 * index + 1] = inverseSqrt(q / count + uniforms.eps);`;

/** `y = (x - mean) * r` */
const NORMALISE = `
  let ch = index % uniforms.c;
  let n = index / (uniforms.c * uniforms.len);
  let s = 2 * (n * uniforms.groups + ch / (uniforms.c / uniforms.groups));
  result[index] = (X[index] - S[s]) * S[s + 1];`;

/** Per (window, group): the means of `dy` and of `dy * y`. */
const GRAD_STATS = `
  let n = index / uniforms.groups;
  let g = index % uniforms.groups;
  let cg = uniforms.c / uniforms.groups;
  var a = 0.0;
  var b = 0.0;
  for (var t = 0; t < uniforms.len; t++) {
    let k = (n * uniforms.len + t) * uniforms.c + g * cg;
    for (var j = 0; j < cg; j++) {
      a = a + DY[k + j];
      b = b + DY[k + j] * Y[k + j];
    }
  }
  let count = f32(uniforms.len * cg);
  result[2 * index] = a / count;
  result[2 * index + 1] = b / count;`;

/** `dx = r * (dy - mean(dy) - y * mean(dy * y))` */
const GRAD = `
  let ch = index % uniforms.c;
  let n = index / (uniforms.c * uniforms.len);
  let s = 2 * (n * uniforms.groups + ch / (uniforms.c / uniforms.groups));
  result[index] = S[s + 1] * (DY[index] - M[s] - Y[index] * M[s + 1]);`;

/** Runs one program of this module: `threads` threads, `outputSize` values out. */
function run(
  backend: WebGpuBackend,
  key: string,
  threads: number,
  names: string[],
  code: string,
  inputs: tf.TensorInfo[],
  like: tf.TensorInfo,
  groups: number,
  options: { eps?: number; outputSize?: number } = {},
): tf.TensorInfo {
  const [, len, c] = like.shape;
  const uniforms = [
    { name: "len", type: "i32" as const, value: len },
    { name: "c", type: "i32" as const, value: c },
    { name: "groups", type: "i32" as const, value: groups },
    { name: "eps", type: "f32" as const, value: options.eps ?? 0 },
  ];
  return runElementwise(backend, key, threads, names, code, inputs, uniforms, options.outputSize);
}

/**
 * Registers the webgpu versions of `forward` (inputs `x`; attributes `groups`, `eps`; outputs
 * `y`, `stats`) and `backward` (inputs `dy`, `y`, `r` = the stats; output `dx`), once.
 *
 * @param forward The forward kernel's name.
 * @param backward The backward kernel's name.
 */
export function registerGroupNormWebGpu(forward: string, backward: string): void {
  registerWebGpuKernel(forward, ({ x }, backend, { groups, eps }) => {
    const rows = x.shape[0] * groups;
    const stats = run(backend, "flowfm_gn_stats", rows, ["X"], GROUP_STATS, [x], x, groups, {
      eps,
      outputSize: 2 * rows,
    });
    const size = x.shape.reduce((a, b) => a * b, 1);
    const y = run(backend, "flowfm_gn", size, ["X", "S"], NORMALISE, [x, stats], x, groups);
    return [
      { dataId: y.dataId, shape: x.shape, dtype: "float32" },
      { dataId: stats.dataId, shape: [x.shape[0], groups, 2], dtype: "float32" },
    ];
  });
  registerWebGpuKernel(backward, ({ dy, y, r }, backend) => {
    const groups = r.shape[1];
    const rows = dy.shape[0] * groups;
    const m = run(backend, "flowfm_gn_dstats", rows, ["DY", "Y"], GRAD_STATS, [dy, y], dy, groups, {
      outputSize: 2 * rows,
    });
    const size = dy.shape.reduce((a, b) => a * b, 1);
    const dx = run(
      backend,
      "flowfm_gn_dx",
      size,
      ["DY", "Y", "S", "M"],
      GRAD,
      [dy, y, r, m],
      dy,
      groups,
    );
    backend.disposeData(m.dataId);
    return { dataId: dx.dataId, shape: dy.shape, dtype: "float32" };
  });
}
