// Data-parallel training over Web Workers: the summed shard gradients equal the whole batch's,
// runs are reproducible bit for bit, nothing leaks in the workers, and a failing worker is named.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { presetConfig } from "../lib/model/config.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { objectiveSpec } from "../lib/flow/objective.ts";
import { Rng } from "../lib/random.ts";
import { serializeModel } from "../lib/weights/model_file.ts";
import { decodeSafetensors } from "../lib/weights/safetensors.ts";
import { batchGradients, drawStep } from "../lib/train/gradients.ts";
import { DataParallelTrainer } from "../lib/train/data_parallel.ts";
import { train } from "../lib/train/run.ts";
import { loadCheckpoint } from "../lib/train/checkpoint.ts";
import { assertSameGradient, syntheticWindows } from "./_helpers.ts";

await initBackend("cpu");
const newModel = () => new FlowFM(presetConfig("tiny", { seed: 5 }));

Deno.test("data parallel: 2 workers' summed gradient equals the whole batch's (frozen BN)", async () => {
  for (const objective of ["fm", "ddpm"] as const) {
    const model = new FlowFM(presetConfig("tiny", { seed: 5, objective }));
    const batch = syntheticWindows(6, 3);
    const spec = objectiveSpec(objective);
    const draws = drawStep(new Rng(9), 6, 900, spec, "uniform", { maxRotationDeg: 10 });
    const dp = await DataParallelTrainer.create(model, {
      workers: 2,
      backend: "cpu",
      norm: "eval",
    });
    try {
      const got = await dp.gradients(batch, draws);
      const want = batchGradients(model, spec, batch, draws, { norm: "eval" });
      try {
        await assertSameGradient(got, want, model.params.trainable, `${objective}: `);
      } finally {
        tf.dispose([want.value, ...want.grads.values()]);
      }
    } finally {
      dp.dispose();
      model.dispose();
    }
  }
});

async function twoWorkerRun(): Promise<Map<string, Float32Array>> {
  const model = newModel();
  const windows = { data: syntheticWindows(8, 1), count: 8 };
  await train(model, windows, { steps: 3, batch: 4, augment: true, workers: 2 });
  const { tensors } = decodeSafetensors(await serializeModel(model));
  model.dispose();
  return new Map([...tensors].map(([k, t]) => [k, t.data]));
}

Deno.test("data parallel: shared memory and copies in messages give the same run, bit for bit", async () => {
  // Deno has SharedArrayBuffer, so runs share memory with their workers; a page that is not
  // cross-origin isolated has none, and the values travel in the messages instead.
  assert.equal(typeof SharedArrayBuffer, "function");
  const shared = await twoWorkerRun();
  Object.defineProperty(globalThis, "crossOriginIsolated", { value: false, configurable: true });
  let copied: Map<string, Float32Array>;
  try {
    copied = await twoWorkerRun();
  } finally {
    delete (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  }
  for (const [k, v] of shared) {
    assert.ok(v.every((x, i) => Object.is(x, copied.get(k)![i])), `tensor ${k} differs`);
  }
});

Deno.test("data parallel: a 2-worker run is reproducible bit for bit", async () => {
  const before = newModel();
  const initial = decodeSafetensors(await serializeModel(before)).tensors;
  before.dispose();
  const a = await twoWorkerRun(), b = await twoWorkerRun();
  assert.deepEqual([...a.keys()], [...b.keys()]);
  let changed = false;
  for (const [k, v] of a) {
    assert.ok(v.every((x, i) => Object.is(x, b.get(k)![i])), `tensor ${k} differs between runs`);
    if (initial.get(k)!.data.some((x, i) => x !== v[i])) changed = true;
  }
  assert.ok(changed, "training changed the weights");
});

Deno.test("data parallel: does not leak memory across steps, in the workers or here", async () => {
  const model = newModel();
  const batch = syntheticWindows(4, 2);
  const dp = await DataParallelTrainer.create(model, { workers: 2, backend: "cpu" });
  try {
    await dp.step(batch);
    const here = tf.memory().numTensors, there = await dp.workerMemory();
    for (let i = 0; i < 3; i++) await dp.step(batch);
    assert.equal(tf.memory().numTensors, here);
    assert.deepEqual(
      (await dp.workerMemory()).map((m) => m.numTensors),
      there.map((m) => m.numTensors),
    );
  } finally {
    dp.dispose();
    model.dispose();
  }
});

Deno.test("data parallel: a worker that throws fails the step, naming the worker, in seconds", async () => {
  const model = newModel();
  const dp = await DataParallelTrainer.create(model, {
    workers: 2,
    backend: "cpu",
    faultAtStep: 2,
  });
  try {
    await dp.step(syntheticWindows(4, 2));
    const t0 = performance.now();
    await assert.rejects(
      () => dp.step(syntheticWindows(4, 2)),
      /training worker 0 failed: grad \(step 2\): injected fault.*last message/,
    );
    assert.ok(performance.now() - t0 < 10_000);
    // A dead worker fails later calls at once instead of hanging.
    await assert.rejects(() => dp.step(syntheticWindows(4, 2)), /training worker 0 failed/);
  } finally {
    dp.dispose();
    model.dispose();
  }
});

Deno.test("data parallel: a disposed trainer fails its steps at once", async () => {
  const model = newModel();
  const bad = await DataParallelTrainer.create(model, { workers: 1, backend: "cpu" });
  bad.dispose();
  await assert.rejects(() => bad.step(syntheticWindows(4, 2)), /training worker 0: stopped/);
  model.dispose();
});

Deno.test("data parallel: a run checkpointed with 2 workers resumes with 1 (not bit-identical)", async () => {
  const windows = { data: syntheticWindows(8, 1), count: 8 };
  const model = newModel();
  let saved: Uint8Array = new Uint8Array();
  await train(model, windows, { steps: 2, batch: 4, workers: 2 }, {
    onCheckpoint: (bytes) => {
      saved = bytes;
    },
  });
  model.dispose();
  const resumed = loadCheckpoint(saved, "2-worker checkpoint");
  assert.equal(resumed.state.step, 2);
  const r = await train(resumed.model, windows, { steps: 4, workers: 1, resume: resumed.state });
  assert.equal(r.steps, 4);
  assert.ok(Number.isFinite(r.finalLoss));
  resumed.model.dispose();
});
