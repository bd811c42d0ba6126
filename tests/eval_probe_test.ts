import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { presetConfig } from "../lib/model/config.ts";
import { weightedCrossEntropy } from "../lib/train/cross_entropy.ts";
import { HANDCRAFTED_FEATURE_NAMES, handcraftedFeatures } from "../lib/classify/handcrafted.ts";
import { trainLinearProbe } from "../lib/train/linear_probe.ts";
import { evaluate } from "../lib/eval/protocol.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { Rng } from "../lib/random.ts";
import { serializeModel } from "../lib/weights/model_file.ts";
import { syntheticWindows } from "./_helpers.ts";

await initBackend("wasm");

const CLASSES = ["slow", "mid", "fast"];

/** `perSubject` windows for each of `subjects` subjects; class `i % 3` sets the frequency. */
function labelledData(subjects: number, perSubject: number) {
  const windows = new Float32Array(subjects * perSubject * 900);
  const labels: (string | null)[] = [], ids: (string | null)[] = [];
  for (let s = 0; s < subjects; s++) {
    windows.set(syntheticWindows(perSubject, 100 + s, 3), s * perSubject * 900);
    for (let i = 0; i < perSubject; i++) {
      labels.push(CLASSES[i % 3]);
      ids.push(`p${s + 1}`);
    }
  }
  return { windows, labels, subjects: ids };
}

Deno.test("handcrafted features: statistics, correlations and dominant frequency by hand", () => {
  const w = new Float32Array(900);
  for (let t = 0; t < 300; t++) {
    w[3 * t] = Math.sin((2 * Math.PI * 3 * t) / 30); // 3 Hz on x
    w[3 * t + 1] = -w[3 * t]; // y = -x
    w[3 * t + 2] = 1; // gravity on z
  }
  const f = handcraftedFeatures(w);
  const get = (name: string) => f.data[HANDCRAFTED_FEATURE_NAMES.indexOf(name)];
  assert.equal(f.count, 1);
  assert.ok(Math.abs(get("x.mean")) < 1e-6);
  assert.ok(Math.abs(get("x.sd") - Math.SQRT1_2) < 1e-5);
  assert.ok(Math.abs(get("z.mean") - 1) < 1e-6 && Math.abs(get("z.sd")) < 1e-6);
  assert.ok(Math.abs(get("corr.xy") + 1) < 1e-5);
  assert.equal(get("corr.xz"), 0, "a constant axis has no correlation");
  assert.ok(Math.abs(get("x.domFreq") - 3) < 1e-6);
  assert.ok(get("x.domShare") > 0.99);
  assert.ok(get("x.band3-5Hz") > get("x.band1-2Hz") + 10);
  assert.ok(f.data.every(Number.isFinite));
  assert.throws(() => handcraftedFeatures(new Float32Array(10)), /multiple of 900/);
});

Deno.test("weighted cross-entropy: weighted mean of per-row losses, as PyTorch", () => {
  const logits = tf.tensor2d([[2, 0], [0, 1], [1, 1]]);
  const y = Int32Array.from([0, 1, 0]);
  const w = Float32Array.from([1, 3]);
  const ce = (l: number[], c: number) => Math.log(l.reduce((a, v) => a + Math.exp(v), 0)) - l[c];
  const expected = (ce([2, 0], 0) + 3 * ce([0, 1], 1) + ce([1, 1], 0)) / 5;
  const loss = weightedCrossEntropy(logits, y, w);
  assert.ok(Math.abs(loss.dataSync()[0] - expected) < 1e-5);
  tf.dispose([logits, loss]);
});

Deno.test("linear probe: separates a linearly separable problem, keeps the best validation weights", async () => {
  const rng = new Rng(1);
  const n = 120, d = 5;
  const data = new Float32Array(n * d), y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 3;
    for (let j = 0; j < d; j++) data[i * d + j] = 100 + 50 * rng.normal() + (j === y[i] ? 400 : 0);
  }
  const x = { data, count: n, dim: d };
  const rows = (a: number, b: number) => Int32Array.from({ length: b - a }, (_, i) => a + i);
  const probe = await trainLinearProbe(x, y, 3, { train: rows(0, 80), val: rows(80, 100) }, {
    l2: [1e-3, 1e-1],
  });
  const pred = probe.predict(x, rows(100, 120));
  const correct = pred.filter((p, i) => p === y[100 + i]).length;
  assert.ok(correct >= 19, `${correct}/20 correct`);
  assert.ok([1e-3, 1e-1].includes(probe.fit.l2));
  assert.ok(probe.fit.iteration > 0 && Number.isFinite(probe.fit.valLoss));
  // Standardised with training statistics: the raw scale (means 100 to 233, SD 50 to 190).
  assert.ok(probe.mean.every((m) => m > 80) && probe.sd.every((s) => s > 40));
  // Without validation windows it still trains (fixed iterations).
  const noVal = await trainLinearProbe(x, y, 3, { train: rows(0, 80), val: new Int32Array(0) }, {
    maxIterations: 50,
  });
  assert.ok(Number.isNaN(noVal.fit.valLoss) && noVal.fit.iteration === 50);
});

Deno.test("probe on the tiny preset (random init) and handcrafted features beat chance on separable data", async () => {
  const data = labelledData(4, 12);
  data.labels[5] = null; // unlabelled windows are excluded
  const model = new FlowFM(presetConfig("tiny", { seed: 5 }));
  const bytes = await serializeModel(model);
  model.dispose();
  const report = await evaluate(data, {
    heads: ["probe", "handcrafted"],
    model: bytes,
    seed: 1,
    probe: { lr: 0.05, maxIterations: 200 },
  });
  assert.equal(report.folds.length, 4, "4 subjects: leave-one-subject-out");
  assert.deepEqual(report.windows, { total: 48, evaluated: 47, unlabelled: 1, noSubject: 0 });
  assert.deepEqual(report.classes, ["fast", "mid", "slow"]);
  for (const h of report.heads) {
    assert.equal(h.subjects.length, 4);
    assert.equal(h.confusion.flat().reduce((a, b) => a + b, 0), 47);
    // Chance is about 1/3 for 3 balanced classes.
    assert.ok(h.summary.macroF1.mean > 0.6, `${h.head}: macro F1 ${h.summary.macroF1.mean}`);
    assert.ok(h.summary.kappa.mean > 0.4, `${h.head}: kappa ${h.summary.kappa.mean}`);
  }
});

Deno.test("probe and handcrafted evaluation do not leak memory", async () => {
  const data = labelledData(3, 6);
  const model = new FlowFM(presetConfig("tiny", { seed: 6 }));
  const bytes = await serializeModel(model);
  const before = tf.memory().numTensors;
  await evaluate(data, {
    heads: ["probe", "scratch-probe", "handcrafted"],
    model: bytes,
    probe: { maxIterations: 20 },
  });
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
});
