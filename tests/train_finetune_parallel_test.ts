// Data-parallel fine-tuning over Web Workers: the summed shard gradients equal the whole batch's
// (frozen batch norm), a 2-worker run is reproducible bit for bit, and nothing leaks here or in
// the workers.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { presetConfig } from "../lib/model/config.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { Rng } from "../lib/random.ts";
import { augmentMatrices } from "../lib/train/augment.ts";
import { serializeModel } from "../lib/weights/model_file.ts";
import { fineTune } from "../lib/train/finetune.ts";
import { finetuneGradients, finetuneStore, HEAD_PARAMS } from "../lib/train/finetune_head.ts";
import { FinetuneWorkers } from "../lib/train/finetune_parallel.ts";
import { classWeights } from "../lib/train/cross_entropy.ts";
import { Adam } from "../lib/train/optimizer.ts";
import { assertSameGradient, syntheticWindows } from "./_helpers.ts";

await initBackend("cpu");

const HIDDEN = 16, CLASSES = 3;

/** A tiny model and a fine-tuning store over it (head drawn from seed 3). */
function setup() {
  const model = new FlowFM(presetConfig("tiny", { seed: 5 }));
  const store = finetuneStore(model, new Rng(3), HIDDEN, CLASSES);
  const dispose = () => {
    for (const n of HEAD_PARAMS) store.get(n).dispose();
    model.dispose();
  };
  return { model, store, dispose };
}

Deno.test("fine-tuning, 2 workers: the summed gradient equals the whole batch's (frozen BN)", async () => {
  const { model, store, dispose } = setup();
  // 7 windows: unequal shards (3 and 4), imbalanced classes, so the class-weight shares matter.
  const n = 7, x = syntheticWindows(n, 8, CLASSES).map((v) => Math.max(-3, Math.min(3, v)));
  const y = Int32Array.of(0, 0, 0, 0, 1, 2, 1);
  const w = classWeights(y, Int32Array.from(y.keys()), CLASSES);
  const rng = new Rng(9);
  const draws = {
    aug: augmentMatrices(rng, n, { maxRotationDeg: 10 }),
    noise: rng.normals(n * 900, 0.02),
  };
  const pool = await FinetuneWorkers.create(
    {
      modelBytes: await serializeModel(model),
      store,
      hidden: HIDDEN,
      classes: CLASSES,
      classWeights: w,
    },
    { workers: 2, backend: "cpu", norm: "eval" },
  );
  try {
    const got = await pool.gradients(x, y, draws);
    const want = finetuneGradients(model, store, x, y, w, draws, { norm: "eval" });
    try {
      await assertSameGradient(got, want, store.trainable, "");
    } finally {
      tf.dispose([want.value, ...want.grads.values()]);
    }
  } finally {
    pool.dispose();
    dispose();
  }
});

Deno.test("fine-tuning, 2 workers, batch-norm on batch statistics: each shard normalised alone", async () => {
  const { model, store, dispose } = setup();
  const n = 6, x = syntheticWindows(n, 4, CLASSES), y = Int32Array.of(0, 1, 2, 0, 0, 1);
  const w = classWeights(y, Int32Array.from(y.keys()), CLASSES), none = { aug: null, noise: null };
  const pool = await FinetuneWorkers.create(
    {
      modelBytes: await serializeModel(model),
      store,
      hidden: HIDDEN,
      classes: CLASSES,
      classWeights: w,
    },
    { workers: 2, backend: "cpu" },
  );
  try {
    const got = await pool.gradients(x, y, none);
    // The same here: shard by shard in train mode, each weighted by its share of the class weight.
    const buffers = [...store.vars.keys()].filter((k) => !store.trainable.has(k));
    const initial = buffers.map((k) => tf.clone(store.get(k)));
    const total = Array.from(y, (c) => w[c]).reduce((a, b) => a + b, 0);
    const sum = new Map<string, Float32Array>();
    let stats0: Float32Array[] = [];
    for (const [a, b] of [[0, 3], [3, 6]]) {
      buffers.forEach((k, i) => store.get(k).assign(initial[i]));
      const ys = y.slice(a, b), share = Array.from(ys, (c) => w[c]).reduce((s, v) => s + v, 0);
      const r = finetuneGradients(model, store, x.slice(a * 900, b * 900), ys, w, none, {
        weight: share / total,
      });
      for (const [k, g] of r.grads) {
        const v = await g.data() as Float32Array, acc = sum.get(k);
        sum.set(k, acc ? acc.map((s, i) => s + v[i]) : v.slice());
      }
      tf.dispose([r.value, ...r.grads.values()]);
      if (a === 0) {
        stats0 = await Promise.all(
          buffers.map(async (k) => await store.get(k).data() as Float32Array),
        );
      }
    }
    tf.dispose(initial);
    const want = [...store.trainable].flatMap((k) => [...sum.get(k)!]);
    const err = want.reduce((m, v, i) => Math.max(m, Math.abs(v - got.grads[i])), 0);
    assert.ok(err <= 1e-5, `max |difference| ${err}`);
    // The running statistics kept are worker 0's (its shard's update only).
    const flat0 = stats0.flatMap((v) => [...v]);
    assert.ok(flat0.every((v, i) => Math.abs(v - got.buffers[i]) <= 1e-6), "worker 0's statistics");
  } finally {
    pool.dispose();
    dispose();
  }
});

