// deno run -A gpu/gpu_uploads_per_step.ts [--preset small] [--batch 64]
// Counts, for one training step on webgpu after a warm-up step, the tensors that tfjs uploads from
// the CPU (WebGPUBackend.uploadToGPU with values still on the CPU), their bytes and the wall time
// spent inside those uploads, by tensor size. One JSON line.
import { scriptArgs } from "../bench/_args.ts";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { presetConfig, type PresetName } from "../lib/model/config.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { Trainer } from "../lib/train/trainer.ts";

const { values } = scriptArgs(import.meta.url, {
  preset: { type: "string", default: "small" },
  batch: { type: "string", default: "64" },
});
await initBackend("webgpu");
// deno-lint-ignore no-explicit-any
const backend = tf.backend() as any;
const batch = Number(values.batch);
const model = new FlowFM(presetConfig(values.preset as PresetName));
const trainer = new Trainer(model);
const windows = new Float32Array(batch * 900).map((_, i) => Math.sin(i / 17) * 0.5);
await trainer.step(windows);
const stats = new Map<string, { n: number; bytes: number; ms: number }>();
const upload = backend.uploadToGPU.bind(backend);
backend.uploadToGPU = (dataId: unknown) => {
  const d = backend.tensorMap.get(dataId);
  if (d.resource != null || d.values == null) return upload(dataId);
  const bytes = 4 * d.values.length;
  const key = bytes < 1024
    ? "<1KiB"
    : bytes < 65536
    ? "1-64KiB"
    : bytes < 1 << 20
    ? "64KiB-1MiB"
    : ">=1MiB";
  const t0 = performance.now();
  upload(dataId);
  const s = stats.get(key) ?? { n: 0, bytes: 0, ms: 0 };
  s.n++, s.bytes += bytes, s.ms += performance.now() - t0;
  stats.set(key, s);
};
const t0 = performance.now();
await trainer.step(windows);
const stepMs = performance.now() - t0;
console.log(
  JSON.stringify({ preset: values.preset, batch, stepMs, uploads: Object.fromEntries(stats) }),
);
