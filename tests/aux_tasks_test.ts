// SSL-Wearables' auxiliary tasks (lib/train/aux_tasks.ts, lib/model/aux_heads.ts): the three
// transforms do what they say, the labels match what was applied, the heads train, and
// data-parallel gradients with the tasks equal the single-process ones.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { presetConfig } from "../lib/model/config.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { objectiveSpec } from "../lib/flow/objective.ts";
import { Rng } from "../lib/random.ts";
import { batchGradients, drawStep } from "../lib/train/gradients.ts";
import { DataParallelTrainer } from "../lib/train/data_parallel.ts";
import { serializeModel } from "../lib/weights/model_file.ts";
import { loadModel } from "../lib/weights/load.ts";
import { drawAuxTasks, permuteSegments, reverseTime, timeWarp } from "../lib/train/aux_tasks.ts";
import { finetuneGradients, finetuneStore, HEAD_PARAMS } from "../lib/train/finetune_head.ts";
import { FinetuneWorkers } from "../lib/train/finetune_parallel.ts";
import { classWeights } from "../lib/train/cross_entropy.ts";
import { assertSameGradient, syntheticWindows } from "./_helpers.ts";

await initBackend("cpu");
const L = 300;
/** One window whose three channels are t, 2t and -t: every sample is distinct. */
const ramp = () =>
  Float32Array.from({ length: L * 3 }, (_, i) => [1, 2, -1][i % 3] * ((i / 3) | 0));

/** Lengths of the runs of consecutive time indices in channel 0. */
function runs(w: Float32Array): number[] {
  const out = [1];
  for (let t = 1; t < L; t++) {
    if (w[t * 3] === w[(t - 1) * 3] + 1) out[out.length - 1]++;
    else out.push(1);
  }
  return out;
}

Deno.test("aux tasks: reversal, permutation and time-warp transform windows as documented", () => {
  const w = ramp(), rng = new Rng(4);
  const r = reverseTime(w, L, 3);
  assert.deepEqual([r[0], r[1], r[2]], [299, 598, -299]);
  assert.deepEqual(reverseTime(r, L, 3), w);
  for (let k = 0; k < 20; k++) {
    const p = permuteSegments(w, L, 3, rng);
    assert.deepEqual([...p].sort((a, b) => a - b), [...w].sort((a, b) => a - b));
    const lens = runs(p);
    assert.ok(lens.length >= 2 && lens.length <= 4, `runs ${lens}`); // never the identity
    assert.ok(lens.every((n) => n >= 10), `a segment under 10 samples: ${lens}`);
  }
  const constant = new Float32Array(L * 3).fill(0.7);
  assert.ok(timeWarp(constant, L, 3, rng).every((v) => Math.abs(v - 0.7) < 1e-6));
  const t = timeWarp(w, L, 3, rng);
  assert.equal(t[0], 0);
  assert.ok(Math.abs(t[(L - 1) * 3] - (L - 1)) < 1e-3, `last sample ${t[(L - 1) * 3]}`);
  for (let i = 1; i < L; i++) assert.ok(t[i * 3] > t[(i - 1) * 3], `not increasing at ${i}`);
  for (let i = 0; i < L; i++) assert.ok(Math.abs(t[i * 3 + 1] - 2 * t[i * 3]) < 1e-3);
  const moved = Math.max(...Array.from({ length: L }, (_, i) => Math.abs(t[i * 3] - i)));
  assert.ok(moved > 1, `the warp moved samples by at most ${moved}`);
});

Deno.test("aux tasks: each is applied to about half the windows, and the labels say which", () => {
  const n = 400, base = ramp(), windows = new Float32Array(n * L * 3);
  for (let i = 0; i < n; i++) windows.set(base, i * L * 3);
  const { x, labels } = drawAuxTasks(new Rng(1), windows, L, 3);
  for (let task = 0; task < 3; task++) {
    let on = 0;
    for (let i = 0; i < n; i++) on += labels[i * 3 + task];
    assert.ok(on > 0.4 * n && on < 0.6 * n, `task ${task} applied to ${on} of ${n}`);
  }
  for (let i = 0; i < n; i++) {
    const w = x.subarray(i * L * 3, (i + 1) * L * 3),
      [rev, perm, warp] = labels.slice(i * 3, i * 3 + 3);
    if (!perm && !warp) assert.deepEqual(w, rev ? reverseTime(base, L, 3) : base, `window ${i}`);
    if (perm && !warp) assert.ok(runs(rev ? reverseTime(w, L, 3) : w).length > 1, `window ${i}`);
  }
  assert.throws(() => drawAuxTasks(new Rng(1), new Float32Array(30 * 3), 30, 3), /at least 40/);
});

