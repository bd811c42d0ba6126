// probeData: both probe solvers' inputs, standardised with the training rows only.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { probeData } from "../lib/train/probe_data.ts";

await initBackend("cpu");

Deno.test("probeData: training rows' statistics, class weights, labels and tensors; does not leak memory", () => {
  // 2 features; rows 0-3 train (classes 0, 0, 0, 1), rows 4-5 validation.
  const x = { data: Float32Array.of(1, 7, 3, 7, 5, 7, 7, 7, 9, 0, 11, 1), count: 6, dim: 2 };
  const y = Int32Array.of(0, 0, 0, 1, 1, 0);
  const split = { train: Int32Array.of(0, 1, 2, 3), val: Int32Array.of(4, 5) };
  const before = tf.memory().numTensors;
  const d = probeData(x, y, 2, split);
  assert.deepEqual([...d.mean], [4, 7]);
  assert.equal(d.sd[1], 1, "a constant feature's SD becomes 1");
  const sd = Math.sqrt(5); // of 1, 3, 5, 7
  assert.deepEqual([...d.xVal.dataSync()].map((v) => +v.toFixed(5)), [
    +((9 - 4) / sd).toFixed(5),
    -7,
    +((11 - 4) / sd).toFixed(5),
    -6,
  ]);
  assert.deepEqual(d.xTrain.shape, [4, 2]);
  assert.deepEqual([[...d.yTrain], [...d.yVal]], [[0, 0, 0, 1], [1, 0]]);
  assert.ok(d.weights[1] > d.weights[0], "the rarer class weighs more");
  const flat = probeData(x, y, 2, split, "none");
  assert.deepEqual([...flat.weights], [1, 1]);
  tf.dispose([d.xTrain, d.xVal, flat.xTrain, flat.xVal]);
  assert.equal(tf.memory().numTensors, before);
});
