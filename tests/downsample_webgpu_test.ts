// The WebGPU anti-aliased downsampling (lib/model/downsample_webgpu.ts), through
// antiAliasDownsample: values and input gradient agree with tfjs's pad + average pools on cpu
// within 1e-5 for the encoder's (factor, order) pairs of every preset, one kernel each way, no
// leaks; the composed filter's taps sum to 1. Skips the WebGPU part, saying so, where no adapter
// exists.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { antiAliasDownsample } from "../lib/model/ops.ts";
import { downsampleFilter } from "../lib/model/downsample_webgpu.ts";
import { Rng } from "../lib/random.ts";
import { maxAbsDiff, webgpuAdapter } from "./_helpers.ts";

const hasAdapter = (await webgpuAdapter()) !== "none";
if (!hasAdapter) console.log("downsample_webgpu_test: skipped, no WebGPU adapter on this machine");

// batch, length, channels, factor, order: the presets' stages (300 -> 150 -> 75 -> 15 -> 3 -> 1)
const CASES = [[2, 300, 3, 2, 2], [3, 150, 8, 2, 2], [2, 75, 16, 5, 1], [2, 15, 8, 5, 1], [
  4,
  3,
  32,
  3,
  1,
], [1, 11, 2, 3, 2]];

async function run(c: number): Promise<Float32Array[]> {
  const [b, l, ch, factor, order] = CASES[c];
  const rng = new Rng(c + 20);
  const x = tf.tensor3d(rng.normals(b * l * ch), [b, l, ch]);
  const y = antiAliasDownsample(x, factor, order);
  const r = tf.tensor(rng.normals(y.size), y.shape);
  const dx = tf.grad((v) =>
    tf.sum(tf.mul(antiAliasDownsample(v as tf.Tensor3D, factor, order), r))
  )(
    x,
  );
  const out = [await y.data() as Float32Array, await dx.data() as Float32Array];
  tf.dispose([x, y, r, dx]);
  return out;
}

Deno.test("downsampleFilter: a box convolved with itself, taps summing to 1", () => {
  assert.deepEqual(downsampleFilter(2, 2), [0.125, 0.375, 0.375, 0.125]);
  for (const [f, o] of [[2, 2], [5, 1], [3, 1]]) {
    const taps = downsampleFilter(f, o);
    assert.equal(taps.length, (o + 1) * (f - 1) + 1);
    assert.ok(Math.abs(taps.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  }
});

Deno.test({
  name: "anti-aliased downsampling on webgpu: values and gradient match tfjs on cpu; no leaks",
  ignore: !hasAdapter,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    try {
      for (let c = 0; c < CASES.length; c++) {
        await initBackend("cpu");
        const want = await run(c);
        await initBackend("webgpu");
        const before = tf.memory().numTensors;
        const got = await run(c);
        assert.equal(tf.memory().numTensors, before, `case ${c}: tensors leaked`);
        assert.equal(got[0].length, want[0].length, `output length, case ${CASES[c]}`);
        assert.ok(maxAbsDiff(got[0], want[0]) < 1e-5, `value, case ${CASES[c]}`);
        assert.ok(maxAbsDiff(got[1], want[1]) < 1e-5, `gradient, case ${CASES[c]}`);
      }
      const x = tf.ones([1, 20, 2]) as tf.Tensor3D;
      const profile = await tf.profile(() => {
        tf.dispose(tf.grad((v) => tf.sum(antiAliasDownsample(v as tf.Tensor3D, 2, 2)))(x));
      });
      const names = profile.kernels.map((k) => k.name);
      for (const k of ["FlowFMDownsample", "FlowFMDownsampleGrad"]) {
        assert.equal(names.filter((n) => n === k).length, 1, `${k} once: ${names.join()}`);
      }
      assert.ok(!names.includes("AvgPool"), names.join());
      x.dispose();
    } finally {
      await initBackend("cpu");
    }
  },
});
