// The wasm copy kernels (lib/model/copy_kernels.ts) give tfjs's values, bit for bit, on wasm and
// on cpu, and do not leak.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import {
  circularPad,
  flipFilter,
  joinChannels,
  splitChannels,
  wrapPad,
} from "../lib/model/copy_kernels.ts";
import { Rng } from "../lib/random.ts";

for (const backend of ["wasm", "cpu"] as const) {
  Deno.test(`copy kernels on ${backend}: splitChannels, joinChannels, flipFilter and wrapPad are tfjs's ops, bit for bit`, async () => {
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
    assert.throws(() => splitChannels(x, 7), /c1 must be in \[1, 7\) for shape \[4,9,7\], got 7/);
    assert.throws(() => wrapPad(x, 10), /padding 10 does not fit shape \[4,9,7\]/);
    x.dispose();
    assert.equal(tf.memory().numTensors, before, "copy kernels do not leak memory");
  });
}
