// The wasm Adam kernel (lib/train/adam_kernel.ts) gives tfjs's update within float32 rounding,
// runs one kernel per parameter, and does not leak.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { adamStep } from "../lib/train/adam_kernel.ts";
import { Adam } from "../lib/train/optimizer.ts";
import { Params } from "../lib/model/params.ts";
import { Rng } from "../lib/random.ts";
import { maxAbsDiff } from "./_helpers.ts";

/** Five Adam updates of two parameters with seeded gradients; the final weights. */
async function train(backend: "wasm" | "cpu"): Promise<Float32Array[]> {
  await initBackend(backend);
  const before = tf.memory().numTensors;
  const params = new Params(new Rng(1));
  params.create("w", [7, 5], { kind: "uniform", fanIn: 2 });
  params.create("b", [5], { kind: "zeros" });
  const opt = new Adam(params, { lr: 0.01 });
  const rng = new Rng(2);
  for (let s = 0; s < 5; s++) {
    const grads = new Map([
      ["w", tf.tensor(rng.normals(35), [7, 5])],
      ["b", tf.tensor(rng.normals(5).map((x) => x * 1e-3), [5])],
    ]);
    opt.apply(grads, s % 2 ? 0.5 : 1); // clipping's factor on odd steps
    tf.dispose([...grads.values()]);
  }
  const out = ["w", "b"].map((k) => params.get(k).dataSync().slice() as Float32Array);
  opt.dispose();
  params.dispose();
  assert.equal(tf.memory().numTensors, before, "Adam does not leak memory");
  return out;
}

Deno.test("Adam on wasm (one kernel per parameter) matches tfjs's ops on cpu; does not leak memory", async () => {
  try {
    const got = await train("wasm"), want = await train("cpu");
    for (let i = 0; i < 2; i++) {
      const err = maxAbsDiff(got[i], want[i]);
      assert.ok(err < 1e-6, `parameter ${i} differs by ${err}`);
    }
    await initBackend("wasm");
    const z = tf.zeros([3]);
    const k = { beta1: 0.9, beta2: 0.999, stepSize: 0.1, eps: 1e-8, gradScale: 1 };
    const info = await tf.profile(() => adamStep(z, z, z, tf.ones([3]), k));
    assert.deepEqual(info.kernels.map((x) => x.name).filter((n) => n !== "Fill"), ["FlowFMAdam"]);
    assert.throws(
      () => adamStep(z, z, z, tf.ones([2]), k),
      /gradient of shape \[2\] for a parameter of shape \[3\]/,
    );
    z.dispose();
  } finally {
    await initBackend("cpu");
  }
});
