// Clear answers for bad inputs and misuse of a model: disposed models, flat number[] and
// Float64Array windows, and interpolation weights.
import assert from "node:assert/strict";
import { FlowFM, initBackend, presetConfig } from "../mod.ts";

await initBackend("cpu");

Deno.test("a disposed model says so in encode, sample and interpolate", async () => {
  const model = new FlowFM(presetConfig("tiny"));
  model.dispose();
  model.dispose(); // a second call does nothing
  const w = new Float32Array(900);
  await assert.rejects(() => model.encode(w), /encode: this model was disposed/);
  await assert.rejects(() => model.sample({ windows: w, steps: 1 }), /sample: .*disposed/);
  await assert.rejects(
    () => model.interpolate(w, w, { alphas: [0, 1], steps: 1 }),
    /interpolate: this model was disposed/,
  );
});

Deno.test("encode accepts a flat number[] and a Float64Array like a Float32Array", async () => {
  const model = new FlowFM(presetConfig("tiny"));
  try {
    const values = Array.from({ length: 2 * 900 }, (_, i) => Math.sin(i) * 0.5);
    const ref = await model.encode(new Float32Array(values));
    const fromArray = await model.encode(values);
    const from64 = await model.encode(new Float64Array(values));
    assert.equal(fromArray.count, 2);
    assert.deepEqual(fromArray.data, ref.data);
    assert.deepEqual(from64.data, ref.data);
    await assert.rejects(
      () => model.encode(values.slice(1)),
      /a flat array of 1799 values is not a whole number of windows .*900 values each/,
    );
    await assert.rejects(
      () => model.encode(new Float64Array(10)),
      /a Float64Array of 10 values is not a whole number/,
    );
    const mixed: unknown[] = [...values];
    mixed[7] = "0.1";
    await assert.rejects(
      () => model.encode(mixed as number[]),
      /element 7 of the flat array is string, not a number/,
    );
    await assert.rejects(
      () => model.encode([{}] as unknown as number[]),
      /window 0 is not an array; expected a flat Float32Array, Float64Array or number\[\]/,
    );
  } finally {
    model.dispose();
  }
});

Deno.test("interpolate names a bad alpha and an empty list", async () => {
  const model = new FlowFM(presetConfig("tiny"));
  const w = new Float32Array(900);
  try {
    const cases: [unknown, RegExp][] = [
      [[], /interpolate: alphas is empty/],
      [[0, 0.5, NaN], /interpolate: alphas\[2\] is NaN; each alpha must be a finite number/],
      [[0, Infinity], /alphas\[1\] is Infinity/],
      [[0, "1"], /alphas\[1\] is "1" \(string\)/],
      ["0,1", /alphas must be an array of finite numbers, got string/],
    ];
    for (const [alphas, msg] of cases) {
      await assert.rejects(
        () => model.interpolate(w, w, { alphas: alphas as number[], steps: 1 }),
        msg,
      );
    }
  } finally {
    model.dispose();
  }
});
