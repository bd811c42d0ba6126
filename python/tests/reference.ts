// Reference outputs of the Deno library for the twin's parity tests (python/tests/test_parity.py).
// Usage: deno run -A python/tests/reference.ts OUT_DIR
// Writes, on the cpu backend in F32, for every preset: OUT/PRESET.safetensors (a seeded model
// file) and OUT/PRESET-io.safetensors (fixed windows, t and noise; z, the velocity and the stage
// features with running statistics, and the DDPM loss in training mode); for tiny and small also OUT/PRESET-step.safetensors (a
// batch, noise, t, the view's source and matrices, the loss and gradient norm of two training
// steps) and OUT/PRESET-after.safetensors (the model after them: Adam with clipping).
import * as tf from "@tensorflow/tfjs-core";
import { FlowFM, initBackend, presetConfig, serializeModel } from "../../mod.ts";
import { Adam, batchGradients, Rng } from "../../lib/advanced.ts";
import { encodeSafetensors } from "../../lib/weights/safetensors_encode.ts";
import { encoderStageFeatures } from "../../lib/model/encoder.ts";
import { objectiveSpec } from "../../lib/flow/objective.ts";
import { augmentMatrices } from "../../lib/train/augment.ts";
import { clipScale, gradientNorm } from "../../lib/train/clip.ts";
import { PRESET_NAMES } from "../../lib/model/config.ts";

const out = Deno.args[0];
if (!out) throw new Error("usage: reference.ts OUT_DIR");
await Deno.mkdir(out, { recursive: true });
await initBackend("cpu");

const f32 = (a: Float32Array, shape: number[]) => ({ dtype: "F32" as const, shape, data: a });
const N = 4, L = 300, C = 3;

function windows(rng: Rng, n: number): Float32Array {
  // gravity on a random axis plus motion, clipped like real data
  const x = new Float32Array(n * L * C);
  for (let i = 0; i < n; i++) {
    const g = [rng.normal(), rng.normal(), rng.normal()];
    const norm = Math.hypot(...g);
    for (let t = 0; t < L; t++) {
      for (let c = 0; c < C; c++) {
        const v = g[c] / norm + 0.3 * Math.sin(0.2 * t * (c + 1) + i) + 0.1 * rng.normal();
        x[(i * L + t) * C + c] = Math.max(-3, Math.min(3, v));
      }
    }
  }
  return x;
}

for (const preset of PRESET_NAMES) {
  const model = new FlowFM(presetConfig(preset, { seed: 7 }));
  // non-trivial running statistics, so eval mode differs from train mode
  const rng = new Rng(11);
  const warm = windows(rng, 8);
  tf.tidy(() => model.embed(tf.tensor3d(warm, [8, L, C]), "train"));
  await Deno.writeFile(`${out}/${preset}.safetensors`, await serializeModel(model));
  const x = windows(rng, N), noise = rng.normals(N * L * C);
  const t = new Float32Array([0.05, 0.3, 0.62, 0.97]);
  const res = tf.tidy(() => {
    const xs = tf.tensor3d(x, [N, L, C]);
    const z = model.embed(xs, "eval");
    const v = model.velocity(tf.tensor3d(noise, [N, L, C]), tf.tensor1d(t), z);
    const stages = encoderStageFeatures(model.params, model.config.encoder, xs);
    return [z, v, stages].map((a) => ({ shape: a.shape, data: a.dataSync() as Float32Array }));
  });
  const [z, v, stages] = res;
  // the diffusion baseline's loss on the same networks, at fixed 0-based steps (training mode
  // updates the running statistics: put them back, so the step test starts from the file)
  const running = [...model.params.vars].filter(([k]) => /\.(mean|var)$/.test(k))
    .map(([, v]) => [v, tf.clone(v)] as const);
  const steps = new Float32Array([0, 250, 600, 999]);
  const ddpm = tf.tidy(() =>
    objectiveSpec("ddpm").loss(model, {
      data: tf.tensor3d(x, [N, L, C]),
      noise: tf.tensor3d(noise, [N, L, C]),
      times: steps,
    }).dataSync()[0]
  );
  for (const [v, copy] of running) v.assign(copy), copy.dispose();
  await Deno.writeFile(
    `${out}/${preset}-io.safetensors`,
    encodeSafetensors({
      x: f32(x, [N, L, C]),
      noise: f32(noise, [N, L, C]),
      t: f32(t, [N]),
      z: f32(z.data, z.shape),
      v: f32(v.data, v.shape),
      stages: f32(stages.data, stages.shape),
      ddpmSteps: f32(steps, [N]),
      ddpmLoss: f32(new Float32Array([ddpm]), [1]),
    }),
  );
  if (preset === "tiny" || preset === "small") await step(preset, model, rng);
  model.dispose();
}

// Two training steps on one batch with explicit draws: the view's source (the batch with 0.05 g
// jitter) and matrices (rotation, scaling, signed permutation), noise and times; then the
// global-norm clip and Adam, as Trainer.step does.
async function step(preset: string, model: FlowFM, rng: Rng): Promise<void> {
  const fm = objectiveSpec("fm");
  const batch = windows(rng, N);
  const noise = rng.normals(N * L * C);
  const times = new Float32Array([0.1, 0.45, 0.7, 0.9]);
  const source = batch.map((v) => v + 0.05 * rng.normal());
  const aug = augmentMatrices(rng, N, { permuteAxes: true, jitter: 0.05 });
  // lr 1e-4: Adam normalises each update, so an element whose gradients nearly cancel between the two
  // steps turns float32 rounding differences into update differences of up to about lr / 20.
  const adam = new Adam(model.params, { lr: 1e-4 });
  const losses: number[] = [], norms: number[] = [], clips: number[] = [];
  for (let s = 0; s < 2; s++) {
    const { value, grads } = batchGradients(model, fm, batch, { noise, times, aug, source });
    const norm = await gradientNorm(grads);
    const clipNorm = s === 0 ? norm / 2 : 1e6; // the first step clips, the second does not
    losses.push(value.dataSync()[0]), norms.push(norm), clips.push(clipNorm);
    adam.apply(grads, clipScale(norm, clipNorm));
    value.dispose();
    for (const g of grads.values()) g.dispose();
  }
  adam.dispose();
  await Deno.writeFile(
    `${out}/${preset}-step.safetensors`,
    encodeSafetensors({
      batch: f32(batch, [N, L, C]),
      noise: f32(noise, [N, L, C]),
      times: f32(times, [N]),
      source: f32(source, [N, L, C]),
      aug: f32(aug, [N, 3, 3]),
      loss: f32(new Float32Array(losses), [2]),
      norm: f32(new Float32Array(norms), [2]),
      clip: f32(new Float32Array(clips), [2]),
    }, { lr: "0.0001" }),
  );
  await Deno.writeFile(`${out}/${preset}-after.safetensors`, await serializeModel(model));
}
