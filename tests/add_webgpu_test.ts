// The WebGPU same-shape add (lib/model/add_webgpu.ts), whose gradient passes dy on without saving
// anything: values and gradients agree with tf.add on cpu within 1e-4, also where inputs are used
// several times and their gradients accumulate (the case where tfjs frees a gradient), as one
// kernel; no leaks. Skips, saying so, where no WebGPU adapter exists.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { addSameWebGpu } from "../lib/model/add_webgpu.ts";
import { Rng } from "../lib/random.ts";
import { maxAbsDiff, webgpuAdapter } from "./_helpers.ts";

const hasAdapter = (await webgpuAdapter()) !== "none";
if (!hasAdapter) console.log("add_webgpu_test: skipped, no WebGPU adapter on this machine");

/** A graph of adds that reuses its inputs, its value and the gradients in a, b, c. */
async function run(fused: boolean): Promise<Float32Array[]> {
  const rng = new Rng(60);
  const [a, b, c] = [0, 1, 2].map(() => tf.tensor2d(rng.normals(12), [3, 4]));
  const add = (x: tf.Tensor, y: tf.Tensor) => fused ? addSameWebGpu(x, y) : tf.add(x, y);
  const f = (x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) => {
    const s = add(add(x, y), x); // x twice: its gradient accumulates
    const t = add(s, add(y, y)); // y as both inputs
    return tf.sum(tf.add(tf.mul(t, z), tf.mul(s, s)));
  };
  const outs = tf.tidy(() => [f(a, b, c), ...tf.grads(f)([a, b, c])]);
  const data: Float32Array[] = [];
  for (const t of outs) data.push(await t.data() as Float32Array);
  tf.dispose([a, b, c, ...outs]);
  return data;
}

Deno.test({
  name: "add on webgpu: values and gradients equal tf.add's on cpu, with reused inputs; no leaks",
  ignore: !hasAdapter,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    try {
      await initBackend("cpu");
      const want = await run(false);
      await initBackend("webgpu");
      const before = tf.memory().numTensors;
      const got = await run(true);
      assert.equal(tf.memory().numTensors, before, "tensors leaked");
      ["value", "da", "db", "dc"].forEach((what, i) => {
        assert.ok(
          maxAbsDiff(got[i], want[i]) < 1e-4,
          `${what} off by ${maxAbsDiff(got[i], want[i])}`,
        );
      });
      const x = tf.ones([2, 3]);
      const info = await tf.profile(() => addSameWebGpu(x, x));
      assert.deepEqual(info.kernels.map((k) => k.name), ["FlowFMAdd"]);
      const bad = tf.ones([3, 2]);
      assert.throws(() => addSameWebGpu(x, bad), /shapes \[2,3\] and \[3,2\] differ/);
      tf.dispose([x, bad, info.result as tf.Tensor]);
    } finally {
      await initBackend("cpu");
    }
  },
});
