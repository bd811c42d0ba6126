// The WebGPU running-statistics update (lib/model/running_stats_webgpu.ts): after a training-mode
// encoder pass, every batch norm's running mean and variance on webgpu equal cpu's (tfjs's ops)
// within 1e-5, and the update is one kernel; no leaks. Skips, saying so, where no WebGPU adapter
// exists.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { presetConfig } from "../lib/model/config.ts";
import { createEncoder, encoderForward } from "../lib/model/encoder.ts";
import { updateRunningStatsWebGpu } from "../lib/model/running_stats_webgpu.ts";
import { Params } from "../lib/model/params.ts";
import { Rng } from "../lib/random.ts";
import { maxAbsDiff, syntheticWindows, webgpuAdapter } from "./_helpers.ts";

const hasAdapter = (await webgpuAdapter()) !== "none";
if (!hasAdapter) {
  console.log("running_stats_webgpu_test: skipped, no WebGPU adapter on this machine");
}

/** Running statistics of every batch norm after two training-mode passes. */
async function stats(): Promise<Map<string, Float32Array>> {
  const p = new Params(new Rng(4));
  const cfg = presetConfig("tiny").encoder;
  createEncoder(p, cfg, 3);
  for (let s = 0; s < 2; s++) {
    const x = tf.tensor3d(syntheticWindows(4, s), [4, 300, 3]);
    tf.dispose([x, encoderForward(p, cfg, x, "train")]);
  }
  const out = new Map<string, Float32Array>();
  for (const [k, v] of p.vars) {
    if (/\.(mean|var)$/.test(k)) out.set(k, (await v.data() as Float32Array).slice());
  }
  p.dispose();
  return out;
}

Deno.test({
  name: "running statistics on webgpu match cpu's after training-mode passes; one kernel; no leaks",
  ignore: !hasAdapter,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    try {
      await initBackend("cpu");
      const want = await stats();
      await initBackend("webgpu");
      const before = tf.memory().numTensors;
      const got = await stats();
      assert.equal(tf.memory().numTensors, before, "tensors leaked");
      assert.ok(want.size >= 2, `${want.size} running statistics`);
      for (const [k, w] of want) {
        assert.ok(maxAbsDiff(got.get(k)!, w) < 1e-5, `${k} off by ${maxAbsDiff(got.get(k)!, w)}`);
      }
      const m = tf.variable(tf.zeros([3])), v = tf.variable(tf.ones([3]));
      const bm = tf.tensor1d([1, 2, 3]), bv = tf.tensor1d([4, 4, 4]);
      const info = await tf.profile(() => updateRunningStatsWebGpu(m, v, bm, bv, 0.1, 5));
      assert.deepEqual(info.kernels.map((k) => k.name), ["FlowFMRunningStats"]);
      assert.ok(maxAbsDiff(await m.data(), [0.1, 0.2, 0.3]) < 1e-6);
      assert.ok(maxAbsDiff(await v.data(), [0.9 + 0.5, 0.9 + 0.5, 0.9 + 0.5]) < 1e-6);
      tf.dispose([m, v, bm, bv]);
    } finally {
      await initBackend("cpu");
    }
  },
});
