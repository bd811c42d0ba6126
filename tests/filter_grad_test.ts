// The wasm filter gradient (lib/model/filter_grad.ts: shifted rows and one GEMM) equals the
// conv2d form that cpu and WebGPU use, and does not leak.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { filterGradMatMul, shiftRows } from "../lib/model/filter_grad.ts";
import { conv1dFilterGrad } from "../lib/model/conv.ts";
import { Rng } from "../lib/random.ts";
import { maxAbsDiff } from "./_helpers.ts";

Deno.test("shiftRows on wasm (a heap kernel) equals its tfjs form on cpu, bit for bit", async () => {
  const data = new Rng(2).normals(5 * 13);
  const run = async (backend: "wasm" | "cpu") => {
    await initBackend(backend);
    const x = tf.tensor2d(data, [5, 13]);
    const out = [1, 3, 13].map((k) => {
      const y = shiftRows(x, k);
      assert.deepEqual(y.shape, [5 * k, 13]);
      const v = Array.from(y.dataSync());
      y.dispose();
      return v;
    });
    assert.throws(() => shiftRows(x, 14), /k must be in \[1, 13\] for shape \[5,13\], got 14/);
    x.dispose();
    return out;
  };
  try {
    const got = await run("wasm"), want = await run("cpu");
    assert.deepEqual(got, want);
    // row (j = 2, i = 0) of k = 3: x[0] shifted left by 2, two zeros at the end
    assert.deepEqual(got[1].slice(2 * 5 * 13, 2 * 5 * 13 + 13), [...data.slice(2, 13), 0, 0]);
  } finally {
    await initBackend("cpu");
  }
});

for (const backend of ["wasm", "cpu"] as const) {
  Deno.test(`filterGradMatMul on ${backend} equals the conv2d filter gradient; does not leak memory`, async () => {
    const rng = new Rng(7);
    const cases: [number, number, number, number, number][] = [
      [3, 40, 6, 7, 5], // [batch, inLength, inChannels, outChannels, k]
      [2, 19, 16, 9, 1],
      [4, 12, 5, 3, 12],
    ];
    const data = cases.map(([b, l, ci, co, k]) => ({
      x: rng.normals(b * l * ci),
      dy: rng.normals(b * (l - k + 1) * co),
    }));
    await initBackend("cpu"); // the reference: conv2d with dy as the filter
    const want = cases.map(([b, l, ci, co, k], i) =>
      tf.tidy(() =>
        conv1dFilterGrad(
          tf.tensor3d(data[i].x, [b, l, ci]),
          tf.tensor3d(data[i].dy, [b, l - k + 1, co]),
          k,
        ).dataSync().slice()
      )
    );
    await initBackend(backend);
    try {
      const before = tf.memory().numTensors;
      cases.forEach(([b, l, ci, co, k], i) => {
        const x = tf.tensor3d(data[i].x, [b, l, ci]);
        const dy = tf.tensor3d(data[i].dy, [b, l - k + 1, co]);
        const dw = filterGradMatMul(x, dy, k);
        assert.deepEqual(dw.shape, [k, ci, co]);
        const err = maxAbsDiff(dw.dataSync(), want[i]);
        assert.ok(err < 1e-4, `case ${i}: differs by ${err}`);
        assert.throws(() => filterGradMatMul(x, dy, k + 1), /do not fit kernel width/);
        tf.dispose([x, dy, dw]);
      });
      assert.equal(tf.memory().numTensors, before, "filterGradMatMul does not leak memory");
    } finally {
      await initBackend("cpu");
    }
  });
}
