import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { presetConfig } from "../lib/model/config.ts";
import { validateConfig } from "../lib/model/validate_config.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { maxAbsDiff, syntheticWindows } from "./_helpers.ts";

await initBackend("wasm");

Deno.test("presets: every preset takes [batch, 300, 3] windows; base is harnet10 (~10.5 M encoder weights, 1024-d z)", async () => {
  const base = new FlowFM(presetConfig("base"));
  const counts = base.parameterCounts();
  assert.ok(
    counts.encoder > 10.3e6 && counts.encoder < 10.6e6,
    `base encoder has ${counts.encoder}`,
  );
  assert.equal(base.embeddingDim, 1024);
  base.dispose();
  for (const p of ["small", "tiny"] as const) {
    const m = new FlowFM(presetConfig(p));
    const e = await m.encode(syntheticWindows(2));
    assert.equal(e.count, 2);
    assert.equal(e.dim, p === "small" ? 512 : 32);
    m.dispose();
  }
});

Deno.test("encode: accepts Float32Array, nested arrays and tensors alike, and batching does not change results", async () => {
  const m = new FlowFM(presetConfig("tiny", { seed: 2 }));
  const flat = syntheticWindows(5, 7);
  const nested = Array.from(
    { length: 5 },
    (_, i) =>
      Array.from(
        { length: 300 },
        (_, s) => Array.from(flat.subarray((i * 300 + s) * 3, (i * 300 + s) * 3 + 3)),
      ),
  );
  const tensor = tf.tensor3d(flat, [5, 300, 3]);
  const a = await m.encode(flat),
    b = await m.encode(nested),
    c = await m.encode(tensor, { batchSize: 2 });
  const d = await m.encode(flat, { batchSize: 1 });
  assert.deepEqual(b.data, a.data);
  assert.ok(maxAbsDiff(c.data, a.data) < 1e-5);
  assert.ok(maxAbsDiff(d.data, a.data) < 1e-5);
  tensor.dispose();
  m.dispose();
});

Deno.test("encode: clear errors for wrong shapes, short windows, NaN and bad options; values clip to ±3 g", async () => {
  const m = new FlowFM(presetConfig("tiny"));
  await assert.rejects(
    () => m.encode(new Float32Array(1000)),
    /1000 values is not a whole number of windows of shape \[n, 300, 3\]/,
  );
  await assert.rejects(
    () => m.encode([Array(200).fill([0, 0, 1])]),
    /window 0 has 200 samples, expected 300.*10 s at 30 Hz/,
  );
  await assert.rejects(
    () => m.encode([Array(300).fill([0, 1])]),
    /window 0, sample 0 has 2 values, expected 3/,
  );
  const nan = syntheticWindows(2);
  nan[900 + 3 * 17 + 1] = NaN;
  await assert.rejects(() => m.encode(nan), /window 1, sample 17, axis y is NaN/);
  await assert.rejects(() => m.encode(tf.zeros([2, 150, 3])), /got \[2,150,3\]/);
  await assert.rejects(() => m.encode(syntheticWindows(1), { batchSize: 0 }), /batchSize/);
  const big = syntheticWindows(1).map((v) => v * 10),
    clipped = big.map((v) => Math.max(-3, Math.min(3, v)));
  assert.deepEqual((await m.encode(big)).data, (await m.encode(clipped)).data);
  m.dispose();
});

Deno.test("sample: reconstruction, conditional generation from z and interpolation; seeded and batch-size independent", async () => {
  const m = new FlowFM(presetConfig("tiny", { seed: 4 }));
  const w = syntheticWindows(3, 2);
  const r1 = await m.sample({ windows: w, steps: 3, method: "heun", seed: 7 });
  const r2 = await m.sample({ windows: w, steps: 3, method: "heun", seed: 7, batchSize: 1 });
  assert.equal(r1.count, 3);
  assert.ok(maxAbsDiff(r1.data, r2.data) < 1e-5);
  const r3 = await m.sample({ windows: w, steps: 3, method: "heun", seed: 8 });
  assert.ok(maxAbsDiff(r1.data, r3.data) > 1e-3, "a different seed gave the same windows");
  const z = (await m.encode(w)).data;
  const fromZ = await m.sample({ z, steps: 3, method: "heun", seed: 7 });
  assert.ok(maxAbsDiff(fromZ.data, r1.data) < 1e-5);
  const inter = await m.interpolate(w.subarray(0, 900), w.subarray(900, 1800), {
    alphas: [0, 0.5, 1],
    steps: 2,
    seed: 1,
  });
  assert.equal(inter.count, 3);
  const ends = await m.sample({ z: z.subarray(0, 2 * 32), steps: 2, seed: 1, sameNoise: true });
  assert.ok(maxAbsDiff(inter.data.subarray(0, 900), ends.data.subarray(0, 900)) < 1e-5);
  assert.ok(maxAbsDiff(inter.data.subarray(1800), ends.data.subarray(900)) < 1e-5);
  await assert.rejects(() => m.sample({ steps: 2 }), /exactly one of `z`/);
  await assert.rejects(
    () => m.sample({ z: new Float32Array(33) }),
    /not a multiple of embeddingDim 32/,
  );
  await assert.rejects(() => m.sample({ z, steps: 0 }), /steps must be an integer >= 1/);
  m.dispose();
});

Deno.test("config: validation names the field at fault", () => {
  const c = presetConfig("tiny");
  assert.throws(() => validateConfig({ ...c, windowLength: 299 }), /"windowLength"/);
  // Geometry has one source, the data layer's: a consistent 50 Hz x 10 s config is refused too.
  assert.throws(
    () => validateConfig({ ...c, sampleRate: 50, windowLength: 500 }),
    /"sampleRate".*expected 30 Hz and 300 samples/,
  );
  assert.throws(
    () => validateConfig({ ...c, encoder: { stages: [{ ...c.encoder.stages[0], kernel: 4 }] } }),
    /encoder\.stages\[0\]\.kernel/,
  );
  assert.throws(
    () => validateConfig({ ...c, generator: { ...c.generator, groups: 3 } }),
    /generator\.channels\[0\]/,
  );
  assert.throws(() => presetConfig("huge" as "tiny"), /unknown preset "huge"/);
});
