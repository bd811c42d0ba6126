// The WebGPU sum-of-squares kernel (lib/train/squared_norm_webgpu.ts) that gradientNorm uses there:
// the global norm of many gradients of many shapes (more than one program's worth of bindings,
// sizes not a multiple of the workgroup) within float32 rounding of a float64 sum, as one kernel,
// without leaks. Skips, saying so, where no WebGPU adapter exists.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { gradientNorm } from "../lib/train/clip.ts";
import { Rng } from "../lib/random.ts";
import { webgpuAdapter } from "./_helpers.ts";

const hasAdapter = (await webgpuAdapter()) !== "none";
if (!hasAdapter) {
  console.log("squared_norm_webgpu_test: skipped, no WebGPU adapter on this machine");
}

Deno.test({
  name: "gradientNorm on webgpu is one kernel and the float64 norm within 1e-6 relative; no leaks",
  ignore: !hasAdapter,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    try {
      await initBackend("webgpu");
      const before = tf.memory().numTensors;
      const rng = new Rng(3);
      const shapes = [[3], [64, 3, 5], [1], [7, 11], [40000], [257], [5, 5, 5], [2, 3], [999, 3]];
      const all = [...shapes, ...shapes.slice(0, 5), [300, 9]]; // 15 tensors: 3 programs at 8 buffers
      const values = all.map((s) => rng.normals(s.reduce((a, b) => a * b, 1)));
      const want = Math.sqrt(values.reduce((s, v) => v.reduce((t, x) => t + x * x, s), 0));
      const grads = new Map(values.map((v, i) => [`p${i}`, tf.tensor(v, all[i])]));
      const norm = await gradientNorm(grads);
      assert.ok(Math.abs(norm - want) <= 1e-6 * want, `norm ${norm}, expected ${want}`);
      const info = await tf.profile(async () => {
        await gradientNorm(grads);
      });
      assert.deepEqual(info.kernels.map((k) => k.name), ["FlowFMSquaredNorm"]);
      const one = new Map([["a", tf.tensor1d([3, 4])]]);
      assert.equal(await gradientNorm(one), 5);
      tf.dispose([...grads.values(), ...one.values()]);
      assert.equal(tf.memory().numTensors, before, "tensors leaked");
    } finally {
      await initBackend("cpu");
    }
  },
});
