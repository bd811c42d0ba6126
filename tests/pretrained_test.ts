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
import { maxAbsDiff, runCli, syntheticWindows } from "./_helpers.ts";

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
    /flowfm-small\.safetensors\.sha256: could not be read/,
  );
  assert.throws(
    () => pretrainedUrl("huge" as "small"),
    /no pretrained model "huge"; shipped: small/,
  );
  model.dispose();
  await Deno.remove(dir, { recursive: true });
});
