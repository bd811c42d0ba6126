import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { mean, moments } from "../lib/model/reduce.ts";
import { Rng } from "../lib/random.ts";

await initBackend("cpu");

const shape = [3, 5, 4];
const cases: [number | number[] | undefined, boolean][] = [
  [undefined, false],
  [1, true],
  [[0, 1], false],
  [[0, 1], true],
  [-1, false],
  [[1, 2], true],
];

function values(seed: number, n: number): Float32Array {
  return new Rng(seed).normals(n);
}

Deno.test("mean: values and gradient are tfjs's, bit for bit", () => {
  const x = tf.tensor(values(1, 60), shape);
  for (const [axis, keep] of cases) {
    const dyShape = tf.tidy(() => tf.mean(x, axis, keep).shape);
    const dy = tf.tensor(values(2, dyShape.reduce((a, b) => a * b, 1)), dyShape);
    const ours = tf.tidy(() =>
      tf.grad((v: tf.Tensor) => tf.sum(tf.mul(mean(v, axis, keep), dy)))(x)
    );
    const theirs = tf.tidy(() =>
      tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.mean(v, axis, keep), dy)))(x)
    );
    assert.deepEqual(ours.dataSync(), theirs.dataSync(), `axis ${axis}, keepDims ${keep}`);
    const [a, b] = [mean(x, axis, keep), tf.mean(x, axis, keep)];
    assert.deepEqual(a.shape, b.shape);
    assert.deepEqual(a.dataSync(), b.dataSync());
    tf.dispose([dy, ours, theirs, a, b]);
  }
  x.dispose();
});

Deno.test("moments: mean, variance and their gradients are tf.moments', bit for bit", () => {
  const x = tf.tensor(values(3, 60), shape);
  for (const [axis, keep] of cases.filter(([a]) => a !== undefined)) {
    const loss =
      (m: (v: tf.Tensor) => { mean: tf.Tensor; variance: tf.Tensor }) => (v: tf.Tensor) => {
        const r = m(v);
        return tf.add(tf.sum(tf.mul(r.mean, 0.7)), tf.sum(tf.sqrt(tf.add(r.variance, 1e-5))));
      };
    const ours = tf.tidy(() => tf.grad(loss((v) => moments(v, axis!, keep)))(x));
    const theirs = tf.tidy(() => tf.grad(loss((v) => tf.moments(v, axis!, keep)))(x));
    assert.deepEqual(ours.dataSync(), theirs.dataSync(), `axis ${axis}, keepDims ${keep}`);
    tf.dispose([ours, theirs]);
  }
  x.dispose();
});

Deno.test("mean: an axis out of range names it and the shape", () => {
  const x = tf.zeros([2, 3]);
  assert.throws(() => mean(x, 2), /axis 2 out of range for a tensor of shape \[2,3\]/);
  x.dispose();
});

Deno.test("mean and moments do not leak memory", () => {
  const x = tf.tensor(values(4, 60), shape);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) {
    const g = tf.grad((v: tf.Tensor) => tf.sum(moments(v, [0, 1]).variance))(x);
    g.dispose();
    const m = moments(x, 1, true);
    tf.dispose([m.mean, m.variance]);
  }
  assert.equal(tf.memory().numTensors, before);
  x.dispose();
});
