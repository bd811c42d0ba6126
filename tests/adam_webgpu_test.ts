// The WebGPU Adam kernels give tfjs's update (the cpu backend's) within float32 rounding and do not
// leak: the optimizer's update of every parameter as one kernel over flat moments
// (lib/train/adam_flat_webgpu.ts), through a checkpoint's state()/load() round trip, and the
// per-parameter kernel of adamStep (lib/train/adam_webgpu.ts). Skips, saying so, where
// no WebGPU adapter exists.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { adamStep } from "../lib/train/adam_kernel.ts";
import { Adam } from "../lib/train/optimizer.ts";
import { Params } from "../lib/model/params.ts";
import { Rng } from "../lib/random.ts";
import { maxAbsDiff, webgpuAdapter } from "./_helpers.ts";

const hasAdapter = (await webgpuAdapter()) !== "none";
if (!hasAdapter) console.log("adam_webgpu_test: skipped, no WebGPU adapter on this machine");

/** Seven Adam updates of three parameters with seeded gradients; the final weights and moments. */
async function train(backend: "webgpu" | "cpu"): Promise<Float32Array[]> {
  await initBackend(backend);
  const before = tf.memory().numTensors;
  const params = new Params(new Rng(1));
  params.create("w", [7, 5, 3], { kind: "uniform", fanIn: 2 });
  params.create("b", [5], { kind: "zeros" });
  params.create("big", [1000, 3], { kind: "uniform", fanIn: 3 }); // several workgroups
  const opt = new Adam(params, { lr: 0.01 });
  const rng = new Rng(2);
  for (let s = 0; s < 6; s++) {
    const grads = new Map([
      ["w", tf.tensor(rng.normals(105), [7, 5, 3])],
      ["b", tf.tensor(rng.normals(5).map((x) => x * 1e-3), [5])],
      ["big", tf.tensor(rng.normals(3000), [1000, 3])],
    ]);
    opt.apply(grads, s % 2 ? 0.5 : 1); // clipping's factor on odd steps
    tf.dispose([...grads.values()]);
    if (s === 2) { // a checkpoint's round trip: state() out, load() back, then on
      const saved = new Map<string, { shape: number[]; data: Float32Array }>();
      for (const [k, t] of opt.state()) {
        saved.set(k, { shape: t.shape, data: (await t.data() as Float32Array).slice() });
      }
      opt.load(saved, opt.iterations);
    }
  }
  // one more update, profiled: on webgpu every parameter's update is one kernel
  const last = new Map(["w", "b", "big"].map((k) => [k, tf.onesLike(params.get(k))]));
  const info = await tf.profile(() => opt.apply(last));
  tf.dispose([...last.values()]);
  if (backend === "webgpu") {
    assert.deepEqual(info.kernels.map((k) => k.name), ["FlowFMAdamFlat"]);
  }
  const out: Float32Array[] = [];
  for (const t of [...["w", "b", "big"].map((k) => params.get(k)), ...opt.state().values()]) {
    out.push((await t.data() as Float32Array).slice());
  }
  opt.dispose();
  params.dispose();
  assert.equal(tf.memory().numTensors, before, `${backend}: Adam does not leak memory`);
  return out;
}

Deno.test({
  name:
    "Adam on webgpu (one kernel for all parameters; per parameter in adamStep) matches tfjs's ops on cpu; does not leak memory",
  ignore: !hasAdapter,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    try {
      const got = await train("webgpu"), want = await train("cpu");
      assert.equal(got.length, 9, "3 weights, 3 first and 3 second moments");
      for (let i = 0; i < got.length; i++) {
        const err = maxAbsDiff(got[i], want[i]);
        assert.ok(err < 1e-6, `tensor ${i} differs by ${err}`);
      }
      await initBackend("webgpu");
      const z = tf.zeros([2, 3]);
      const k = { beta1: 0.9, beta2: 0.999, stepSize: 0.1, eps: 1e-8, gradScale: 1 };
      const g = tf.ones([2, 3]);
      const info = await tf.profile(() => adamStep(z, z, z, g, k));
      assert.deepEqual(info.kernels.map((x) => x.name), ["FlowFMAdam"]);
      const [p1, m1, v1] = adamStep(z, z, z, g, k);
      assert.deepEqual([p1.shape, m1.shape, v1.shape], [[2, 3], [2, 3], [2, 3]]);
      // one step from zero moments with g = 1: m = 0.1, v = 0.001, p = -stepSize m / sqrt(v)
      assert.ok(maxAbsDiff(await p1.data(), new Array(6).fill(-0.01 / Math.sqrt(0.001))) < 1e-5);
      tf.dispose([z, g, p1, m1, v1, ...(info.result as tf.Tensor[])]);
    } finally {
      await initBackend("cpu");
    }
  },
});
