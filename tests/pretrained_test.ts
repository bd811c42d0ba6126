import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { presetConfig } from "../lib/model/config.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { serializeModel } from "../lib/weights/model_file.ts";
import { decodeSafetensors } from "../lib/weights/safetensors.ts";
import {
  loadPretrained,
  pretrainedUrl,
  readPretrained,
  sha256Hex,
} from "../lib/weights/pretrained.ts";
import { backendsToCompare, maxAbsDiff, runCli, syntheticWindows } from "./_helpers.ts";

const exportCli = new URL("../cli/export.ts", import.meta.url).pathname;
const inspectCli = new URL("../cli/inspect.ts", import.meta.url).pathname;

await initBackend("cpu");

/** A trained-looking tiny checkpoint exported the way weights/ is made; returns its folder. */
async function exported(): Promise<{ dir: string; model: FlowFM }> {
  const dir = await Deno.makeTempDir();
  const model = new FlowFM(presetConfig("tiny", { seed: 3 }));
  await Deno.writeFile(`${dir}/src.safetensors`, await serializeModel(model, { step: 12 }));
  const r = await runCli(exportCli, [
    `${dir}/src.safetensors`,
    `${dir}/flowfm-small.safetensors`,
    "--meta",
    "data=synthetic test windows",
  ], { flags: [`--allow-read=${dir}`, `--allow-write=${dir}`] });
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /wrote .*flowfm-small\.safetensors \([\d,]+ bytes, F16, tiny step 12\)/);
  return { dir, model };
}

