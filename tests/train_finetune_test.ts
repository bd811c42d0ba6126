import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { presetConfig } from "../lib/model/config.ts";
import { fineTune } from "../lib/train/finetune.ts";
import { classWeights } from "../lib/train/cross_entropy.ts";
import { evaluate } from "../lib/eval/protocol.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { serializeModel } from "../lib/weights/model_file.ts";
import { syntheticWindows } from "./_helpers.ts";

await initBackend("wasm");

// 3 subjects x 12 windows; class i % 3 (frequency and amplitude differ by class).
const windows = new Float32Array(36 * 900);
for (let s = 0; s < 3; s++) windows.set(syntheticWindows(12, 200 + s, 3), s * 12 * 900);
const y = Int32Array.from({ length: 36 }, (_, i) => i % 3);
const range = (a: number, b: number) => Int32Array.from({ length: b - a }, (_, i) => a + i);
const split = { train: range(0, 24), val: range(24, 36), test: range(24, 36) };

async function snapshot(model: FlowFM): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [k, v] of model.params.vars) out.set(k, new Float32Array(await v.data()));
  return out;
}

Deno.test("fine-tuning learns, restores the best epoch, and never modifies the caller's model", async () => {
  const model = new FlowFM(presetConfig("tiny", { seed: 11 }));
  const before = await snapshot(model);
  const bytes = await serializeModel(model);
  const patience = 3;
  const r = await fineTune(bytes, windows, y, 3, split, {
    lr: 3e-3,
    maxEpochs: 20,
    patience,
    batchSize: 8,
    hidden: 16,
    seed: 1,
    workers: 1, // this thread, whatever the core count (workers normalise per shard)
  });
  assert.deepEqual(await snapshot(model), before, "the caller's weights changed");
  model.dispose();

  const vals = r.history.map((h) => h.valLoss);
  assert.ok(
    r.history[r.history.length - 1].trainLoss < r.history[0].trainLoss,
    "train loss did not fall",
  );
  assert.ok(r.valLoss < Math.log(3) * 0.8, `val loss ${r.valLoss} not below chance`);
  // The kept epoch has the lowest validation loss, and training stopped within `patience` of it.
  assert.equal(r.bestEpoch, vals.indexOf(Math.min(...vals)) + 1);
  assert.ok(r.history.length <= Math.min(20, r.bestEpoch + patience));
  // Test = validation here: the returned logits are those of the restored best weights.
  const w = classWeights(y, split.train, 3);
  let num = 0, den = 0;
  split.test.forEach((row, i) => {
    const l = r.logits.subarray(i * 3, i * 3 + 3);
    const lse = Math.log(l.reduce((a, v) => a + Math.exp(v), 0));
    num += w[y[row]] * (lse - l[y[row]]);
    den += w[y[row]];
  });
  assert.ok(Math.abs(num / den - r.valLoss) < 1e-4, `${num / den} vs best ${r.valLoss}`);
  const correct = r.predictions.filter((p, i) => p === y[split.test[i]]).length;
  assert.ok(correct > 6, `${correct}/12 correct (chance 4)`);
});

Deno.test("fine-tuning: epochWindows passes over a small training split several times per epoch", async () => {
  const model = new FlowFM(presetConfig("tiny", { seed: 13 }));
  const bytes = await serializeModel(model);
  model.dispose();
  const small = { ...split, train: range(0, 6) };
  const opts = { maxEpochs: 2, patience: 5, batchSize: 4, hidden: 8, seed: 2, workers: 1 };
  const one = await fineTune(bytes, windows, y, 3, small, opts);
  // One pass of 6 windows: a batch of 4, then 2.
  assert.deepEqual(one.history.map((h) => h.steps), [2, 2]);
  const many = await fineTune(bytes, windows, y, 3, small, { ...opts, epochWindows: 16 });
  // ceil(16 / 6) = 3 passes, 18 windows: batches of 4, 4, 4, 4, 2.
  assert.deepEqual(many.history.map((h) => h.steps), [5, 5]);
  await assert.rejects(
    () => fineTune(bytes, windows, y, 3, small, { ...opts, epochWindows: -1 }),
    /options\.epochWindows must be an integer >= 0, got -1/,
  );
});

Deno.test("fine-tuning with augmentation and without validation runs all epochs; same seed, same result", async () => {
  const model = new FlowFM(presetConfig("tiny", { seed: 12 }));
  const bytes = await serializeModel(model);
  model.dispose();
  const noVal = { ...split, val: new Int32Array(0) };
  const opts = {
    maxEpochs: 2,
    batchSize: 12,
    hidden: 8,
    seed: 4,
    augment: { maxRotationDeg: 10, scale: 0.1, jitter: 0.02 },
  };
  const a = await fineTune(bytes, windows, y, 3, noVal, opts);
  const b = await fineTune(bytes, windows, y, 3, noVal, opts);
  assert.equal(a.history.length, 2);
  assert.equal(a.bestEpoch, 2);
  assert.ok(Number.isNaN(a.valLoss));
  assert.deepEqual(a.logits, b.logits);
  await assert.rejects(
    () => fineTune(bytes, windows, y, 3, { ...split, train: range(0, 1) }),
    /at least 2 training windows/,
  );
});

Deno.test("fine-tuning (and the from-scratch baseline) does not leak memory", async () => {
  const model = new FlowFM(presetConfig("tiny", { seed: 13 }));
  const bytes = await serializeModel(model);
  const before = tf.memory().numTensors;
  const labels = Array.from(y, (c) => `c${c}`);
  const subjects = Array.from({ length: 36 }, (_, i) => `p${Math.floor(i / 12)}`);
  const r = await evaluate({ windows, labels, subjects }, {
    heads: ["finetune", "scratch-finetune"],
    model: bytes,
    maxFolds: 1,
    finetune: { maxEpochs: 1, batchSize: 12, hidden: 8 },
  });
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(r.heads.map((h) => h.head), ["finetune", "scratch-finetune"]);
  assert.equal(r.heads[0].folds.length, 1);
  assert.equal(r.heads[0].subjects.length, 1);
  model.dispose();
});
