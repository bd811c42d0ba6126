// Issue 11's recipe options: encoder input transforms and bottleneck, views rotated about gravity
// or with permuted axes, flow times pushed toward noise, the EMA warm-up, and their CLI flags.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { type FlowFMConfig, presetConfig } from "../lib/model/config.ts";
import { validateConfig } from "../lib/model/validate_config.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { encoderInput } from "../lib/model/encoder.ts";
import { drawTimes } from "../lib/flow/path.ts";
import { applyMatrices, augmentMatrices } from "../lib/train/augment.ts";
import { EncoderEma } from "../lib/train/ema.ts";
import { train, type TrainOptions, type TrainWindows } from "../lib/train/run.ts";
import { loadCheckpoint, type RunConfig } from "../lib/train/checkpoint.ts";
import { Rng } from "../lib/random.ts";
import { loadModel } from "../lib/weights/load.ts";
import { decodeSafetensors } from "../lib/weights/safetensors.ts";
import { serializeModel } from "../lib/weights/model_file.ts";
import { maxAbsDiff, runCli, syntheticWindows } from "./_helpers.ts";

await initBackend("wasm");

/**
 * Trains `opts.steps` steps in one go, and again as half the steps then a resume from the half-way
 * checkpoint; asserts every tensor ends bit-identical. Returns the uninterrupted run's tensors and
 * the checkpoint's run config.
 */
async function assertResumesExactly(
  config: FlowFMConfig,
  windows: TrainWindows,
  opts: TrainOptions & { steps: number },
): Promise<{ tensors: Map<string, { data: Float32Array }>; config: RunConfig }> {
  const full = new FlowFM(config);
  const r = await train(full, windows, opts);
  assert.equal(r.steps, opts.steps);
  const a = decodeSafetensors(await serializeModel(full)).tensors;
  full.dispose();
  const part = new FlowFM(config);
  let mid: Uint8Array = new Uint8Array();
  const half = opts.steps / 2;
  await train(part, windows, { ...opts, steps: half }, { onCheckpoint: (b) => void (mid = b) });
  part.dispose();
  const { model, state } = loadCheckpoint(mid, "memory");
  await train(model, windows, { steps: opts.steps, workers: opts.workers, resume: state });
  const b = decodeSafetensors(await serializeModel(model)).tensors;
  for (const [k, t] of a) assert.deepEqual(b.get(k)!.data, t.data, k);
  model.dispose();
  return { tensors: a, config: state.config };
}

const withEncoder = (e: Record<string, unknown>) => {
  const c = presetConfig("tiny", { seed: 1 });
  c.encoder = { ...c.encoder, ...e };
  return c;
};

