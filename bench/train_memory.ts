// deno run -A bench/train_memory.ts [--preset base] [--workers 2] [--micro-batch 16] [--steps 1]
// Runs data-parallel training steps (batch 64, wasm) and prints, per worker, the wasm heap and the
// tensors it holds, and the process's peak resident set (all workers share one process).
import { scriptArgs } from "./_args.ts";
import { initBackend } from "../lib/runtime/backend.ts";
import { presetConfig, type PresetName } from "../lib/model/config.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { DataParallelTrainer } from "../lib/train/data_parallel.ts";

const { values } = scriptArgs(import.meta.url, {
  preset: { type: "string", default: "base" },
  workers: { type: "string", default: "2" },
  "micro-batch": { type: "string", default: "16" },
  steps: { type: "string", default: "1" },
});
await initBackend("wasm");
const model = new FlowFM(presetConfig(values.preset as PresetName));
const windows = new Float32Array(64 * 900).map((_, i) => Math.sin(i / 17) * 0.5);
const dp = await DataParallelTrainer.create(model, {
  workers: Number(values.workers),
  microBatch: Number(values["micro-batch"]),
  backend: "wasm",
});
let peak = Deno.memoryUsage().rss;
const timer = setInterval(() => peak = Math.max(peak, Deno.memoryUsage().rss), 50);
try {
  for (let s = 0; s < Number(values.steps); s++) {
    const t0 = performance.now();
    const r = await dp.step(windows);
    const sec = (performance.now() - t0) / 1000;
    console.log(
      `step ${r.step}: loss ${r.loss.toFixed(4)}, ${sec.toFixed(1)} s, ${
        (64 / sec).toFixed(1)
      } windows/s`,
    );
  }
  const mem = await dp.workerMemory();
  mem.forEach((m, i) =>
    console.log(
      `worker ${i}: wasm heap ${(m.heapBytes / 2 ** 20).toFixed(0)} MiB, ${m.numTensors} tensors ` +
        `(${(m.numBytes / 2 ** 20).toFixed(0)} MiB)`,
    )
  );
  console.log(
    `${values.preset}, ${values.workers} workers, micro-batch ${values["micro-batch"]}: ` +
      `peak RSS ${(peak / 2 ** 30).toFixed(2)} GiB for the whole process`,
  );
} finally {
  clearInterval(timer);
  dp.dispose();
  model.dispose();
}
