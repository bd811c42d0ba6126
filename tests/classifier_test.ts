import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { presetConfig } from "../lib/model/config.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { deserializeModel, serializeModel } from "../lib/weights/model_file.ts";
import { decodeSafetensors, encodeSafetensors } from "../lib/weights/safetensors.ts";
import { ActivityClassifier, fitClassifier } from "../lib/classify/probe_classifier.ts";
import { encoderDigest } from "../lib/classify/encoder_digest.ts";
import { loadClassifier } from "../lib/classify/load_classifier.ts";
import { serializeClassifier } from "../lib/classify/probe_file.ts";
import { maxAbsDiff, syntheticWindows } from "./_helpers.ts";

await initBackend("cpu");

const NAMES = ["lie", "sit", "walk"];
const N = 24;
const windows = syntheticWindows(N, 3, 3);
const labels = Array.from({ length: N }, (_, i) => NAMES[i % 3]);

Deno.test("classifier: fit, save, load and predict the same labels and probabilities", async () => {
  const model = new FlowFM(presetConfig("tiny", { seed: 4 }));
  const before = tf.memory().numTensors;
  const c = await fitClassifier(model, windows, [...labels.slice(0, N - 1), null], {
    probe: { maxIterations: 200 },
  });
  assert.deepEqual(c.classes, NAMES);
  assert.deepEqual(c.fit.counts, { lie: 8, sit: 8, walk: 7 });
  assert.equal(c.fit.solver, "adam");
  assert.ok(c.fit.trainingAccuracy > 0.9, `training accuracy ${c.fit.trainingAccuracy}`);
  const p = await c.predict(windows);
  assert.equal(p.labels.length, N);
  assert.equal(p.probabilities.length, N * 3);
  for (let i = 0; i < N; i++) {
    const row = p.probabilities.subarray(i * 3, i * 3 + 3);
    assert.ok(Math.abs(row[0] + row[1] + row[2] - 1) < 1e-5);
    assert.equal(p.labels[i], NAMES[row.indexOf(Math.max(...row))]);
  }
  const bytes = serializeClassifier(c);
  const { metadata, tensors } = decodeSafetensors(bytes);
  assert.equal(metadata.format, "flowfm-classifier");
  assert.deepEqual(JSON.parse(metadata.classes), NAMES);
  assert.deepEqual(JSON.parse(metadata.window), {
    length: 300,
    channels: 3,
    sampleRate: 30,
    clip: 3,
  });
  assert.equal(metadata.encoder_sha256, await encoderDigest(model));
  assert.deepEqual(tensors.get("probe.w")!.shape, [32, 3]);
  const loaded = await loadClassifier(bytes, "c.safetensors", model);
  const q = await loaded.predict(windows);
  assert.deepEqual(q.labels, p.labels);
  assert.equal(maxAbsDiff(q.probabilities, p.probabilities), 0);
  assert.deepEqual(await loaded.serialize(), bytes, "saving again gives the same bytes");
  c.dispose();
  loaded.dispose();
  await assert.rejects(c.predict(windows), /after dispose/);
  assert.equal(tf.memory().numTensors, before, "no tensor leak");
  model.dispose();
});

Deno.test("classifier: fitted with L-BFGS when asked, and the file records the solver", async () => {
  const model = new FlowFM(presetConfig("tiny", { seed: 4 }));
  const before = tf.memory().numTensors;
  const c = await fitClassifier(model, windows, labels, { probe: { solver: "lbfgs" } });
  assert.equal(c.fit.solver, "lbfgs");
  assert.ok(c.fit.trainingAccuracy > 0.9, `training accuracy ${c.fit.trainingAccuracy}`);
  const loaded = await loadClassifier(serializeClassifier(c), "c.safetensors", model);
  assert.ok(loaded instanceof ActivityClassifier);
  assert.equal(loaded.fit.solver, "lbfgs");
  assert.deepEqual((await loaded.predict(windows)).labels, (await c.predict(windows)).labels);
  c.dispose();
  loaded.dispose();
  assert.equal(tf.memory().numTensors, before, "no tensor leak");
  model.dispose();
});

Deno.test("classifier: the encoder digest follows the weights, not the file", async () => {
  const model = new FlowFM(presetConfig("tiny", { seed: 4 }));
  const viaModel = deserializeModel(await serializeModel(model), "m").model;
  const viaCheckpoint = deserializeModel(
    await serializeModel(model, { checkpoint: { tensors: new Map(), metadata: {} }, step: 9 }),
    "ckpt",
  ).model;
  const d = await encoderDigest(model);
  assert.equal(await encoderDigest(viaModel), d);
  assert.equal(await encoderDigest(viaCheckpoint), d);
  for (const m of [model, viaModel, viaCheckpoint]) m.dispose();
});