// 3 subjects' worth of windows, class i % 3.
const windows = syntheticWindows(24, 21, CLASSES);
const labels = Int32Array.from({ length: 24 }, (_, i) => i % CLASSES);
const range = (a: number, b: number) => Int32Array.from({ length: b - a }, (_, i) => a + i);
const split = { train: range(0, 16), val: range(16, 24), test: range(16, 24) };

Deno.test("fine-tuning, 2 workers: a run is reproducible bit for bit", async () => {
  const { model, dispose } = setup();
  const bytes = await serializeModel(model);
  dispose();
  const opts = {
    workers: 2,
    maxEpochs: 2,
    batchSize: 8,
    hidden: HIDDEN,
    lr: 3e-3,
    seed: 4,
    augment: { maxRotationDeg: 10, scale: 0.1, jitter: 0.02 },
  };
  const a = await fineTune(bytes, windows, labels, CLASSES, split, opts);
  const b = await fineTune(bytes, windows, labels, CLASSES, split, opts);
  assert.equal(a.history.length, 2);
  assert.deepEqual(a.history, b.history);
  assert.ok(a.logits.every((v, i) => Object.is(v, b.logits[i])), "logits differ between runs");
  assert.deepEqual(a.predictions, b.predictions);
  assert.ok(a.history.every((h) => Number.isFinite(h.trainLoss) && Number.isFinite(h.valLoss)));
  // Not the single-process run (batch norm per shard): the workers really did the steps.
  const one = await fineTune(bytes, windows, labels, CLASSES, split, { ...opts, workers: 1 });
  assert.ok(one.logits.some((v, i) => v !== a.logits[i]), "2 workers gave the 1-worker result");
});

Deno.test("fine-tuning, 2 workers: no tensor leaks across steps, here or in the workers", async () => {
  const { model, store, dispose } = setup();
  const x = syntheticWindows(6, 2, CLASSES), y = Int32Array.of(0, 1, 2, 0, 1, 2);
  const w = Float32Array.of(1, 1, 1);
  const opt = new Adam(store, { lr: 1e-3 });
  const pool = await FinetuneWorkers.create(
    {
      modelBytes: await serializeModel(model),
      store,
      hidden: HIDDEN,
      classes: CLASSES,
      classWeights: w,
    },
    { workers: 2, backend: "cpu" },
  );
  try {
    const draws = () => ({ aug: null, noise: null });
    await pool.step(x, y, draws(), opt);
    const here = tf.memory().numTensors, there = await pool.workerTensors();
    for (let i = 0; i < 3; i++) await pool.step(x, y, draws(), opt);
    assert.equal(tf.memory().numTensors, here);
    assert.deepEqual(await pool.workerTensors(), there);
  } finally {
    pool.dispose();
    opt.dispose();
    dispose();
  }
  // A whole run frees everything it made on this thread (its workers are stopped).
  const bytes = await serializeModel(new FlowFM(presetConfig("tiny", { seed: 6 })));
  const before = tf.memory().numTensors;
  await fineTune(bytes, windows, labels, CLASSES, split, {
    workers: 2,
    maxEpochs: 1,
    batchSize: 8,
    hidden: 8,
  });
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("cli/evaluate --workers: passed to fine-tuning and recorded; 0 is a usage error", async () => {
  const cli = new URL("../cli/evaluate.ts", import.meta.url).pathname;
  const run = async (args: string[]) => {
    const r = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", cli, ...args],
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    return { code: r.code, err: new TextDecoder().decode(r.stderr) };
  };
  const dir = await Deno.makeTempDir();
  try {
    const files: string[] = [];
    for (let s = 0; s < 3; s++) {
      const rows = ["x,y,z,label,subject"];
      for (const [a, f] of [["rest", 0.5], ["walk", 2]] as const) {
        for (let i = 0; i < 30 * 30; i++) {
          rows.push(`${(0.5 * Math.sin(2 * Math.PI * f * i / 30 + s)).toFixed(4)},0,1,${a},p${s}`);
        }
      }
      files.push(`${dir}/s${s}.csv`);
      await Deno.writeTextFile(files[s], rows.join("\n") + "\n");
    }
    const data = [...files, "--rate", "30", "--units", "g", "--no-cache", "--backend", "cpu"];
    const common = [
      "--random-init",
      "--preset",
      "tiny",
      "--heads",
      "finetune",
      "--out",
      `${dir}/o`,
    ];
    const bad = await run([...data, ...common, "--workers", "0"]);
    assert.equal(bad.code, 2, bad.err);
    assert.match(bad.err, /--workers must be an integer >= 1/);
    const ok = await run([
      ...data,
      ...common,
      "--workers",
      "2",
      "--max-folds",
      "1",
      "--epochs",
      "1",
    ]);
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.err, /fine-tuning with 2 workers/);
    const report = JSON.parse(await Deno.readTextFile(`${dir}/o/report.json`));
    assert.equal(report.settings.finetune.workers, 2);
    assert.equal(report.heads[0].folds.length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