Deno.test("aux tasks: a model with them has the heads, trains them, and rebuilds from its file", async () => {
  const config = presetConfig("tiny", { seed: 2 });
  config.encoder = { ...config.encoder, auxTasks: 0.5 };
  const model = new FlowFM(config);
  const spec = objectiveSpec("fm"), batch = syntheticWindows(4, 1);
  const draws = drawStep(new Rng(3), 4, 900, spec, "uniform", { maxRotationDeg: 10 }, batch, [
    L,
    3,
  ]);
  assert.ok(draws.aux && draws.aux.labels.length === 12);
  const { value, grads } = batchGradients(model, spec, batch, draws);
  const g = grads.get("encoder.aux.w")!;
  assert.ok(Math.max(...g.dataSync().map(Math.abs)) > 0, "the heads get a gradient");
  tf.dispose([value, ...grads.values()]);
  const plain = drawStep(new Rng(3), 4, 900, spec, "uniform", null, batch);
  assert.throws(() => batchGradients(model, spec, batch, plain), /auxiliary-task weight is 0.5/);
  const back = await loadModel(await serializeModel(model));
  assert.equal(back.config.encoder.auxTasks, 0.5);
  assert.deepEqual(back.params.get("encoder.aux.w").shape, [32, 3]);
  back.dispose();
  model.dispose();
});

Deno.test("aux tasks: 2 workers' summed gradient equals the whole batch's (frozen BN)", async () => {
  const config = presetConfig("tiny", { seed: 5 });
  config.encoder = { ...config.encoder, auxTasks: 0.3 };
  const model = new FlowFM(config);
  const spec = objectiveSpec("fm"), batch = syntheticWindows(6, 3);
  const draws = drawStep(new Rng(9), 6, 900, spec, "uniform", { maxRotationDeg: 10 }, batch, [
    L,
    3,
  ]);
  const dp = await DataParallelTrainer.create(model, { workers: 2, backend: "cpu", norm: "eval" });
  try {
    const got = await dp.gradients(batch, draws);
    const want = batchGradients(model, spec, batch, draws, { norm: "eval" });
    try {
      await assertSameGradient(got, want, model.params.trainable, "aux: ");
    } finally {
      tf.dispose([want.value, ...want.grads.values()]);
    }
  } finally {
    dp.dispose();
    model.dispose();
  }
});

Deno.test("aux tasks: fine-tuning a model with the heads leaves them out (one process and 2 workers)", async () => {
  const config = presetConfig("tiny", { seed: 5 });
  config.encoder = { ...config.encoder, auxTasks: 0.3 };
  const model = new FlowFM(config);
  const store = finetuneStore(model, new Rng(3), 16, 3);
  assert.ok(store.vars.has("encoder.aux.w") && !store.trainable.has("encoder.aux.w"));
  const n = 6, x = syntheticWindows(n, 8, 3).map((v) => Math.max(-3, Math.min(3, v)));
  const y = Int32Array.of(0, 1, 2, 0, 1, 2), w = classWeights(y, Int32Array.from(y.keys()), 3);
  const draws = { aug: null, noise: null };
  const pool = await FinetuneWorkers.create(
    { modelBytes: await serializeModel(model), store, hidden: 16, classes: 3, classWeights: w },
    { workers: 2, backend: "cpu", norm: "eval" },
  );
  try {
    const got = await pool.gradients(x, y, draws);
    const want = finetuneGradients(model, store, x, y, w, draws, { norm: "eval" });
    try {
      await assertSameGradient(got, want, store.trainable, "fine-tuning with aux heads: ");
    } finally {
      tf.dispose([want.value, ...want.grads.values()]);
    }
  } finally {
    pool.dispose();
    for (const name of HEAD_PARAMS) store.get(name).dispose();
    model.dispose();
  }
});
