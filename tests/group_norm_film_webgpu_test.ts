// The WebGPU group norm + FiLM + SiLU kernels (lib/model/group_norm_film_webgpu.ts): values and
// gradients in the activations and in the scale/shift agree with tfjs's ops (group norm through
// tf.moments, split, add, multiply, SiLU) on cpu within 1e-4 (relative where values exceed 1), one
// kernel each way, no leaks. Skips, saying so, where no WebGPU adapter exists.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { groupNormFilmSiluWebGpu } from "../lib/model/group_norm_film_webgpu.ts";
import { silu } from "../lib/model/ops.ts";
import { Rng } from "../lib/random.ts";
import { assertClose, webgpuAdapter } from "./_helpers.ts";

const hasAdapter = (await webgpuAdapter()) !== "none";
if (!hasAdapter) {
  console.log("group_norm_film_webgpu_test: skipped, no WebGPU adapter on this machine");
}

// batch, length, channels, groups: the presets' generator widths (8 to 256 channels, 4 or 8 groups)
const CASES = [[2, 7, 4, 2], [3, 20, 8, 4], [8, 75, 64, 8], [2, 30, 256, 8], [1, 5, 6, 6]];

/** The generator's formulation with tfjs ops. */
function reference(x: tf.Tensor3D, ss: tf.Tensor2D, groups: number): tf.Tensor3D {
  const [b, l, c] = x.shape;
  const g = tf.reshape(x, [b, l, groups, c / groups]);
  const { mean, variance } = tf.moments(g, [1, 3], true);
  const y = tf.reshape(tf.div(tf.sub(g, mean), tf.sqrt(tf.add(variance, 1e-5))), [b, l, c]);
  const [scale, shift] = tf.split(tf.reshape(ss, [-1, 1, 2 * c]), 2, 2);
  return silu(tf.add(tf.mul(y, tf.add(scale, 1)), shift)) as tf.Tensor3D;
}

async function run(c: number, fused: boolean): Promise<Float32Array[]> {
  const [b, l, ch, groups] = CASES[c];
  const rng = new Rng(c + 50);
  const x = tf.tensor3d(rng.normals(b * l * ch).map((v, i) => 2 * v + (i % ch) - 1), [b, l, ch]);
  const ss = tf.tensor2d(rng.normals(b * 2 * ch).map((v) => 0.5 * v), [b, 2 * ch]);
  const dy = tf.tensor3d(rng.normals(b * l * ch), [b, l, ch]);
  const f = (a: tf.Tensor, s: tf.Tensor) =>
    fused
      ? groupNormFilmSiluWebGpu(a as tf.Tensor3D, s as tf.Tensor2D, groups)
      : reference(a as tf.Tensor3D, s as tf.Tensor2D, groups);
  const outs = tf.tidy(() => [
    f(x, ss),
    ...tf.grads((a: tf.Tensor, s: tf.Tensor) => tf.sum(tf.mul(f(a, s), dy)))([x, ss]),
  ]);
  const data: Float32Array[] = [];
  for (const t of outs) data.push(await t.data() as Float32Array);
  tf.dispose([x, ss, dy, ...outs]);
  return data;
}

Deno.test({
  name: "group norm + FiLM + SiLU on webgpu: values and gradients match tfjs on cpu; no leaks",
  ignore: !hasAdapter,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    try {
      for (let c = 0; c < CASES.length; c++) {
        await initBackend("cpu");
        const want = await run(c, false);
        await initBackend("webgpu");
        const before = tf.memory().numTensors;
        const got = await run(c, true);
        assert.equal(tf.memory().numTensors, before, `case ${c}: tensors leaked`);
        assertClose(got, want, ["value", "d activations", "d scale/shift"], `[${CASES[c]}]`);
      }
      const x = tf.randomNormal([2, 4, 4]) as tf.Tensor3D, ss = tf.zeros([2, 8]) as tf.Tensor2D;
      const profile = await tf.profile(() => {
        tf.dispose(
          tf.grads((a: tf.Tensor, s: tf.Tensor) =>
            tf.sum(groupNormFilmSiluWebGpu(a as tf.Tensor3D, s as tf.Tensor2D, 2))
          )([x, ss]),
        );
      });
      const names = profile.kernels.map((k) => k.name);
      for (const k of ["FlowFMGroupNormFilmSilu", "FlowFMGroupNormFilmSiluGrad"]) {
        assert.equal(names.filter((n) => n === k).length, 1, `${k} once: ${names.join()}`);
      }
      assert.ok(!names.includes("Sigmoid") && !names.includes("Mean"), names.join());
      const bad = tf.zeros([2, 6]) as tf.Tensor2D;
      assert.throws(() => groupNormFilmSiluWebGpu(x, bad, 2), /scale and shift \[2,6\]/);
      tf.dispose([x, ss, bad]);
    } finally {
      await initBackend("cpu");
    }
  },
});
