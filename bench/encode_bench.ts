// Encoder forward throughput per preset and backend (batch 64). Each group's baseline is wasm,
// so results read as ratios. windows/s = 64 / (time per iteration).
//   deno bench -A bench/encode_bench.ts
import { initBackend } from "../lib/runtime/backend.ts";
import { presetConfig, type PresetName } from "../lib/model/config.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { serializeModel } from "../lib/weights/model_file.ts";
import { loadModel } from "../lib/weights/load.ts";
import { EncoderPool } from "../lib/runtime/encoder_pool.ts";

const BATCH = 64;
const windows = new Float32Array(BATCH * 900).map((_, i) => Math.sin(i / 17) * 0.5);
const hasAdapter =
  !!(await (navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu
    ?.requestAdapter());
const backends = [
  "wasm",
  "cpu",
  ...(hasAdapter ? ["webgpu"] : []),
] as ("wasm" | "cpu" | "webgpu")[];

await initBackend("cpu");
const weights: Record<string, Uint8Array> = {};
for (const p of ["tiny", "small", "base"] as PresetName[]) {
  const m = new FlowFM(presetConfig(p));
  weights[p] = await serializeModel(m);
  m.dispose();
}

for (const preset of ["tiny", "small", "base"] as PresetName[]) {
  for (const backend of backends) {
    const slow = backend !== "wasm" && preset !== "tiny";
    let model: FlowFM | null = null;
    Deno.bench({
      name: `encode ${preset} x${BATCH} on ${backend}`,
      group: `encode-${preset}`,
      baseline: backend === "wasm",
      // The cpu backend needs seconds per base batch; keep its sample small.
      n: slow ? 3 : undefined,
      warmup: slow ? 1 : undefined,
      async fn(b) {
        await initBackend(backend);
        if (!model) model = await loadModel(weights[preset]);
        b.start();
        await model.encode(windows, { batchSize: BATCH });
        b.end();
      },
    });
  }
}

// Both cores: one wasm model per Web Worker (tfjs-backend-wasm's own threads do not start in Deno).
const WORKERS = navigator.hardwareConcurrency || 2;
const pools: EncoderPool[] = [];
globalThis.addEventListener("unload", () => pools.forEach((p) => p.dispose()));
for (const preset of ["tiny", "small", "base"] as PresetName[]) {
  let pool: EncoderPool | null = null;
  Deno.bench({
    name: `encode ${preset} x${BATCH} on wasm, ${WORKERS} workers`,
    group: `encode-${preset}`,
    async fn(b) {
      if (!pool) {
        pool = await EncoderPool.create(weights[preset], { workers: WORKERS });
        pools.push(pool);
      }
      b.start();
      await pool.encode(windows, { batchSize: BATCH / WORKERS });
      b.end();
    },
  });
}
