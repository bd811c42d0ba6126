import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { presetConfig } from "../lib/model/config.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { handcraftedFeatures } from "../lib/classify/handcrafted.ts";
import { extractFeatures } from "../lib/classify/features.ts";
import { evaluate } from "../lib/eval/protocol.ts";
import { serializeModel } from "../lib/weights/model_file.ts";
import { maxAbsDiff, syntheticWindows } from "./_helpers.ts";

await initBackend("cpu");

/** Columns [from, to) of a row-major matrix. */
function columns(m: { data: Float32Array; count: number; dim: number }, from: number, to: number) {
  const out: number[] = [];
  for (let i = 0; i < m.count; i++) out.push(...m.data.subarray(i * m.dim + from, i * m.dim + to));
  return out;
}

Deno.test("extractFeatures: z is encode's; stages end with z; z+handcrafted is z then the handcrafted columns; does not leak memory", async () => {
  const model = new FlowFM(presetConfig("tiny", { seed: 4 }));
  try {
    const w = syntheticWindows(70, 2); // more than one batch of 64
    const before = tf.memory().numTensors;
    const z = await model.encode(w);
    const fz = await extractFeatures(model, w, { features: "z" });
    assert.deepEqual(fz.data, z.data);
    const st = await extractFeatures(model, w, { features: "stages" });
    const channels = model.config.encoder.stages.reduce((n, s) => n + s.channels, 0);
    assert.equal(st.dim, 2 * channels + z.dim);
    assert.equal(st.count, 70);
    assert.ok(maxAbsDiff(columns(st, 2 * channels, st.dim), z.data) < 1e-5);
    const hc = handcraftedFeatures(w);
    const both = await extractFeatures(model, w, { features: "z+handcrafted" });
    assert.equal(both.dim, z.dim + hc.dim);
    assert.deepEqual(columns(both, 0, z.dim), Array.from(z.data));
    assert.deepEqual(columns(both, z.dim, both.dim), Array.from(hc.data));
    assert.equal(tf.memory().numTensors, before);
    await assert.rejects(
      () => extractFeatures(model, w, { features: "pooled" as "z" }),
      /extractFeatures: features must be one of z, stages, z\+handcrafted, got "pooled"/,
    );
    await assert.rejects(
      () => extractFeatures(model, w.subarray(1), { features: "stages" }),
      /extractFeatures: .* is not a whole number of windows/,
    );
  } finally {
    model.dispose();
  }
});

Deno.test("evaluate: features reaches both probe heads; the stage features separate a toy task", async () => {
  const model = new FlowFM(presetConfig("tiny", { seed: 5 }));
  const bytes = await serializeModel(model);
  model.dispose();
  const n = 48, windows = new Float32Array(n * 900), labels: string[] = [], subjects: string[] = [];
  for (let i = 0; i < n; i++) {
    const fast = i % 2 === 1; // 3 Hz against 0.3 Hz on x, gravity on z
    for (let t = 0; t < 300; t++) {
      windows[i * 900 + 3 * t] = 0.5 * Math.sin((2 * Math.PI * (fast ? 3 : 0.3) * t) / 30 + i);
      windows[i * 900 + 3 * t + 2] = 1;
    }
    labels.push(fast ? "fast" : "slow");
    subjects.push(`s${i % 8}`);
  }
  const r = await evaluate({ windows, labels, subjects }, {
    heads: ["probe", "scratch-probe"],
    model: bytes,
    features: "stages",
    folds: 2,
    probe: { maxIterations: 300 },
  });
  assert.equal(r.heads.length, 2);
  for (const h of r.heads) {
    assert.ok(h.summary.macroF1.mean > 0.9, `${h.head}: ${h.summary.macroF1.mean}`);
  }
});

Deno.test("encode({ features: 'stages' }) is the encoder's stage features, batched; a bad value names the option", async () => {
  const { encoderStageFeatures } = await import("../lib/model/encoder.ts");
  const model = new FlowFM(presetConfig("tiny", { seed: 6 }));
  try {
    const w = syntheticWindows(5, 3);
    const direct = tf.tidy(() =>
      encoderStageFeatures(model.params, model.config.encoder, tf.tensor3d(w, [5, 300, 3]))
    );
    const expected = await direct.data();
    direct.dispose();
    const got = await model.encode(w, { features: "stages", batchSize: 2 });
    assert.equal(got.count, 5);
    assert.ok(maxAbsDiff(got.data, expected) < 1e-5);
    await assert.rejects(
      model.encode(w, { features: "pooled" as "z" }),
      /encode: features must be "z" or "stages", got "pooled"/,
    );
  } finally {
    model.dispose();
  }
});
