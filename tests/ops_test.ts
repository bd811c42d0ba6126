import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import {
  antiAliasDownsample,
  circularPad,
  concatChannels,
  conv1dSame,
  conv1dValid,
  groupNorm,
  upsample2,
} from "../lib/model/ops.ts";
import { Rng } from "../lib/random.ts";
import { maxAbsDiff } from "./_helpers.ts";

await initBackend("cpu");

function convCase(seed: number, b: number, l: number, cin: number, cout: number, k: number) {
  const r = new Rng(seed);
  return {
    x: r.normals(b * l * cin),
    w: r.normals(k * cin * cout),
    dy: r.normals(b * (l - k + 1) * cout),
    shapes: {
      x: [b, l, cin] as [number, number, number],
      w: [k, cin, cout] as [number, number, number],
    },
  };
}

/** Gradients of sum(conv(x, w) * dy) w.r.t. x and w with the given conv implementation. */
async function convGrads(
  impl: (x: tf.Tensor3D, w: tf.Tensor3D) => tf.Tensor3D,
  c: ReturnType<typeof convCase>,
) {
  const x = tf.tensor3d(c.x, c.shapes.x), w = tf.tensor3d(c.w, c.shapes.w);
  const dy = tf.tensor3d(c.dy, [c.shapes.x[0], c.shapes.x[1] - c.shapes.w[0] + 1, c.shapes.w[2]]);
  const f = (a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(impl(a as tf.Tensor3D, b as tf.Tensor3D), dy));
  const [gx, gw] = tf.grads(f)([x, w]);
  const out = { gx: await gx.data(), gw: await gw.data() };
  tf.dispose([x, w, dy, gx, gw]);
  return out;
}

const reference = (x: tf.Tensor3D, w: tf.Tensor3D) => tf.conv1d(x, w, 1, "valid");

Deno.test("conv1dValid gradients match tfjs's reference conv gradients (cpu) and finite differences", async () => {
  for (const [b, l, cin, cout, k] of [[2, 11, 3, 4, 5], [3, 7, 5, 2, 1], [1, 9, 2, 3, 3]]) {
    const c = convCase(b * 100 + k, b, l, cin, cout, k);
    const mine = await convGrads(conv1dValid, c), ref = await convGrads(reference, c);
    assert.ok(
      maxAbsDiff(mine.gx, ref.gx) < 1e-4,
      `input grad differs for [${b},${l},${cin}] k=${k}`,
    );
    assert.ok(
      maxAbsDiff(mine.gw, ref.gw) < 1e-4,
      `filter grad differs for [${b},${l},${cin}] k=${k}`,
    );
  }
  // Finite differences on one filter entry and one input entry.
  const c = convCase(9, 2, 8, 2, 3, 3);
  const g = await convGrads(conv1dValid, c);
  const loss = (xv: Float32Array, wv: Float32Array) =>
    tf.tidy(() =>
      tf.sum(
        tf.mul(
          conv1dValid(tf.tensor3d(xv, c.shapes.x), tf.tensor3d(wv, c.shapes.w)),
          tf.tensor3d(c.dy, [2, 6, 3]),
        ),
      )
        .dataSync()[0]
    );
  const h = 1e-2;
  for (const i of [0, 7, 17]) {
    const wp = c.w.slice(), wm = c.w.slice();
    wp[i] += h;
    wm[i] -= h;
    const num = (loss(c.x, wp) - loss(c.x, wm)) / (2 * h);
    assert.ok(Math.abs(num - g.gw[i]) < 2e-2, `dW[${i}]: numeric ${num} vs ${g.gw[i]}`);
    const xp = c.x.slice(), xm = c.x.slice();
    xp[i] += h;
    xm[i] -= h;
    const numx = (loss(xp, c.w) - loss(xm, c.w)) / (2 * h);
    assert.ok(Math.abs(numx - g.gx[i]) < 2e-2, `dX[${i}]: numeric ${numx} vs ${g.gx[i]}`);
  }
});

Deno.test("conv1dValid gradients on wasm (which lacks Conv2DBackpropFilter) match the cpu reference", async () => {
  const c = convCase(5, 2, 20, 4, 6, 5);
  await initBackend("cpu");
  const ref = await convGrads(reference, c);
  await initBackend("wasm");
  try {
    const mine = await convGrads(conv1dValid, c);
    assert.ok(maxAbsDiff(mine.gx, ref.gx) < 1e-4);
    assert.ok(maxAbsDiff(mine.gw, ref.gw) < 1e-4);
  } finally {
    await initBackend("cpu");
  }
});

