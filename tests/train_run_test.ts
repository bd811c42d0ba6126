// The library's training loop: train(), checkpoints through hooks, exact resumption, clean stops.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { presetConfig } from "../lib/model/config.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { serializeModel } from "../lib/weights/model_file.ts";
import { decodeSafetensors, encodeSafetensors } from "../lib/weights/safetensors.ts";
import { loadCheckpoint } from "../lib/train/checkpoint.ts";
import { train, type TrainOptions, type TrainStepRecord } from "../lib/train/run.ts";
import { TRAIN_DEFAULTS } from "../lib/train/defaults.ts";
import { syntheticWindows } from "./_helpers.ts";

await initBackend("cpu");

// 12 windows in batches of 4: 3 steps per epoch, so the runs below cross epoch boundaries.
const windows = { data: syntheticWindows(12, 7), count: 12 };
const N = 7, K = 3;
const OPTS: TrainOptions = { steps: N, batch: 4, checkpointEvery: 2, augment: true, lr: 2e-3 };
const newModel = () => new FlowFM(presetConfig("tiny", { seed: 11 }));

/** Every tensor of a model file, by name. */
async function tensorsOf(model: FlowFM): Promise<Map<string, Float32Array>> {
  const { tensors } = decodeSafetensors(await serializeModel(model));
  return new Map([...tensors].map(([k, t]) => [k, t.data]));
}

function assertSameWeights(got: Map<string, Float32Array>, want: Map<string, Float32Array>) {
  assert.deepEqual([...got.keys()], [...want.keys()]);
  for (const [name, data] of want) {
    assert.ok(
      got.get(name)!.every((v, i) => Object.is(v, data[i])),
      `tensor "${name}" differs from the uninterrupted run`,
    );
  }
}

/** The uninterrupted reference run. */
async function fullRun() {
  const model = newModel();
  const steps: TrainStepRecord[] = [];
  const result = await train(model, windows, OPTS, { onStep: (r) => void steps.push(r) });
  const weights = await tensorsOf(model);
  model.dispose();
  return { result, steps, weights };
}

/** Resumes from checkpoint bytes to N steps; returns the final weights and the losses. */
async function resumeTo(bytes: Uint8Array) {
  const { model, state } = loadCheckpoint(bytes, "memory");
  assert.equal(state.step, K);
  assert.deepEqual(state.schedule, { batch: 4, seed: 11, totalSteps: K, windows: 12 });
  const losses: number[] = [];
  const result = await train(model, windows, { steps: N, resume: state }, {
    onStep: (r) => void losses.push(r.loss),
  });
  const weights = await tensorsOf(model);
  model.dispose();
  return { result, losses, weights };
}

const reference = await fullRun();

Deno.test("train: runs the asked steps and reports them", () => {
  const { result, steps } = reference;
  assert.equal(result.steps, N);
  assert.equal(result.stopped, false);
  assert.equal(result.windowsSeen, N * 4);
  assert.equal(result.finalLossSteps, N);
  const mean = steps.reduce((a, r) => a + r.loss, 0) / N;
  assert.ok(Math.abs(result.finalLoss - mean) < 1e-9);
  assert.deepEqual(steps.map((r) => r.step), [1, 2, 3, 4, 5, 6, 7]);
  for (const r of steps) {
    assert.deepEqual(Object.keys(r), ["step", "loss", "gradNorm", "windowsPerSec", "elapsedSec"]);
    assert.ok(Number.isFinite(r.loss) && r.windowsPerSec > 0 && r.elapsedSec > 0);
  }
});

Deno.test("train: a run cut at K steps resumes from its checkpoint bit for bit", async () => {
  const model = newModel();
  const saved: { step: number; bytes: Uint8Array }[] = [];
  const cut = await train(model, windows, { ...OPTS, steps: K }, {
    onCheckpoint: (bytes, step) => void saved.push({ bytes, step }),
  });
  model.dispose();
  assert.equal(cut.steps, K);
  assert.deepEqual(saved.map((c) => c.step), [2, K]); // every 2 steps, and at the end
  const resumed = await resumeTo(saved.at(-1)!.bytes);
  assert.equal(resumed.result.steps, N);
  assert.deepEqual(resumed.losses, reference.steps.slice(K).map((r) => r.loss));
  assertSameWeights(resumed.weights, reference.weights);
});

Deno.test("train: an aborted signal stops after the step, emits a checkpoint, and resumes bit for bit", async () => {
  const model = newModel();
  const ac = new AbortController();
  const saved: { step: number; bytes: Uint8Array }[] = [];
  const result = await train(model, windows, OPTS, {
    signal: ac.signal,
    onStep: (r) => {
      if (r.step === K) ac.abort();
    },
    onCheckpoint: (bytes, step) => void saved.push({ bytes, step }),
  });
  model.dispose();
  assert.equal(result.stopped, true);
  assert.equal(result.steps, K);
  assert.deepEqual(saved.map((c) => c.step), [2, K]);
  // The stopped run's checkpoint keeps the run's length; resumeTo extends it explicitly.
  const { model: m, state } = loadCheckpoint(saved.at(-1)!.bytes, "memory");
  assert.equal(state.schedule.totalSteps, N);
  assert.deepEqual(state.config, {
    preset: "tiny",
    lr: 2e-3,
    clipNorm: TRAIN_DEFAULTS.clipNorm,
    augment: true,
    randomCrops: false,
    shiftedView: false,
    motionWeighted: false,
    balance: "none",
    timeSampling: "uniform",
    emaDecay: 0,
    objective: "fm",
  });
  const rest = await train(m, windows, { resume: state }); // the saved length, N
  assert.equal(rest.steps, N);
  assertSameWeights(await tensorsOf(m), reference.weights);
  m.dispose();
});