Deno.test("classifier: another encoder, a changed encoder or a bad file fails clearly", async () => {
  const model = new FlowFM(presetConfig("tiny", { seed: 4 }));
  const other = new FlowFM(presetConfig("tiny", { seed: 5 }));
  const c = await fitClassifier(model, windows, labels, { probe: { maxIterations: 20 } });
  const bytes = serializeClassifier(c);
  const short = (await encoderDigest(model)).slice(0, 12);
  await assert.rejects(
    loadClassifier(bytes, "walk.safetensors", other),
    (e: Error) => {
      assert.match(e.message, /^walk\.safetensors: the classifier was fitted on another encoder/);
      assert.ok(e.message.includes(short), e.message);
      return true;
    },
  );
  // The encoder's weights change after fitting: predict refuses.
  const v = model.params.vars.get("encoder.s0.conv.w") ??
    [...model.params.vars].find(([n]) => n.startsWith("encoder."))![1];
  tf.tidy(() => v.assign(tf.add(v, 0.01)));
  await assert.rejects(c.predict(windows), /fitted on another encoder/);

  await assert.rejects(
    loadClassifier(bytes.subarray(0, bytes.length - 10), "trunc.safetensors", other),
    /^SafetensorsError: trunc\.safetensors: /,
  );
  await assert.rejects(
    loadClassifier(new TextEncoder().encode("garbage, not a file"), "junk.bin", other),
    /junk\.bin/,
  );
  const modelBytes = await serializeModel(other);
  await assert.rejects(
    loadClassifier(modelBytes, "model.safetensors", other),
    /model\.safetensors: .*not a FlowFM classifier file/,
  );
  const { tensors, metadata } = decodeSafetensors(bytes);
  tensors.get("features.sd")!.data[0] = 0;
  await assert.rejects(
    loadClassifier(encodeSafetensors(tensors, metadata), "sd.safetensors", other),
    /sd\.safetensors: tensor "features.sd" holds 0 at index 0/,
  );
  model.dispose();
  other.dispose();
});

Deno.test("classifier: stage features are fitted, recorded in the file and used again on load; older files mean z", async () => {
  const model = new FlowFM(presetConfig("tiny", { seed: 4 }));
  try {
    const before = tf.memory().numTensors;
    const c = await fitClassifier(model, windows, labels, {
      probe: { maxIterations: 200 },
      features: "stages",
    });
    const width = 2 * presetConfig("tiny").encoder.stages.reduce((n, s) => n + s.channels, 0) + 32;
    assert.equal(c.features, "stages");
    assert.equal(c.probe.mean.length, width);
    const p = await c.predict(windows);
    const bytes = serializeClassifier(c);
    const { metadata, tensors } = decodeSafetensors(bytes);
    assert.equal(metadata.features, "stages");
    const loaded = await loadClassifier(bytes, "st.safetensors", model);
    assert.equal(loaded.features, "stages");
    const q = await loaded.predict(windows);
    assert.deepEqual(q.labels, p.labels);
    assert.equal(maxAbsDiff(q.probabilities, p.probabilities), 0);
    assert.equal(tf.memory().numTensors, before, "no tensor leak");

    const { features: _, ...older } = metadata; // written before the field existed: z
    await assert.rejects(
      loadClassifier(encodeSafetensors(tensors, older), "old.safetensors", model),
      /old\.safetensors: .*"features\.mean" has shape \[\d+\], expected \[32\] \(z features of 32/,
    );
    await assert.rejects(
      loadClassifier(
        encodeSafetensors(tensors, { ...metadata, features: "pooled" }),
        "f.safetensors",
        model,
      ),
      /f\.safetensors: .*__metadata__\.features is "pooled", expected z, stages, z\+handcrafted/,
    );
    const zc = await fitClassifier(model, windows, labels, { probe: { maxIterations: 50 } });
    const z = decodeSafetensors(serializeClassifier(zc));
    const { features: __, ...zOlder } = z.metadata;
    const zLoaded = await loadClassifier(
      encodeSafetensors(z.tensors, zOlder),
      "z.safetensors",
      model,
    );
    assert.equal(zLoaded.features, "z");
    assert.deepEqual((await zLoaded.predict(windows)).labels, (await zc.predict(windows)).labels);
  } finally {
    model.dispose();
  }
});
