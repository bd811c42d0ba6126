import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { mean, moments } from "../lib/model/reduce.ts";
import { Rng } from "../lib/random.ts";
import { webgpuAdapter } from "./_helpers.ts";

await initBackend("cpu");

const shape = [3, 5, 4];
const cases: [number | number[] | undefined, boolean][] = [
  [undefined, false],
  [1, true],
  [[0, 1], false],
  [[0, 1], true],
  [-1, false],
  [[1, 2], true],
];

function values(seed: number, n: number): Float32Array {
  return new Rng(seed).normals(n);
}

Deno.test("mean: values and gradient are tfjs's, bit for bit", () => {
  const x = tf.tensor(values(1, 60), shape);
  for (const [axis, keep] of cases) {
    const dyShape = tf.tidy(() => tf.mean(x, axis, keep).shape);
    const dy = tf.tensor(values(2, dyShape.reduce((a, b) => a * b, 1)), dyShape);
    const ours = tf.tidy(() =>
      tf.grad((v: tf.Tensor) => tf.sum(tf.mul(mean(v, axis, keep), dy)))(x)
    );
    const theirs = tf.tidy(() =>
      tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.mean(v, axis, keep), dy)))(x)
    );
    assert.deepEqual(ours.dataSync(), theirs.dataSync(), `axis ${axis}, keepDims ${keep}`);
    const [a, b] = [mean(x, axis, keep), tf.mean(x, axis, keep)];
    assert.deepEqual(a.shape, b.shape);
    assert.deepEqual(a.dataSync(), b.dataSync());
    tf.dispose([dy, ours, theirs, a, b]);
  }
  x.dispose();
});

Deno.test("moments: mean, variance and their gradients are tf.moments', bit for bit", () => {
  const x = tf.tensor(values(3, 60), shape);
  for (const [axis, keep] of cases.filter(([a]) => a !== undefined)) {
    const loss =
      (m: (v: tf.Tensor) => { mean: tf.Tensor; variance: tf.Tensor }) => (v: tf.Tensor) => {
        const r = m(v);
        return tf.add(tf.sum(tf.mul(r.mean, 0.7)), tf.sum(tf.sqrt(tf.add(r.variance, 1e-5))));
      };
    const ours = tf.tidy(() => tf.grad(loss((v) => moments(v, axis!, keep)))(x));
    const theirs = tf.tidy(() => tf.grad(loss((v) => tf.moments(v, axis!, keep)))(x));
    assert.deepEqual(ours.dataSync(), theirs.dataSync(), `axis ${axis}, keepDims ${keep}`);
    tf.dispose([ours, theirs]);
  }
  x.dispose();
});

Deno.test("mean: an axis out of range names it and the shape", () => {
  const x = tf.zeros([2, 3]);
  assert.throws(() => mean(x, 2), /axis 2 out of range for a tensor of shape \[2,3\]/);
  x.dispose();
});

Deno.test("mean and moments do not leak memory", () => {
  const x = tf.tensor(values(4, 60), shape);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) {
    const g = tf.grad((v: tf.Tensor) => tf.sum(moments(v, [0, 1]).variance))(x);
    g.dispose();
    const m = moments(x, 1, true);
    tf.dispose([m.mean, m.variance]);
  }
  assert.equal(tf.memory().numTensors, before);
  x.dispose();
});

const hasAdapter = (await webgpuAdapter()) !== "none";

Deno.test({
  name: "a webgpu training step uploads from the CPU only its batch, noise and small tensors",
  ignore: !hasAdapter,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    // tfjs's own mean gradient made tf.ones(x.shape) on the CPU at every backward pass: on a real
    // GPU those uploads took most of a step (docs/gpu.md).
    const { FlowFM } = await import("../lib/model/flowfm.ts");
    const { presetConfig } = await import("../lib/model/config.ts");
    const { Trainer } = await import("../lib/train/trainer.ts");
    await initBackend("webgpu");
    const batch = 4;
    const model = new FlowFM(presetConfig("tiny", { seed: 1 }));
    const trainer = new Trainer(model, { seed: 2 });
    const windows = new Float32Array(batch * 900).map((_, i) => Math.sin(i / 9));
    await trainer.step(windows); // warm-up
    // deno-lint-ignore no-explicit-any
    const backend = tf.backend() as any;
    const upload = backend.uploadToGPU;
    const sizes: number[] = [];
    backend.uploadToGPU = function (dataId: unknown) {
      const d = backend.tensorMap.get(dataId);
      if (d.resource == null && d.values != null) sizes.push(d.values.length);
      return upload.call(backend, dataId);
    };
    try {
      await trainer.step(windows);
    } finally {
      backend.uploadToGPU = upload;
      trainer.dispose();
      model.dispose();
      await initBackend("cpu");
    }
    const perBatch = batch * 900;
    const big = sizes.filter((n) => n > 256);
    assert.ok(big.length > 0, "the batch itself is uploaded");
    assert.ok(big.every((n) => n <= perBatch), `uploads larger than the batch: ${big}`);
    assert.ok(big.length <= 3, `${big.length} batch-sized uploads (batch, noise, view): ${big}`);
  },
});