Deno.test("encoder options: gravity removal, magnitude channel and bottleneck shape z, save and load; bad values name the field", async () => {
  const before = tf.memory().numTensors;
  const x = syntheticWindows(4, 2);
  const plain = new FlowFM(presetConfig("tiny", { seed: 1 }));
  const opt = new FlowFM(withEncoder({ removeGravity: true, magnitude: true, bottleneck: 8 }));
  assert.equal(opt.embeddingDim, 8);
  assert.deepEqual(opt.params.get("encoder.s0.conv.w").shape.slice(1), [4, 8], "4 input channels");
  assert.deepEqual(opt.params.get("encoder.proj.w").shape, [32, 8]);
  // Scaled-up projection, so the layer norm's epsilon (1e-5) is negligible beside the variance.
  const proj = opt.params.get("encoder.proj.w");
  tf.tidy(() => proj.assign(tf.mul(proj, 1e4)));
  const e = await opt.encode(x);
  assert.equal(e.dim, 8);
  for (let i = 0; i < e.count; i++) { // layer-normalised: mean 0, variance 1 per embedding
    const row = e.data.subarray(i * 8, (i + 1) * 8);
    const m = row.reduce((s, v) => s + v, 0) / 8;
    const v = row.reduce((s, u) => s + (u - m) ** 2, 0) / 8;
    assert.ok(Math.abs(m) < 1e-5 && Math.abs(v - 1) < 1e-3, `row ${i}: mean ${m}, var ${v}`);
  }
  // Gravity removal: a constant offset on every sample (a tilted device at rest) changes nothing.
  const g = new FlowFM(withEncoder({ removeGravity: true }));
  const shifted = x.map((v, i) => v + [0.3, -0.2, 0.5][i % 3]);
  const a = await g.encode(x), b = await g.encode(shifted);
  assert.ok(maxAbsDiff(a.data, b.data) < 1e-4, `gravity removal: ${maxAbsDiff(a.data, b.data)}`);
  assert.ok(maxAbsDiff((await plain.encode(x)).data, (await plain.encode(shifted)).data) > 1e-3);
  // The config travels in the file: the model rebuilds and encodes the same.
  const back = await loadModel(await serializeModel(opt));
  assert.deepEqual(back.config.encoder, opt.config.encoder);
  assert.deepEqual((await back.encode(x)).data, e.data);
  for (const m of [plain, opt, g, back]) m.dispose();
  assert.equal(tf.memory().numTensors, before, "does not leak memory");

  const bad = (enc: Record<string, unknown>) =>
    validateConfig(JSON.parse(JSON.stringify(withEncoder(enc))));
  assert.throws(
    () => bad({ bottleneck: -1 }),
    /field "encoder\.bottleneck": expected an integer >= 0, got -1/,
  );
  assert.throws(
    () => bad({ magnitude: "yes" }),
    /field "encoder\.magnitude": expected true or false/,
  );
  assert.throws(
    () => bad({ auxTasks: -0.1 }),
    /field "encoder\.auxTasks": expected a number >= 0, got -0\.1/,
  );
  const y = encoderInput({ stages: [], magnitude: true }, tf.tensor3d([[[3, 4, 0]]]));
  assert.deepEqual(Array.from(y.dataSync()), [3, 4, 0, 5]);
  y.dispose();
});

Deno.test("views: rotations about gravity keep the mean direction; permutations are signed axis swaps; gravity needs the batch", () => {
  const n = 6, x = syntheticWindows(n, 4);
  const m = augmentMatrices(new Rng(3), n, {
    rotationAxis: "gravity",
    maxRotationDeg: 180,
    scale: 0,
  }, x);
  for (let i = 0; i < n; i++) {
    const mean = [0, 0, 0];
    for (let t = 0; t < 300; t++) {
      for (let c = 0; c < 3; c++) mean[c] += x[(i * 300 + t) * 3 + c] / 300;
    }
    const r = m.subarray(9 * i, 9 * i + 9);
    const turned = [0, 1, 2].map((row) =>
      r[3 * row] * mean[0] + r[3 * row + 1] * mean[1] + r[3 * row + 2] * mean[2]
    );
    assert.ok(maxAbsDiff(turned, mean) < 1e-5, `window ${i}: ${turned} vs ${mean}`);
  }
  const p = augmentMatrices(new Rng(4), 50, { permuteAxes: true, maxRotationDeg: 0, scale: 0 });
  const seen = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const r = Array.from(p.subarray(9 * i, 9 * i + 9));
    assert.ok(r.every((v) => v === 0 || Math.abs(v) === 1), `entries ${r}`);
    for (let k = 0; k < 3; k++) {
      assert.equal([0, 1, 2].filter((c) => r[3 * k + c] !== 0).length, 1, "one per row");
      assert.equal([0, 1, 2].filter((row) => r[3 * row + k] !== 0).length, 1, "one per column");
    }
    seen.add(r.join(","));
  }
  assert.ok(seen.size > 10, `only ${seen.size} distinct signed permutations in 50 draws`);
  assert.throws(
    () => augmentMatrices(new Rng(0), 2, { rotationAxis: "gravity" }),
    /rotationAxis "gravity" needs the batch's 2 windows of 3 channels, got none/,
  );
  const v = applyMatrices(tf.tensor3d(x.slice(0, 900), [1, 300, 3]), p.slice(0, 9));
  assert.equal(v.shape.join(), "1,300,3");
  v.dispose();
});

