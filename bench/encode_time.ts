// deno run -A bench/encode_time.ts [--preset small] [--batch 64] [--iters 10] [--max-seconds 20]
//   [--backend wasm|webgpu|cpu]
// Times model.encode of one batch of windows on a backend (default wasm) and prints one JSON line
// with windows/s, the backend and, where one was seen, the WebGPU adapter (gpu/gpu.sh reads
// it). One warm-up call runs first, outside the measurement; the timed calls stop after --iters
// or once --max-seconds have passed (at least one call), so a software adapter stays short.
import { scriptArgs } from "./_args.ts";
import { type BackendName, initBackend } from "../lib/runtime/backend.ts";
import { presetConfig, type PresetName } from "../lib/model/config.ts";
import { FlowFM } from "../lib/model/flowfm.ts";

const { values } = scriptArgs(import.meta.url, {
  preset: { type: "string", default: "small" },
  batch: { type: "string", default: "64" },
  iters: { type: "string", default: "10" },
  "max-seconds": { type: "string", default: "20" },
  backend: { type: "string", default: "wasm" },
});
const batch = Number(values.batch), iters = Number(values.iters);
const maxMs = Number(values["max-seconds"]) * 1000;
const info = await initBackend(values.backend as BackendName);
const model = new FlowFM(presetConfig(values.preset as PresetName));
const windows = new Float32Array(batch * 900).map((_, i) => Math.sin(i / 17) * 0.5);
const w0 = performance.now();
await model.encode(windows, { batchSize: batch }); // warm-up (shader compilation on webgpu)
const warmupSeconds = (performance.now() - w0) / 1000;
const t0 = performance.now();
let done = 0;
while (done < iters && (done === 0 || performance.now() - t0 < maxMs)) {
  await model.encode(windows, { batchSize: batch });
  done++;
}
const sec = (performance.now() - t0) / 1000 / done;
console.log(JSON.stringify({
  preset: values.preset,
  batch,
  backend: info.backend,
  ...(info.adapter ? { adapter: info.adapter } : {}),
  iters: done,
  warmupSeconds,
  secondsPerBatch: sec,
  windowsPerSec: batch / sec,
}));
model.dispose();
