// The wasm copy kernels (lib/model/copy_kernels.ts) give tfjs's values, bit for bit, on wasm and
// on cpu, and do not leak.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import {
  circularPad,
  flipFilter,
  joinChannels,
  padLength,
  splitChannels,
  wrapPad,
} from "../lib/model/copy_kernels.ts";
import { Rng } from "../lib/random.ts";

for (const backend of ["wasm", "cpu"] as const) {
  Deno.test(`copy kernels on ${backend}: splitChannels, joinChannels, flipFilter, wrapPad and padLength are tfjs's ops, bit for bit`, async () => {
    await initBackend(backend);
    const before = tf.memory().numTensors;
    const x = tf.tensor3d(new Rng(3).normals(4 * 9 * 7), [4, 9, 7]);
    for (const c1 of [1, 3, 6]) {
      const [a, b] = splitChannels(x, c1), [wa, wb] = tf.split(x, [c1, 7 - c1], 2);
      assert.deepEqual(a.shape, [4, 9, c1]);
      assert.deepEqual(Array.from(a.dataSync()), Array.from(wa.dataSync()));
      assert.deepEqual(Array.from(b.dataSync()), Array.from(wb.dataSync()));
      tf.dispose([a, b, wa, wb]);
    }
    for (const p of [0, 1, 4, 9]) {
      const y = wrapPad(x, p), want = circularPad(x, p, p);
      assert.deepEqual(y.shape, [4, 9 + 2 * p, 7]);
      assert.deepEqual(Array.from(y.dataSync()), Array.from(want.dataSync()));
      y.dispose();
      if (want !== x) want.dispose();
    }
    const z = tf.tensor3d(new Rng(4).normals(4 * 9 * 2), [4, 9, 2]);
    const [j, jw] = [joinChannels(x, z), tf.concat([x, z], 2)];
    assert.deepEqual(j.shape, [4, 9, 9]);
    assert.deepEqual(Array.from(j.dataSync()), Array.from(jw.dataSync()));
    const w = tf.tensor3d(new Rng(5).normals(5 * 3 * 4), [5, 3, 4]);
    const [f, fw] = [flipFilter(w), tf.tidy(() => tf.transpose(tf.reverse(w, 0), [0, 2, 1]))];
    assert.deepEqual(f.shape, [5, 4, 3]);
    assert.deepEqual(Array.from(f.dataSync()), Array.from(fw.dataSync()));
    tf.dispose([z, j, jw, w, f, fw]);
    const dy = tf.tensor3d(new Rng(6).normals(4 * 13 * 7), [4, 13, 7]);
    const grad = (pad: (v: tf.Tensor3D) => tf.Tensor) =>
      tf.grad((v) => tf.sum(tf.mul(pad(v as tf.Tensor3D), dy)))(x);
    const [pg, pw] = [
      grad((v) => padLength(v, 2)),
      grad((v) => tf.pad(v, [[0, 0], [2, 2], [0, 0]])),
    ];
    const [pv, pvw] = [padLength(x, 2), tf.pad(x, [[0, 0], [2, 2], [0, 0]])];
    assert.deepEqual(Array.from(pv.dataSync()), Array.from(pvw.dataSync()));
    assert.deepEqual(Array.from(pg.dataSync()), Array.from(pw.dataSync()));
    tf.dispose([dy, pg, pw, pv, pvw]);
    assert.throws(() => splitChannels(x, 7), /c1 must be in \[1, 7\) for shape \[4,9,7\], got 7/);
    assert.throws(() => wrapPad(x, 10), /padding 10 does not fit shape \[4,9,7\]/);
    x.dispose();
    assert.equal(tf.memory().numTensors, before, "copy kernels do not leak memory");
  });
}

Deno.test("a wasm training step runs none of tfjs's slow copies (Slice, SplitV, Tile, Pack, Unpack, Reverse)", async () => {
  // They copy through fresh memory or element by element on wasm; the copy kernels and
  // lib/model/reduce.ts replace them. Fails if one comes back into the step.
  await initBackend("wasm");
  const { FlowFM } = await import("../lib/model/flowfm.ts");
  const { presetConfig } = await import("../lib/model/config.ts");
  const { flowMatchingLoss } = await import("../lib/flow/loss.ts");
  const model = new FlowFM(presetConfig("tiny"));
  const rng = new Rng(1);
  const x1 = tf.tensor3d(rng.normals(4 * 900).map((v) => v * 0.3), [4, 300, 3]);
  const x0 = tf.tensor3d(rng.normals(4 * 900), [4, 300, 3]);
  const t = tf.tensor1d([0.1, 0.4, 0.6, 0.9]);
  const vars = [...model.params.trainable].map((k) => model.params.get(k));
  const info = await tf.profile(() => {
    const r = tf.variableGrads(() => flowMatchingLoss(model, { x1, x0, t }), vars);
    return [r.value, ...Object.values(r.grads)];
  });
  const names = new Set(info.kernels.map((k) => k.name));
  assert.ok(names.has("FlowFMWrapPad") && names.has("FlowFMSplitChannels"), [...names].join());
  // (FiLM's split of its [batch, 1, 2c] scale and shift stays: a few hundred values)
  const slow = info.kernels.filter((k) =>
    ["Slice", "SplitV", "Tile", "Pack", "Unpack", "Reverse"].includes(k.name) &&
    !(k.name === "SplitV" && k.inputShapes[0]?.[1] === 1)
  ).map((k) => `${k.name} [${k.inputShapes[0]}]`);
  assert.deepEqual(slow, [], `slow copies in the step: ${slow}`);
  tf.dispose([x1, x0, t]);
  model.dispose();
});
