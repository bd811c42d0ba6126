/**
 * A dense layer, `x w + b`, on WebGPU as one kernel (`FlowFMDense`), with its gradient registered
 * under that name (no `tf.customGrad` wrapper): the input, weight and bias gradients are a kernel
 * each. tfjs's route is a `BatchMatMul` and an `Add`, and backward two `BatchMatMul`s, the
 * broadcast bias gradient's sum and the reshapes around them. Each thread computes one output from
 * flat buffers; the layers this model has (condition widths up to 256, batches up to a few
 * hundred) keep every loop short.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Tensor2D } from "../tensors.ts";
import { registerWebGpuKernel, runElementwise } from "./webgpu_kernels.ts";

const FORWARD = "FlowFMDense";
const DX = "FlowFMDenseDx", DW = "FlowFMDenseDw", DB = "FlowFMDenseDb";

/** `y[i, j] = b[j] + sum_k x[i, k] w[k, j]` */
const FORWARD_CODE = `
  let j = index % uniforms.n;
  let i = index / uniforms.n;
  var s = B[j];
  for (var k = 0; k < uniforms.k; k++) {
    s = s + X[i * uniforms.k + k] * W[k * uniforms.n + j];
  }
  result[index] = s;`;

/** `dx[i, k] = sum_j dy[i, j] w[k, j]` */
const DX_CODE = `
  let k = index % uniforms.k;
  let i = index / uniforms.k;
  var s = 0.0;
  for (var j = 0; j < uniforms.n; j++) {
    s = s + DY[i * uniforms.n + j] * W[k * uniforms.n + j];
  }
  result[index] = s;`;

/** `dw[k, j] = sum_i x[i, k] dy[i, j]` */
const DW_CODE = `
  let j = index % uniforms.n;
  let k = index / uniforms.n;
  var s = 0.0;
  for (var i = 0; i < uniforms.m; i++) {
    s = s + X[i * uniforms.k + k] * DY[i * uniforms.n + j];
  }
  result[index] = s;`;

/** `db[j] = sum_i dy[i, j]` */
const DB_CODE = `
  var s = 0.0;
  for (var i = 0; i < uniforms.m; i++) {
    s = s + DY[i * uniforms.n + index];
  }
  result[index] = s;`;

function register(): void {
  if (tf.getKernel(FORWARD, "webgpu")) return;
  const kernel = (name: string, key: string, names: string[], code: string, out: string) =>
    registerWebGpuKernel(name, (inputs, backend, { m, k, n }) => {
      const shape = out === "y" ? [m, n] : out === "dx" ? [m, k] : out === "dw" ? [k, n] : [n];
      const r = runElementwise(
        backend,
        key,
        shape.reduce((a, b) => a * b, 1),
        names,
        code,
        names.map((v) => inputs[v.toLowerCase()]),
        [["m", m], ["k", k], ["n", n]].map(([name, value]) => ({
          name: name as string,
          type: "i32" as const,
          value: value as number,
        })),
      );
      return { dataId: r.dataId, shape, dtype: "float32" };
    });
  kernel(FORWARD, "flowfm_dense", ["X", "W", "B"], FORWARD_CODE, "y");
  kernel(DX, "flowfm_dense_dx", ["DY", "W"], DX_CODE, "dx");
  kernel(DW, "flowfm_dense_dw", ["X", "DY"], DW_CODE, "dw");
  kernel(DB, "flowfm_dense_db", ["DY"], DB_CODE, "db");
  tf.registerGradient({
    kernelName: FORWARD,
    inputsToSave: ["x", "w"],
    gradFunc: (dy, saved, attrs) => {
      const [x, w] = saved;
      const a = attrs as tf.NamedAttrMap;
      const run = (name: string, inputs: Record<string, tf.Tensor>) =>
        tf.engine().runKernel(name, inputs, a) as tf.Tensor;
      const d = dy as tf.Tensor;
      return {
        x: () => run(DX, { dy: d, w }),
        w: () => run(DW, { x, dy: d }),
        b: () => run(DB, { dy: d }),
      };
    },
  });
}

/**
 * `x w + b` on WebGPU, differentiable in all three.
 *
 * @param x Input `[m, k]`, on webgpu.
 * @param w Weights `[k, n]`.
 * @param b Bias `[n]`.
 * @returns Shape `[m, n]`.
 * @throws Error naming the shapes when they do not fit.
 */
export function denseWebGpu(x: Tensor2D, w: Tensor2D, b: tf.Tensor): Tensor2D {
  const [m, k] = x.shape, n = w.shape[1];
  if (w.shape[0] !== k || b.size !== n || b.rank !== 1) {
    throw new Error(`dense: input [${x.shape}], weights [${w.shape}] and bias [${b.shape}]`);
  }
  register();
  return tf.engine().runKernel(FORWARD, { x, w, b }, { m, k, n }) as Tensor2D;
}
