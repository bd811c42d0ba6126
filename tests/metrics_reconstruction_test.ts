import assert from "node:assert/strict";
import { reconstructionError } from "../lib/metrics/mod.ts";

Deno.test("metrics reconstructionError: hand-made windows", () => {
  // Two samples of 3 axes; errors x: (1, 3), y: (0, 0), z: (-2, 2).
  const real = new Float32Array([0, 1, 2, 0, 1, 2]);
  const gen = new Float32Array([1, 1, 0, 3, 1, 4]);
  const r = reconstructionError(real, gen);
  assert.equal(r.mse, (1 + 0 + 4 + 9 + 0 + 4) / 6);
  assert.equal(r.rmse, Math.sqrt(3));
  assert.deepEqual(r.perAxisRmse, [Math.sqrt(5), 0, 2]);
  // Symmetric in its arguments, 0 for a perfect reconstruction.
  assert.deepEqual(reconstructionError(gen, real), r);
  assert.deepEqual(reconstructionError(real, real), { mse: 0, rmse: 0, perAxisRmse: [0, 0, 0] });
});

Deno.test("metrics reconstructionError: full windows, constant offset per axis", () => {
  const n = 4;
  const real = new Float32Array(n * 900).map((_, i) => Math.sin(i / 11));
  const offsets = [0.5, -0.25, 0];
  const gen = new Float64Array(real.length).map((_, i) => real[i] + offsets[i % 3]);
  const r = reconstructionError(real, gen);
  for (let c = 0; c < 3; c++) assert(Math.abs(r.perAxisRmse[c] - Math.abs(offsets[c])) < 1e-7);
  assert(Math.abs(r.mse - (0.25 + 0.0625) / 3) < 1e-7);
  // One channel.
  const one = reconstructionError(new Float64Array([1, 2]), new Float64Array([2, 4]), {
    channels: 1,
  });
  assert.equal(one.mse, 2.5);
  assert.equal(one.perAxisRmse.length, 1);
});

Deno.test("metrics reconstructionError: errors show the lengths", () => {
  assert.throws(
    () => reconstructionError(new Float32Array(900), new Float32Array(1800)),
    /real has length 900 but generated has length 1800; windows must be paired/,
  );
  assert.throws(
    () => reconstructionError(new Float32Array(4), new Float32Array(4)),
    /real has length 4, not a multiple of the row width 3/,
  );
  assert.throws(
    () => reconstructionError(new Float32Array([0, 0, 0]), new Float32Array([0, Infinity, 0])),
    /generated\[1\] is Infinity/,
  );
});
