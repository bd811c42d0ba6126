import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { presetConfig } from "../lib/model/config.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { serializeModel } from "../lib/weights/model_file.ts";
import { fitClassifier } from "../lib/classify/probe_classifier.ts";
import { loadClassifier } from "../lib/classify/load_classifier.ts";
import { serializeClassifier } from "../lib/classify/probe_file.ts";
import {
  fitFinetunedClassifier,
  isFinetunedClassifier,
  loadFinetunedClassifier,
} from "../lib/classify/finetuned_classifier.ts";
import { maxAbsDiff, syntheticWindows } from "./_helpers.ts";

await initBackend("cpu");
const N = 24;
const windows = syntheticWindows(N, 5, 3);
const labels = Array.from({ length: N }, (_, i) => ["a", "b", "c"][i % 3]);

Deno.test("fine-tuned classifier: fits, predicts, saves, loads the same, does not leak memory", async () => {
  const model = new FlowFM(presetConfig("tiny", { seed: 1 }));
  const bytes = await serializeModel(model);
  const before = tf.memory().numTensors;
  const c = await fitFinetunedClassifier(bytes, windows, labels, {
    maxEpochs: 4,
    hidden: 16,
    batchSize: 8,
    workers: 1,
    lr: 3e-3,
  });
  assert.deepEqual(c.classes, ["a", "b", "c"]);
  assert.ok(c.fit.epochs >= 1 && c.fit.epochs <= 4 && c.fit.bestEpoch <= c.fit.epochs);
  assert.deepEqual(c.fit.counts, { a: 8, b: 8, c: 8 });
  const p = await c.predict(windows, { batchSize: 5 });
  assert.equal(p.labels.length, N);
  for (let i = 0; i < N; i++) {
    const row = p.probabilities.subarray(i * 3, i * 3 + 3);
    assert.ok(Math.abs(row.reduce((s, v) => s + v, 0) - 1) < 1e-5);
  }
  const file = await c.serialize();
  assert.ok(isFinetunedClassifier(file));
  const again = loadFinetunedClassifier(file, "ft.safetensors");
  const q = await again.predict(windows);
  assert.deepEqual(q.labels, p.labels);
  assert.ok(maxAbsDiff(q.probabilities, p.probabilities) < 1e-6);
  // The fine-tuned encoder moved away from the original one.
  assert.notDeepEqual(
    (await model.encode(windows.subarray(0, 900))).data,
    (await loadFinetunedClassifierModelZ(file)).data,
  );
  c.dispose();
  again.dispose();
  assert.throws(() => again.window, /used after dispose/);
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
});

/** Embedding of window 0 by the encoder stored in a fine-tuned classifier file. */
async function loadFinetunedClassifierModelZ(file: Uint8Array) {
  const { decodeSafetensors, encodeSafetensors } = await import("../lib/weights/safetensors.ts");
  const { deserializeModel } = await import("../lib/weights/model_file.ts");
  const { tensors, metadata } = decodeSafetensors(file);
  for (const k of [...tensors.keys()]) if (k.startsWith("head.")) tensors.delete(k);
  const m = deserializeModel(
    encodeSafetensors(Object.fromEntries(tensors), {
      format: "flowfm",
      kind: "model",
      config: metadata.config,
    }),
  ).model;
  const z = await m.encode(windows.subarray(0, 900));
  m.dispose();
  return z;
}

Deno.test("fine-tuned classifier: bad files and mixed-up loaders fail with errors naming the file", async () => {
  const model = new FlowFM(presetConfig("tiny", { seed: 1 }));
  const probe = await fitClassifier(model, windows, labels, { probe: { maxIterations: 5 } });
  const probeFile = serializeClassifier(probe);
  assert.equal(isFinetunedClassifier(probeFile), false);
  assert.throws(
    () => loadFinetunedClassifier(probeFile, "probe.safetensors"),
    /probe\.safetensors: not a fine-tuned FlowFM classifier file/,
  );
  const c = await fitFinetunedClassifier(await serializeModel(model), windows, labels, {
    maxEpochs: 1,
    hidden: 8,
    workers: 1,
  });
  const file = await c.serialize();
  c.dispose();
  await assert.rejects(
    loadClassifier(file, "ft.safetensors", model),
    /ft\.safetensors: a fine-tuned classifier carries its own encoder; load it without a model/,
  );
  const loaded = await loadClassifier(file, "ft.safetensors");
  assert.equal(loaded.kind, "finetuned");
  assert.deepEqual(loaded.classes, ["a", "b", "c"]);
  loaded.dispose();
  await assert.rejects(
    loadClassifier(probeFile, "p.safetensors"),
    /p\.safetensors: .*pass that model/,
  );
  assert.throws(
    () => loadFinetunedClassifier(file.subarray(0, 4000), "cut.safetensors"),
    /cut\.safetensors/,
  );
  model.dispose();
});
