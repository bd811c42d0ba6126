// cli/inspect.ts: describes model and checkpoint files from the file alone, with its minimal
// permission (read of the file), and names the file when it is not a FlowFM file.
import assert from "node:assert/strict";
import { initBackend } from "../lib/runtime/backend.ts";
import { presetConfig } from "../lib/model/config.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { serializeModel } from "../lib/weights/model_file.ts";
import { runCli } from "./_helpers.ts";

const script = new URL("../cli/inspect.ts", import.meta.url).pathname;

async function inspect(args: string[], perms: string[]) {
  return await runCli(script, args, { flags: perms });
}

await initBackend("cpu");

Deno.test("cli/inspect: config, counts, dtypes and checksum of F32 and F16 model files", async () => {
  const dir = await Deno.makeTempDir();
  const model = new FlowFM(presetConfig("tiny", { seed: 4 }));
  const counts = model.parameterCounts();
  const f32 = await serializeModel(model, { step: 12 });
  await Deno.writeFile(`${dir}/m32.safetensors`, f32);
  await Deno.writeFile(`${dir}/m16.safetensors`, await serializeModel(model, { dtype: "F16" }));
  model.dispose();
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", f32 as Uint8Array<ArrayBuffer>),
  );
  const hex = [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
  for (const [file, dtype] of [["m32", "F32"], ["m16", "F16"]]) {
    const r = await inspect([`${dir}/${file}.safetensors`, "--json"], [`--allow-read=${dir}`]);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.equal(j.kind, "model");
    assert.equal(j.config.preset, "tiny");
    assert.equal(j.config.windowLength, 300);
    assert.deepEqual(Object.keys(j.dtypes), [dtype]);
    // Stored values include batch-norm running statistics, so at least the trainable count.
    assert.ok(
      j.parameters.encoder >= counts.encoder && j.parameters.generator === counts.generator,
    );
    if (dtype === "F32") {
      assert.equal(j.sha256, hex);
      assert.equal(j.config.step, 12);
    }
  }
  const text = await inspect([`${dir}/m32.safetensors`], [`--allow-read=${dir}`]);
  assert.match(text.out, /FlowFM model, [\d,]+ bytes, sha256 [0-9a-f]{64}/);
  assert.match(text.out, /preset tiny, objective fm, step 12, seed 4/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("cli/inspect: windows seen in pretraining, through the twin's --init chain", async () => {
  const dir = await Deno.makeTempDir();
  const model = new FlowFM(presetConfig("tiny"));
  // The twin's metadata: this run's windows, and what its --init model had seen (recursively).
  const start = { windowsSeen: 1000, batch: 50, steps: 20, before: { batch: 10, steps: 30 } };
  const twin = { windowsSeen: 640, batch: 64, steps: 10, before: start };
  await Deno.writeFile(
    `${dir}/twin.safetensors`,
    await serializeModel(model, { step: 10, metadata: { training: JSON.stringify(twin) } }),
  );
  // cli/train.ts's metadata: the run's settings, batch among them (windows = step x batch).
  await Deno.writeFile(
    `${dir}/lib.safetensors`,
    await serializeModel(model, { step: 12, metadata: { training: JSON.stringify({ batch: 8 }) } }),
  );
  await Deno.writeFile(`${dir}/bare.safetensors`, await serializeModel(model, { step: 12 }));
  model.dispose();
  const perms = [`--allow-read=${dir}`];
  const j = JSON.parse((await inspect([`${dir}/twin.safetensors`, "--json"], perms)).out);
  assert.deepEqual(j.windowsSeen, { total: 1940, run: 640, before: 1300, batch: 64 });
  const text = (await inspect([`${dir}/twin.safetensors`], perms)).out;
  assert.match(
    text,
    /windows seen in pretraining: 1,940: 640 in its last run \(10 steps of 64\), after 1,300 in the model it started from/,
  );
  const lib = await inspect([`${dir}/lib.safetensors`], perms);
  assert.match(lib.out, /windows seen in pretraining: 96 \(12 steps of 8\)\n/);
  const bare = await inspect([`${dir}/bare.safetensors`, "--json"], perms);
  assert.equal(JSON.parse(bare.out).windowsSeen, undefined, "no training metadata: not guessed");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("cli/inspect: a file that is not a FlowFM model fails naming it, as does a missing file", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeFile(`${dir}/junk.safetensors`, new Uint8Array([1, 2, 3]));
  const r = await inspect([`${dir}/junk.safetensors`], [`--allow-read=${dir}`]);
  assert.equal(r.code, 1);
  assert.match(r.err, /junk\.safetensors/);
  const usage = await inspect([], [`--allow-read=${dir}`]);
  assert.equal(usage.code, 2);
  const missing = await inspect([`${dir}/nope.safetensors`], [`--allow-read=${dir}`]);
  assert.equal(missing.code, 1);
  assert.equal(missing.err.trim(), `error: ${dir}/nope.safetensors: no such file`);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("cli/inspect: the shipped classifier file (a probe) and a fine-tuned classifier file", async () => {
  const weights = new URL("../weights/", import.meta.url).pathname;
  const shipped = `${weights}flowfm-small.uci-hapt.classifier.safetensors`;
  const r = await inspect([shipped, "--json"], [`--allow-read=${shipped}`]);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.kind, "classifier");
  assert.equal(j.classifier, "probe");
  assert.equal(j.classes.length, 6);
  assert.equal(j.features, "stages");
  assert.equal(j.featureDim, 2496);
  assert.match(j.encoderSha256, /^[0-9a-f]{64}$/);
  assert.notEqual(j.encoderSha256, j.sha256, "the encoder's digest is not the file's");
  const text = await inspect([shipped], [`--allow-read=${shipped}`]);
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, /FlowFM classifier \(linear probe\)/);
  assert.match(text.out, /file sha256 [0-9a-f]{64}/);
  assert.match(text.out, /encoder sha256 [0-9a-f]{64} \(of the encoder\.\* tensors/);
  assert.deepEqual(j.trainingData.placements, ["waist"]);
  assert.match(text.out, /fitted on uci-hapt .*; for waist data/);
  const wrist = `${weights}flowfm-small.umafall-wrist.classifier.safetensors`;
  const w = await inspect([wrist, "--json"], [`--allow-read=${wrist}`]);
  assert.equal(w.code, 0, w.err);
  const wj = JSON.parse(w.out);
  assert.deepEqual(wj.trainingData.placements, ["wrist"]);
  assert.equal(wj.classes.length, 12);
  assert.ok(wj.classes.every((c: string) => c.startsWith("ADL_")), "falls left out");
  assert.equal(wj.encoderSha256, j.encoderSha256, "both fitted on the shipped encoder");

  const dir = await Deno.makeTempDir();
  try {
    const { fitFinetunedClassifier } = await import("../lib/classify/finetuned_classifier.ts");
    const bytes = await serializeModel(new FlowFM(presetConfig("tiny", { seed: 1 })));
    const windows = new Float32Array(8 * 900).map((_, i) => (i % 900 < 450 ? 1 : -1) * (i % 7));
    const c = await fitFinetunedClassifier(bytes, windows, [..."abababab"], {
      maxEpochs: 1,
      hidden: 8,
      workers: 1,
    });
    await Deno.writeFile(`${dir}/ft.safetensors`, await c.serialize());
    c.dispose();
    const ft = await inspect([`${dir}/ft.safetensors`, "--json"], [`--allow-read=${dir}`]);
    assert.equal(ft.code, 0, ft.err);
    const f = JSON.parse(ft.out);
    assert.equal(f.classifier, "finetuned");
    assert.deepEqual(f.classes, ["a", "b"]);
    assert.equal(f.config.preset, "tiny");
    assert.ok(f.values.encoder > 0 && f.values.head > 0);
    const ftText = await inspect([`${dir}/ft.safetensors`], [`--allow-read=${dir}`]);
    assert.match(ftText.out, /fine-tuned encoder with an MLP head/);
    assert.match(ftText.out, /predict needs no --weights/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
