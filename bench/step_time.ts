// deno run -A bench/step_time.ts [--root DIR] [--preset small] [--batch 64] [--steps 5] [--workers 1]
//   [--backend wasm|webgpu|cpu]
// Times training steps of the tree at DIR (default: this one) on a backend (default wasm) and
// prints one JSON line with windows/s, the backend and, where one was seen, the WebGPU adapter
// (gpu/gpu.sh reads it). Works on older trees (lib/trainer.ts) and this one (lib/train/), so
// bench/compare_baseline.ts can time a baseline commit and this tree in one run.
import { scriptArgs } from "./_args.ts";

const { values } = scriptArgs(import.meta.url, {
  root: { type: "string", default: new URL("..", import.meta.url).pathname },
  preset: { type: "string", default: "small" },
  batch: { type: "string", default: "64" },
  steps: { type: "string", default: "5" },
  workers: { type: "string", default: "1" },
  backend: { type: "string", default: "wasm" },
});
const root = values.root!.replace(/\/?$/, "/");
const has = async (p: string) => await Deno.stat(root + p).then(() => true, () => false);
const layout = await has("lib/train/trainer.ts") ? "new" : "flat";
const mod = (flat: string, next: string) => import(root + (layout === "flat" ? flat : next));
const { initBackend } = await mod("lib/backend.ts", "lib/runtime/backend.ts");
const { presetConfig } = await mod("lib/config.ts", "lib/model/config.ts");
const { FlowFM } = await mod("lib/model.ts", "lib/model/flowfm.ts");
const backend = values.backend!;
const info = await initBackend(backend);
const batch = Number(values.batch), workers = Number(values.workers);
const model = new FlowFM(presetConfig(values.preset));
const windows = new Float32Array(batch * 900).map((_, i) => Math.sin(i / 17) * 0.5);
let trainer;
if (workers > 1) {
  const { DataParallelTrainer } = await mod("-", "lib/train/data_parallel.ts");
  trainer = await DataParallelTrainer.create(model, { workers, backend });
} else {
  const { Trainer } = await mod("lib/trainer.ts", "lib/train/trainer.ts");
  trainer = new Trainer(model);
}
await trainer.step(windows); // warm-up
const t0 = performance.now();
const workerMs: number[] = [];
for (let s = 0; s < Number(values.steps); s++) {
  await trainer.step(windows);
  if (trainer.lastWorkerMs) workerMs.push(Math.max(...trainer.lastWorkerMs));
}
const sec = (performance.now() - t0) / 1000 / Number(values.steps);
console.log(JSON.stringify({
  root,
  preset: values.preset,
  batch,
  workers,
  backend: info?.backend ?? backend,
  ...(info?.adapter ? { adapter: info.adapter } : {}),
  secondsPerStep: sec,
  windowsPerSec: batch / sec,
  ...(workerMs.length
    ? { slowestWorkerSecondsPerStep: workerMs.reduce((a, b) => a + b) / workerMs.length / 1000 }
    : {}),
}));
trainer.dispose();
model.dispose();
