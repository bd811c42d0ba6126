import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { presetConfig } from "../lib/model/config.ts";
import {
  ancestralSample,
  ddimSample,
  type EpsFn,
  linearSchedule,
  noiseData,
} from "../lib/flow/diffusion.ts";
import { loadModel } from "../lib/weights/load.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { Rng } from "../lib/random.ts";
import { Trainer } from "../lib/train/trainer.ts";
import { serializeModel } from "../lib/weights/model_file.ts";
import { maxAbsDiff, syntheticWindows } from "./_helpers.ts";

await initBackend("cpu");
const schedule = linearSchedule();

Deno.test("ddpm: linear schedule and forward noising in closed form", async () => {
  assert.equal(schedule.betas[0], 1e-4);
  assert.ok(Math.abs(schedule.betas[999] - 0.02) < 1e-12);
  let ab = 1;
  for (let i = 0; i <= 499; i++) ab *= 1 - (1e-4 + (0.02 - 1e-4) * i / 999);
  assert.ok(Math.abs(schedule.alphaBars[499] - ab) < 1e-12);
  const rng = new Rng(1);
  const x0 = rng.normals(2 * 5), eps = rng.normals(2 * 5);
  const steps = [0, 499];
  const xt = await noiseData(tf.tensor2d(x0, [2, 5]), tf.tensor2d(eps, [2, 5]), steps, schedule)
    .data();
  const want = x0.map((v, i) => {
    const a = schedule.alphaBars[steps[Math.floor(i / 5)]];
    return Math.sqrt(a) * v + Math.sqrt(1 - a) * eps[i];
  });
  assert.ok(maxAbsDiff(xt, want) < 1e-6);
  assert.throws(
    () => noiseData(tf.zeros([1, 2]), tf.zeros([1, 2]), [1000], schedule),
    /step 1000 outside \[0, 1000\)/,
  );
});

Deno.test("ddpm: DDIM with all 1000 steps matches the probability-flow ODE limit on Gaussian data", async () => {
  // Data ~ N(mu, s^2): the optimal noise predictor is analytic, and the ODE maps
  // y = x / sqrt(ab) as y(sigma) - mu ∝ sqrt(s^2 + sigma^2), sigma^2 = (1 - ab) / ab.
  const mu = 0.7, s = 0.3;
  const eps: EpsFn = (x, step) => {
    const ab = schedule.alphaBars[step];
    return tf.div(tf.mul(tf.sub(x, Math.sqrt(ab) * mu), Math.sqrt(1 - ab)), ab * s * s + 1 - ab);
  };
  const xT = new Rng(2).normals(64);
  const got = await ddimSample(eps, tf.tensor1d(xT), 1000, schedule).data();
  const abT = schedule.alphaBars[999], sigmaT2 = (1 - abT) / abT;
  const want = Array.from(
    xT,
    (x) => mu + (x / Math.sqrt(abT) - mu) * s / Math.sqrt(s * s + sigmaT2),
  );
  const err = maxAbsDiff(got, want);
  assert.ok(err < 5e-3, `DDIM(1000) differs from the ODE limit by ${err}`);
  // Fewer steps drift further from the limit.
  const coarse = await ddimSample(eps, tf.tensor1d(xT), 5, schedule).data();
  assert.ok(maxAbsDiff(coarse, want) > err);
  // Ancestral sampling of the same Gaussian recovers its mean and spread.
  const anc = Array.from(
    await ancestralSample(eps, tf.tensor1d(new Rng(3).normals(2000)), schedule, new Rng(4)).data(),
  );
  const m = anc.reduce((a, b) => a + b) / anc.length;
  const sd = Math.sqrt(anc.reduce((a, b) => a + (b - m) ** 2, 0) / anc.length);
  assert.ok(Math.abs(m - mu) < 0.03 && Math.abs(sd - s) < 0.03, `ancestral mean ${m}, sd ${sd}`);
});

Deno.test("ddpm: the baseline's loss falls; the weights file records the objective; sampling methods are checked", async () => {
  await initBackend("wasm");
  const model = new FlowFM(presetConfig("tiny", { seed: 3, objective: "ddpm" }));
  const trainer = new Trainer(model, { lr: 3e-3, seed: 3 });
  const data = syntheticWindows(64, 1);
  const losses: number[] = [];
  for (let i = 0; i < 60; i++) {
    const off = (i % 4) * 16 * 900;
    losses.push((await trainer.step(data.subarray(off, off + 16 * 900))).loss);
  }
  const first = losses.slice(0, 8).reduce((a, b) => a + b) / 8,
    last = losses.slice(-8).reduce((a, b) => a + b) / 8;
  assert.ok(last < 0.8 * first, `DDPM loss did not fall: ${first} -> ${last}`);
  const loaded = await loadModel(await serializeModel(model, { step: 60 }));
  assert.equal(loaded.config.objective, "ddpm");
  const before = tf.memory().numTensors;
  const out = await loaded.sample({ windows: data.subarray(0, 2 * 900), method: "ddim", steps: 5 });
  assert.equal(out.count, 2);
  assert.ok(out.data.every(Number.isFinite));
  await assert.rejects(
    () => loaded.sample({ windows: data.subarray(0, 900), method: "euler" }),
    /"euler" does not apply to a ddpm model/,
  );
  assert.equal(tf.memory().numTensors, before, "DDIM sampling leaked tensors");
  const fm = new FlowFM(presetConfig("tiny"));
  await assert.rejects(
    () => fm.sample({ windows: data.subarray(0, 900), method: "ddim" }),
    /"ddim" does not apply to a fm model/,
  );
  for (const m of [model, loaded, fm]) m.dispose();
  trainer.dispose();
  await initBackend("cpu");
});
