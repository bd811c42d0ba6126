// The classifier face of the library: the shipped classifier file loads and predicts what it did
// when it was shipped (fixtures/uci-hapt-classifier.reference.json), and the
// pipeline (a raw recording in, labels with start times out) gives the labels cli/predict.ts
// gives on the same recording, frees its tensors, and names the field of a bad input.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { gunzipSync } from "fflate";
import { initBackend } from "../lib/runtime/backend.ts";
import { loadPretrained } from "../lib/weights/pretrained.ts";
import { loadClassifier } from "../lib/classify/load_classifier.ts";
import { loadPipeline, Pipeline } from "../lib/classify/pipeline.ts";
import { recordingWindows } from "../lib/classify/recording.ts";
import { maxAbsDiff, runCli } from "./_helpers.ts";
import { sha256Hex } from "../lib/sha256.ts";
import {
  CLASSIFIER_FILE,
  classifierReferenceWindows,
  REFERENCE_FILE,
} from "../studies/classifier_reference.ts";

await initBackend("cpu");
const ROOT = new URL("../", import.meta.url);
const SHIPPED = new URL(CLASSIFIER_FILE, ROOT);

// What the shipped files predicted when they were shipped (studies/classifier_reference.ts, which
// studies/ship_pretrained.sh runs after refitting the classifier).
const REFERENCE = JSON.parse(await Deno.readTextFile(new URL(REFERENCE_FILE, ROOT)));

Deno.test("classify: the shipped classifier file loads through loadClassifier and predicts as before", async () => {
  const model = await loadPretrained("small");
  try {
    const bytes = await Deno.readFile(SHIPPED);
    assert.equal(
      await sha256Hex(bytes),
      REFERENCE.classifierSha256,
      `${REFERENCE_FILE} is for another classifier file: run studies/classifier_reference.ts`,
    );
    const c = await loadClassifier(bytes, "uci-hapt", model);
    assert.equal(c.kind, "probe");
    const p = await c.predict(classifierReferenceWindows());
    assert.deepEqual(p.labels, REFERENCE.labels);
    assert.equal(p.probabilities.length, 6 * 6);
    const diff = maxAbsDiff(p.probabilities, REFERENCE.probabilities);
    assert.ok(diff < 1e-6, `probabilities moved by ${diff}`);
    c.dispose();
  } finally {
    model.dispose();
  }
});

/** Real x y z in m/s^2 from the bundled excerpt (six smartwatch files, one after another). */
async function excerptSamples(): Promise<number[]> {
  const out: number[] = [];
  for (let f = 1; f <= 6; f++) {
    const url = new URL(`fixtures/sp-sw-har-excerpt/DATA/s06/s06_0${f}_sw.csv.gz`, ROOT);
    const rows = new TextDecoder().decode(gunzipSync(await Deno.readFile(url))).trim().split("\n");
    for (const row of rows.slice(1)) out.push(...row.split(",").slice(0, 3).map(Number));
  }
  return out;
}

