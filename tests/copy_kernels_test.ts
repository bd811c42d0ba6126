// The wasm copy kernels (lib/model/copy_kernels.ts) give tfjs's values, bit for bit, on wasm and
// on cpu, and do not leak.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { circularPad, splitChannels, wrapPad } from "../lib/model/copy_kernels.ts";
import { Rng } from "../lib/random.ts";

for (const backend of ["wasm", "cpu"] as const) {
  Deno.test(`copy kernels on ${backend}: splitChannels is tf.split, wrapPad is circularPad, bit for bit`, async () => {
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
    assert.throws(() => splitChannels(x, 7), /c1 must be in \[1, 7\) for shape \[4,9,7\], got 7/);
    assert.throws(() => wrapPad(x, 10), /padding 10 does not fit shape \[4,9,7\]/);
    x.dispose();
    assert.equal(tf.memory().numTensors, before, "copy kernels do not leak memory");
  });
}
