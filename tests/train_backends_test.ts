// Training agrees across backends: the same seeded steps on cpu, wasm (its fused kernels: Adam,
// the filter-gradient GEMM, the norms) and WebGPU (a hardware adapter, or a software one such as
// llvmpipe where that is all there is) give the same losses within a stated tolerance. This test
// found WebGPU training unclipped (tf.addN of many gradient norms gave 0 there; lib/train/clip.ts).
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { presetConfig } from "../lib/model/config.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { Trainer } from "../lib/train/trainer.ts";
import { backendsToCompare, syntheticWindows } from "./_helpers.ts";

/**
 * Losses of the same steps on two backends agree within this relative tolerance: float32 with
 * different summation orders, compounded over the steps (measured over these 4 steps: 2e-6 on wasm, 1e-7 on llvmpipe's WebGPU).
 */
const LOSS_TOLERANCE = 1e-4;

const backends = await backendsToCompare("software");
const hasAdapter = backends.includes("webgpu");

async function losses(backend: "cpu" | "wasm" | "webgpu", steps: number): Promise<number[]> {
  await initBackend(backend);
  const before = tf.memory().numTensors;
  const model = new FlowFM(presetConfig("tiny", { seed: 31 }));
  const trainer = new Trainer(model, { lr: 3e-3, seed: 7, clipNorm: 1 });
  const out: number[] = [];
  for (let s = 0; s < steps; s++) out.push((await trainer.step(syntheticWindows(8, s))).loss);
  trainer.dispose();
  model.dispose();
  assert.equal(tf.memory().numTensors, before, `${backend}: tensors leaked`);
  return out;
}

Deno.test({
  name: `training steps agree across cpu, wasm${hasAdapter ? " and webgpu" : ""}; no leaks`,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const steps = 4;
    const ref = await losses("cpu", steps);
    assert.ok(ref.every(Number.isFinite), `cpu losses ${ref}`);
    // Step 1's loss is the forward pass alone; later ones follow from each update (Adam, the
    // clipping factor, the gradients of every layer), so a wrong gradient shows from step 2.
    const others = backends.filter((b) => b !== "cpu");
    for (const b of others) {
      const got = await losses(b, steps);
      got.forEach((l, i) => {
        const rel = Math.abs(l - ref[i]) / Math.abs(ref[i]);
        assert.ok(
          rel < LOSS_TOLERANCE,
          `${b} vs cpu, step ${i + 1}: loss ${l} against ${ref[i]} (relative ${
            rel.toExponential(2)
          })`,
        );
      });
      const worst = Math.max(...got.map((l, i) => Math.abs(l - ref[i]) / Math.abs(ref[i])));
      console.log(
        `${b} vs cpu: losses ${
          got.map((l) => l.toFixed(5)).join(", ")
        }; largest relative difference ${worst.toExponential(2)}`,
      );
    }
    await initBackend("cpu");
  },
});
