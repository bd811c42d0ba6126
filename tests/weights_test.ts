import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { presetConfig } from "../lib/model/config.ts";
import { loadModel } from "../lib/weights/load.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { Trainer } from "../lib/train/trainer.ts";
import { deserializeModel, serializeModel } from "../lib/weights/model_file.ts";
import { syntheticWindows } from "./_helpers.ts";

await initBackend("wasm");

/** Writes a safetensors file by hand (independent of lib/safetensors.ts): u64 header length, JSON, floats. */
function handMadeFile(
  entries: { name: string; shape: number[]; values: Float32Array }[],
  metadata: Record<string, string>,
): Uint8Array {
  let offset = 0;
  const parts: string[] = [];
  // Reverse order and a different key order than the library's writer.
  for (const e of [...entries].reverse()) {
    const bytes = e.values.length * 4;
    parts.push(
      `"${e.name}": {"shape": [${e.shape.join(", ")}], "data_offsets": [${offset}, ${
        offset + bytes
      }], "dtype": "F32"}`,
    );
    offset += bytes;
  }
  const header = `{ ${parts.join(", ")}, "__metadata__": ${JSON.stringify(metadata)} }   `;
  const headerBytes = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerBytes.length, true);
  view.setUint32(4, 0, true);
  out.set(headerBytes, 8);
  let p = 8 + headerBytes.length;
  for (const e of [...entries].reverse()) {
    for (const v of e.values) {
      view.setFloat32(p, v, true);
      p += 4;
    }
  }
  return out;
}

async function tinyModelBytes(seed = 1): Promise<Uint8Array> {
  const m = new FlowFM(presetConfig("tiny", { seed }));
  const bytes = await serializeModel(m);
  m.dispose();
  return bytes;
}

