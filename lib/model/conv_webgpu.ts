/**
 * Stride-1 1-D convolution on WebGPU as three kernels of its own, one WGSL program each: the
 * output, the input gradient and the filter gradient, for the three paddings the networks use
 * (valid, "same" with zeros, "same" circular). tfjs's route is a reshape to conv2d, circular
 * padding by slices and a concat, and for the gradients a flipped, transposed filter, padded
 * gradients and transposes around a conv2d: some 25 kernels per convolution and step, against 3
 * here. Each thread computes one output element from flat buffers, so one compiled shader per
 * kernel serves every layer of every preset.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Tensor3D } from "../tensors.ts";
import { registerWebGpuKernel, runElementwise } from "./webgpu_kernels.ts";

const FORWARD = "FlowFMConv1d";
const INPUT_GRAD = "FlowFMConv1dInputGrad";
const FILTER_GRAD = "FlowFMConv1dFilterGrad";
const FORWARD_BIAS = "FlowFMConv1dBias";
const BIAS_GRAD = "FlowFMConv1dBiasGrad";

/** Shape constants every program gets, as `i32` uniforms. */
const DIMS = ["batch", "inLen", "outLen", "cin", "cout", "k", "pad", "circ"];

/**
 * `i` is a position in the input for output position `l` and tap `j`; WGSL statements that wrap
 * it (circular) or skip the tap when it falls in the zero padding. Wrapping adds three lengths
 * before `%` (positions are never below `-2 length` here): `%` of a negative `i32` gave wrong
 * values on llvmpipe through Deno's WebGPU.
 */
const WRAP_OR_SKIP = `
  if (uniforms.circ == 1) {
    i = (i + 3 * uniforms.inLen) % uniforms.inLen;
  } else if (i < 0 || i >= uniforms.inLen) {
    continue;
  }`;

/** `y[b, l, co] = sum_{j, ci} x[b, i(l + j - pad), ci] w[j, ci, co]` */
const FORWARD_CODE = `
  let co = index % uniforms.cout;
  let l = (index / uniforms.cout) % uniforms.outLen;
  let b = index / (uniforms.cout * uniforms.outLen);
  var s = 0.0;
  for (var j = 0; j < uniforms.k; j++) {
    var i = l + j - uniforms.pad;
    ${WRAP_OR_SKIP}
    let xb = (b * uniforms.inLen + i) * uniforms.cin;
    let wb = j * uniforms.cin * uniforms.cout + co;
    for (var c = 0; c < uniforms.cin; c++) {
      s = s + X[xb + c] * W[wb + c * uniforms.cout];
    }
  }
  result[index] = s;`;

/** {@link FORWARD_CODE} plus a bias per output channel. */
const FORWARD_BIAS_CODE = FORWARD_CODE.replace("result[index] = s;", "result[index] = s + B[co];");

/** `db[co] = sum_{b, l} dy[b, l, co]` */
const BIAS_GRAD_CODE = `
  var s = 0.0;
  for (var row = 0; row < uniforms.batch * uniforms.outLen; row++) {
    s = s + DY[row * uniforms.cout + index];
  }
  result[index] = s;`;

/** `dx[b, i, ci] = sum_{j, co} dy[b, l, co] w[j, ci, co]` over the `l` with `i(l + j - pad) = i` */
const INPUT_GRAD_CODE = `
  let ci = index % uniforms.cin;
  let i0 = (index / uniforms.cin) % uniforms.inLen;
  let b = index / (uniforms.cin * uniforms.inLen);
  var s = 0.0;
  for (var j = 0; j < uniforms.k; j++) {
    var l = i0 - j + uniforms.pad;
    if (uniforms.circ == 1) {
      l = (l + 3 * uniforms.outLen) % uniforms.outLen;
    } else if (l < 0 || l >= uniforms.outLen) {
      continue;
    }
    let db = (b * uniforms.outLen + l) * uniforms.cout;
    let wb = (j * uniforms.cin + ci) * uniforms.cout;
    for (var c = 0; c < uniforms.cout; c++) {
      s = s + DY[db + c] * W[wb + c];
    }
  }
  result[index] = s;`;

/** `dw[j, ci, co] = sum_{b, l} x[b, i(l + j - pad), ci] dy[b, l, co]` */
const FILTER_GRAD_CODE = `
  let co = index % uniforms.cout;
  let ci = (index / uniforms.cout) % uniforms.cin;
  let j = index / (uniforms.cout * uniforms.cin);
  var s = 0.0;
  for (var b = 0; b < uniforms.batch; b++) {
    for (var l = 0; l < uniforms.outLen; l++) {
      var i = l + j - uniforms.pad;
      ${WRAP_OR_SKIP}
      s = s + X[(b * uniforms.inLen + i) * uniforms.cin + ci] *
        DY[(b * uniforms.outLen + l) * uniforms.cout + co];
    }
  }
  result[index] = s;`;

