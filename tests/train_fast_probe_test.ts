// The fast probe (L-BFGS, warm starts along the L2 grid) against the Adam probe on fixed sets:
// macro F1 within 0.005, the same L2 chosen by validation loss, and no tensors leak.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { type FeatureMatrix, trainLinearProbe } from "../lib/train/linear_probe.ts";
import { trainFastProbe } from "../lib/train/fast_probe.ts";
import { confusionMatrix, macroF1 } from "../lib/eval/metrics.ts";
import { handcraftedFeatures } from "../lib/classify/handcrafted.ts";
import { Rng } from "../lib/random.ts";
import { syntheticWindows } from "./_helpers.ts";

await initBackend("wasm");

/** `n` rows of `dim` features from `classes` overlapping Gaussian clusters (seeded, fixed). */
function clusters(n: number, dim: number, classes: number, seed: number) {
  const rng = new Rng(seed);
  const centres = Array.from(
    { length: classes },
    () => Array.from({ length: dim }, () => rng.normal()),
  );
  const data = new Float32Array(n * dim), y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    // Uneven classes: class c appears about (c + 1) times as often as class 0.
    let c = Math.floor(rng.uniform() * classes * (classes + 1) / 2), k = 0;
    while (c > k) c -= ++k;
    y[i] = Math.min(classes - 1, k);
    for (let j = 0; j < dim; j++) {
      data[i * dim + j] = 0.6 * centres[y[i]][j] + rng.normal() + (j % 5 === 0 ? 10 : 0);
    }
  }
  return { x: { data, count: n, dim } as FeatureMatrix, y };
}

/** Train / validation / test rows: 70 / 10 / 20 %. */
function split(n: number) {
  const rows = Int32Array.from({ length: n }, (_, i) => i);
  const a = Math.floor(0.7 * n), b = Math.floor(0.8 * n);
  return { train: rows.slice(0, a), val: rows.slice(a, b), test: rows.slice(b) };
}

async function f1Of(
  solve: typeof trainLinearProbe,
  x: FeatureMatrix,
  y: Int32Array,
  classes: number,
) {
  const s = split(x.count);
  const probe = await solve(x, y, classes, s);
  const pred = probe.predict(x, s.test);
  const f1 = macroF1(confusionMatrix(Int32Array.from(s.test, (i) => y[i]), pred, classes));
  return { f1, fit: probe.fit };
}

Deno.test("fast probe: macro F1 within 0.005 of the Adam probe on fixed sets, without leaks", async () => {
  const before = tf.memory().numTensors;
  const k = 6;
  const sets: [string, FeatureMatrix, Int32Array, number][] = [];
  const g = clusters(1500, 40, k, 1);
  sets.push(["gaussian clusters, 40 features, 6 classes", g.x, g.y, k]);
  // Handcrafted features of synthetic windows: 3 classes, features of very different scales.
  const n = 3000, windows = syntheticWindows(n, 3, 3);
  const rng = new Rng(9), labels = Int32Array.from({ length: n }, (_, i) => i % 3);
  for (let i = 0; i < n; i++) if (rng.uniform() < 0.3) labels[i] = Math.floor(rng.uniform() * 3);
  sets.push([
    "handcrafted features, 3 classes",
    handcraftedFeatures(windows),
    labels,
    3,
  ]);
  for (const [name, x, y, classes] of sets) {
    const adam = await f1Of(trainLinearProbe, x, y, classes);
    const fast = await f1Of(trainFastProbe, x, y, classes);
    assert.ok(
      adam.f1 > 1 / classes + 0.1 && adam.f1 < 0.99,
      `${name}: a set that can tell probes apart (adam F1 ${adam.f1})`,
    );
    assert.ok(
      Math.abs(fast.f1 - adam.f1) <= 0.005,
      `${name}: fast ${fast.f1.toFixed(4)} vs adam ${
        adam.f1.toFixed(4)
      } (l2 ${fast.fit.l2} / ${adam.fit.l2})`,
    );
    assert.ok(
      fast.fit.valLoss <= adam.fit.valLoss * 1.01,
      `${name}: val loss ${fast.fit.valLoss} vs ${adam.fit.valLoss}`,
    );
  }
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("fast probe: no validation rows uses the first L2 and converges; separable data is fitted", async () => {
  const x = { data: Float32Array.from([0, 0, 1, 0, 0, 1, 1, 1]), count: 4, dim: 2 };
  const y = Int32Array.from([0, 1, 1, 0]); // XOR: not separable, so only 2 of 4 can be right
  const rows = Int32Array.from([0, 1, 2, 3]);
  const p = await trainFastProbe(x, y, 2, { train: rows, val: new Int32Array() }, {
    l2: [0.5, 1e-3],
  });
  assert.equal(p.fit.l2, 0.5);
  assert.ok(Number.isNaN(p.fit.valLoss));
  const lin = { data: Float32Array.from([0, 1, 2, 3, 4, 5]), count: 6, dim: 1 };
  const yl = Int32Array.from([0, 0, 1, 1, 2, 2]);
  const all = Int32Array.from({ length: 6 }, (_, i) => i);
  const q = await trainFastProbe(lin, yl, 3, { train: all, val: all }, { l2: 1e-4 });
  assert.equal(q.predict(lin).join(), "0,0,1,1,2,2");
  await assert.rejects(
    () => trainFastProbe(lin, yl, 3, { train: new Int32Array(), val: all }),
    /no training windows/,
  );
});
