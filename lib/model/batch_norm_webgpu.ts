/**
 * The encoder's batch normalisation in training mode on WebGPU: the kernels `FlowFMBatchNorm` and
 * `FlowFMBatchNormGrad` of `./batch_norm_kernels.ts`, registered for webgpu. Each is four WGSL
 * programs: one workgroup per channel reduces over the batch and length (two passes, the mean and
 * then the variance about it; backward the sums of `dy` and `dy * xhat`), one thread per element
 * applies the result, and two copy out the per-channel vectors the caller gets (forward the mean
 * and variance, backward the gamma and beta gradients). tfjs's ops are some 25 kernels per norm
 * and step.
 *
 * On webgpu the forward kernel's fourth output is `stats`, `[c, 3]`: mean, biased variance and
 * `r = 1 / sqrt(variance + eps)` per channel; the backward kernel takes it as `r`.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs-core";
import {
  flatInfo,
  type ProgramUniform,
  registerWebGpuKernel,
  runElementwise,
  type WebGpuBackend,
  type WebGpuProgram,
} from "./webgpu_kernels.ts";

/** Threads of each channel's workgroup. */
const THREADS = 64;

/** Sums `part` over the workgroup into `partial[0]` (every thread calls it). */
const TREE = `
  fn treeSum(tid : i32) {
    workgroupBarrier();
    for (var stride = ${THREADS / 2}; stride > 0; stride = stride / 2) {
      if (tid < stride) {
        partial[tid] = partial[tid] + partial[tid + stride];
      }
      workgroupBarrier();
    }
  }`;

/** Per channel: mean, biased variance and `r` of `X`, `[c, 3]`. */
const STATS = `
  let ch = i32(workgroupId.x);
  let tid = i32(localIndex);
  var s = 0.0;
  for (var row = tid; row < uniforms.rows; row = row + ${THREADS}) {
    s = s + X[row * uniforms.c + ch];
  }
  partial[tid] = s;
  treeSum(tid);
  let mean = partial[0] / f32(uniforms.rows);
  workgroupBarrier();
  var q = 0.0;
  for (var row = tid; row < uniforms.rows; row = row + ${THREADS}) {
    let d = X[row * uniforms.c + ch] - mean;
    q = q + d * d;
  }
  partial[tid] = q;
  treeSum(tid);
  if (tid == 0) {
    let variance = partial[0] / f32(uniforms.rows);
    result[3 * ch] = mean;
    result[3 * ch + 1] = variance;
    result[3 * ch + 2] = inverseSqrt(variance + uniforms.eps);
  }`;

/**
 * `d`: the gradient at element `k` of channel `ch` before the ReLU (where the norm is followed by
 * one: zero where the output was clipped), from `xhat`.
 */
const MASKED = `
    var d = DY[k];
    if (uniforms.relu == 1 && xhat * G[ch] + B[ch] <= 0.0) {
      d = 0.0;
    }`;

/** Per channel: `sum dy` and `sum dy * xhat`, `[c, 2]`. */
const GRAD_STATS = `
  let ch = i32(workgroupId.x);
  let tid = i32(localIndex);
  let mean = S[3 * ch];
  let r = S[3 * ch + 2];
  var a = 0.0;
  var b = 0.0;
  for (var row = tid; row < uniforms.rows; row = row + ${THREADS}) {
    let k = row * uniforms.c + ch;
    let xhat = (X[k] - mean) * r;
    ${MASKED}
    a = a + d;
    b = b + d * xhat;
  }
  partial[tid] = a;
  treeSum(tid);
  let sa = partial[0];
  workgroupBarrier();
  partial[tid] = b;
  treeSum(tid);
  if (tid == 0) {
    result[2 * ch] = sa;
    result[2 * ch + 1] = partial[0];
  }`;

/** One workgroup per channel running `body`. */
function channelProgram(key: string, c: number, names: string[], body: string, out: number) {
  const program: WebGpuProgram = {
    outputShape: [out * c],
    shaderKey: key,
    dispatchLayout: { x: [0] },
    dispatch: [c, 1, 1],
    variableNames: names,
    workgroupSize: [THREADS, 1, 1],
    size: false,
    uniforms: "rows : i32, c : i32, eps : f32, relu : i32,",
    getUserCode: () => `
      var<workgroup> partial : array<f32, ${THREADS}>;
      ${TREE}
      fn main(index : i32) {
        ${body}
      }`,
  };
  return program;
}

/** `y = (x - mean) * r * gamma + beta`, then the ReLU when `relu` is 1 */
const NORMALISE = `
  let ch = index % uniforms.c;
  let y = (X[index] - S[3 * ch]) * S[3 * ch + 2] * G[ch] + B[ch];
  result[index] = select(y, max(y, 0.0), uniforms.relu == 1);`;