Deno.test("loadCheckpoint: errors name the source; the earlier metadata layout still loads", async () => {
  const model = newModel();
  assert.throws(
    () => loadCheckpoint(new Uint8Array(0), "runs/x/checkpoint.safetensors"),
    /runs\/x\/checkpoint\.safetensors/,
  );
  const plain = await serializeModel(model);
  assert.throws(
    () => loadCheckpoint(plain, "runs/x/model.safetensors"),
    /^WeightsError: runs\/x\/model\.safetensors: a model file, not a checkpoint/,
  );
  const bare = await serializeModel(model, { checkpoint: { tensors: new Map(), metadata: {} } });
  assert.throws(
    () => loadCheckpoint(bare, "old.safetensors"),
    /old\.safetensors: __metadata__\.trainer is missing/,
  );
  let bytes: Uint8Array = new Uint8Array();
  await train(model, windows, { steps: 1, batch: 4 }, { onCheckpoint: (b) => void (bytes = b) });
  model.dispose();
  // Checkpoints written before the loop moved into the library had no `objective` field.
  const { tensors, metadata } = decodeSafetensors(bytes);
  const { objective: _, ...legacy } = JSON.parse(metadata.trainer);
  const old = encodeSafetensors(tensors, { ...metadata, trainer: JSON.stringify(legacy) });
  const loaded = loadCheckpoint(old, "legacy");
  assert.equal(loaded.state.step, 1);
  assert.equal(loaded.state.config.objective, "fm");
  loaded.model.dispose();
  const { [`optimizer.m.generator.in.w`]: _m, ...rest } = Object.fromEntries(tensors);
  const noMoments = encodeSafetensors(new Map(Object.entries(rest)), metadata);
  assert.throws(
    () => loadCheckpoint(noMoments, "cut.safetensors"),
    /cut\.safetensors: missing optimizer tensor "optimizer\.m\.generator\.in\.w"/,
  );
});

Deno.test("train: checks its options and windows", async () => {
  const model = newModel();
  await assert.rejects(() => train(model, windows, { steps: 0 }), /options\.steps must be/);
  await assert.rejects(() => train(model, windows, { batch: 1 }), /options\.batch must be/);
  await assert.rejects(
    () => train(model, { data: windows.data, count: 3 }),
    /windows hold 10800 values/,
  );
  await assert.rejects(
    () => train(model, { data: windows.data.subarray(0, 900), count: 1 }),
    /need at least 2 windows/,
  );
  // A setting its own checkpoint could not hold back is refused before any step.
  await assert.rejects(
    () => train(model, windows, { augment: { scale: 1.5 } }),
    /options\.augment must hold .*scale in \[0, 1\).*"scale":1\.5/,
  );
  model.dispose();
});

Deno.test("train does not leak memory (new run and resumed run)", async () => {
  const before = tf.memory().numTensors;
  const model = newModel();
  let bytes: Uint8Array = new Uint8Array();
  await train(model, windows, { steps: 2, batch: 4, augment: true, microBatch: 2 }, {
    onCheckpoint: (b) => void (bytes = b),
  });
  model.dispose();
  assert.equal(tf.memory().numTensors, before, "train() left tensors behind");
  const { model: m, state } = loadCheckpoint(bytes, "memory");
  await train(m, windows, { steps: 3, resume: state });
  m.dispose();
  assert.equal(tf.memory().numTensors, before, "a resumed train() left tensors behind");
});

Deno.test("loadCheckpoint: a non-finite optimizer moment is a WeightsError naming the tensor", async () => {
  const model = newModel();
  let bytes: Uint8Array = new Uint8Array();
  await train(model, windows, { steps: 1, batch: 4 }, { onCheckpoint: (b) => void (bytes = b) });
  model.dispose();
  const { tensors, metadata } = decodeSafetensors(bytes);
  const v = tensors.get("optimizer.v.generator.in.w")!;
  const data = v.data.slice();
  data[5] = NaN;
  const bad = new Map(tensors).set("optimizer.v.generator.in.w", { ...v, data });
  assert.throws(
    () => loadCheckpoint(encodeSafetensors(bad, metadata), "nan.safetensors"),
    /^WeightsError: nan\.safetensors: optimizer tensor "optimizer\.v\.generator\.in\.w" holds NaN at index 5/,
  );
});

Deno.test("train: options.lr applies on resume and is kept in the next checkpoint", async () => {
  const model = newModel();
  let bytes: Uint8Array = new Uint8Array();
  await train(model, windows, { steps: 2, batch: 4 }, { onCheckpoint: (b) => void (bytes = b) });
  model.dispose();
  const { model: m, state } = loadCheckpoint(bytes, "memory");
  assert.equal(state.config.lr, TRAIN_DEFAULTS.lr);
  const before = await tensorsOf(m);
  let next: Uint8Array = new Uint8Array();
  await train(m, windows, { steps: 4, lr: 0, resume: state }, {
    onCheckpoint: (b) => void (next = b),
  });
  const after = await tensorsOf(m), trainable = new Set(m.params.trainable);
  m.dispose();
  // lr 0: Adam moves no trainable weight (batch-norm running statistics do move).
  assert.ok(trainable.size > 10);
  for (const [name, data] of before) {
    if (!trainable.has(name)) continue;
    assert.ok(after.get(name)!.every((x, i) => Object.is(x, data[i])), `${name} moved at lr 0`);
  }
  const again = loadCheckpoint(next, "memory");
  assert.equal(again.state.config.lr, 0);
  assert.equal(again.state.step, 4);
  again.model.dispose();
});