Deno.test("weights: a tiny model trained a few steps is saved, reloaded by loadModel from a file, and encodes identically", async () => {
  const model = new FlowFM(presetConfig("tiny", { seed: 11 }));
  const trainer = new Trainer(model, { lr: 2e-3 });
  const data = syntheticWindows(16, 4);
  for (let i = 0; i < 3; i++) await trainer.step(data);
  const dir = await Deno.makeTempDir();
  const path = `${dir}/tiny.safetensors`;
  await Deno.writeFile(path, await serializeModel(model, { step: trainer.steps }));
  const loaded = await loadModel(path);
  const viaUrl = await loadModel(new URL(`file://${path}`));
  assert.equal(loaded.config.step, 3);
  assert.deepEqual(loaded.config.encoder, model.config.encoder);
  const [a, b, c] = [
    await model.encode(data),
    await loaded.encode(data),
    await viaUrl.encode(data),
  ];
  assert.deepEqual(b.data, a.data);
  assert.deepEqual(c.data, a.data);
  // Bit-exact round trip of every tensor, BN running statistics included.
  for (const [name, v] of model.params.vars) {
    assert.deepEqual(
      new Uint32Array((await loaded.params.get(name).data()).buffer),
      new Uint32Array((await v.data()).buffer),
      name,
    );
  }
  for (const m of [model, loaded, viaUrl]) m.dispose();
  trainer.dispose();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("weights: reads a hand-made safetensors file written by an independent path", async () => {
  const ref = new FlowFM(presetConfig("tiny", { seed: 5 }));
  const entries = [];
  for (const [name, v] of ref.params.vars) {
    entries.push({ name, shape: v.shape, values: await v.data() as Float32Array });
  }
  const config = { ...ref.config, step: 7 };
  const bytes = handMadeFile(entries, {
    format: "flowfm",
    kind: "model",
    config: JSON.stringify(config),
  });
  const model = await loadModel(bytes.buffer as ArrayBuffer);
  assert.equal(model.config.step, 7);
  const w = syntheticWindows(3, 1);
  assert.deepEqual((await model.encode(w)).data, (await ref.encode(w)).data);
  ref.dispose();
  model.dispose();
});

Deno.test("weights: every defect fails with an error naming the tensor or field, and nothing leaks", async () => {
  const good = await tinyModelBytes();
  const { tensors, metadata } = await import("../lib/weights/safetensors.ts").then((m) =>
    m.decodeSafetensors(good)
  );
  const { encodeSafetensors } = await import("../lib/weights/safetensors.ts");
  const variant = (edit: (t: typeof tensors, md: Record<string, string>) => void) => {
    const t = new Map(tensors), md = { ...metadata };
    edit(t, md);
    return encodeSafetensors(t, md);
  };
  const config = JSON.parse(metadata.config);
  const before = tf.memory().numTensors;
  const cases: [string, Uint8Array, RegExp][] = [
    ["truncated", good.subarray(0, good.length - 100), /truncated|out of range|tensor/],
    [
      "bad header",
      new Uint8Array([8, 0, 0, 0, 0, 0, 0, 0, 123, 34, 120, 34, 58, 49, 50, 51]),
      /JSON|header/,
    ],
    [
      "missing tensor",
      variant((t) => t.delete("encoder.s0.conv.w")),
      /missing tensor "encoder\.s0\.conv\.w"/,
    ],
    [
      "extra tensor",
      variant((t) =>
        t.set("encoder.extra.w", { dtype: "F32", shape: [1], data: new Float32Array(1) })
      ),
      /unexpected tensor "encoder\.extra\.w"/,
    ],
    [
      "wrong shape",
      variant((t) =>
        t.set("generator.in.w", { dtype: "F32", shape: [2], data: new Float32Array(2) })
      ),
      /tensor "generator\.in\.w" has shape \[2\]/,
    ],
    [
      "NaN weight",
      variant((t) =>
        t.set("generator.in.b", { dtype: "F32", shape: [8], data: new Float32Array(8).fill(NaN) })
      ),
      /tensor "generator\.in\.b" holds NaN/,
    ],
    [
      "format version",
      variant((_, md) => (md.config = JSON.stringify({ ...config, formatVersion: 99 }))),
      /formatVersion.*99/,
    ],
    [
      "other architecture",
      variant((_, md) => (md.config = JSON.stringify(presetConfig("small")))),
      /unexpected tensor|shape/,
    ],
    [
      "bad config field",
      variant((_, md) => (md.config = JSON.stringify({ ...config, sampleRate: -1 }))),
      /"sampleRate"/,
    ],
    ["config not JSON", variant((_, md) => (md.config = "{oops")), /__metadata__\.config/],
    ["not flowfm", variant((_, md) => delete md.format), /__metadata__\.format/],
    [
      "optimizer state in a model file",
      variant((t) =>
        t.set("optimizer.m.x", { dtype: "F32", shape: [1], data: new Float32Array(1) })
      ),
      /unexpected tensor "optimizer\.m\.x"/,
    ],
  ];
  for (const [what, bytes, pattern] of cases) {
    assert.throws(() => deserializeModel(bytes, "model.safetensors"), (e: Error) => {
      assert.match(e.message, /model\.safetensors/, `${what}: no file name in "${e.message}"`);
      assert.match(e.message, pattern, `${what}: "${e.message}"`);
      return true;
    });
  }
  assert.equal(tf.memory().numTensors, before, "a failed load leaked tensors");
  await assert.rejects(
    () => loadModel("/nonexistent/dir/model.safetensors"),
    /nonexistent\/dir\/model\.safetensors/,
  );
});

Deno.test("weights: checkpoints carry optimizer tensors that a model load accepts and returns separately", async () => {
  const model = new FlowFM(presetConfig("tiny"));
  const trainer = new Trainer(model);
  await trainer.step(syntheticWindows(4, 0));
  const t = new Map<string, { dtype: "F32"; shape: number[]; data: Float32Array }>();
  for (const [name, v] of trainer.optimizer.state()) {
    t.set(name, { dtype: "F32", shape: v.shape, data: await v.data() as Float32Array });
  }
  const bytes = await serializeModel(model, {
    step: 1,
    checkpoint: { tensors: t, metadata: { trainer: "{}" } },
  });
  const loaded = deserializeModel(bytes, "ckpt");
  assert.equal(loaded.kind, "checkpoint");
  assert.equal(loaded.extras.tensors.size, t.size);
  assert.equal(loaded.extras.metadata.trainer, "{}");
  loaded.model.dispose();
  trainer.dispose();
  model.dispose();
});

Deno.test("weights: loadModel fetches http: URLs (a local server) and reports HTTP errors", async () => {
  const m = new FlowFM(presetConfig("tiny", { seed: 12 }));
  const bytes = await serializeModel(m);
  const ac = new AbortController();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen() {} },
    (req) =>
      new URL(req.url).pathname === "/m.safetensors"
        ? new Response(bytes as Uint8Array<ArrayBuffer>)
        : new Response("no", { status: 404 }),
  );
  const base = `http://127.0.0.1:${server.addr.port}`;
  try {
    const loaded = await loadModel(`${base}/m.safetensors`);
    const w = syntheticWindows(2, 1);
    assert.deepEqual((await loaded.encode(w)).data, (await m.encode(w)).data);
    loaded.dispose();
    await assert.rejects(
      () => loadModel(new URL(`${base}/missing.safetensors`)),
      /missing\.safetensors: fetch failed with HTTP 404/,
    );
  } finally {
    ac.abort();
    await server.finished;
    m.dispose();
  }
});

Deno.test("weights: a model stored as F16 loads and encodes within half-precision error", async () => {
  const model = new FlowFM(presetConfig("tiny", { seed: 2 }));
  const f32 = await serializeModel(model), f16 = await serializeModel(model, { dtype: "F16" });
  assert.ok(f16.length < 0.6 * f32.length, `F16 file ${f16.length} B vs F32 ${f32.length} B`);
  const loaded = deserializeModel(f16, "tiny-f16.safetensors").model;
  const x = new Float32Array(2 * 900).map((_, i) => Math.sin(i / 7));
  const a = await model.encode(x), b = await loaded.encode(x);
  let err = 0, scale = 0;
  for (let i = 0; i < a.data.length; i++) {
    err = Math.max(err, Math.abs(a.data[i] - b.data[i]));
    scale = Math.max(scale, Math.abs(a.data[i]));
  }
  assert.ok(err > 0 && err < 1e-2 * Math.max(1, scale), `max difference ${err} (scale ${scale})`);
  model.dispose();
  loaded.dispose();
});