Deno.test("conv1dValid names the shapes it received on a channel mismatch", () => {
  assert.throws(
    () => conv1dValid(tf.zeros([1, 5, 3]), tf.zeros([3, 2, 4])),
    /\[1,5,3\].*\[3,2,4\]/,
  );
  assert.throws(() => conv1dSame(tf.zeros([1, 5, 3]), tf.zeros([2, 3, 4]), "zeros"), /odd/);
});

Deno.test("circular padding wraps around; same conv keeps length", () => {
  const x = tf.tensor3d([1, 2, 3, 4], [1, 4, 1]);
  assert.deepEqual(Array.from(circularPad(x, 2, 1).dataSync()), [3, 4, 1, 2, 3, 4, 1]);
  // A circular box filter of width 3 over [1,2,3,4]: the ends see the wrapped neighbour.
  const y = conv1dSame(x, tf.ones([3, 1, 1]), "circular").dataSync();
  assert.deepEqual(Array.from(y), [4 + 1 + 2, 1 + 2 + 3, 2 + 3 + 4, 3 + 4 + 1]);
});

Deno.test("anti-aliased downsampling equals SSL-Wearables' fixed filter (box^(order+1), zero pad, stride)", () => {
  const r = new Rng(1);
  for (const [factor, order, len] of [[2, 2, 300], [5, 1, 75], [3, 1, 3], [5, 1, 15]]) {
    const xv = r.normals(len);
    // Kernel: box of width `factor` convolved with itself `order` times, normalised.
    let kern = new Array(factor).fill(1);
    for (let o = 0; o < order; o++) {
      const next = new Array(kern.length + factor - 1).fill(0);
      kern.forEach((v, i) => {
        for (let j = 0; j < factor; j++) next[i + j] += v;
      });
      kern = next;
    }
    const total = kern.reduce((a, b) => a + b, 0);
    const pad = (order * (factor - 1)) / 2;
    const outLen = Math.floor((len + 2 * pad - kern.length) / factor) + 1;
    const want: number[] = [];
    for (let o = 0; o < outLen; o++) {
      let s = 0;
      kern.forEach((kv, j) => {
        const idx = o * factor + j - pad;
        if (idx >= 0 && idx < len) s += (kv / total) * xv[idx];
      });
      want.push(s);
    }
    const got = antiAliasDownsample(tf.tensor3d(xv, [1, len, 1]), factor, order).dataSync();
    assert.equal(got.length, outLen, `factor ${factor}`);
    assert.ok(maxAbsDiff(got, want) < 1e-5, `factor ${factor} order ${order}`);
  }
});

Deno.test("group norm normalises each group; upsample repeats", () => {
  const x = tf.tensor3d(new Rng(2).normals(2 * 10 * 4).map((v) => 3 * v + 1), [2, 10, 4]);
  const y = groupNorm(x, 2);
  const g = tf.reshape(y, [2, 10, 2, 2]);
  const { mean, variance } = tf.moments(g, [1, 3]);
  assert.ok(maxAbsDiff(mean.dataSync(), new Float32Array(4)) < 1e-5);
  assert.ok(maxAbsDiff(variance.dataSync(), new Float32Array(4).fill(1)) < 1e-3);
  assert.deepEqual(Array.from(upsample2(tf.tensor3d([1, 2, 3, 4], [1, 2, 2])).dataSync()), [
    1,
    2,
    1,
    2,
    3,
    4,
    3,
    4,
  ]);
});

Deno.test("upsample2: values and gradient equal tf.stack's nearest-neighbour repeat, bit for bit", () => {
  const x = tf.tensor3d(new Rng(5).normals(3 * 7 * 4), [3, 7, 4]);
  const dy = tf.tensor3d(new Rng(6).normals(3 * 14 * 4), [3, 14, 4]);
  const viaStack = (v: tf.Tensor3D) => tf.reshape(tf.stack([v, v], 2), [3, 14, 4]);
  const [y, want] = [upsample2(x), viaStack(x)];
  assert.deepEqual(y.shape, [3, 14, 4]);
  assert.deepEqual(Array.from(y.dataSync()), Array.from(want.dataSync()));
  const g = tf.grad((v) => tf.sum(tf.mul(upsample2(v as tf.Tensor3D), dy)))(x);
  const gWant = tf.grad((v) => tf.sum(tf.mul(viaStack(v as tf.Tensor3D), dy)))(x);
  assert.deepEqual(Array.from(g.dataSync()), Array.from(gWant.dataSync()));
  tf.dispose([x, dy, y, want, g, gWant]);
});

