// The WebGPU convolution kernels (lib/model/conv_webgpu.ts), through conv1dValid and conv1dSame:
// outputs and both gradients agree with tfjs's formulation on cpu within 1e-4 for every padding
// and the kernel widths and channel counts of the presets; a convolution's forward pass is one
// kernel; nothing leaks. Skips, saying so, where no WebGPU adapter exists.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { conv1dSame, conv1dValid } from "../lib/model/conv.ts";
import { Rng } from "../lib/random.ts";
import { maxAbsDiff, webgpuAdapter } from "./_helpers.ts";

const hasAdapter = (await webgpuAdapter()) !== "none";
if (!hasAdapter) console.log("conv_webgpu_test: skipped, no WebGPU adapter on this machine");

type Padding = "valid" | "zeros" | "circular";
// padding, input shape, filter shape, with a bias (the generator's convolutions have one)
const CASES: [Padding, number[], number[], boolean][] = [
  ["valid", [2, 12, 3], [5, 3, 4], false],
  ["valid", [3, 9, 4], [1, 4, 6], false],
  ["zeros", [2, 16, 6], [3, 6, 5], false],
  ["zeros", [4, 75, 8], [7, 8, 8], true],
  ["zeros", [3, 10, 8], [1, 8, 4], true],
  ["circular", [2, 10, 3], [5, 3, 7], false],
  ["circular", [3, 37, 8], [9, 8, 16], true],
  ["circular", [1, 3, 2], [7, 2, 2], false], // padding as long as the window
];

/** Output and the input, filter (and bias) gradients of `sum(y * r)` for one case on `backend`. */
async function run(backend: "cpu" | "webgpu", c: number): Promise<Float32Array[]> {
  await initBackend(backend);
  const [padding, xs, ws, withBias] = CASES[c];
  const rng = new Rng(10 + c);
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const x = tf.tensor3d(rng.normals(size(xs)), xs as [number, number, number]);
  const w = tf.tensor3d(rng.normals(size(ws)).map((v) => v * 0.3), ws as [number, number, number]);
  const bias = tf.tensor1d(rng.normals(ws[2]));
  const conv = (a: tf.Tensor, b: tf.Tensor, d: tf.Tensor) =>
    padding === "valid"
      ? conv1dValid(a as tf.Tensor3D, b as tf.Tensor3D)
      : conv1dSame(a as tf.Tensor3D, b as tf.Tensor3D, padding, withBias ? d : undefined);
  const y = conv(x, w, bias);
  const r = tf.tensor(rng.normals(y.size), y.shape);
  const inputs = withBias ? [x, w, bias] : [x, w];
  const grads = tf.grads((...t: tf.Tensor[]) => tf.sum(tf.mul(conv(t[0], t[1], t[2]), r)))(inputs);
  assert.deepEqual(grads.map((g) => g.shape), inputs.map((t) => t.shape));
  const out = [];
  for (const t of [y, ...grads]) out.push(await t.data() as Float32Array);
  tf.dispose([x, w, bias, y, r, ...grads]);
  return out;
}

Deno.test({
  name: "conv1d on webgpu: values and gradients match tfjs on cpu, every padding; no leaks",
  ignore: !hasAdapter,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    try {
      for (let c = 0; c < CASES.length; c++) {
        const want = await run("cpu", c);
        await initBackend("webgpu");
        const before = tf.memory().numTensors;
        const got = await run("webgpu", c);
        assert.equal(tf.memory().numTensors, before, `case ${c}: tensors leaked`);
        assert.equal(got.length, want.length);
        ["output", "input gradient", "filter gradient", "bias gradient"].slice(0, got.length)
          .forEach((what, i) => {
            const err = maxAbsDiff(got[i], want[i]);
            assert.ok(err < 1e-4, `case ${c} (${CASES[c][0]}): ${what} differs by ${err}`);
          });
      }
      await initBackend("webgpu");
      const x = tf.ones([1, 8, 2]) as tf.Tensor3D, w = tf.ones([3, 2, 2]) as tf.Tensor3D;
      const info = await tf.profile(() => conv1dSame(x, w, "circular"));
      // the custom gradient's wrapper is profiled as a scope (named "" or "unnamed scope")
      const names = info.kernels.map((k) => k.name).filter((n) => !/^(unnamed scope)?$/.test(n));
      assert.deepEqual(names, ["FlowFMConv1d"]);
      assert.throws(
        () => conv1dSame(x, tf.ones([19, 2, 2]) as tf.Tensor3D, "circular"),
        RangeError,
      );
      tf.dispose([x, w, info.result as tf.Tensor]);
    } finally {
      await initBackend("cpu");
    }
  },
});
