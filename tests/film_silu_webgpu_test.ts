// The WebGPU FiLM + SiLU kernels (lib/model/film_silu_webgpu.ts): values and gradients in the
// activations and in the scale/shift agree with tfjs's ops on cpu within 1e-4 (relative where
// values exceed 1), one kernel each way, no leaks. Skips, saying so, where no WebGPU adapter exists.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { filmSiluWebGpu } from "../lib/model/film_silu_webgpu.ts";
import { silu } from "../lib/model/ops.ts";
import { Rng } from "../lib/random.ts";
import { maxAbsDiff, webgpuAdapter } from "./_helpers.ts";

const hasAdapter = (await webgpuAdapter()) !== "none";
if (!hasAdapter) console.log("film_silu_webgpu_test: skipped, no WebGPU adapter on this machine");

const CASES = [[2, 7, 3], [3, 20, 8], [8, 75, 64]];

/** The generator's formulation with tfjs ops. */
function reference(y: tf.Tensor3D, ss: tf.Tensor2D): tf.Tensor3D {
  const c = y.shape[2];
  const [scale, shift] = tf.split(tf.reshape(ss, [-1, 1, 2 * c]), 2, 2);
  return silu(tf.add(tf.mul(y, tf.add(scale, 1)), shift)) as tf.Tensor3D;
}

async function run(c: number, fused: boolean): Promise<Float32Array[]> {
  const [b, l, ch] = CASES[c];
  const rng = new Rng(c + 5);
  const y = tf.tensor3d(rng.normals(b * l * ch), [b, l, ch]);
  const ss = tf.tensor2d(rng.normals(b * 2 * ch).map((v) => 0.5 * v), [b, 2 * ch]);
  const dy = tf.tensor3d(rng.normals(b * l * ch), [b, l, ch]);
  const f = (a: tf.Tensor, s: tf.Tensor) =>
    (fused ? filmSiluWebGpu : reference)(a as tf.Tensor3D, s as tf.Tensor2D);
  const outs = tf.tidy(() => [
    f(y, ss),
    ...tf.grads((a: tf.Tensor, s: tf.Tensor) => tf.sum(tf.mul(f(a, s), dy)))([y, ss]),
  ]);
  const data: Float32Array[] = [];
  for (const t of outs) data.push(await t.data() as Float32Array);
  tf.dispose([y, ss, dy, ...outs]);
  return data;
}

Deno.test({
  name: "FiLM + SiLU on webgpu: values and gradients match tfjs's ops on cpu; no leaks",
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
        ["value", "d activations", "d scale/shift"].forEach((what, i) => {
          const scale = Math.max(1, ...Array.from(want[i], Math.abs));
          const d = maxAbsDiff(got[i], want[i]);
          assert.ok(d < 1e-4 * scale, `${what} of [${CASES[c]}]: off by ${d} (scale ${scale})`);
        });
      }
      const y = tf.ones([2, 4, 3]) as tf.Tensor3D, ss = tf.zeros([2, 6]) as tf.Tensor2D;
      const profile = await tf.profile(() => {
        tf.dispose(
          tf.grads((a: tf.Tensor, s: tf.Tensor) =>
            tf.sum(filmSiluWebGpu(a as tf.Tensor3D, s as tf.Tensor2D))
          )([y, ss]),
        );
      });
      const names = profile.kernels.map((k) => k.name);
      for (const k of ["FlowFMFilmSilu", "FlowFMFilmSiluGrad"]) {
        assert.equal(names.filter((n) => n === k).length, 1, `${k} once: ${names.join()}`);
      }
      assert.ok(!names.includes("Sigmoid") && !names.includes("SplitV"), names.join());
      const bad = tf.zeros([2, 5]) as tf.Tensor2D;
      assert.throws(() => filmSiluWebGpu(y, bad), /do not fit/);
      tf.dispose([y, ss, bad]);
    } finally {
      await initBackend("cpu");
    }
  },
});