Deno.test("time sampling: logit-normal-noise puts more weight near the noise end (t = 0); unknown names throw", () => {
  const mean = (t: Float32Array) => t.reduce((s, v) => s + v, 0) / t.length;
  const noise = drawTimes(new Rng(5), 20000, "logit-normal-noise");
  const mid = drawTimes(new Rng(5), 20000, "logit-normal");
  // E[sigmoid(N(-0.8, 1))] is about 0.33; E[sigmoid(N(0, 1))] is 0.5.
  assert.ok(Math.abs(mean(noise) - 0.33) < 0.01, `mean ${mean(noise)}`);
  assert.ok(Math.abs(mean(mid) - 0.5) < 0.01, `mean ${mean(mid)}`);
  assert.ok(noise.every((t) => t > 0 && t < 1));
  // deno-lint-ignore no-explicit-any
  assert.throws(() => drawTimes(new Rng(0), 2, "beta" as any), /unknown time sampling "beta"/);
});

Deno.test("ema: the decay warms up as min(decay, (1 + step) / (10 + step))", async () => {
  const model = new FlowFM(presetConfig("tiny", { seed: 2 }));
  const ema = new EncoderEma(model, 0.999);
  assert.equal(ema.decayAt(1), 2 / 11);
  assert.equal(ema.decayAt(100), 101 / 110);
  assert.equal(ema.decayAt(100000), 0.999);
  const name = "encoder.s0.conv.w";
  const w0 = await model.params.get(name).data();
  model.params.get(name).assign(tf.onesLike(model.params.get(name)));
  ema.update(model, 1); // d = 2/11
  const got = (await ema.state()).get(`optimizer.ema.${name}`)!.data;
  got.forEach((v, i) => assert.ok(Math.abs(v - (2 / 11 * w0[i] + 9 / 11)) < 1e-6));
  ema.dispose();
  model.dispose();
});

Deno.test("train: the recipe options run on 2 workers and resume bit-identically", async () => {
  const windows = { data: syntheticWindows(16, 6), count: 16 };
  const cfg = withEncoder({ magnitude: true, removeGravity: true, bottleneck: 8 });
  const opts = {
    steps: 4,
    batch: 8,
    workers: 2,
    augment: { rotationAxis: "gravity", maxRotationDeg: 180, permuteAxes: true } as const,
    timeSampling: "logit-normal-noise" as const,
    checkpointEvery: 2,
  };
  const { config } = await assertResumesExactly(cfg, windows, opts);
  assert.deepEqual(config.augment, opts.augment);
  assert.equal(config.timeSampling, "logit-normal-noise");
});

