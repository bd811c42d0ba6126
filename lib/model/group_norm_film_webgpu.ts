/**
 * The generator's group norm, FiLM and SiLU, `silu(norm(x) * (1 + scale) + shift)`, as one kernel
 * each way on WebGPU: forward the group statistics and then one program per element; backward the
 * scale and shift gradients (per window and channel), the group means of the gradient at the norm's
 * output, and the input gradient, the normalised value recomputed from `x` and the statistics each
 * time. It stands in for a group norm kernel followed by a FiLM + SiLU one (four kernels
 * and two custom-gradient wrappers per block and step, and the normalised activations written
 * out and saved).
 *
 * With `y` the normalised value, `u = y (1 + scale) + shift`, `s = sigmoid(u)`:
 * `du = dout (s + u s (1 - s))`, `dscale = sum_l du y`, `dshift = sum_l du`, `dy = du (1 + scale)`,
 * `dx = r (dy - mean(dy) - y mean(dy y))` over each group.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Tensor2D, Tensor3D } from "../tensors.ts";
import { registerWebGpuKernel, runElementwise, type WebGpuBackend } from "./webgpu_kernels.ts";
import { GROUP_STATS } from "./group_norm_webgpu.ts";

const FORWARD = "FlowFMGroupNormFilmSilu", BACKWARD = "FlowFMGroupNormFilmSiluGrad";

/** For element `k` (window `n`, channel `ch`): `y`, `scale`, `u`, `s`, and `du` from `DY`. */
const ELEMENT = `
  let cg = uniforms.c / uniforms.groups;
  let sg = 2 * (n * uniforms.groups + ch / cg);
  let y = (X[k] - S[sg]) * S[sg + 1];
  let scale = 1.0 + SS[n * 2 * uniforms.c + ch];
  let u = y * scale + SS[n * 2 * uniforms.c + uniforms.c + ch];
  let s = 1.0 / (1.0 + exp(-u));`;
const DU = "let du = DY[k] * (s + u * s * (1.0 - s));";

const FORWARD_CODE = `
  let k = index;
  let ch = index % uniforms.c;
  let n = index / (uniforms.c * uniforms.len);
  ${ELEMENT}
  result[index] = u * s;`;

/** Per (window, channel): `dscale` then `dshift`, as the layout of `ss`. */
const GRAD_SS = `
  let n = index / uniforms.c;
  let ch = index % uniforms.c;
  var a = 0.0;
  var b = 0.0;
  for (var t = 0; t < uniforms.len; t++) {
    let k = (n * uniforms.len + t) * uniforms.c + ch;
    ${ELEMENT}
    ${DU}
    a = a + du * y;
    b = b + du;
  }
  result[n * 2 * uniforms.c + ch] = a;
  result[n * 2 * uniforms.c + uniforms.c + ch] = b;`;

/** Per (window, group): the means of `dy` and `dy * y` at the norm's output. */
const GRAD_STATS = `
  let n = index / uniforms.groups;
  let g = index % uniforms.groups;
  let cg0 = uniforms.c / uniforms.groups;
  var a = 0.0;
  var b = 0.0;
  for (var t = 0; t < uniforms.len; t++) {
    for (var j = 0; j < cg0; j++) {
      let ch = g * cg0 + j;
      let k = (n * uniforms.len + t) * uniforms.c + ch;
      ${ELEMENT}
      ${DU}
      let dy = du * scale;
      a = a + dy;
      b = b + dy * y;
    }
  }
  let count = f32(uniforms.len * cg0);
  result[2 * index] = a / count;
  result[2 * index + 1] = b / count;`;

/** `dx = r (dy - mean(dy) - y mean(dy y))` */
const GRAD_X = `
  let k = index;
  let ch = index % uniforms.c;
  let n = index / (uniforms.c * uniforms.len);
  ${ELEMENT}
  ${DU}
  let dy = du * scale;
  result[index] = S[sg + 1] * (dy - M[sg] - y * M[sg + 1]);`;

function dims(x: tf.TensorInfo, groups: number, eps: number) {
  return [
    { name: "len", type: "i32" as const, value: x.shape[1] },
    { name: "c", type: "i32" as const, value: x.shape[2] },
    { name: "groups", type: "i32" as const, value: groups },
    { name: "eps", type: "f32" as const, value: eps },
  ];
}

