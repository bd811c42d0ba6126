// The encoder's weight average: its update rule, its place in checkpoints, exact resumption, and
// the swap into the model at the end of a run.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { presetConfig } from "../lib/model/config.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { EMA_PREFIX, EncoderEma } from "../lib/train/ema.ts";
import { loadCheckpoint } from "../lib/train/checkpoint.ts";
import { train } from "../lib/train/run.ts";
import { decodeSafetensors } from "../lib/weights/safetensors.ts";
import { serializeModel } from "../lib/weights/model_file.ts";
import { syntheticWindows } from "./_helpers.ts";

await initBackend("cpu");
const windows = { data: syntheticWindows(8, 3), count: 8 };
const newModel = () => new FlowFM(presetConfig("tiny", { seed: 2 }));

Deno.test("ema: ema = decay * ema + (1 - decay) * w, for every encoder tensor and nothing else", async () => {
  const model = newModel();
  const ema = new EncoderEma(model, 0.75);
  const name = "encoder.s0.conv.w";
  const w0 = await model.params.get(name).data();
  model.params.get(name).assign(tf.onesLike(model.params.get(name)));
  ema.update(model);
  const state = await ema.state();
  const got = state.get(EMA_PREFIX + name)!.data;
  got.forEach((v, i) => assert.ok(Math.abs(v - (0.75 * w0[i] + 0.25)) < 1e-6));
  const encoderVars = [...model.params.vars.keys()].filter((k) => k.startsWith("encoder."));
  assert.deepEqual([...state.keys()].sort(), encoderVars.map((k) => EMA_PREFIX + k).sort());
  assert.throws(() => new EncoderEma(model, 1), /EMA decay must be in \[0, 1\), got 1/);
  ema.dispose();
  model.dispose();
});

Deno.test("ema: train() keeps it in checkpoints, resumes exactly, ends with the averaged encoder, does not leak memory", async () => {
  const before = tf.memory().numTensors;
  const opts = { steps: 4, batch: 4, lr: 3e-3, emaDecay: 0.5, checkpointEvery: 2 };
  const full = newModel();
  let last: Uint8Array = new Uint8Array();
  await train(full, windows, opts, { onCheckpoint: (b) => void (last = b) });
  const final = decodeSafetensors(await serializeModel(full)).tensors;
  full.dispose();
  // The final checkpoint: raw training weights plus the averages, which the model now holds.
  const ck = decodeSafetensors(last).tensors;
  const w = "encoder.s0.conv.w";
  assert.deepEqual(final.get(w)!.data, ck.get(EMA_PREFIX + w)!.data);
  assert.notDeepEqual(ck.get(w)!.data, ck.get(EMA_PREFIX + w)!.data, "average != last weights");
  assert.deepEqual(final.get("generator.in.w")?.data, ck.get("generator.in.w")?.data);

  const part = newModel();
  let mid: Uint8Array = new Uint8Array();
  await train(part, windows, { ...opts, steps: 2 }, { onCheckpoint: (b) => void (mid = b) });
  part.dispose();
  const { model, state } = loadCheckpoint(mid, "memory");
  assert.equal(state.config.emaDecay, 0.5);
  await train(model, windows, { steps: 4, resume: state });
  const resumed = decodeSafetensors(await serializeModel(model)).tensors;
  model.dispose();
  for (const [k, t] of final) assert.deepEqual(resumed.get(k)!.data, t.data, k);
  assert.equal(tf.memory().numTensors, before);
  const bad = newModel();
  await assert.rejects(
    train(bad, windows, { ...opts, emaDecay: 1 }),
    /emaDecay must be in \[0, 1\)/,
  );
  bad.dispose();
});
