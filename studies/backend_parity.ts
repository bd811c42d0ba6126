// deno run -A studies/backend_parity.ts [--preset small] [--batch 8] [--steps 3]
//
// How far the backends drift apart where it matters for users: one model (fixed seed) encodes the
// same windows on cpu, wasm and webgpu (when an adapter is offered), and trains the same steps on
// the same data from the same weights on wasm and webgpu. Prints one JSON line: the adapter, the
// largest |z| difference against cpu per backend, the per-step losses on wasm and webgpu, and the
// largest weight difference after the steps. The tests check the tiny preset on a software adapter
// (tests/backend_test.ts); this is for a real GPU.
import { scriptArgs } from "../bench/_args.ts";
import { initBackend } from "../lib/runtime/backend.ts";
import { presetConfig } from "../lib/model/config.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { serializeModel } from "../lib/weights/model_file.ts";
import { loadModel } from "../lib/weights/load.ts";
import { Trainer } from "../lib/train/trainer.ts";
import { flatten } from "../lib/runtime/flat_weights.ts";

const { values } = scriptArgs(import.meta.url, {
  preset: { type: "string", default: "small" },
  batch: { type: "string", default: "8" },
  steps: { type: "string", default: "3" },
});
const batch = Number(values.batch), steps = Number(values.steps);
await initBackend("cpu");
const bytes = await serializeModel(new FlowFM(presetConfig(values.preset as "small", { seed: 5 })));
const windows = new Float32Array(batch * 900).map((_, i) =>
  Math.sin(i / 17) * 0.5 + (i % 3 === 2 ? 1 : 0)
);
const maxAbs = (a: Float32Array, b: Float32Array) =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

const z: Record<string, Float32Array> = {};
const losses: Record<string, number[]> = {};
const weights: Record<string, Float32Array> = {};
let adapter: string | null = null;
for (const backend of ["cpu", "wasm", "webgpu"] as const) {
  let info;
  try {
    info = await initBackend(backend);
  } catch (e) {
    console.error(`${backend}: ${(e as Error).message}`);
    continue;
  }
  if (backend === "webgpu") adapter = info.adapter?.description ?? null;
  const model = await loadModel(bytes);
  z[backend] = (await model.encode(windows)).data;
  if (backend !== "cpu") {
    const trainer = new Trainer(model, { seed: 7 });
    losses[backend] = [];
    for (let s = 0; s < steps; s++) losses[backend].push((await trainer.step(windows)).loss);
    weights[backend] = await flatten([...model.params.vars.values()]);
    trainer.dispose();
  }
  model.dispose();
}
console.log(JSON.stringify({
  preset: values.preset,
  batch,
  steps,
  adapter,
  zMaxAbsDiffVsCpu: Object.fromEntries(Object.entries(z).map(([b, v]) => [b, maxAbs(v, z.cpu)])),
  losses,
  weightMaxAbsDiffWasmVsWebgpu: weights.webgpu ? maxAbs(weights.wasm, weights.webgpu) : null,
}));
