// Kernel-count budgets on WebGPU (a count, never a time): one `tiny` training step through
// Trainer.step and one encoded batch through model.encode may not run more kernels, as tf.profile
// counts them (Reshape, Identity and the custom gradients' scopes included), than the budgets
// below, set just above what the library's WebGPU kernels achieve (docs/gpu.md, "Dispatches per
// step"; bench/dispatch_count.ts prints the same counts by kernel). Skips, saying so, where no
// WebGPU adapter exists. The counts do not depend on the batch size; batch 8 keeps it short.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { presetConfig } from "../lib/model/config.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { Trainer } from "../lib/train/trainer.ts";
import { syntheticWindows, webgpuAdapter } from "./_helpers.ts";

/** Kernels per `tiny` training step on webgpu (4,338 before the library's WebGPU kernels). */
const STEP_BUDGET = 525;
/** Kernels per encoded `tiny` batch on webgpu (144 before). */
const ENCODE_BUDGET = 24;

const hasAdapter = (await webgpuAdapter()) !== "none";
if (!hasAdapter) console.log("dispatch_budget_test: skipped, no WebGPU adapter on this machine");

/** Kernel names of one call of `f`, after a warm-up call. */
async function kernels(f: () => Promise<unknown>): Promise<string[]> {
  await f();
  const info = await tf.profile(async () => {
    await f();
  });
  return info.kernels.map((k) => k.name);
}

/** `name: count` of the most frequent kernels, for the failure message. */
function top(names: string[]): string {
  const by = new Map<string, number>();
  for (const n of names) by.set(n, (by.get(n) ?? 0) + 1);
  return [...by].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([n, c]) => `${n} ${c}`).join(", ");
}

Deno.test({
  name:
    `a tiny step on webgpu runs at most ${STEP_BUDGET} kernels, an encoded batch ${ENCODE_BUDGET}`,
  ignore: !hasAdapter,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    try {
      await initBackend("webgpu");
      const before = tf.memory().numTensors;
      const model = new FlowFM(presetConfig("tiny", { seed: 0 }));
      const trainer = new Trainer(model, { lr: 1e-4, seed: 1 });
      const windows = syntheticWindows(8, 4);
      const step = await kernels(() => trainer.step(windows));
      const encode = await kernels(() => model.encode(windows, { batchSize: 8 }));
      trainer.dispose();
      model.dispose();
      assert.equal(tf.memory().numTensors, before, "tensors leaked");
      console.log(`kernels per tiny step ${step.length}, per encoded batch ${encode.length}`);
      assert.ok(step.includes("FlowFMAdamFlat"), "the step ran the WebGPU Adam kernel");
      assert.ok(
        step.length <= STEP_BUDGET,
        `${step.length} kernels per step, budget ${STEP_BUDGET}: ${top(step)}`,
      );
      assert.ok(
        encode.length <= ENCODE_BUDGET,
        `${encode.length} kernels per encoded batch, budget ${ENCODE_BUDGET}: ${top(encode)}`,
      );
    } finally {
      await initBackend("cpu");
    }
  },
});