Deno.test("concatChannels: values and gradient equal tf.concat's, bit for bit; mismatched shapes are named", () => {
  const a = tf.tensor3d(new Rng(7).normals(2 * 5 * 3), [2, 5, 3]);
  const b = tf.tensor3d(new Rng(8).normals(2 * 5 * 4), [2, 5, 4]);
  const dy = tf.tensor3d(new Rng(9).normals(2 * 5 * 7), [2, 5, 7]);
  const f = (cat: (p: tf.Tensor3D, q: tf.Tensor3D) => tf.Tensor) =>
    tf.grads((p, q) => tf.sum(tf.mul(cat(p as tf.Tensor3D, q as tf.Tensor3D), dy)))([a, b]);
  const [ga, gb] = f(concatChannels), [wa, wb] = f((p, q) => tf.concat([p, q], 2));
  const y = concatChannels(a, b), want = tf.concat([a, b], 2);
  assert.deepEqual(Array.from(y.dataSync()), Array.from(want.dataSync()));
  assert.deepEqual(Array.from(ga.dataSync()), Array.from(wa.dataSync()));
  assert.deepEqual(Array.from(gb.dataSync()), Array.from(wb.dataSync()));
  assert.throws(
    () => concatChannels(a, tf.zeros([2, 4, 4]) as tf.Tensor3D),
    /\[2,5,3\] and \[2,4,4\]/,
  );
  tf.dispose([a, b, dy, ga, gb, wa, wb, y, want]);
});

Deno.test("registerConvGradients: tf.conv1d itself trains on wasm, matching the cpu reference; 2-D convs keep tfjs's gradient", async () => {
  const { registerConvGradients } = await import("../lib/runtime/conv_gradients.ts");
  const c = convCase(7, 2, 16, 3, 5, 5);
  const same = (x: tf.Tensor3D, w: tf.Tensor3D) => tf.conv1d(x, w, 1, "same");
  const sameCase = { ...c, dy: new Rng(8).normals(2 * 16 * 5) };
  const grads = async (impl: typeof same, cc: typeof sameCase, outLen: number) => {
    const x = tf.tensor3d(cc.x, cc.shapes.x), w = tf.tensor3d(cc.w, cc.shapes.w);
    const dy = tf.tensor3d(cc.dy, [cc.shapes.x[0], outLen, cc.shapes.w[2]]);
    const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(impl(a as tf.Tensor3D, b as tf.Tensor3D), dy))
    )([x, w]);
    return { gx: await gx.data(), gw: await gw.data() };
  };
  await initBackend("cpu");
  const ref = await grads(same, sameCase, 16), refValid = await grads(reference, c, 12);
  await initBackend("wasm");
  try {
    registerConvGradients();
    const mine = await grads(same, sameCase, 16), mineValid = await grads(reference, c, 12);
    assert.ok(
      maxAbsDiff(mine.gx, ref.gx) < 1e-4 && maxAbsDiff(mine.gw, ref.gw) < 1e-4,
      "same padding",
    );
    assert.ok(
      maxAbsDiff(mineValid.gx, refValid.gx) < 1e-4 && maxAbsDiff(mineValid.gw, refValid.gw) < 1e-4,
      "valid padding",
    );
    // A true 2-D convolution falls back to tfjs's gradient (which wasm cannot run for the filter).
    await initBackend("cpu");
    const g2 = tf.grad((w: tf.Tensor) =>
      tf.sum(tf.conv2d(tf.ones([1, 4, 4, 1]) as tf.Tensor4D, w as tf.Tensor4D, 1, "valid"))
    )(tf.ones([2, 2, 1, 1]));
    assert.deepEqual(Array.from(await g2.data()), [9, 9, 9, 9]);
  } finally {
    await initBackend("cpu");
  }
});