Deno.test("export: F16 model file with provenance and a sha256sum-format checksum", async () => {
  const { dir, model } = await exported();
  const bytes = await Deno.readFile(`${dir}/flowfm-small.safetensors`);
  const sum = await Deno.readTextFile(`${dir}/flowfm-small.safetensors.sha256`);
  assert.equal(sum, `${await sha256Hex(bytes)}  flowfm-small.safetensors\n`);
  const { tensors, metadata } = decodeSafetensors(bytes);
  assert.ok([...tensors.values()].every((t) => t.dtype === "F16"));
  assert.equal(metadata.kind, "model");
  assert.equal(metadata.data, "synthetic test windows");
  const from = JSON.parse(metadata.exportedFrom);
  assert.equal(from.step, 12);
  assert.equal(from.sha256, await sha256Hex(await Deno.readFile(`${dir}/src.safetensors`)));
  const shown = await runCli(inspectCli, [`${dir}/flowfm-small.safetensors`], {
    flags: [`--allow-read=${dir}`],
  });
  assert.equal(shown.code, 0, shown.err);
  assert.match(shown.out, /data: synthetic test windows/);
  assert.match(shown.out, /exportedFrom: .*"step":12/);
  const usage = await runCli(exportCli, [`${dir}/src.safetensors`, `${dir}/out.bin`]);
  assert.equal(usage.code, 2);
  assert.match(usage.err, /name it \*\.safetensors/);
  model.dispose();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("loadPretrained: verifies the checksum, rebuilds the model, and does not leak memory", async () => {
  const { dir, model } = await exported();
  const before = tf.memory().numTensors;
  const loaded = await loadPretrained("small", { baseUrl: dir });
  assert.equal(loaded.config.preset, "tiny");
  const x = syntheticWindows(4, 1);
  const a = await model.encode(x), b = await loaded.encode(x);
  // F16 storage: about 3 significant digits per weight.
  const moved = maxAbsDiff(a.data, b.data);
  assert.ok(moved > 0 && moved < 2e-2, `F16 round trip moved embeddings by ${moved}`);
  loaded.dispose();
  assert.equal(tf.memory().numTensors, before);

  const read = await readPretrained("small", { baseUrl: `file://${dir}/` });
  assert.equal(read.sha256, await sha256Hex(read.bytes));

  // One flipped byte: the checksum names the file, both digests and what to do.
  const bytes = await Deno.readFile(`${dir}/flowfm-small.safetensors`);
  bytes[bytes.length - 5] ^= 0x40;
  await Deno.writeFile(`${dir}/flowfm-small.safetensors`, bytes);
  await assert.rejects(
    loadPretrained("small", { baseUrl: dir }),
    /flowfm-small\.safetensors: checksum mismatch: SHA-256 [0-9a-f]{64}, expected [0-9a-f]{64}.*fetch it again/,
  );
  await Deno.writeTextFile(`${dir}/flowfm-small.safetensors.sha256`, "not a checksum\n");
  await assert.rejects(loadPretrained("small", { baseUrl: dir }), /\.sha256: expected 64 hex/);
  await Deno.remove(`${dir}/flowfm-small.safetensors.sha256`);
  await assert.rejects(
    loadPretrained("small", { baseUrl: dir }),
    /flowfm-small\.safetensors\.sha256: no such file$/,
  );
  assert.throws(
    () => pretrainedUrl("huge" as "small"),
    /no pretrained model "huge"; shipped: small/,
  );
  model.dispose();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("the shipped weights/flowfm-small.safetensors: checksum, config, one-line load", async () => {
  const file = new URL("../weights/flowfm-small.safetensors", import.meta.url);
  const bytes = await Deno.readFile(file);
  const sum = await Deno.readTextFile(new URL(`${file.href}.sha256`));
  assert.equal(sum.split(/\s+/)[0], await sha256Hex(bytes), "checksum file matches the weights");
  const { tensors, metadata } = decodeSafetensors(bytes);
  assert.ok([...tensors.values()].every((t) => t.dtype === "F16"), "stored as F16");
  assert.ok(bytes.length < 8e6, `${bytes.length} bytes`);
  assert.ok(metadata.data && metadata.command, "provenance: data and command");
  const before = tf.memory().numTensors;
  const model = await loadPretrained(); // default: "small", resolved relative to the module
  assert.equal(model.config.preset, "small");
  assert.ok(model.config.step >= 1000, `trained for ${model.config.step} steps`);
  const z = await model.encode(syntheticWindows(2, 4));
  assert.equal(z.dim, 512);
  assert.ok(z.data.every(Number.isFinite));
  model.dispose();
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("cli: encode without --weights uses the shipped model and says so", async () => {
  const dir = await Deno.makeTempDir();
  const rows = ["x,y,z"];
  for (let i = 0; i < 20 * 30; i++) rows.push(`${Math.sin(i / 5).toFixed(3)},0.1,0.98`);
  await Deno.writeTextFile(`${dir}/rec.csv`, rows.join("\n") + "\n");
  const encode = new URL("../cli/encode.ts", import.meta.url).pathname;
  const r = await runCli(encode, [
    `${dir}/rec.csv`,
    "--rate",
    "30",
    "--units",
    "g",
    "--no-cache",
    "--out",
    `${dir}/e.csv`,
  ]);
  assert.equal(r.code, 0, r.err);
  assert.match(
    r.err,
    /no --weights: using the pretrained model weights\/flowfm-small\.safetensors \(SHA-256 [0-9a-f]{12}… verified/,
  );
  const header = (await Deno.readTextFile(`${dir}/e.csv`)).split("\n")[0].split(",");
  assert.equal(header.length, 4 + 512);
  await Deno.remove(dir, { recursive: true });
});

/** WebGPU joins the reference check on a hardware adapter (gpu/gpu.sh --tests runs it there). */
const referenceBackends = await backendsToCompare("hardware");

Deno.test({
  name: `the shipped model reproduces its stored reference embeddings on ${
    referenceBackends.join(", ")
  }`,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const { referenceWindows } = await import("../studies/pretrained_reference.ts");
    const ref = JSON.parse(
      await Deno.readTextFile(new URL("../weights/flowfm-small.reference.json", import.meta.url)),
    );
    for (const backend of referenceBackends) {
      await initBackend(backend);
      const model = await loadPretrained();
      const z = await model.encode(referenceWindows());
      model.dispose();
      assert.equal(z.data.length, ref.z.length);
      // Backends differ in summation order: 1e-4 of the embeddings' scale.
      const scale = Math.max(...ref.z.map(Math.abs));
      const diff = maxAbsDiff(z.data, ref.z);
      assert.ok(diff <= 1e-4 * scale, `${backend}: max |diff| ${diff} (scale ${scale})`);
      console.log(`${backend}: max |diff| ${diff.toExponential(2)} (scale ${scale.toFixed(3)})`);
    }
    await initBackend("cpu");
  },
});

Deno.test("loadPretrained over http from a local server", async () => {
  const weights = new URL("../weights/", import.meta.url);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const name = new URL(req.url).pathname.split("/").pop()!;
    if (!name.startsWith("flowfm-small.safetensors")) return new Response("no", { status: 404 });
    return new Response(await Deno.readFile(new URL(name, weights)));
  });
  try {
    const { port } = server.addr as Deno.NetAddr;
    const model = await loadPretrained("small", { baseUrl: `http://127.0.0.1:${port}/w/` });
    assert.equal(model.config.preset, "small");
    model.dispose();
  } finally {
    await server.shutdown();
  }
});

Deno.test("the shipped uci-hapt classifier loads beside the shipped model and predicts", async () => {
  const { loadClassifier } = await import("../lib/classify/load_classifier.ts");
  const file = new URL("../weights/flowfm-small.uci-hapt.classifier.safetensors", import.meta.url);
  const bytes = await Deno.readFile(file);
  const model = await loadPretrained();
  const c = await loadClassifier(bytes, "uci-hapt.classifier", model);
  assert.deepEqual(c.classes, [
    "LAYING",
    "SITTING",
    "STANDING",
    "WALKING",
    "WALKING_DOWNSTAIRS",
    "WALKING_UPSTAIRS",
  ]);
  assert.equal(c.features, "stages", "the card says the shipped classifier reads stage features");
  const p = await c.predict(syntheticWindows(3, 2));
  assert.equal(p.labels.length, 3);
  c.dispose();
  model.dispose();
  const other = new FlowFM(presetConfig("small", { seed: 9 }));
  await assert.rejects(
    loadClassifier(bytes, "uci-hapt.classifier", other),
    /fitted on another encoder/,
  );
  other.dispose();
});

Deno.test("export: a checkpoint of a run with EMA gives the averaged encoder", async () => {
  const { train } = await import("../lib/train/run.ts");
  const dir = await Deno.makeTempDir();
  const model = new FlowFM(presetConfig("tiny", { seed: 3 }));
  let ckpt: Uint8Array = new Uint8Array();
  await train(model, { data: syntheticWindows(8, 1), count: 8 }, {
    steps: 2,
    batch: 4,
    emaDecay: 0.5,
    workers: 1,
  }, { onCheckpoint: (b) => void (ckpt = b) });
  model.dispose();
  await Deno.writeFile(`${dir}/ckpt.safetensors`, ckpt);
  const r = await runCli(exportCli, [
    `${dir}/ckpt.safetensors`,
    `${dir}/m.safetensors`,
    "--dtype",
    "F32",
  ], { flags: [`--allow-read=${dir}`, `--allow-write=${dir}`] });
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /using its EMA encoder weights \(\d+ tensors\)/);
  const saved = decodeSafetensors(ckpt).tensors;
  const out = decodeSafetensors(await Deno.readFile(`${dir}/m.safetensors`)).tensors;
  for (const [name, t] of out) {
    const want = name.startsWith("encoder.")
      ? saved.get(`optimizer.ema.${name}`)!
      : saved.get(name)!;
    assert.deepEqual(t.data, want.data, name);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("the model card names the shipped files' sizes and SHA-256 as they are", async () => {
  const dir = new URL("../weights/", import.meta.url);
  const card = await Deno.readTextFile(new URL("README.md", dir));
  for (
    const name of [
      "flowfm-small.safetensors",
      "flowfm-small.uci-hapt.classifier.safetensors",
      "flowfm-small.umafall-wrist.classifier.safetensors",
    ]
  ) {
    const bytes = await Deno.readFile(new URL(name, dir));
    const sha = Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)))
      .map((b) => b.toString(16).padStart(2, "0")).join("");
    const row = card.split("\n").find((l) => l.includes(`\`${name}\``) && l.startsWith("|"));
    assert.ok(row, `weights/README.md: no table row for ${name}`);
    assert.ok(
      row.includes(sha),
      `weights/README.md: ${name} has SHA-256 ${sha}, the card says ${row}`,
    );
    assert.ok(row.includes(bytes.length.toLocaleString("en-US")), `${name}: ${bytes.length} bytes`);
  }
});
