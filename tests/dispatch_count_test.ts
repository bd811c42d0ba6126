// lib/runtime/dispatch_count.ts on cpu: countDispatches counts the kernels of one call after a
// warm-up call, by name with a TOTAL, as tf.profile lists them; no GPU programs off WebGPU; the
// same count for a tiny training step and an encoded batch each time; nothing leaks. On WebGPU
// (the software adapter in CI) the queue traffic: uploads, uniform writes, reads, and submits that
// follow WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { countDispatches } from "../lib/runtime/dispatch_count.ts";
import { presetConfig } from "../lib/model/config.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { Trainer } from "../lib/train/trainer.ts";
import { syntheticWindows, webgpuAdapter } from "./_helpers.ts";

await initBackend("cpu");

Deno.test("countDispatches: the kernels of one call by name, after one warm-up call", async () => {
  const before = tf.memory();
  const x = tf.ones([4]);
  let calls = 0;
  const r = await countDispatches(() => {
    calls++;
    tf.tidy(() => {
      tf.sum(tf.mul(tf.add(x, 1), 2));
    });
  });
  assert.equal(calls, 2, "a warm-up call, then the counted one");
  assert.deepEqual(r.kernels, { TOTAL: 3, Add: 1, Multiply: 1, Sum: 1 });
  assert.equal(r.programs, null, "no GPU programs on cpu");
  const cold = await countDispatches(async () => {
    calls++;
    const y = tf.square(x);
    await y.data();
    y.dispose();
  }, { warmUp: false });
  assert.equal(calls, 3, "warmUp: false calls once");
  assert.equal(cold.kernels.TOTAL, 1);
  assert.equal(cold.kernels.Square, 1);
  x.dispose();
  assert.deepEqual(tf.memory(), before, "tf.memory() unchanged");
});

Deno.test("countDispatches: a tiny step and an encoded batch count the same each time, no leak", async () => {
  const before = tf.memory();
  const model = new FlowFM(presetConfig("tiny", { seed: 0 }));
  const trainer = new Trainer(model, { lr: 1e-4, seed: 1 });
  const windows = syntheticWindows(4, 3);
  const step1 = await countDispatches(() => trainer.step(windows));
  const step2 = await countDispatches(() => trainer.step(windows), { warmUp: false });
  const enc = await countDispatches(() => model.encode(windows, { batchSize: 4 }));
  trainer.dispose();
  model.dispose();
  assert.ok(Number.isInteger(step1.kernels.TOTAL) && step1.kernels.TOTAL > 100);
  assert.deepEqual(step2.kernels, step1.kernels, "the same kernels in every step");
  const sum = Object.entries(step1.kernels).filter(([k]) => k !== "TOTAL")
    .reduce((s, [, n]) => s + n, 0);
  assert.equal(sum, step1.kernels.TOTAL, "the names add up to TOTAL");
  assert.ok(enc.kernels.TOTAL > 0 && enc.kernels.TOTAL < step1.kernels.TOTAL);
  assert.deepEqual(tf.memory(), before, "tf.memory() unchanged");
});

const hasAdapter = (await webgpuAdapter()) !== "none";

Deno.test({
  name: "countDispatches on webgpu: queue traffic of an encoded batch, submits per batch size",
  ignore: !hasAdapter,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const flag = "WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE";
    try {
      await initBackend("webgpu");
      const before = tf.memory().numTensors;
      const model = new FlowFM(presetConfig("tiny", { seed: 0 }));
      const windows = syntheticWindows(8, 5);
      const encode = () => model.encode(windows, { batchSize: 8 });
      const plain = await countDispatches(encode);
      assert.equal(plain.queue, null, "queue traffic only when asked for");
      const batched = await countDispatches(encode, { queue: true });
      const programs = batched.programs!.TOTAL, q = batched.queue!;
      const size = tf.env().getNumber(flag);
      tf.env().set(flag, 1);
      const single = (await countDispatches(encode, { queue: true })).queue!;
      tf.env().set(flag, size);
      model.dispose();
      assert.equal(tf.memory().numTensors, before, "tensors leaked");
      console.log(`encoded tiny batch: ${programs} programs, queue ${JSON.stringify(q)}`);
      assert.ok(q.uploads >= 1 && q.uploadBytes >= windows.length * 4, "the windows went up");
      assert.ok(q.uniformWrites >= 1 && q.uniformWrites <= programs, "a uniform write per program");
      assert.ok(q.reads >= 1, "the embeddings came back");
      assert.ok(q.submits >= Math.ceil(programs / size), `${q.submits} submits, batch ${size}`);
      assert.ok(q.submits < programs, `${q.submits} submits for ${programs} programs`);
      assert.ok(single.submits >= programs, `${single.submits} submits at batch size 1`);
    } finally {
      await initBackend("cpu");
    }
  },
});