Deno.test("shifted view: the encoder's source replaces its input; runs on 2 workers, resumes bit-identically, needs starts", async () => {
  const { batchGradients, drawStep } = await import("../lib/train/gradients.ts");
  const { objectiveSpec } = await import("../lib/flow/objective.ts");
  const before = tf.memory().numTensors;
  const model = new FlowFM(presetConfig("tiny", { seed: 4 }));
  // Zero-initialised output layers make z (and so the encoder) irrelevant at step 0: perturb them.
  tf.tidy(() => {
    for (const [name, v] of model.params.vars) {
      if (name.startsWith("generator.")) {
        v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.05, "float32", 1)));
      }
    }
  });
  const fm = objectiveSpec("fm"), x = syntheticWindows(4, 7), other = syntheticWindows(4, 8);
  const grads = (source?: Float32Array) => {
    const d = drawStep(new Rng(1), 4, 900, fm, "uniform", null);
    const r = batchGradients(model, fm, x, { ...d, source }, { norm: "eval" });
    const out = new Map([...r.grads].map(([k, g]) => [k, g.dataSync().slice()]));
    r.value.dispose();
    tf.dispose([...r.grads.values()]);
    return out;
  };
  const plain = grads(), same = grads(x), shifted = grads(other);
  const w = "encoder.s0.conv.w";
  assert.deepEqual(same.get(w), plain.get(w), "source = batch changes nothing");
  assert.ok(maxAbsDiff(shifted.get(w)!, plain.get(w)!) > 1e-6, "another source, other gradients");
  model.dispose();
  assert.equal(tf.memory().numTensors, before, "does not leak memory");

  // 12 windows from 2 recordings on a 5 s grid: every window but the last of each has a successor.
  const windows = {
    data: syntheticWindows(12, 9),
    count: 12,
    starts: Array.from({ length: 12 }, (_, i) => (i % 6) * 5),
    sources: Array.from({ length: 12 }, (_, i) => (i < 6 ? "a.csv" : "b.csv")),
  };
  const opts = { steps: 4, batch: 8, workers: 2, shiftedView: true, checkpointEvery: 2 };
  const tiny4 = presetConfig("tiny", { seed: 4 });
  const { tensors: a, config } = await assertResumesExactly(tiny4, windows, opts);
  assert.equal(config.shiftedView, true);
  const noShift = new FlowFM(tiny4);
  await train(noShift, windows, { ...opts, shiftedView: false });
  const c = decodeSafetensors(await serializeModel(noShift)).tensors;
  noShift.dispose();
  assert.ok(maxAbsDiff(a.get(w)!.data, c.get(w)!.data) > 1e-7, "the view changes training");
  const bare = new FlowFM(presetConfig("tiny", { seed: 4 }));
  await assert.rejects(
    () =>
      train(bare, { data: windows.data, count: 12 }, { steps: 1, shiftedView: true, workers: 1 }),
    /train: shiftedView needs the windows' starts and sources \(a WindowSet\)/,
  );
  bare.dispose();
});

Deno.test("jitter: the encoder's source gets seeded Gaussian noise of the asked SD; runs on 2 workers and resumes bit-identically", async () => {
  const { drawStep } = await import("../lib/train/gradients.ts");
  const { objectiveSpec } = await import("../lib/flow/objective.ts");
  const fm = objectiveSpec("fm"), x = syntheticWindows(64, 3);
  const plain = drawStep(new Rng(2), 64, 900, fm, "uniform", { permuteAxes: true }, x);
  const d = drawStep(new Rng(2), 64, 900, fm, "uniform", { permuteAxes: true, jitter: 0.05 }, x);
  assert.equal(plain.source, undefined, "no jitter, no source of its own");
  assert.deepEqual(d.noise, plain.noise, "jitter is drawn after noise, times and views");
  assert.deepEqual(d.aug, plain.aug);
  const diff = d.source!.map((v, i) => v - x[i]);
  const sd = Math.sqrt(diff.reduce((a, v) => a + v * v, 0) / diff.length);
  assert.ok(Math.abs(sd - 0.05) < 0.002, `noise SD ${sd}`);
  assert.throws(
    () => drawStep(new Rng(2), 4, 900, fm, "uniform", { jitter: 0.05 }),
    /jitter needs the batch's 3600 values, got none/,
  );
  const windows = { data: syntheticWindows(16, 6), count: 16 };
  const opts = {
    steps: 4,
    batch: 8,
    workers: 2,
    augment: { permuteAxes: true, jitter: 0.05 },
    checkpointEvery: 2,
  };
  const { config } = await assertResumesExactly(presetConfig("tiny", { seed: 3 }), windows, opts);
  assert.deepEqual(config.augment, opts.augment);
  const cli = new URL("../cli/train.ts", import.meta.url).pathname;
  const bad = await runCli(cli, ["--augment-jitter", "3", "--out", "unused"]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--augment-jitter must be at most 1 \(g\), got "3"/);
});