function run(
  backend: WebGpuBackend,
  key: string,
  threads: number,
  names: string[],
  code: string,
  inputs: tf.TensorInfo[],
  x: tf.TensorInfo,
  groups: number,
  eps: number,
  outputSize?: number,
): tf.TensorInfo {
  return runElementwise(
    backend,
    key,
    threads,
    names,
    code,
    inputs,
    dims(x, groups, eps),
    outputSize,
  );
}

function register(): void {
  const size = (t: tf.TensorInfo) => t.shape.reduce((a, b) => a * b, 1);
  registerWebGpuKernel(FORWARD, ({ x, ss }, backend, { groups, eps }) => {
    const rows = x.shape[0] * groups;
    const stats = run(
      backend,
      "flowfm_gn_stats",
      rows,
      ["X"],
      GROUP_STATS,
      [x],
      x,
      groups,
      eps,
      2 * rows,
    );
    const out = run(
      backend,
      "flowfm_gnf",
      size(x),
      ["X", "S", "SS"],
      FORWARD_CODE,
      [x, stats, ss],
      x,
      groups,
      eps,
    );
    return [
      { dataId: out.dataId, shape: x.shape, dtype: "float32" },
      { dataId: stats.dataId, shape: [x.shape[0], groups, 2], dtype: "float32" },
    ];
  });
  registerWebGpuKernel(BACKWARD, ({ dy, x, stats, ss }, backend, { groups }) => {
    const names = ["DY", "X", "S", "SS"], inputs = [dy, x, stats, ss];
    const perChannel = x.shape[0] * x.shape[2], perGroup = x.shape[0] * groups;
    const dss = run(
      backend,
      "flowfm_gnf_dss",
      perChannel,
      names,
      GRAD_SS,
      inputs,
      x,
      groups,
      0,
      2 * perChannel,
    );
    const m = run(
      backend,
      "flowfm_gnf_dstats",
      perGroup,
      names,
      GRAD_STATS,
      inputs,
      x,
      groups,
      0,
      2 * perGroup,
    );
    const dx = run(
      backend,
      "flowfm_gnf_dx",
      size(x),
      [...names, "M"],
      GRAD_X,
      [...inputs, m],
      x,
      groups,
      0,
    );
    backend.disposeData(m.dataId);
    return [
      { dataId: dx.dataId, shape: x.shape, dtype: "float32" },
      { dataId: dss.dataId, shape: ss.shape, dtype: "float32" },
    ];
  });
}

/**
 * `silu(groupNorm(x) * (1 + scale) + shift)`, `[scale, shift]` the halves of `ss`, on WebGPU,
 * differentiable in `x` and `ss`.
 *
 * @param x Activations `[batch, length, c]`, on webgpu.
 * @param ss Scale and shift per window `[batch, 2c]`.
 * @param groups Channel groups of the norm (divides `c`).
 * @param eps Added to the variance.
 * @returns Shape `[batch, length, c]`.
 * @throws Error naming the shapes when they do not fit.
 */
export function groupNormFilmSiluWebGpu(
  x: Tensor3D,
  ss: Tensor2D,
  groups: number,
  eps = 1e-5,
): Tensor3D {
  const [b, , c] = x.shape;
  if (c % groups !== 0 || ss.shape[0] !== b || ss.shape[1] !== 2 * c) {
    throw new Error(
      `groupNormFilmSilu: activations [${x.shape}] in ${groups} groups with scale and shift [${ss.shape}]`,
    );
  }
  register();
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xs, sss, save] = args as [Tensor3D, Tensor2D, tf.GradSaveFunc];
    const [out, stats] = tf.engine().runKernel(FORWARD, { x: xs, ss: sss }, {
      groups,
      eps,
    }) as unknown as tf.Tensor[];
    save([xs, stats, sss]);
    return {
      value: out,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.engine().runKernel(BACKWARD, { dy, x: saved[0], stats: saved[1], ss: saved[2] }, {
          groups,
        }) as tf.Tensor[],
    };
  });
  return f(x, ss) as Tensor3D;
}
