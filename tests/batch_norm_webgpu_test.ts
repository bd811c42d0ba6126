// The WebGPU batch norm kernels (lib/model/batch_norm_webgpu.ts), through batchNormTrain, with and
// without the ReLU they may include: values,
// batch statistics and gradients in x, gamma and beta agree with tfjs's composed ops on cpu within
// 1e-4 (relative where values exceed 1) (rows not a multiple of the workgroup; 1 to 128 channels), one kernel each way, no leaks.
// Skips, saying so, where no WebGPU adapter exists.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { batchNormTrain } from "../lib/model/batch_norm_kernels.ts";
import { Rng } from "../lib/random.ts";
import { assertClose, webgpuAdapter } from "./_helpers.ts";

const hasAdapter = (await webgpuAdapter()) !== "none";
if (!hasAdapter) console.log("batch_norm_webgpu_test: skipped, no WebGPU adapter on this machine");

const CASES = [[4, 9, 6], [2, 3, 16], [1, 5, 1], [8, 75, 128]];

/** Batch norm with batch statistics, tfjs ops only (autodiff through tf.moments). */
function composed(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, [0, 1]);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), gamma), beta);
}

/** Value, the three gradients, mean and variance of one case, by the fused op or `composed`. */
async function run(c: number, fused: boolean, relu: boolean): Promise<Float32Array[]> {
  const [b, l, ch] = CASES[c];
  const rng = new Rng(b * 10 + ch);
  const x = tf.tensor3d(rng.normals(b * l * ch).map((v, i) => 2 * v + (i % ch) - 1), [b, l, ch]);
  const gamma = tf.tensor1d(rng.normals(ch).map((v) => 1 + 0.3 * v));
  const beta = tf.tensor1d(rng.normals(ch));
  const dy = tf.tensor3d(rng.normals(b * l * ch), [b, l, ch]);
  const stats: tf.Tensor[] = [];
  const f = (v: tf.Tensor, g: tf.Tensor, bt: tf.Tensor) =>
    fused
      ? batchNormTrain(v as tf.Tensor3D, g, bt, 1e-5, (m, s) => {
        if (!stats.length) stats.push(tf.keep(m.clone()), tf.keep(s.clone()));
      }, relu)
      : relu
      ? tf.relu(composed(v, g, bt))
      : composed(v, g, bt);
  const outs = tf.tidy(() => [
    f(x, gamma, beta),
    ...tf.grads((...t: tf.Tensor[]) => tf.sum(tf.mul(f(t[0], t[1], t[2]), dy)))([x, gamma, beta]),
  ]);
  if (!fused) stats.push(...Object.values(tf.moments(x, [0, 1])));
  const data: Float32Array[] = [];
  for (const t of [...outs, ...stats]) data.push(await t.data() as Float32Array);
  tf.dispose([x, gamma, beta, dy, ...outs, ...stats]);
  return data;
}

Deno.test({
  name: "batch norm on webgpu: values, statistics and gradients match tfjs's ops on cpu; no leaks",
  ignore: !hasAdapter,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    try {
      for (let c = 0; c < 2 * CASES.length; c++) {
        const relu = c >= CASES.length; // then with the ReLU that follows every norm in the encoder
        await initBackend("cpu");
        const want = await run(c % CASES.length, false, relu);
        await initBackend("webgpu");
        const before = tf.memory().numTensors;
        const got = await run(c % CASES.length, true, relu);
        assert.equal(tf.memory().numTensors, before, `case ${c}: tensors leaked`);
        // dgamma and dbeta are sums over up to 600 rows: relative where values exceed 1
        const where = `[${CASES[c % CASES.length]}]${relu ? " + ReLU" : ""}`;
        assertClose(got, want, ["value", "dx", "dgamma", "dbeta", "mean", "variance"], where);
      }
      const x = tf.tensor3d(new Rng(1).normals(2 * 10 * 8), [2, 10, 8]);
      const g = tf.ones([8]), b = tf.zeros([8]);
      const profile = await tf.profile(() => {
        tf.dispose(
          tf.grads((...t: tf.Tensor[]) =>
            tf.sum(batchNormTrain(t[0] as tf.Tensor3D, t[1], t[2], 1e-5))
          )([x, g, b]),
        );
      });
      const names = profile.kernels.map((k) => k.name);
      for (const k of ["FlowFMBatchNorm", "FlowFMBatchNormGrad"]) {
        assert.equal(names.filter((n) => n === k).length, 1, `${k} once: ${names.join()}`);
      }
      assert.ok(!names.includes("Rsqrt") && !names.includes("Mean"), names.join());
      tf.dispose([x, g, b]);
    } finally {
      await initBackend("cpu");
    }
  },
});
