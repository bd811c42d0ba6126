// The WebGPU dense layer (lib/model/dense_webgpu.ts): `x w + b` and its gradients in x, w and b
// agree with tfjs's matMul + add on cpu within 1e-4 (relative where values exceed 1), one kernel
// forward, no leaks. Skips, saying so, where no WebGPU adapter exists.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { denseWebGpu } from "../lib/model/dense_webgpu.ts";
import { Rng } from "../lib/random.ts";
import { assertClose, webgpuAdapter } from "./_helpers.ts";

const hasAdapter = (await webgpuAdapter()) !== "none";
if (!hasAdapter) console.log("dense_webgpu_test: skipped, no WebGPU adapter on this machine");

const CASES = [[1, 3, 2], [8, 16, 32], [64, 128, 256]];

async function run(c: number, fused: boolean): Promise<Float32Array[]> {
  const [m, k, n] = CASES[c];
  const rng = new Rng(c + 40);
  const x = tf.tensor2d(rng.normals(m * k), [m, k]);
  const w = tf.tensor2d(rng.normals(k * n).map((v) => v * 0.2), [k, n]);
  const b = tf.tensor1d(rng.normals(n));
  const dy = tf.tensor2d(rng.normals(m * n), [m, n]);
  const f = (a: tf.Tensor, v: tf.Tensor, u: tf.Tensor) =>
    fused
      ? denseWebGpu(a as tf.Tensor2D, v as tf.Tensor2D, u)
      : tf.add(tf.matMul(a as tf.Tensor2D, v as tf.Tensor2D), u);
  const outs = tf.tidy(() => [
    f(x, w, b),
    ...tf.grads((...t: tf.Tensor[]) => tf.sum(tf.mul(f(t[0], t[1], t[2]), dy)))([x, w, b]),
  ]);
  const data: Float32Array[] = [];
  for (const t of outs) data.push(await t.data() as Float32Array);
  tf.dispose([x, w, b, dy, ...outs]);
  return data;
}

Deno.test({
  name: "dense on webgpu: values and gradients match tfjs's matMul + add on cpu; no leaks",
  ignore: !hasAdapter,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    try {
      for (let c = 0; c < CASES.length; c++) {
        await initBackend("cpu");
        const want = await run(c, false);
        await initBackend("webgpu");
        const before = tf.memory().numTensors;
        const got = await run(c, true);
        assert.equal(tf.memory().numTensors, before, `case ${c}: tensors leaked`);
        assertClose(got, want, ["value", "dx", "dw", "db"], `[${CASES[c]}]`);
      }
      const x = tf.ones([2, 3]) as tf.Tensor2D, w = tf.ones([3, 4]) as tf.Tensor2D;
      const b = tf.zeros([4]);
      const info = await tf.profile(() => denseWebGpu(x, w, b));
      assert.deepEqual(info.kernels.map((k) => k.name), ["FlowFMDense"]);
      assert.deepEqual(Array.from(await (info.result as tf.Tensor).data()), new Array(8).fill(3));
      assert.throws(() => denseWebGpu(x, x, b), /weights \[2,3\]/);
      tf.dispose([x, w, b, info.result as tf.Tensor]);
    } finally {
      await initBackend("cpu");
    }
  },
});
