import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { describeBackend, initBackend } from "../lib/runtime/backend.ts";
import { presetConfig } from "../lib/model/config.ts";
import { loadModel } from "../lib/weights/load.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { serializeModel } from "../lib/weights/model_file.ts";
import { backendsToCompare, maxAbsDiff, syntheticWindows } from "./_helpers.ts";

/** Encoder outputs of different backends agree within this absolute tolerance (float32, different kernels). */
const BACKEND_TOLERANCE = 1e-4;

Deno.test("backend: forced choices report themselves; unknown names fail", async () => {
  for (const name of ["cpu", "wasm"] as const) {
    const info = await initBackend(name);
    assert.equal(info.backend, name);
    assert.equal(tf.getBackend(), name);
    assert.match(describeBackend(info), new RegExp(`^backend ${name} \\(forced`));
  }
  await assert.rejects(() => initBackend("tpu" as "cpu"), /unknown backend "tpu"/);
});

Deno.test("backend: auto picks WebGPU only on a hardware adapter, else wasm", async () => {
  const info = await initBackend("auto");
  if (info.adapter && !info.adapter.isFallbackAdapter) assert.equal(info.backend, "webgpu");
  else {
    assert.equal(info.backend, "wasm");
    assert.match(info.reason, info.adapter ? /software/ : /no WebGPU adapter/);
  }
});

Deno.test({
  name:
    "backend: encoder outputs and samples agree across wasm, cpu and the software WebGPU adapter",
  // Cold WebGPU shader compiles on a software adapter take seconds each; sanitizers off for its
  // device resources.
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await initBackend("cpu");
    const bytes = await serializeModel(new FlowFM(presetConfig("tiny", { seed: 21 })));
    const windows = syntheticWindows(4, 3);
    const results: Record<string, { z: Float32Array; x: Float32Array }> = {};
    const backends = await backendsToCompare("software");
    for (const b of backends) {
      const info = await initBackend(b);
      const model = await loadModel(bytes);
      const z = (await model.encode(windows)).data;
      const x =
        (await model.sample({ z: z.subarray(0, 32), steps: 2, method: "euler", seed: 3 })).data;
      results[b] = { z, x };
      model.dispose();
      assert.equal(info.backend, b);
    }
    for (const b of backends) {
      const dz = maxAbsDiff(results[b].z, results.cpu.z),
        dx = maxAbsDiff(results[b].x, results.cpu.x);
      assert.ok(dz < BACKEND_TOLERANCE, `${b} vs cpu: encoder differs by ${dz}`);
      assert.ok(dx < 10 * BACKEND_TOLERANCE, `${b} vs cpu: samples differ by ${dx}`);
    }
    console.log(`compared ${backends.join(", ")} (tolerance ${BACKEND_TOLERANCE})`);
    await initBackend("cpu");
  },
});
