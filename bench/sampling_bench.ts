// Full sampling of 256 windows: flow matching with Euler at 1, 2, 5, 10 and 20 steps and with
// RK4, against the DDPM baseline with 1000 ancestral steps and DDIM with 50 steps, on the same
// generator architecture (tiny preset, so the 1000-step baseline finishes on a CPU). The
// baseline of the group is DDPM ancestral, so each line reads as a speed-up over it. Also one
// training step of each objective (batch 64).
//   deno bench -A bench/sampling_bench.ts
import { initBackend } from "../lib/runtime/backend.ts";
import { presetConfig } from "../lib/model/config.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import type { SampleMethod } from "../lib/flow/sampler.ts";
import { Trainer } from "../lib/train/trainer.ts";

const COUNT = 256;
await initBackend((Deno.env.get("FLOWFM_BACKEND") ?? "wasm") as "wasm");
const fm = new FlowFM(presetConfig("tiny", { objective: "fm" }));
const ddpm = new FlowFM(presetConfig("tiny", { objective: "ddpm" }));
const z = new Float32Array(COUNT * fm.embeddingDim).map((_, i) => Math.sin(i));

const cases: [string, FlowFM, SampleMethod, number][] = [
  ["FM euler 1 step", fm, "euler", 1],
  ["FM euler 2 steps", fm, "euler", 2],
  ["FM euler 5 steps", fm, "euler", 5],
  ["FM euler 10 steps", fm, "euler", 10],
  ["FM euler 20 steps", fm, "euler", 20],
  ["FM rk4 5 steps (20 NFE)", fm, "rk4", 5],
  ["DDPM DDIM 50 steps", ddpm, "ddim", 50],
  ["DDPM ancestral 1000 steps", ddpm, "ancestral", 1000],
];
for (const [name, model, method, steps] of cases) {
  Deno.bench({
    name: `${name} x${COUNT}`,
    group: "sample-256",
    baseline: method === "ancestral",
    // 1000 network evaluations of 256 windows take minutes on a CPU: measure once.
    n: method === "ancestral" ? 1 : 5,
    warmup: method === "ancestral" ? 0 : 1,
    async fn() {
      await model.sample({ z, method, steps, batchSize: COUNT });
    },
  });
}

const batch = new Float32Array(64 * 900).map((_, i) => Math.sin(i / 17) * 0.5);
for (const [name, model] of [["fm", fm], ["ddpm", ddpm]] as const) {
  for (const preset of ["tiny", "small"] as const) {
    const m = preset === "tiny"
      ? model
      : new FlowFM(presetConfig("small", { objective: model.config.objective }));
    const trainer = new Trainer(m);
    Deno.bench({
      name: `train step ${name} ${preset} x64`,
      group: `train-objective-${preset}`,
      baseline: name === "ddpm",
      n: preset === "small" ? 5 : 20,
      warmup: 1,
      async fn() {
        await trainer.step(batch);
      },
    });
  }
}