Deno.test("pipeline: a raw recording in m/s^2 gets the labels and start times cli/predict.ts gives it", async () => {
  const samples = await excerptSamples();
  const dir = await Deno.makeTempDir();
  try {
    const rows = ["x,y,z"];
    for (let i = 0; i < samples.length; i += 3) rows.push(samples.slice(i, i + 3).join(","));
    await Deno.writeTextFile(`${dir}/rec.csv`, rows.join("\n") + "\n");
    const cli = await runCli(new URL("cli/predict.ts", ROOT).pathname, [
      "--classifier",
      SHIPPED.pathname,
      "--rate",
      "100",
      "--units",
      "m/s^2",
      "--backend",
      "cpu",
      "--out",
      `${dir}/pred.csv`,
      `${dir}/rec.csv`,
    ], { cwd: ROOT.pathname });
    assert.equal(cli.code, 0, cli.err);
    const lines = (await Deno.readTextFile(`${dir}/pred.csv`)).trim().split("\n").slice(1);
    const expected = lines.map((l) => l.split(","));

    const pipe = await loadPipeline("small", { classifier: "uci-hapt" });
    try {
      const p = await pipe.predict({ samples, rate: 100, units: "m/s^2" });
      assert.ok(p.labels.length >= 10, `${p.labels.length} windows`);
      assert.deepEqual(p.labels, expected.map((r) => r[3]));
      assert.deepEqual(p.starts.map((s) => s.toFixed(3)), expected.map((r) => r[2]));
      const probability = p.labels.map((l, i) => p.probabilities[i * 6 + p.classes.indexOf(l)]);
      assert.ok(maxAbsDiff(probability, expected.map((r) => Number(r[4]))) < 1e-3);
      // Nested samples and units in g give the same labels.
      const g = [];
      for (let i = 0; i < samples.length; i += 3) {
        g.push(samples.slice(i, i + 3).map((v) => v / 9.80665));
      }
      assert.deepEqual(
        (await pipe.predict({ samples: g, rate: 100, units: "g" })).labels,
        p.labels,
      );
    } finally {
      pipe.dispose();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("pipeline: predict and embed do not leak memory; dispose frees the model", async () => {
  const before = tf.memory().numTensors;
  const pipe = await loadPipeline("small", { classifier: "uci-hapt" });
  const loaded = tf.memory().numTensors;
  const samples = new Float32Array(40 * 50 * 3).map((
    _,
    i,
  ) => (i % 3 === 2 ? 1 : 0.1 * Math.sin(i)));
  const recording = { samples, rate: 50, units: "g" };
  await pipe.predict(recording); // warm-up: kernels may cache what they need once
  const warm = tf.memory().numTensors;
  for (let k = 0; k < 2; k++) {
    const p = await pipe.predict(recording, { batchSize: 3 });
    assert.deepEqual(p.starts, [0, 5, 10, 15, 20, 25, 30]);
    const e = await pipe.embed(recording, { hopSeconds: 10, features: "stages" });
    assert.deepEqual(e.starts, [0, 10, 20, 30]);
    assert.ok(e.dim > 512);
  }
  assert.equal(tf.memory().numTensors, warm, "tensors left after predict/embed");
  assert.ok(warm - loaded <= 0, `predict left ${warm - loaded} tensors`);
  pipe.dispose();
  pipe.dispose(); // a second call does nothing
  assert.equal(tf.memory().numTensors, before, "tensors left after dispose");
  await assert.rejects(pipe.predict(recording), /pipeline: used after dispose\(\)/);
});

Deno.test("pipeline: bad recordings get errors naming the field and showing the value", () => {
  const geometry = { length: 300, sampleRate: 30, clip: 3, hopSeconds: 5 };
  const still = (n: number) => new Float32Array(n * 3).map((_, i) => (i % 3 === 2 ? 1 : 0));
  const cases: [unknown, RegExp][] = [
    [{ samples: still(600), rate: 0, units: "g" }, /recording\.rate must be a positive .*, got 0/],
    [{ samples: still(600), rate: NaN, units: "g" }, /recording\.rate .*got NaN/],
    [{ samples: still(600), rate: "50", units: "g" }, /recording\.rate .*got "50"/],
    [{ samples: still(600), rate: 50 }, /recording\.units must be "g" or "m\/s\^2", got undefined/],
    [{ samples: still(600), rate: 50, units: "furlongs" }, /recording\.units .*got "furlongs"/],
    [{ samples: [], rate: 50, units: "g" }, /recording\.samples is empty/],
    [
      { samples: still(600).map((v, i) => (i === 31 ? NaN : v)), rate: 50, units: "g" },
      /recording\.samples: sample 10, axis y is NaN/,
    ],
    [{ samples: still(600).subarray(1), rate: 50, units: "g" }, /1799 values, not whole x y z/],
    [
      { samples: [[0, 0, 1], [0, 1]], rate: 50, units: "g" },
      /recording\.samples\[1\] must be \[x, y, z\], got \[0, 1\]/,
    ],
    [
      { samples: still(400), rate: 50, units: "g" },
      /400 samples at 50 Hz are 8 s, shorter than one 10 s window/,
    ],
    [
      { samples: still(600).map((v) => v * 9.81), rate: 50, units: "g" },
      /recording\.units is "g", but .*look like m\/s\^2/,
    ],
    [
      { samples: still(600), rate: 50, units: "m/s^2" },
      /recording\.units is "m\/s\^2", but .*look like g/,
    ],
    [undefined, /recording\.rate/],
  ];
  for (const [recording, message] of cases) {
    assert.throws(() => recordingWindows(recording as never, geometry), message);
  }
  // trustUnits reads the data as the units say, as the CLI's --trust-units does.
  const trusted = { samples: still(600), rate: 50, units: "m/s^2", trustUnits: true };
  assert.equal(recordingWindows(trusted, geometry).count, 1); // 12 s: one window
});

Deno.test("pipeline: loadPipeline names a classifier it does not ship; predict needs a classifier", async () => {
  await assert.rejects(
    loadPipeline("small", { classifier: "wrist" as "uci-hapt" }),
    /options\.classifier "wrist" is not shipped; shipped: uci-hapt/,
  );
  const model = await loadPretrained("small");
  const pipe = new Pipeline(model);
  assert.deepEqual(pipe.classes, []);
  const samples = new Float32Array(300 * 3).map((_, i) => (i % 3 === 2 ? 1 : 0));
  await assert.rejects(pipe.predict({ samples, rate: 30, units: "g" }), /no classifier/);
  assert.equal((await pipe.embed({ samples, rate: 30, units: "g" })).count, 1);
  pipe.dispose();
});

Deno.test("pipeline: loadPipeline takes a classifier file's bytes, a probe or a fine-tuned one", async () => {
  const { readPretrained } = await import("../lib/weights/pretrained.ts");
  const { fitClassifier } = await import("../lib/classify/probe_classifier.ts");
  const { fitFinetunedClassifier } = await import("../lib/classify/finetuned_classifier.ts");
  const { bytes: modelBytes } = await readPretrained("small");
  const model = await loadPretrained("small");
  const labels = Array.from({ length: 8 }, (_, i) => (i % 2 ? "swing" : "still"));
  const windows = new Float32Array(8 * 900).map((_, i) => {
    const w = Math.floor(i / 900), t = Math.floor(i / 3) % 300 / 30;
    return (i % 3 === 2 ? 1 : 0) + (w % 2 ? 0.5 * Math.sin(12 * t + w) : 0);
  });
  const probe = await fitClassifier(model, windows, labels, { validationFraction: 0 });
  const probeFile = await probe.serialize();
  const probeLabel = (await probe.predict(windows.subarray(0, 900))).labels[0];
  model.dispose();
  const tuned = await fitFinetunedClassifier(modelBytes, windows, labels, {
    maxEpochs: 1,
    hidden: 8,
    batchSize: 8,
    workers: 1,
    validationFraction: 0,
  });
  const tunedFile = await tuned.serialize();
  const recording = { samples: windows.slice(0, 1800), rate: 30, units: "g" };
  const expected = [probeLabel, (await tuned.predict(windows.subarray(0, 900))).labels[0]];
  tuned.dispose();
  for (const [file, label] of [[probeFile, expected[0]], [tunedFile, expected[1]]] as const) {
    const pipe = await loadPipeline("small", { classifier: file });
    assert.deepEqual(pipe.classes, ["still", "swing"]);
    const p = await pipe.predict(recording, { hopSeconds: 10 });
    assert.deepEqual(p.starts, [0, 10]); // 20 s: two windows 10 s apart
    assert.equal(p.labels[0], label);
    pipe.dispose();
  }
});