Deno.test("motion-weighted sampling: windows drawn in proportion to the SD of |a|, a function of (step, seed)", async () => {
  const { motionCumulative, weightedBatchIndices } = await import("../lib/train/batches.ts");
  const still = new Float32Array(900).fill(0.57735); // |a| = 1 g, SD 0: floored at 0.01 g
  const moving = new Float32Array(900).map((_, i) => (i % 3 === 2 ? 1 + 0.3 * Math.sin(i) : 0));
  const c = motionCumulative(Float32Array.of(...still, ...moving), 2, 3);
  assert.ok(Math.abs(c[0] - 0.01) < 1e-9, `floor ${c[0]}`);
  const sd = c[1] - c[0];
  assert.ok(sd > 0.2 && sd < 0.22, `SD of 1 + 0.3 sin: ${sd}`);
  const idx = weightedBatchIndices(3, Float64Array.of(1, 4), 20000, 7);
  const share = idx.filter((i) => i === 1).length / idx.length;
  assert.ok(Math.abs(share - 0.75) < 0.015, `share of the weight-3 window: ${share}`);
  assert.deepEqual(weightedBatchIndices(3, Float64Array.of(1, 4), 64, 7), idx.subarray(0, 64));
  assert.notDeepEqual(weightedBatchIndices(4, Float64Array.of(1, 4), 64, 7), idx.subarray(0, 64));
  assert.throws(
    () => motionCumulative(new Float32Array(10), 2, 3),
    /are not 2 windows of 3 channels/,
  );

  const windows = { data: syntheticWindows(12, 3), count: 12 };
  const opts = { steps: 4, batch: 4, workers: 1, motionWeighted: true, checkpointEvery: 2 };
  const { config } = await assertResumesExactly(presetConfig("tiny", { seed: 5 }), windows, opts);
  assert.equal(config.motionWeighted, true);
});

Deno.test("cli/train: recipe flags build the model and are recorded in the file; a resume that changes them fails", async () => {
  const dir = await Deno.makeTempDir();
  const args = [
    "--preset",
    "tiny",
    "--steps",
    "2",
    "--batch",
    "8",
    "--backend",
    "wasm",
    "--workers",
    "1",
    "--bottleneck",
    "8",
    "--magnitude",
    "--augment-axis",
    "gravity",
    "--time-sampling",
    "logit-normal-noise",
    "--out",
    `${dir}/run`,
  ];
  const cli = new URL("../cli/train.ts", import.meta.url).pathname;
  const r = await runCli(cli, args);
  assert.equal(r.code, 0, r.err);
  const { metadata } = decodeSafetensors(await Deno.readFile(`${dir}/run/model.safetensors`));
  const config = JSON.parse(metadata.config);
  assert.equal(config.encoder.bottleneck, 8);
  assert.equal(config.encoder.magnitude, true);
  const training = JSON.parse(metadata.training);
  assert.deepEqual(training.augment, { rotationAxis: "gravity" });
  assert.equal(training.timeSampling, "logit-normal-noise");
  const clash = await runCli(cli, [
    ...args.slice(0, 8),
    "--bottleneck",
    "4",
    "--out",
    `${dir}/run`,
    "--resume",
    "--steps",
    "3",
  ]);
  assert.equal(clash.code, 2, clash.err);
  assert.match(clash.err, /--bottleneck 4 \(the checkpoint has 8\)/);
  const bad = await runCli(cli, ["--augment-axis", "up", "--out", `${dir}/x`]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--augment-axis must be one of random, gravity, got "up"/);
  const contra = await runCli(cli, ["--no-augment", "--augment-permute", "--out", `${dir}/y`]);
  assert.equal(contra.code, 2);
  assert.match(contra.err, /--no-augment contradicts --augment and the --augment-\* flags/);
  await Deno.remove(dir, { recursive: true });
});
