// Random crops for pretraining: every crop is a contiguous stretch of its recording, crops differ
// between steps, and a resumed run draws the same crops.
import assert from "node:assert/strict";
import { initBackend } from "../lib/runtime/backend.ts";
import { presetConfig } from "../lib/model/config.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { cropPartners, gatherCrops } from "../lib/train/crops.ts";
import { loadCheckpoint } from "../lib/train/checkpoint.ts";
import { train } from "../lib/train/run.ts";
import { decodeSafetensors } from "../lib/weights/safetensors.ts";
import { serializeModel } from "../lib/weights/model_file.ts";

const LEN = 300, CH = 3, PER = LEN * CH;

/**
 * Two recordings whose samples encode (recording, time, axis) as one number, cut into 10 s
 * windows every 5 s, plus a lone window of a third recording: the shape of a real WindowSet.
 */
function recordings() {
  const value = (r: number, t: number, a: number) => r * 1e5 + t * 4 + a;
  const windows: { data: Float32Array; start: number; source: string }[] = [];
  for (const [r, seconds] of [[1, 40], [2, 25]] as const) {
    for (let s = 0; s + 10 <= seconds; s += 5) {
      const data = new Float32Array(PER);
      for (let t = 0; t < LEN; t++) {
        for (let a = 0; a < CH; a++) data[t * CH + a] = value(r, s * 30 + t, a);
      }
      windows.push({ data, start: s, source: `rec${r}.csv` });
    }
  }
  windows.push({ data: new Float32Array(PER).fill(7), start: 0, source: "lone.csv" });
  const data = new Float32Array(windows.length * PER);
  windows.forEach((w, i) => data.set(w.data, i * PER));
  return {
    data,
    count: windows.length,
    starts: windows.map((w) => w.start),
    sources: windows.map((w) => w.source),
  };
}

Deno.test("crops: partners are the next window of the same recording within one window length", () => {
  const p = cropPartners([0, 5, 10, 0, 30, 0.01], ["a", "a", "a", "b", "b", "c"], 30, 300);
  assert.deepEqual([...p.next], [1, 2, -1, -1, -1, -1]);
  assert.deepEqual([...p.shift], [150, 150, 0, 0, 0, 0]);
  // Out of order and with a start that is not on the sample grid.
  const q = cropPartners([5, 0, 2.51234], ["a", "a", "b"], 30, 300);
  assert.deepEqual([...q.next], [-1, 0, -1]);
  assert.throws(() => cropPartners([0], [], 30, 300), /1 starts but 0 sources/);
});

Deno.test("crops: every crop is a contiguous stretch of its recording, offsets vary by step", () => {
  const set = recordings();
  const p = cropPartners(set.starts, set.sources, 30, LEN);
  const all = Int32Array.from({ length: set.count }, (_, i) => i);
  const offsets = new Set<number>();
  for (let step = 0; step < 6; step++) {
    const out = gatherCrops(set.data, all, p, PER, CH, step, 3, new Float32Array(set.count * PER));
    assert.deepEqual(
      out,
      gatherCrops(set.data, all, p, PER, CH, step, 3, new Float32Array(set.count * PER)),
      "same step and seed, same crops",
    );
    for (let i = 0; i < set.count; i++) {
      const w = out.subarray(i * PER, (i + 1) * PER);
      if (set.sources[i] === "lone.csv") {
        assert.ok(w.every((v) => v === 7), "a window without partner is used as it is");
        continue;
      }
      const first = w[0], start = set.starts[i] * 30;
      const t0 = Math.round((first % 1e5) / 4);
      assert.equal(Math.floor(first / 1e5), Number(set.sources[i][3]), "stays in its recording");
      offsets.add(t0 - start);
      for (let t = 0; t < LEN; t++) {
        for (let a = 0; a < CH; a++) {
          assert.equal(w[t * CH + a], first + t * 4 + a, `window ${i} t ${t}`);
        }
      }
      assert.ok(t0 - start >= 0 && t0 - start < 150, `offset ${t0 - start} within the hop`);
    }
  }
  assert.ok(offsets.size > 20, `only ${offsets.size} distinct offsets`);
});

Deno.test("crops: train() with randomCrops records it and resumes bit-identically", async () => {
  await initBackend("cpu");
  const set = recordings();
  const opts = { steps: 4, batch: 4, randomCrops: true, lr: 2e-3, checkpointEvery: 2 };
  const full = new FlowFM(presetConfig("tiny", { seed: 5 }));
  await train(full, set, opts);
  const want = decodeSafetensors(await serializeModel(full)).tensors;
  full.dispose();
  const part = new FlowFM(presetConfig("tiny", { seed: 5 }));
  let ckpt: Uint8Array = new Uint8Array();
  await train(part, set, { ...opts, steps: 2 }, { onCheckpoint: (b) => void (ckpt = b) });
  part.dispose();
  const { model, state } = loadCheckpoint(ckpt, "memory");
  assert.equal(state.config.randomCrops, true);
  await train(model, set, { steps: 4, resume: state });
  const got = decodeSafetensors(await serializeModel(model)).tensors;
  model.dispose();
  for (const [k, t] of want) assert.deepEqual(got.get(k)!.data, t.data, k);
  const plain = new FlowFM(presetConfig("tiny", { seed: 5 }));
  await assert.rejects(
    train(plain, { data: set.data, count: set.count }, opts),
    /randomCrops needs the windows' starts and sources/,
  );
  plain.dispose();
});