Deno.test("conv1dSame's fused gradients equal those of explicit padding + valid conv", () => {
  const rng = new Rng(4);
  for (const padding of ["zeros", "circular"] as const) {
    for (const k of [3, 5]) {
      const p = (k - 1) / 2;
      const x = tf.tensor3d(rng.normals(2 * 9 * 3), [2, 9, 3]);
      const w = tf.tensor3d(rng.normals(k * 3 * 4), [k, 3, 4]);
      const g = tf.tensor3d(rng.normals(2 * 9 * 4), [2, 9, 4]);
      const pad = (t: tf.Tensor3D) =>
        padding === "zeros"
          ? tf.pad(t, [[0, 0], [p, p], [0, 0]]) as tf.Tensor3D
          : circularPad(t, p, p);
      const fused = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(conv1dSame(a as tf.Tensor3D, b as tf.Tensor3D, padding), g))
      )([x, w]);
      const reference = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(conv1dValid(pad(a as tf.Tensor3D), b as tf.Tensor3D), g))
      )([x, w]);
      const yf = conv1dSame(x, w, padding), yr = conv1dValid(pad(x), w);
      assert.ok(maxAbsDiff(yf.dataSync(), yr.dataSync()) < 1e-5, `${padding} k=${k} value`);
      for (let i = 0; i < 2; i++) {
        const err = maxAbsDiff(fused[i].dataSync(), reference[i].dataSync());
        assert.ok(
          err < 1e-4,
          `${padding} k=${k} ${i ? "filter" : "input"} gradient differs by ${err}`,
        );
      }
      tf.dispose([x, w, g, yf, yr, ...fused, ...reference]);
    }
  }
});

Deno.test("conv1dSame's gradients on wasm (GEMM filter gradient, copy kernels) match cpu", async () => {
  const rng = new Rng(6);
  const data = {
    x: rng.normals(3 * 40 * 6),
    w: rng.normals(5 * 6 * 7),
    g: rng.normals(3 * 40 * 7),
  };
  const run = (padding: "zeros" | "circular") => {
    const x = tf.tensor3d(data.x, [3, 40, 6]), w = tf.tensor3d(data.w, [5, 6, 7]);
    const g = tf.tensor3d(data.g, [3, 40, 7]);
    const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(conv1dSame(a as tf.Tensor3D, b as tf.Tensor3D, padding), g))
    )([x, w]);
    const out = grads.map((t) => t.dataSync().slice());
    tf.dispose([x, w, g, ...grads]);
    return out;
  };
  for (const padding of ["zeros", "circular"] as const) {
    await initBackend("cpu");
    const want = run(padding);
    await initBackend("wasm");
    try {
      const got = run(padding);
      for (let i = 0; i < 2; i++) {
        const err = maxAbsDiff(got[i], want[i]);
        assert.ok(err < 1e-4, `${padding} ${i ? "filter" : "input"} gradient differs by ${err}`);
      }
    } finally {
      await initBackend("cpu");
    }
  }
});

Deno.test("groupNorm's written-out gradient equals tfjs's autodiff of the same formula", () => {
  const rng = new Rng(8);
  const x = tf.tensor3d(rng.normals(2 * 6 * 8).map((v, i) => v * (1 + (i % 3))), [2, 6, 8]);
  const g = tf.tensor3d(rng.normals(2 * 6 * 8), [2, 6, 8]);
  const plain = (t: tf.Tensor3D) => {
    const r = tf.reshape(t, [2, 6, 4, 2]);
    const { mean, variance } = tf.moments(r, [1, 3], true);
    return tf.reshape(tf.div(tf.sub(r, mean), tf.sqrt(tf.add(variance, 1e-5))), [2, 6, 8]);
  };
  const [fused] = tf.grads((a: tf.Tensor) => tf.sum(tf.mul(groupNorm(a as tf.Tensor3D, 4), g)))([
    x,
  ]);
  const [reference] = tf.grads((a: tf.Tensor) => tf.sum(tf.mul(plain(a as tf.Tensor3D), g)))([x]);
  assert.ok(maxAbsDiff(groupNorm(x, 4).dataSync(), plain(x).dataSync()) < 1e-5);
  const err = maxAbsDiff(fused.dataSync(), reference.dataSync());
  assert.ok(err < 1e-4, `gradient differs by ${err}`);
  assert.ok(maxAbsDiff(fused.dataSync(), new Float32Array(96)) > 1e-3, "gradient is not zero");
});
