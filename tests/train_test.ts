import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { presetConfig } from "../lib/model/config.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { Trainer, TrainingDivergedError } from "../lib/train/trainer.ts";
import { syntheticWindows } from "./_helpers.ts";

await initBackend("wasm");

Deno.test("training: loss falls on a small generated data set (tiny preset, wasm)", async () => {
  const model = new FlowFM(presetConfig("tiny", { seed: 3 }));
  const trainer = new Trainer(model, { lr: 3e-3, seed: 3 });
  const data = syntheticWindows(64, 1);
  const losses: number[] = [];
  for (let s = 0; s < 60; s++) {
    const off = (s % 4) * 16 * 900;
    losses.push((await trainer.step(data.subarray(off, off + 16 * 900))).loss);
  }
  const first = losses.slice(0, 8).reduce((a, b) => a + b) / 8;
  const last = losses.slice(-8).reduce((a, b) => a + b) / 8;
  assert.ok(
    last < 0.8 * first,
    `loss did not fall: first ${first.toFixed(3)}, last ${last.toFixed(3)}`,
  );
  assert.equal(trainer.steps, 60);
  trainer.dispose();
  model.dispose();
});

Deno.test("training: gradients reach both the encoder and the generator (joint training)", async () => {
  const model = new FlowFM(presetConfig("tiny", { seed: 4 }));
  const enc = model.params.get("encoder.s0.conv.w"), gen = model.params.get("generator.in.w");
  const [e0, g0] = [await enc.data(), await gen.data()];
  const trainer = new Trainer(model, { lr: 1e-3 });
  // Residual blocks start as identities (zero-initialised last conv), so z gets no gradient on
  // step 1; from step 2 on, the encoder learns through the generator's FiLM conditioning.
  for (let i = 0; i < 2; i++) await trainer.step(syntheticWindows(8, 2));
  const [e1, g1] = [await enc.data(), await gen.data()];
  assert.ok(e1.some((v, i) => v !== e0[i]), "encoder weights did not change");
  assert.ok(g1.some((v, i) => v !== g0[i]), "generator weights did not change");
  trainer.dispose();
  model.dispose();
});

Deno.test("training: same seed, same losses (reproducible on one backend); augmentation runs", async () => {
  const run = async (augment: boolean) => {
    const model = new FlowFM(presetConfig("tiny", { seed: 9 }));
    const trainer = new Trainer(model, {
      seed: 5,
      augment: augment ? { maxRotationDeg: 10, scale: 0.1 } : null,
    });
    const out = [];
    for (let s = 0; s < 3; s++) out.push((await trainer.step(syntheticWindows(8, s))).loss);
    trainer.dispose();
    model.dispose();
    return out;
  };
  assert.deepEqual(await run(false), await run(false));
  const aug = await run(true);
  assert.ok(aug.every(Number.isFinite));
  assert.notDeepEqual(aug, await run(false));
});

Deno.test("training: a NaN loss stops with TrainingDivergedError and leaves the weights as they were", async () => {
  const model = new FlowFM(presetConfig("tiny", { seed: 1 }));
  const trainer = new Trainer(model);
  const w = model.params.get("generator.in.w");
  const before = await w.data();
  const bad = syntheticWindows(4, 1);
  bad[123] = NaN;
  const tensors = tf.memory().numTensors;
  await assert.rejects(
    () => trainer.step(bad),
    (e: Error) => e instanceof TrainingDivergedError && /step 1: loss is NaN/.test(e.message),
  );
  assert.deepEqual(await w.data(), before);
  assert.equal(trainer.steps, 0);
  assert.equal(tf.memory().numTensors, tensors, "tensors leaked on the error path");
  await assert.rejects(() => trainer.step(new Float32Array(900)), /at least 2 windows/);
  trainer.dispose();
  model.dispose();
});

Deno.test("training and sampling do not leak memory", async () => {
  const before = tf.memory().numTensors;
  const model = new FlowFM(presetConfig("tiny", { seed: 2 }));
  const trainer = new Trainer(model, { augment: {} });
  const data = syntheticWindows(8, 3);
  await trainer.step(data);
  const afterFirst = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) await trainer.step(data);
  assert.equal(tf.memory().numTensors, afterFirst, "training steps leaked tensors");
  for (const method of ["euler", "midpoint", "heun", "rk4"] as const) {
    await model.sample({ windows: data.subarray(0, 2 * 900), method, steps: 2, batchSize: 1 });
  }
  await model.interpolate(data.subarray(0, 900), data.subarray(900, 1800), {
    alphas: [0, 0.5, 1],
    steps: 2,
  });
  await model.encode(data, { batchSize: 3 });
  assert.equal(tf.memory().numTensors, afterFirst, "sampling or encoding leaked tensors");
  trainer.dispose();
  model.dispose();
  assert.equal(tf.memory().numTensors, before, "dispose() left tensors behind");
});

Deno.test("training: micro-batches accumulate to about the full-batch loss, without leaking", async () => {
  const data = syntheticWindows(8, 6);
  const run = async (microBatch: number) => {
    const model = new FlowFM(presetConfig("tiny", { seed: 8 }));
    const trainer = new Trainer(model, { seed: 8, microBatch });
    const before = tf.memory().numTensors;
    const r = await trainer.step(data);
    assert.equal(tf.memory().numTensors, before, `micro-batch ${microBatch} leaked tensors`);
    trainer.dispose();
    model.dispose();
    return r;
  };
  const [full, halves, odd] = [await run(0), await run(4), await run(3)];
  assert.equal(halves.step, 1);
  // Batch-norm statistics differ per micro-batch, so losses agree only approximately.
  assert.ok(Math.abs(halves.loss - full.loss) < 0.1 * full.loss, `${halves.loss} vs ${full.loss}`);
  assert.ok(Math.abs(odd.loss - full.loss) < 0.1 * full.loss, `${odd.loss} vs ${full.loss}`);
});
