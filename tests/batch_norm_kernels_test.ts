// The fused training-mode batch norm (lib/model/batch_norm_kernels.ts): on wasm its kernels give
// the values, the batch statistics and the gradients (in x, gamma and beta) of tfjs's composed ops
// within float32 rounding; on cpu it is those ops; neither leaks.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { batchNormTrain } from "../lib/model/batch_norm_kernels.ts";
import { Rng } from "../lib/random.ts";
import { maxAbsDiff } from "./_helpers.ts";

/** Batch norm with batch statistics, tfjs ops only (autodiff through tf.moments). */
function composed(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, [0, 1]);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), gamma), beta);
}

for (const backend of ["wasm", "cpu"] as const) {
  Deno.test(`batch norm on ${backend}: values, statistics and gradients match tfjs's ops; does not leak memory`, async () => {
    await initBackend(backend);
    const before = tf.memory().numTensors;
    for (const [b, l, c] of [[4, 9, 6], [2, 3, 16], [1, 5, 1]]) {
      const rng = new Rng(b * 10 + c);
      const x = tf.tensor3d(rng.normals(b * l * c).map((v, i) => 2 * v + (i % c) - 1), [b, l, c]);
      const gamma = tf.tensor1d(rng.normals(c).map((v) => 1 + 0.3 * v));
      const beta = tf.tensor1d(rng.normals(c));
      const dy = tf.tensor3d(rng.normals(b * l * c), [b, l, c]);
      const loss = (f: (...t: tf.Tensor[]) => tf.Tensor) => (...t: tf.Tensor[]) =>
        tf.sum(tf.mul(f(...t), dy));
      let stats: number[][] = [];
      const fused = (v: tf.Tensor, g: tf.Tensor, bt: tf.Tensor) =>
        batchNormTrain(v as tf.Tensor3D, g, bt, 1e-5, (m, s) => {
          stats = [Array.from(m.dataSync()), Array.from(s.dataSync())];
        });
      const want = tf.tidy(
        () => [composed(x, gamma, beta), ...tf.grads(loss(composed))([x, gamma, beta])],
      );
      const got = tf.tidy(
        () => [fused(x, gamma, beta), ...tf.grads(loss(fused))([x, gamma, beta])],
      );
      ["value", "gradient in x", "gradient in gamma", "gradient in beta"].forEach((what, i) => {
        assert.deepEqual(got[i].shape, want[i].shape, what);
        const d = maxAbsDiff(got[i].dataSync(), want[i].dataSync());
        assert.ok(d < 1e-4, `${what} of [${b},${l},${c}]: off by ${d}`);
      });
      const m = tf.tidy(() => tf.moments(x, [0, 1]));
      assert.ok(maxAbsDiff(stats[0], m.mean.dataSync()) < 1e-5, "batch mean");
      assert.ok(maxAbsDiff(stats[1], m.variance.dataSync()) < 1e-4, "batch variance");
      tf.dispose([x, gamma, beta, dy, ...want, ...got, m.mean, m.variance]);
    }
    assert.equal(tf.memory().numTensors, before, "batch norm does not leak memory");
  });
}

Deno.test("batchNormTrain: parameters that do not fit the channels fail, naming the shapes", async () => {
  await initBackend("cpu");
  const x = tf.zeros([2, 5, 6]) as tf.Tensor3D, g = tf.ones([5]), b = tf.zeros([6]);
  assert.throws(() => batchNormTrain(x, g, b, 1e-5), /got \[2,5,6\], \[5\] and \[6\]/);
  tf.dispose([x, g, b]);
});

Deno.test("batch norm on wasm runs one kernel forward and one backward", async () => {
  await initBackend("wasm");
  const x = tf.tensor3d(new Rng(1).normals(4 * 10 * 8), [4, 10, 8]);
  const g = tf.ones([8]), b = tf.zeros([8]);
  const profile = await tf.profile(() => {
    tf.dispose(
      tf.grads((v, gg, bb) => tf.sum(batchNormTrain(v as tf.Tensor3D, gg, bb, 1e-5)))([x, g, b]),
    );
  });
  const names = profile.kernels.map((k) => k.name);
  tf.dispose([x, g, b]);
  assert.ok(
    names.includes("FlowFMBatchNorm") && names.includes("FlowFMBatchNormGrad"),
    names.join(),
  );
  for (const slow of ["Mean", "Rsqrt", "SquaredDifference", "Sub"]) {
    assert.ok(!names.includes(slow), `${slow} ran: ${names.join()}`);
  }
});
