// Joint training throughput (encoder + generator, batch 64, wasm): one thread against data-parallel
// workers (one per core), for tiny and small, in one run; deno bench prints the ratios.
//   deno bench -A bench/train_bench.ts            (add --filter small to skip tiny)
// windows/s = 64 / (time per step). The base preset: bench/train_memory.ts.
import { initBackend } from "../lib/runtime/backend.ts";
import { presetConfig, type PresetName } from "../lib/model/config.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { Trainer } from "../lib/train/trainer.ts";
import { DataParallelTrainer } from "../lib/train/data_parallel.ts";

const BATCH = 64;
const windows = new Float32Array(BATCH * 900).map((_, i) => Math.sin(i / 17) * 0.5);
const workers = Math.max(2, navigator.hardwareConcurrency || 1);
await initBackend("wasm");

for (const preset of ["tiny", "small"] as PresetName[]) {
  const model = new FlowFM(presetConfig(preset));
  const single = new Trainer(model);
  const parallel = await DataParallelTrainer.create(model, { workers, backend: "wasm" });
  await single.step(windows); // warm-up outside the measurement
  await parallel.step(windows);
  const n = preset === "small" ? 8 : 20;
  Deno.bench({
    name: `train step ${preset} x${BATCH}, 1 thread`,
    group: `train-${preset}`,
    baseline: true,
    n,
    warmup: 1,
    async fn() {
      await single.step(windows);
    },
  });
  Deno.bench({
    name: `train step ${preset} x${BATCH}, ${workers} workers`,
    group: `train-${preset}`,
    n,
    warmup: 1,
    async fn() {
      await parallel.step(windows);
    },
  });
  addEventListener("unload", () => parallel.dispose());
}
