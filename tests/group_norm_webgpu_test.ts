// The WebGPU group norm kernels (lib/model/group_norm_webgpu.ts), through groupNormFused: values
// and gradients agree with tfjs's autodiff of tf.moments on cpu within 1e-4 (group sizes of every
// preset: 1 to 16 channels a group), one kernel each way, no leaks. Skips, saying so, where no
// WebGPU adapter exists.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { groupNormFused } from "../lib/model/norm_kernels.ts";
import { Rng } from "../lib/random.ts";
import { maxAbsDiff, webgpuAdapter } from "./_helpers.ts";

const hasAdapter = (await webgpuAdapter()) !== "none";
if (!hasAdapter) console.log("group_norm_webgpu_test: skipped, no WebGPU adapter on this machine");

const CASES = [[3, 17, 8, 2], [2, 5, 12, 4], [1, 9, 6, 6], [2, 4, 3, 1], [4, 75, 128, 8]];

/** Values and gradient against `dy`: `reference` (tfjs's autodiff of moments) or the fused op. */
async function norm(
  c: number,
  reference: boolean,
): Promise<{ y: Float32Array; dx: Float32Array }> {
  const [b, l, ch, groups] = CASES[c];
  const rng = new Rng(b * 100 + ch);
  const x = tf.tensor3d(rng.normals(b * l * ch).map((v, i) => 3 * v + (i % ch) - 2), [b, l, ch]);
  const dy = tf.tensor3d(rng.normals(b * l * ch), [b, l, ch]);
  const f = (v: tf.Tensor) => {
    if (!reference) return groupNormFused(v as tf.Tensor3D, groups, 1e-5);
    const g = tf.reshape(v, [b, l, groups, ch / groups]);
    const { mean, variance } = tf.moments(g, [1, 3], true);
    return tf.reshape(tf.div(tf.sub(g, mean), tf.sqrt(tf.add(variance, 1e-5))), [b, l, ch]);
  };
  const y = f(x);
  const dx = tf.grad((v) => tf.sum(tf.mul(f(v), dy)))(x);
  const out = { y: await y.data() as Float32Array, dx: await dx.data() as Float32Array };
  tf.dispose([x, dy, y, dx]);
  return out;
}

Deno.test({
  name: "group norm on webgpu: values and gradient match tfjs's autodiff on cpu; no leaks",
  ignore: !hasAdapter,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    try {
      for (let c = 0; c < CASES.length; c++) {
        await initBackend("cpu");
        const want = await norm(c, true);
        await initBackend("webgpu");
        const before = tf.memory().numTensors;
        const got = await norm(c, false);
        assert.equal(tf.memory().numTensors, before, `case ${c}: tensors leaked`);
        assert.ok(maxAbsDiff(got.y, want.y) < 1e-4, `value, case ${CASES[c]}`);
        assert.ok(maxAbsDiff(got.dx, want.dx) < 1e-4, `gradient, case ${CASES[c]}`);
      }
      const x = tf.tensor3d(new Rng(1).normals(2 * 10 * 8), [2, 10, 8]);
      const profile = await tf.profile(() => {
        tf.dispose(tf.grad((v) => tf.sum(groupNormFused(v as tf.Tensor3D, 4, 1e-5)))(x));
      });
      const names = profile.kernels.map((k) => k.name);
      for (const k of ["FlowFMGroupNorm", "FlowFMGroupNormGrad"]) {
        assert.equal(names.filter((n) => n === k).length, 1, `${k} once: ${names.join()}`);
      }
      for (const slow of ["Mean", "Rsqrt", "Sub"]) {
        assert.ok(!names.includes(slow), `${slow} ran: ${names.join()}`);
      }
      x.dispose();
    } finally {
      await initBackend("cpu");
    }
  },
});
