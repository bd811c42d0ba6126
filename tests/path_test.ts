import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { drawTimes, samplePath } from "../lib/flow/path.ts";
import { Rng } from "../lib/random.ts";
import { maxAbsDiff } from "./_helpers.ts";

await initBackend("cpu");

Deno.test("path: x_t = (1-t) x0 + t x1 and target x1 - x0 in closed form", async () => {
  const rng = new Rng(3);
  const x0 = rng.normals(2 * 4 * 3), x1 = rng.normals(2 * 4 * 3);
  const t = [0.25, 0.9];
  const out = samplePath(tf.tensor3d(x0, [2, 4, 3]), tf.tensor3d(x1, [2, 4, 3]), tf.tensor1d(t));
  const xt = await out.xt.data(), target = await out.target.data();
  const wantXt = x0.map((v, i) => (1 - t[Math.floor(i / 12)]) * v + t[Math.floor(i / 12)] * x1[i]);
  assert.ok(maxAbsDiff(xt, wantXt) < 1e-6);
  assert.ok(maxAbsDiff(target, x1.map((v, i) => v - x0[i])) < 1e-6);
  // Endpoints: t = 0 gives the noise, t = 1 the data.
  const ends = samplePath(
    tf.tensor3d(x0, [2, 4, 3]),
    tf.tensor3d(x1, [2, 4, 3]),
    tf.tensor1d([0, 1]),
  );
  const e = await ends.xt.data();
  assert.ok(maxAbsDiff(e.slice(0, 12), x0.slice(0, 12)) < 1e-7);
  assert.ok(maxAbsDiff(e.slice(12), x1.slice(12)) < 1e-7);
  tf.dispose([out.xt, out.target, ends.xt, ends.target]);
});

Deno.test("path: shape mismatch names the shapes; time draws are in [0,1) and seeded", () => {
  assert.throws(
    () => samplePath(tf.zeros([1, 2, 3]), tf.zeros([1, 3, 3]), tf.zeros([1])),
    /\[1,2,3\]/,
  );
  const a = drawTimes(new Rng(1), 1000, "logit-normal"),
    b = drawTimes(new Rng(1), 1000, "logit-normal");
  assert.deepEqual(a, b);
  assert.ok(a.every((v) => v > 0 && v < 1));
  const mean = drawTimes(new Rng(2), 4000, "uniform").reduce((s, v) => s + v, 0) / 4000;
  assert.ok(Math.abs(mean - 0.5) < 0.02, `uniform mean ${mean}`);
});
