import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { clipGradients, clipScale, gradientNorm } from "../lib/train/clip.ts";
import { backendsToCompare } from "./_helpers.ts";

const backends = await backendsToCompare("software");

Deno.test({
  name: `gradientNorm of many gradients is the global L2 norm on ${backends.join(", ")}; no leaks`,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    // 40 gradients, as many as a model's parameters: tf.addN of that many reduction outputs gave 0
    // on WebGPU, so training there ran unclipped (found by tests/train_backends_test.ts on an H200).
    const values = Array.from({ length: 40 }, (_, i) => [1 + i, -0.5 * i, 2]);
    const want = Math.sqrt(values.flat().reduce((s, v) => s + v * v, 0));
    for (const b of backends) {
      await initBackend(b);
      const before = tf.memory().numTensors;
      const grads = new Map(values.map((v, i) => [`p${i}`, tf.tensor1d(v)]));
      const norm = await gradientNorm(grads);
      assert.ok(Math.abs(norm - want) < 1e-4 * want, `${b}: norm ${norm}, expected ${want}`);
      const r = await clipGradients(grads, 1);
      assert.equal(r.scaled, true);
      assert.ok(Math.abs((await gradientNorm(r.grads)) - 1) < 1e-5, `${b}: clipped norm`);
      tf.dispose([...grads.values(), ...r.grads.values()]);
      assert.equal(tf.memory().numTensors, before, `${b}: tensors leaked`);
    }
    await initBackend("cpu");
  },
});

Deno.test("gradientNorm of no gradients is 0; clipScale leaves small or unclipped norms alone", async () => {
  await initBackend("cpu");
  assert.equal(await gradientNorm(new Map()), 0);
  assert.equal(clipScale(4, 2), 0.5);
  assert.equal(clipScale(1, 2), 1);
  assert.equal(clipScale(4, 0), 1);
});