/** `dx = gamma r (d - mean(d) - xhat mean(d xhat))`, `d` the gradient before the ReLU */
const GRAD = `
  let ch = index % uniforms.c;
  let k = index;
  let r = S[3 * ch + 2];
  let n = f32(uniforms.rows);
  let xhat = (X[index] - S[3 * ch]) * r;
  ${MASKED}
  result[index] = G[ch] * r * (d - D[2 * ch] / n - xhat * (D[2 * ch + 1] / n));`;

/** `result[i] = S[i * stride + offset]` */
const PICK = "result[index] = S[index * uniforms.stride + uniforms.offset];";

/** Copies every `stride`-th value of `s` from `offset` on: `c` values. */
function pick(
  backend: WebGpuBackend,
  s: tf.TensorInfo,
  c: number,
  stride: number,
  offset: number,
): tf.TensorInfo {
  const r = runElementwise(backend, "flowfm_bn_pick", c, ["S"], PICK, [s], [
    { name: "stride", type: "i32", value: stride },
    { name: "offset", type: "i32", value: offset },
  ]);
  return { dataId: r.dataId, shape: [c], dtype: "float32" };
}

/** `rows`, `c`, `eps` and `relu` as the programs' uniforms. */
function dims(rows: number, c: number, eps: number, relu: number) {
  return [
    { name: "rows", type: "i32" as const, value: rows },
    { name: "c", type: "i32" as const, value: c },
    { name: "eps", type: "f32" as const, value: eps },
    { name: "relu", type: "i32" as const, value: relu },
  ];
}

/** The same as {@link dims}, in the form `runWebGPUProgram` takes. */
function channelUniforms(rows: number, c: number, eps: number, relu: number): ProgramUniform[] {
  return dims(rows, c, eps, relu).map((u) => ({
    type: u.type === "f32" ? "float32" : "int32",
    data: [u.value],
  }));
}

/**
 * Registers the webgpu versions of `forward` (inputs `x`, `gamma`, `beta`; attributes `eps` and
 * `relu`, 1 for a ReLU after the norm; outputs `y`, `mean`, `variance`, `stats`) and `backward`
 * (inputs `dy`, `x`, `r` = the stats, `gamma`, `beta`; attribute `relu`; outputs `dx`, `dgamma`,
 * `dbeta`), once.
 *
 * @param forward The forward kernel's name.
 * @param backward The backward kernel's name.
 */
export function registerBatchNormWebGpu(forward: string, backward: string): void {
  registerWebGpuKernel(forward, ({ x, gamma, beta }, backend, { eps, relu }) => {
    const c = x.shape[2], rows = x.shape[0] * x.shape[1], size = rows * c;
    const stats = backend.runWebGPUProgram(
      channelProgram("flowfm_bn_stats", c, ["X"], STATS, 3),
      [flatInfo(x)],
      "float32",
      channelUniforms(rows, c, eps, 0),
    );
    const y = runElementwise(backend, "flowfm_bn", size, ["X", "S", "G", "B"], NORMALISE, [
      x,
      stats,
      gamma,
      beta,
    ], dims(rows, c, eps, relu ?? 0));
    return [
      { dataId: y.dataId, shape: x.shape, dtype: "float32" },
      pick(backend, stats, c, 3, 0),
      pick(backend, stats, c, 3, 1),
      { dataId: stats.dataId, shape: [c, 3], dtype: "float32" },
    ];
  });
  registerWebGpuKernel(backward, ({ dy, x, r, gamma, beta }, backend, { relu }) => {
    const c = x.shape[2], rows = x.shape[0] * x.shape[1], size = rows * c;
    const sums = backend.runWebGPUProgram(
      channelProgram("flowfm_bn_dstats", c, ["DY", "X", "S", "G", "B"], GRAD_STATS, 2),
      [dy, x, r, gamma, beta].map(flatInfo),
      "float32",
      channelUniforms(rows, c, 0, relu ?? 0),
    );
    const names = ["DY", "X", "S", "G", "D", "B"];
    const dx = runElementwise(backend, "flowfm_bn_dx", size, names, GRAD, [
      dy,
      x,
      r,
      gamma,
      sums,
      beta,
    ], dims(rows, c, 0, relu ?? 0));
    const out = [
      { dataId: dx.dataId, shape: x.shape, dtype: "float32" as const },
      pick(backend, sums, c, 2, 1),
      pick(backend, sums, c, 2, 0),
    ];
    backend.disposeData(sums.dataId);
    return out;
  });
}
