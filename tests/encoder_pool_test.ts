import assert from "node:assert/strict";
import { initBackend } from "../lib/runtime/backend.ts";
import { presetConfig } from "../lib/model/config.ts";
import { EncoderPool } from "../lib/runtime/encoder_pool.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { serializeModel } from "../lib/weights/model_file.ts";
import { syntheticWindows } from "./_helpers.ts";

await initBackend("wasm");

Deno.test("EncoderPool: two wasm workers give the same embeddings as FlowFM.encode, in input order", async () => {
  const model = new FlowFM(presetConfig("tiny", { seed: 6 }));
  const pool = await EncoderPool.create(await serializeModel(model), { workers: 2 });
  try {
    const w = syntheticWindows(37, 2);
    const [a, b] = [await model.encode(w), await pool.encode(w, { batchSize: 8 })];
    assert.equal(pool.size, 2);
    assert.equal(b.count, 37);
    assert.deepEqual(b.data, a.data);
    const nan = w.slice();
    nan[5] = NaN;
    await assert.rejects(() => pool.encode(nan), /window 0, sample 1, axis z is NaN/);
  } finally {
    pool.dispose();
    model.dispose();
  }
});

Deno.test("EncoderPool: bad weights fail at start, naming the file", async () => {
  await assert.rejects(
    () => EncoderPool.create(new Uint8Array(4), { workers: 1 }),
    /EncoderPool weights: file is 4 bytes, shorter than the 8-byte header/,
  );
});
