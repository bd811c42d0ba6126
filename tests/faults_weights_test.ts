// Issue 28, weights: paths with URL-special characters, a checksum beside --weights, a preset
// that is not the tensors' architecture, a classifier whose model was disposed.
import assert from "node:assert/strict";
import { initBackend } from "../lib/runtime/backend.ts";
import { presetConfig } from "../lib/model/config.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { loadModel, sourceUrl } from "../lib/weights/load.ts";
import { deserializeModel, serializeModel } from "../lib/weights/model_file.ts";
import { decodeSafetensors, encodeSafetensors } from "../lib/weights/safetensors.ts";
import { fitClassifier } from "../lib/classify/probe_classifier.ts";
import { loadClassifier } from "../lib/classify/load_classifier.ts";
import { serializeClassifier } from "../lib/classify/probe_file.ts";
import { sha256Hex } from "../lib/sha256.ts";
import { readWeightsFlag } from "../cli/_weights.ts";
import { runCli, syntheticWindows } from "./_helpers.ts";

await initBackend("cpu");

Deno.test("faults: paths with %, # and ? load the file they name (absolute and relative)", async () => {
  const dir = await Deno.makeTempDir({ dir: "." }); // relative paths below the working directory
  try {
    const models = new Map<string, FlowFM>();
    for (const [name, seed] of [["mA", 1], ["m%41", 2], ["copy#1", 3], ["copy", 4], ["q?x", 5]]) {
      const m = new FlowFM(presetConfig("tiny", { seed: seed as number, step: seed as number }));
      await Deno.writeFile(`${dir}/${name}.safetensors`, await serializeModel(m));
      models.set(name as string, m);
    }
    const abs = await Deno.realPath(dir);
    for (const name of ["m%41", "copy#1", "q?x"]) {
      for (const path of [`${abs}/${name}.safetensors`, `${dir}/${name}.safetensors`]) {
        const loaded = await loadModel(path);
        assert.equal(loaded.config.step, models.get(name)!.config.step, path);
        loaded.dispose();
        const read = await readWeightsFlag({ weights: path });
        assert.equal(read.bytes.length, (await Deno.readFile(path)).length);
      }
    }
    assert.equal(sourceUrl("/x/m%41.safetensors").pathname, "/x/m%2541.safetensors");
    assert.equal(sourceUrl("/x/copy#1.safetensors").hash, "");
    await assert.rejects(loadModel(`${abs}/none#1.safetensors`), /none#1\.safetensors/);
    for (const m of models.values()) m.dispose();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("faults: --weights checks a .sha256 file lying beside it; a flipped byte fails", async () => {
  const dir = await Deno.makeTempDir();
  const m = new FlowFM(presetConfig("tiny", { seed: 1 }));
  const bytes = await serializeModel(m);
  m.dispose();
  const path = `${dir}/m.safetensors`;
  await Deno.writeFile(path, bytes);
  // No checksum file: read as before.
  assert.equal((await readWeightsFlag({ weights: path })).bytes.length, bytes.length);
  await Deno.writeTextFile(`${path}.sha256`, `${await sha256Hex(bytes)}  m.safetensors\n`);
  assert.equal((await readWeightsFlag({ weights: path })).bytes.length, bytes.length);
  const flipped = bytes.slice();
  flipped[flipped.length - 5] ^= 1; // a weight's byte: the file still parses
  await Deno.writeFile(path, flipped);
  await assert.rejects(
    readWeightsFlag({ weights: path }),
    /m\.safetensors: checksum mismatch: SHA-256 [0-9a-f]{64}, expected/,
  );
  await Deno.writeTextFile(`${path}.sha256`, "not a checksum\n");
  await assert.rejects(
    readWeightsFlag({ weights: path }),
    /m\.safetensors\.sha256: expected 64 hex/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("faults: a config whose preset is not the tensors' architecture is an error naming the field", async () => {
  const m = new FlowFM(presetConfig("tiny"));
  const { tensors, metadata } = decodeSafetensors(await serializeModel(m));
  m.dispose();
  const config = JSON.parse(metadata.config);
  const relabel = (preset: string) =>
    encodeSafetensors(tensors, { ...metadata, config: JSON.stringify({ ...config, preset }) });
  assert.throws(
    () => deserializeModel(relabel("small"), "liar.safetensors"),
    (e: Error) => {
      assert.match(e.message, /liar\.safetensors/);
      assert.match(e.message, /"preset".*says "small", but its encoder stages and generator/);
      return true;
    },
  );
  assert.throws(() => deserializeModel(relabel("huge"), "x.safetensors"), /"preset"/);
  // inspect no longer calls it small.
  const dir = await Deno.makeTempDir();
  await Deno.writeFile(`${dir}/liar.safetensors`, relabel("small"));
  const r = await runCli(new URL("../cli/inspect.ts", import.meta.url).pathname, [
    `${dir}/liar.safetensors`,
  ]);
  assert.equal(r.code, 1, r.err);
  assert.match(r.err, /liar\.safetensors.*"preset".*says "small"/);
  await Deno.remove(dir, { recursive: true });
  // "custom" is any architecture; the preset itself loads.
  deserializeModel(relabel("custom"), "c.safetensors").model.dispose();
  deserializeModel(relabel("tiny"), "t.safetensors").model.dispose();
});

Deno.test("faults: a classifier whose model was disposed says so (not 'another encoder')", async () => {
  const names = ["a", "b"];
  const windows = syntheticWindows(8, 2, 2);
  const labels = Array.from({ length: 8 }, (_, i) => names[i % 2]);
  const model = new FlowFM(presetConfig("tiny", { seed: 4 }));
  const c = await fitClassifier(model, windows, labels, { validationFraction: 0 });
  const bytes = serializeClassifier(c);
  model.dispose();
  await assert.rejects(c.predict(windows), (e: Error) => {
    assert.match(e.message, /the model was disposed/);
    assert.doesNotMatch(e.message, /another encoder/);
    return true;
  });
  await assert.rejects(
    loadClassifier(bytes, "c.safetensors", model),
    /c\.safetensors: the model was disposed/,
  );
});

Deno.test("faults: a classifier file given where a model is expected says which file it is", async () => {
  const model = new FlowFM(presetConfig("tiny", { seed: 4 }));
  const labels = Array.from({ length: 8 }, (_, i) => (i % 2 ? "a" : "b"));
  const c = await fitClassifier(model, syntheticWindows(8, 2, 2), labels, {
    validationFraction: 0,
  });
  const bytes = serializeClassifier(c);
  c.dispose(), model.dispose();
  assert.throws(
    () => deserializeModel(bytes, "clf.safetensors"),
    /clf\.safetensors: .*"flowfm-classifier", expected "flowfm" \(a classifier file, not a model: .*--classifier\)/,
  );
});

Deno.test("faults: a silent --weights URL gives up after --weights-timeout, naming the flag", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const c of listener) held.push(c); // accepted, never answered
  })();
  const url = `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}/m.safetensors`;
  try {
    await assert.rejects(
      readWeightsFlag({ weights: url, "weights-timeout": "0.2" }),
      (e: Error) => {
        assert.match(e.message, /m\.safetensors: no complete answer within 200 ms/);
        assert.match(e.message, /set --weights-timeout S to wait longer/);
        assert.doesNotMatch(e.message, /timeoutMs/);
        return true;
      },
    );
    await assert.rejects(
      readWeightsFlag({ weights: url, "weights-timeout": "soon" }),
      /--weights-timeout must be a number >= 0/,
    );
  } finally {
    listener.close();
    for (const c of held) c.close();
    await accepting.catch(() => {});
  }
});

Deno.test("faults: a tensor missing from the header is reported beside the tensor before it", () => {
  const enc = (header: string, data: Uint8Array) => {
    const h = new TextEncoder().encode(header);
    const out = new Uint8Array(8 + h.length + data.length);
    new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
    out.set(h, 8);
    out.set(data, 8 + h.length);
    return out;
  };
  const f32 = (a: number, b: number) => `{"dtype":"F32","shape":[1],"data_offsets":[${a},${b}]}`;
  const gap = enc(`{"enc.a":${f32(0, 4)},"enc.c":${f32(8, 12)}}`, new Uint8Array(12));
  assert.throws(
    () => decodeSafetensors(gap, { source: "g.safetensors" }),
    /g\.safetensors.*tensor "enc\.c".*leaves a gap of 4 bytes after tensor "enc\.a" \(a tensor missing from the header\?\)/,
  );
  const f2 = (a: number, b: number) => `{"dtype":"F32","shape":[2],"data_offsets":[${a},${b}]}`;
  const overlap = enc(`{"enc.a":${f2(0, 8)},"enc.b":${f2(4, 12)}}`, new Uint8Array(12));
  assert.throws(() => decodeSafetensors(overlap), /overlaps tensor "enc\.a"/);
});

Deno.test("faults: a model file whose header lost a tensor's entry names that tensor", async () => {
  const m = new FlowFM(presetConfig("tiny"));
  const bytes = await serializeModel(m);
  m.dispose();
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  const names = Object.keys(header).filter((k) => k !== "__metadata__");
  const gone = names[Math.floor(names.length / 2)];
  delete header[gone];
  const h = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + bytes.length - 8 - n);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(bytes.subarray(8 + n), 8 + h.length);
  assert.throws(() => deserializeModel(out, "lost.safetensors"), (e: Error) => {
    assert.match(e.message, /lost\.safetensors/);
    assert.ok(e.message.includes(`missing tensor(s) "${gone}"`), e.message);
    return true;
  });
});
