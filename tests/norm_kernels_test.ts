// The fused group norm (lib/model/norm_kernels.ts): on wasm its kernels give tfjs's values and
// gradients within float32 rounding, on cpu it is tfjs's ops, and neither leaks.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { groupNormFused } from "../lib/model/norm_kernels.ts";
import { groupNorm } from "../lib/model/ops.ts";
import { Rng } from "../lib/random.ts";
import { maxAbsDiff } from "./_helpers.ts";

/** Group norm and its gradient against `dy`, with tfjs's autodiff of tf.moments (the reference). */
function reference(x: tf.Tensor3D, dy: tf.Tensor3D, groups: number, eps: number) {
  const [b, l, c] = x.shape;
  const f = (v: tf.Tensor) => {
    const g = tf.reshape(v, [b, l, groups, c / groups]);
    const { mean, variance } = tf.moments(g, [1, 3], true);
    return tf.reshape(tf.div(tf.sub(g, mean), tf.sqrt(tf.add(variance, eps))), [b, l, c]);
  };
  return tf.tidy(() => {
    const y = f(x);
    const dx = tf.grad((v) => tf.sum(tf.mul(f(v), dy)))(x);
    return { y: Array.from(y.dataSync()), dx: Array.from(dx.dataSync()) };
  });
}

for (const backend of ["wasm", "cpu"] as const) {
  Deno.test(`group norm on ${backend}: values and gradient match tfjs's autodiff; does not leak memory`, async () => {
    await initBackend(backend);
    const before = tf.memory().numTensors;
    for (const [b, l, c, groups] of [[3, 17, 8, 2], [2, 5, 12, 4], [1, 9, 6, 6], [2, 4, 3, 1]]) {
      const rng = new Rng(b * 100 + c);
      // an offset and a scale per channel, as activations have
      const x = tf.tensor3d(rng.normals(b * l * c).map((v, i) => 3 * v + (i % c) - 2), [b, l, c]);
      const dy = tf.tensor3d(rng.normals(b * l * c), [b, l, c]);
      const want = reference(x, dy, groups, 1e-5);
      const y = groupNormFused(x, groups, 1e-5);
      const dx = tf.grad((v) => tf.sum(tf.mul(groupNormFused(v as tf.Tensor3D, groups, 1e-5), dy)))(
        x,
      );
      assert.deepEqual(y.shape, [b, l, c]);
      assert.ok(maxAbsDiff(y.dataSync(), want.y) < 1e-5, `value [${b},${l},${c}]/${groups}`);
      assert.ok(maxAbsDiff(dx.dataSync(), want.dx) < 1e-4, `gradient [${b},${l},${c}]/${groups}`);
      tf.dispose([x, dy, y, dx]);
    }
    assert.equal(tf.memory().numTensors, before, "group norm does not leak memory");
  });
}

Deno.test("group norm on wasm runs as one kernel forward and one backward", async () => {
  await initBackend("wasm");
  const x = tf.tensor3d(new Rng(1).normals(2 * 10 * 8), [2, 10, 8]);
  const names: string[] = [];
  const profile = await tf.profile(() => {
    tf.dispose(tf.grad((v) => tf.sum(groupNorm(v as tf.Tensor3D, 4)))(x));
  });
  for (const k of profile.kernels) names.push(k.name);
  x.dispose();
  assert.ok(
    names.includes("FlowFMGroupNorm") && names.includes("FlowFMGroupNormGrad"),
    names.join(),
  );
  for (const slow of ["Mean", "Rsqrt", "SquaredDifference"]) {
    assert.ok(!names.includes(slow), `${slow} ran: ${names.join()}`);
  }
});
