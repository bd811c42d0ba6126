import assert from "node:assert/strict";
import { meanPowerSpectrum, powerSpectrumDistance } from "../lib/metrics/mod.ts";
import { Rng } from "../lib/random.ts";

/** `n` windows [300, 3] at 30 Hz: a sinusoid at `hz` per axis (random phase) plus N(0, noise^2). */
function sineWindows(n: number, hz: number, noise: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const out = new Float64Array(n * 900);
  for (let w = 0; w < n; w++) {
    for (let c = 0; c < 3; c++) {
      const phase = 2 * Math.PI * rng.uniform();
      const amp = 0.5 + 0.25 * c;
      for (let s = 0; s < 300; s++) {
        out[w * 900 + s * 3 + c] = amp * Math.sin((2 * Math.PI * hz * s) / 30 + phase) +
          noise * rng.normal() + (c === 2 ? 1 : 0);
      }
    }
  }
  return out;
}

Deno.test("metrics meanPowerSpectrum: bins, peak, Parseval-like total power", () => {
  const w = sineWindows(4, 2.5, 0, 1);
  const { frequencies, perAxis, count } = meanPowerSpectrum(w);
  assert.equal(count, 4);
  assert.equal(frequencies.length, 150);
  assert.equal(frequencies[0], 0.1);
  assert.equal(frequencies[149], 15);
  for (let c = 0; c < 3; c++) {
    const p = perAxis[c];
    assert.equal(frequencies[p.indexOf(Math.max(...p))], 2.5);
    // Integrated density ~ the variance of the sinusoid, amp^2 / 2 (Hann preserves power on
    // average; a bin-centred tone is exact).
    const amp = 0.5 + 0.25 * c;
    const total = p.reduce((s, v) => s + v, 0) * 0.1;
    assert(Math.abs(total - amp * amp / 2) < 1e-9, `axis ${c}: ${total}`);
  }
});

Deno.test("metrics meanPowerSpectrum: white noise has density 2 s^2 / fs", () => {
  const rng = new Rng(5);
  const sigma = 0.2;
  const w = new Float64Array(500 * 900).map(() => sigma * rng.normal());
  const { perAxis } = meanPowerSpectrum(w);
  const expected = (2 * sigma * sigma) / 30;
  for (const p of perAxis) {
    const mid = p.subarray(5, 145); // away from DC leakage of the mean removal and Nyquist
    const avg = mid.reduce((s, v) => s + v, 0) / mid.length;
    assert(Math.abs(avg / expected - 1) < 0.02, `mean density ${avg} vs ${expected}`);
  }
});

Deno.test("metrics powerSpectrumDistance: identical sets give 0", () => {
  const w = sineWindows(5, 3, 0.1, 3);
  const r = powerSpectrumDistance(w, w);
  assert.deepEqual(r.perAxis, [0, 0, 0]);
  assert.equal(r.mean, 0);
  assert.equal(r.frequencies.length, 150);
  // Float32 and float64 copies of float32 values are the same data.
  const f = Float32Array.from(w);
  assert.equal(powerSpectrumDistance(f, Float64Array.from(f)).mean, 0);
});

Deno.test("metrics powerSpectrumDistance: f1 vs f2 is farther than f1 vs f1 with noise", () => {
  const real = sineWindows(20, 2, 0.05, 10);
  const sameFreqNoisy = sineWindows(20, 2, 0.05, 11);
  const otherFreq = sineWindows(20, 5, 0.05, 12);
  const near = powerSpectrumDistance(real, sameFreqNoisy);
  const far = powerSpectrumDistance(real, otherFreq);
  for (let c = 0; c < 3; c++) {
    assert(
      far.perAxis[c] > 2 * near.perAxis[c],
      `axis ${c}: ${far.perAxis[c]} vs ${near.perAxis[c]}`,
    );
  }
  assert(far.mean > near.mean && near.mean > 0);
});

Deno.test("metrics powerSpectrumDistance: amplitude a gives exactly |2 log10 a| per bin", () => {
  const real = sineWindows(3, 4, 0.2, 20);
  for (const a of [3, 0.1, 2]) {
    const scaled = real.map((v) => a * v);
    const r = powerSpectrumDistance(real, scaled, { eps: 0 });
    const expected = Math.abs(2 * Math.log10(a));
    for (const d of r.perAxis) assert(Math.abs(d - expected) < 1e-12, `a=${a}: ${d}`);
    assert(Math.abs(r.mean - expected) < 1e-12);
  }
  // Float32 windows scaled by a power of two scale exactly too.
  const f = Float32Array.from(real);
  const r4 = powerSpectrumDistance(f, f.map((v) => 4 * v), { eps: 0 });
  assert(Math.abs(r4.mean - 2 * Math.log10(4)) < 1e-12);
  // A constant offset (gravity) does not change the spectrum: means are removed.
  assert(powerSpectrumDistance(real, real.map((v) => v + 0.7), { eps: 0 }).mean < 1e-9);
});

Deno.test("metrics powerSpectrumDistance: layout options and errors", () => {
  // 1 channel, 64 samples at 32 Hz: bins 0.5 .. 16 Hz.
  const w = new Float64Array(2 * 64).map((_, i) => Math.sin(i));
  const r = powerSpectrumDistance(w, w.map((v) => 10 * v), {
    length: 64,
    channels: 1,
    sampleRate: 32,
    eps: 0,
  });
  assert.equal(r.perAxis.length, 1);
  assert.equal(r.frequencies[0], 0.5);
  assert.equal(r.frequencies[31], 16);
  assert(Math.abs(r.mean - 2) < 1e-12);
  assert.throws(
    () => powerSpectrumDistance(new Float32Array(900), new Float32Array(901)),
    /powerSpectrumDistance: generated has length 901, not a multiple of the row width 900/,
  );
  assert.throws(
    () => powerSpectrumDistance(new Float32Array(0), new Float32Array(900)),
    /real needs at least 1 row\(s\) of width 900, got length 0/,
  );
  assert.throws(
    () => powerSpectrumDistance(new Float32Array(900), new Float32Array(900), { eps: -1 }),
    /eps must be a finite number >= 0, got -1/,
  );
  // Zero power in one set only, with eps = 0, is an error naming the bin.
  assert.throws(
    () => powerSpectrumDistance(new Float64Array(900), sineWindows(1, 2, 0, 1), { eps: 0 }),
    /axis 0 bin 1 \(0.1 Hz\) has power 0 \(real\)/,
  );
});
