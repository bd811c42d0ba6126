// One joint training step (encoder + generator, batch 64) and one velocity evaluation per
// preset on wasm, with small as the baseline.
//   deno bench -A bench/train_bench.ts
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { presetConfig, type PresetName } from "../lib/model/config.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { Trainer } from "../lib/train/trainer.ts";

const BATCH = 64;
const windows = new Float32Array(BATCH * 900).map((_, i) => Math.sin(i / 17) * 0.5);
await initBackend("wasm");

for (const preset of ["tiny", "small", "base"] as PresetName[]) {
  const model = new FlowFM(presetConfig(preset));
  // wasm has a 2 GB heap; base needs micro-batches of 16 there.
  const trainer = new Trainer(model, { microBatch: preset === "base" ? 16 : 0 });
  await trainer.step(windows); // warm-up outside the measurement
  Deno.bench({
    name: `train step ${preset} x${BATCH} (wasm)`,
    group: "train-step",
    baseline: preset === "small",
    n: preset === "base" ? 3 : 10,
    warmup: 1,
    async fn() {
      await trainer.step(windows);
    },
  });
  const x = tf.tensor3d(windows, [BATCH, 300, 3]);
  const t = tf.fill([BATCH], 0.5) as tf.Tensor1D;
  const z = tf.zeros([BATCH, model.embeddingDim]) as tf.Tensor2D;
  Deno.bench({
    name: `velocity eval ${preset} x${BATCH} (wasm)`,
    group: "velocity",
    baseline: preset === "small",
    n: preset === "base" ? 5 : 20,
    async fn() {
      const v = model.velocity(x, t, z);
      await v.data();
      v.dispose();
    },
  });
}
