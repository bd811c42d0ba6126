import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { presetConfig } from "../lib/model/config.ts";
import { createEncoder, encoderForward, encoderStageFeatures } from "../lib/model/encoder.ts";
import { Params } from "../lib/model/params.ts";
import { Rng } from "../lib/random.ts";
import { maxAbsDiff, syntheticWindows } from "./_helpers.ts";

await initBackend("cpu");

Deno.test("encoderStageFeatures: per-stage means and SDs over time, then z as encoderForward gives it; does not leak memory", () => {
  const cfg = presetConfig("tiny").encoder;
  const p = new Params(new Rng(3));
  createEncoder(p, cfg, 3);
  try {
    // Non-trivial running statistics, so eval mode differs from batch statistics.
    for (const [name, v] of p.vars) {
      if (name.endsWith(".mean")) v.assign(tf.fill(v.shape, 0.1));
    }
    const x = tf.tensor3d(syntheticWindows(5, 1), [5, 300, 3]);
    const before = tf.memory().numTensors;
    const f = encoderStageFeatures(p, cfg, x);
    const z = encoderForward(p, cfg, x, "eval");
    const channels = cfg.stages.map((s) => s.channels);
    const total = 2 * channels.reduce((a, b) => a + b, 0);
    assert.deepEqual(f.shape, [5, total + z.shape[1]]);
    const tail = tf.slice(f, [0, total], [5, -1]);
    assert.ok(maxAbsDiff(tail.dataSync(), z.dataSync()) < 1e-6);
    tail.dispose();
    const fd = f.arraySync();
    // Stage outputs follow a ReLU: means and SDs are >= 0, and the SDs are not all zero.
    const sds = fd.flatMap((row) => row.slice(channels[0], 2 * channels[0]));
    assert.ok(fd.every((row) => row.slice(0, total).every((v) => v >= 0)));
    assert.ok(sds.some((v) => v > 1e-3), "stage 0's SDs are all ~0");
    f.dispose();
    z.dispose();
    assert.equal(tf.memory().numTensors, before);
    x.dispose();
  } finally {
    p.dispose();
  }
});