/** Registers the three kernels on webgpu, once. Attributes: the {@link DIMS}. */
function register(): void {
  const kernel = (name: string, key: string, names: string[], code: string, out: string) =>
    registerWebGpuKernel(name, (inputs, backend, attrs) => {
      const d = Object.fromEntries(DIMS.map((n) => [n, attrs[n]]));
      const shape = out === "y"
        ? [d.batch, d.outLen, d.cout]
        : out === "dx"
        ? [d.batch, d.inLen, d.cin]
        : out === "db"
        ? [d.cout]
        : [d.k, d.cin, d.cout];
      const size = shape.reduce((a, b) => a * b, 1);
      const r = runElementwise(
        backend,
        key,
        size,
        names,
        code,
        names.map((n) => inputs[n.toLowerCase()]),
        DIMS.map((name) => ({ name, type: "i32" as const, value: d[name] })),
      );
      return { dataId: r.dataId, shape, dtype: "float32" };
    });
  kernel(FORWARD, "flowfm_conv1d", ["X", "W"], FORWARD_CODE, "y");
  kernel(INPUT_GRAD, "flowfm_conv1d_dx", ["DY", "W"], INPUT_GRAD_CODE, "dx");
  kernel(FILTER_GRAD, "flowfm_conv1d_dw", ["X", "DY"], FILTER_GRAD_CODE, "dw");
  kernel(FORWARD_BIAS, "flowfm_conv1d_bias", ["X", "W", "B"], FORWARD_BIAS_CODE, "y");
  kernel(BIAS_GRAD, "flowfm_conv1d_db", ["DY"], BIAS_GRAD_CODE, "db");
  registerGradients();
}

/**
 * The forward kernels' gradients, registered under their names, so that tfjs records them like
 * its own ops (no `tf.customGrad` wrapper): the input and the filter are saved.
 */
function registerGradients(): void {
  if (tf.getGradient(FORWARD)) return;
  for (const name of [FORWARD, FORWARD_BIAS]) {
    tf.registerGradient({
      kernelName: name,
      inputsToSave: ["x", "w"],
      gradFunc: (dy, saved, attrs) => {
        const [x, w] = saved;
        const d = dy as tf.Tensor;
        const run = (kernel: string, inputs: Record<string, tf.Tensor>) =>
          tf.engine().runKernel(kernel, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
        const grads: Record<string, () => tf.Tensor> = {
          x: () => run(INPUT_GRAD, { dy: d, w }),
          w: () => run(FILTER_GRAD, { x, dy: d }),
        };
        if (name === FORWARD_BIAS) grads.b = () => run(BIAS_GRAD, { dy: d });
        return grads;
      },
    });
  }
}

/**
 * Stride-1 1-D convolution on WebGPU, differentiable (three kernels, see the module's notes).
 *
 * @param x Input `[batch, length, inChannels]`, on webgpu.
 * @param w Filter `[k, inChannels, outChannels]`.
 * @param padding `"valid"` (output `length - k + 1` long), `"zeros"` or `"circular"` (same length;
 *   odd `k`, `(k - 1) / 2` each side; circular needs that to be at most `length`).
 * @param bias Added per output channel (`[outChannels]`): a fourth kernel then gives its gradient.
 * @returns Output `[batch, outLength, outChannels]`.
 * @throws RangeError when the padding does not fit the shapes.
 */
export function conv1dWebGpu(
  x: Tensor3D,
  w: Tensor3D,
  padding: "valid" | "zeros" | "circular",
  bias?: tf.Tensor,
): Tensor3D {
  const [batch, inLen, cin] = x.shape;
  const [k, , cout] = w.shape;
  const pad = padding === "valid" ? 0 : (k - 1) / 2;
  const outLen = padding === "valid" ? inLen - k + 1 : inLen;
  if (outLen < 1 || !Number.isInteger(pad) || (padding === "circular" && pad > inLen)) {
    throw new RangeError(
      `conv1d (${padding}): filter [${w.shape}] does not fit input [${x.shape}]`,
    );
  }
  register();
  const attrs = { batch, inLen, outLen, cin, cout, k, pad, circ: padding === "circular" ? 1 : 0 };
  const run = (name: string, inputs: Record<string, tf.Tensor>) =>
    tf.engine().runKernel(name, inputs, attrs as unknown as tf.NamedAttrMap) as Tensor3D;
  if (bias && (bias.size !== cout || bias.rank !== 1)) {
    throw new RangeError(`conv1d: bias of shape [${bias.shape}] for ${cout} output channels`);
  }
  // the gradients are registered under the kernels' names (see registerGradients)
  return bias ? run(FORWARD_BIAS, { x, w, b: bias }) : run(FORWARD, { x, w });
}
