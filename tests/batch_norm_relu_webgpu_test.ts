// The WebGPU evaluation-mode batch norm + ReLU (lib/model/batch_norm_relu_webgpu.ts) gives
// tf.relu(tf.batchNorm(...)) on cpu within 1e-5, as one kernel, without leaks; and the encoder
// uses it only when no gradient is recorded. Skips, saying so, where no WebGPU adapter exists.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { batchNormReluWebGpu } from "../lib/model/batch_norm_relu_webgpu.ts";
import { presetConfig } from "../lib/model/config.ts";
import { createEncoder, encoderForward } from "../lib/model/encoder.ts";
import { Params } from "../lib/model/params.ts";
import { Rng } from "../lib/random.ts";
import { maxAbsDiff, webgpuAdapter } from "./_helpers.ts";

const hasAdapter = (await webgpuAdapter()) !== "none";
if (!hasAdapter) {
  console.log("batch_norm_relu_webgpu_test: skipped, no WebGPU adapter on this machine");
}

async function run(fused: boolean): Promise<Float32Array> {
  const rng = new Rng(9);
  const [b, l, c] = [3, 25, 16];
  const x = tf.tensor3d(rng.normals(b * l * c), [b, l, c]);
  const [m, v, g, bt] = [0, 1, 2, 3].map((k) =>
    tf.tensor1d(rng.normals(c).map((u) => (k === 1 ? 0.5 + Math.abs(u) : u)))
  );
  const y = fused
    ? batchNormReluWebGpu(x, m, v, g, bt, 1e-5)
    : tf.tidy(() => tf.relu(tf.batchNorm(x, m, v, bt, g, 1e-5)));
  const out = await y.data() as Float32Array;
  tf.dispose([x, m, v, g, bt, y]);
  return out;
}

Deno.test({
  name: "batch norm + ReLU (evaluation) on webgpu matches tfjs on cpu; one kernel; no leaks",
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
      assert.ok(want.some((v) => v === 0) && want.some((v) => v > 0), "the ReLU clips some");
      assert.ok(maxAbsDiff(got, want) < 1e-5, `off by ${maxAbsDiff(got, want)}`);
      // the encoder: fused when encoding, tfjs's ops (differentiable) under a gradient
      const p = new Params(new Rng(0));
      const cfg = presetConfig("tiny").encoder;
      createEncoder(p, cfg, 3);
      const x = tf.randomNormal([2, 300, 3]) as tf.Tensor3D;
      const names = async (f: () => tf.TensorContainer) => {
        const info = await tf.profile(f);
        tf.dispose(info.result);
        return info.kernels.map((k) => k.name);
      };
      const enc = await names(() => encoderForward(p, cfg, x, "eval"));
      assert.ok(enc.includes("FlowFMBatchNormRelu") && !enc.includes("Relu"), enc.join());
      const grad = await names(() =>
        tf.grad((v) => tf.sum(encoderForward(p, cfg, v as tf.Tensor3D, "eval")))(x)
      );
      assert.ok(!grad.includes("FlowFMBatchNormRelu") && grad.includes("Relu"), grad.join());
      tf.dispose(x);
      p.dispose();
    } finally {
      await initBackend("cpu");
    }
  },
});
