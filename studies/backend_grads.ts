// Where do two backends part in training? Per-parameter gradients of the same seeded tiny steps on
// cpu and on another backend (wasm or webgpu), and the weights after each Adam update: prints the
// parameters that differ most, as Markdown. A diagnostic beside tests/train_backends_test.ts.
// deno run -A studies/backend_grads.ts [--backend webgpu|wasm] [--steps 3] [--top 8]
import { scriptArgs } from "../bench/_args.ts";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { presetConfig } from "../lib/model/config.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { Trainer } from "../lib/train/trainer.ts";
import { batchGradients } from "../lib/train/gradients.ts";
import { objectiveSpec } from "../lib/flow/objective.ts";
import { gradientNorm } from "../lib/train/clip.ts";
import { syntheticWindows } from "../tests/_helpers.ts";

const { values: args } = scriptArgs(import.meta.url, {
  backend: { type: "string" },
  steps: { type: "string" },
  top: { type: "string" },
});
const other = (args.backend ?? "webgpu") as "wasm" | "webgpu";
const steps = Number(args.steps ?? 3), top = Number(args.top ?? 8);

type Rec = {
  loss: number[];
  grads: Map<string, Float32Array>[];
  weights: Map<string, Float32Array>[];
};

async function run(backend: "cpu" | "wasm" | "webgpu"): Promise<Rec> {
  await initBackend(backend);
  const model = new FlowFM(presetConfig("tiny", { seed: 31 }));
  const trainer = new Trainer(model, { lr: 3e-3, seed: 7, clipNorm: 1 });
  const objective = objectiveSpec(model.config.objective);
  const rec: Rec = { loss: [], grads: [], weights: [] };
  for (let s = 0; s < steps; s++) {
    const data = syntheticWindows(8, s);
    const draws = trainer.draw(8, data);
    const { value, grads } = batchGradients(model, objective, data, draws);
    const g = new Map<string, Float32Array>();
    for (const [k, v] of grads) g.set(k, (await v.data()) as Float32Array);
    const loss = (await value.data())[0];
    await trainer.applyGradients(loss, grads, await gradientNorm(grads));
    value.dispose();
    tf.dispose([...grads.values()]);
    const w = new Map<string, Float32Array>();
    for (const [k, v] of model.params.vars) w.set(k, (await v.data()) as Float32Array);
    rec.loss.push(loss);
    rec.grads.push(g);
    rec.weights.push(w);
  }
  trainer.dispose();
  model.dispose();
  return rec;
}

const maxAbs = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const maxDiff = (a: Float32Array, b: Float32Array) =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

const ref = await run("cpu");
const got = await run(other);
console.log(`# cpu vs ${other}: ${steps} tiny steps (seed 31, batch 8, lr 3e-3, clip 1)\n`);
console.log(`losses cpu ${ref.loss.map((l) => l.toFixed(6)).join(", ")}`);
console.log(`losses ${other} ${got.loss.map((l) => l.toFixed(6)).join(", ")}\n`);
for (let s = 0; s < steps; s++) {
  const rows = [...ref.grads[s].keys()].map((k) => {
    const g0 = ref.grads[s].get(k)!, g1 = got.grads[s].get(k)!;
    const w0 = ref.weights[s].get(k)!, w1 = got.weights[s].get(k)!;
    const scale = maxAbs(g0);
    return {
      k,
      scale,
      dg: maxDiff(g0, g1),
      rel: maxDiff(g0, g1) / (scale || 1),
      dw: maxDiff(w0, w1),
    };
  }).sort((a, b) => b.rel - a.rel);
  console.log(`## step ${s + 1}: gradients (largest relative difference first)\n`);
  console.log(
    "| parameter | max abs gradient (cpu) | max abs difference | relative | weights after the update, max abs difference |",
  );
  console.log("|---|---|---|---|---|");
  for (const r of rows.slice(0, top)) {
    console.log(
      `| ${r.k} | ${r.scale.toExponential(2)} | ${r.dg.toExponential(2)} | ${
        r.rel.toExponential(2)
      } | ${r.dw.toExponential(2)} |`,
    );
  }
  const worstW = [...rows].sort((a, b) => b.dw - a.dw).slice(0, 3).map((r) =>
    `${r.k} ${r.dw.toExponential(2)}`
  );
  console.log(`\nlargest weight differences after step ${s + 1}: ${worstW.join("; ")}\n`);
}
await initBackend("cpu");
