// Views that keep gravity where they say: rotation about the gravity axis keeps the window's mean
// direction, a tilt moves it by at most the stated angle, permutation with probability p < 1
// leaves the other windows' axes alone; the flags that ask for them.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { applyMatrices, augmentMatrices, isAugmentOptions } from "../lib/train/augment.ts";
import { TRAIN_DEFAULTS } from "../lib/train/defaults.ts";
import { Rng } from "../lib/random.ts";
import { augmentFlag } from "../cli/_recipe.ts";
import { UsageError } from "../cli/_common.ts";

await initBackend("cpu");

/** `n` windows, each at rest with gravity along a random direction, plus a little motion. */
function tiltedWindows(n: number, seed: number): { x: Float32Array; g: number[][] } {
  const rng = new Rng(seed), x = new Float32Array(n * 900), g: number[][] = [];
  for (let i = 0; i < n; i++) {
    const v = [rng.normal(), rng.normal(), rng.normal()], norm = Math.hypot(...v);
    g.push(v.map((c) => c / norm));
    for (let t = 0; t < 300; t++) {
      for (let c = 0; c < 3; c++) {
        x[i * 900 + t * 3 + c] = g[i][c] + 0.1 * Math.sin(t / 7 + c) + 0.01 * rng.normal();
      }
    }
  }
  return { x, g };
}

/** Mean vector of window `i`. */
function mean(x: Float32Array, i: number): number[] {
  const m = [0, 0, 0];
  for (let t = 0; t < 300; t++) for (let c = 0; c < 3; c++) m[c] += x[i * 900 + t * 3 + c] / 300;
  return m;
}

/** Angle in degrees between the mean of window `i` before and after matrix `i`. */
function gravityShift(x: Float32Array, m: Float32Array, i: number): number {
  const g = mean(x, i), r = m.subarray(9 * i, 9 * i + 9);
  const turned = [0, 1, 2].map((row) =>
    r[3 * row] * g[0] + r[3 * row + 1] * g[1] + r[3 * row + 2] * g[2]
  );
  const dot = turned.reduce((s, v, c) => s + v * g[c], 0) /
    (Math.hypot(...turned) * Math.hypot(...g));
  return (Math.acos(Math.min(1, Math.max(-1, dot))) * 180) / Math.PI;
}

Deno.test("view: rotation about gravity keeps the gravity axis; a tilt moves it by at most the stated angle", () => {
  const n = 200, { x } = tiltedWindows(n, 1);
  const heading = augmentMatrices(
    new Rng(2),
    n,
    { rotationAxis: "gravity", maxRotationDeg: 180 },
    x,
  );
  for (let i = 0; i < n; i++) assert.ok(gravityShift(x, heading, i) < 0.01, `window ${i}`);
  for (const tilt of [5, 20]) {
    const m = augmentMatrices(new Rng(3), n, {
      rotationAxis: "gravity",
      maxRotationDeg: 180,
      maxTiltDeg: tilt,
    }, x);
    const shifts = Array.from({ length: n }, (_, i) => gravityShift(x, m, i));
    assert.ok(Math.max(...shifts) <= tilt + 1e-3, `tilt ${tilt}: max shift ${Math.max(...shifts)}`);
    assert.ok(Math.max(...shifts) > 0.9 * tilt, `tilt ${tilt}: the view does tilt`);
    // The tilt angle is uniform in [-tilt, tilt]: its size is uniform in [0, tilt], mean tilt / 2.
    const meanShift = shifts.reduce((a, b) => a + b, 0) / n;
    assert.ok(Math.abs(meanShift - tilt / 2) < 0.1 * tilt, `tilt ${tilt}: mean shift ${meanShift}`);
    // Rows stay orthogonal: a rotation times a scale in [0.9, 1.1].
    for (let i = 0; i < n; i++) {
      const r = m.subarray(9 * i, 9 * i + 9);
      const dot01 = r[0] * r[3] + r[1] * r[4] + r[2] * r[5];
      assert.ok(Math.abs(dot01) < 1e-5, `window ${i}: rows not orthogonal`);
    }
  }
  // A random-axis rotation of 90 degrees does move gravity (the test can fail).
  const random = augmentMatrices(new Rng(4), n, { maxRotationDeg: 90 }, x);
  assert.ok(Array.from({ length: n }, (_, i) => gravityShift(x, random, i)).some((s) => s > 30));
  assert.throws(
    () => augmentMatrices(new Rng(0), 2, { maxTiltDeg: 5 }),
    /maxTiltDeg needs the batch/,
  );
});

Deno.test("view: permutation with probability p keeps the gravity axis of about 1 - p of the windows", () => {
  const n = 2000, { x } = tiltedWindows(n, 5);
  for (const p of [0, 0.3, 1]) {
    const m = augmentMatrices(new Rng(6), n, {
      permuteAxes: true,
      permuteProbability: p,
      maxRotationDeg: 0,
      scale: 0,
    }, x);
    let kept = 0;
    for (let i = 0; i < n; i++) if (gravityShift(x, m, i) < 1e-3) kept++;
    // Kept: not permuted (1 - p), or permuted to the identity with all signs + (p / 48).
    const want = 1 - p + p / 48;
    assert.ok(
      Math.abs(kept / n - want) < 0.04,
      `p ${p}: ${kept / n} of windows kept, want ${want}`,
    );
  }
  // Without permuteProbability, the draws are those of earlier versions (runs reproduce).
  const a = augmentMatrices(new Rng(7), 20, { permuteAxes: true }, x.subarray(0, 20 * 900));
  const b = augmentMatrices(new Rng(7), 20, { permuteAxes: true, permuteProbability: 1 });
  assert.deepEqual(a, b);
});

Deno.test("view options: checked ranges, CLI flags, the default recipe unchanged, no tensors leak", () => {
  assert.ok(isAugmentOptions({ permuteProbability: 0.5, maxTiltDeg: 15 }));
  assert.ok(!isAugmentOptions({ permuteProbability: 1.5 }));
  assert.ok(!isAugmentOptions({ maxTiltDeg: 91 }));
  assert.deepEqual(augmentFlag({ "augment-permute-p": "0.25", "augment-tilt": "10" }), {
    permuteAxes: true,
    permuteProbability: 0.25,
    maxTiltDeg: 10,
  });
  assert.throws(() => augmentFlag({ "augment-permute-p": "2" }), UsageError);
  assert.throws(() => augmentFlag({ "augment-tilt": "100" }), UsageError);
  assert.deepEqual(TRAIN_DEFAULTS.augment, { permuteAxes: true, jitter: 0.05 });
  const before = tf.memory().numTensors;
  const { x } = tiltedWindows(2, 9);
  const m = augmentMatrices(new Rng(1), 2, { rotationAxis: "gravity", maxTiltDeg: 10 }, x);
  const input = tf.tensor3d(x, [2, 300, 3]);
  const y = applyMatrices(input, m);
  assert.deepEqual(y.shape, [2, 300, 3]);
  tf.dispose([input, y]);
  assert.equal(tf.memory().numTensors, before);
});
