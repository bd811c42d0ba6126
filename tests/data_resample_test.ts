// Resampling to 30 Hz, jitter, gap splitting, windowing with overlap, clipping, drops.
import assert from "node:assert/strict";
import {
  type AccelWindow,
  type CsvReaderOptions,
  emptyStats,
  readCsvWindows,
  Resampler,
  Windower,
} from "../lib/data/mod.ts";

type Row = [t: number, x: number, y: number, z: number, label?: string];

function toCsv(rows: Row[]): string {
  return "t,x,y,z,label\n" + rows.map((r) => `${r[0]},${r[1]},${r[2]},${r[3]},${r[4] ?? ""}`)
    .join("\n") +
    "\n";
}

async function read(rows: Row[], o: CsvReaderOptions = {}) {
  const s = readCsvWindows(toCsv(rows), { units: "g", timeUnit: "s", ...o });
  const out: AccelWindow[] = [];
  for await (const w of s) out.push(w);
  return { out, stats: s.stats };
}

/** Rows at `rate` Hz from `t0` for `seconds`, with x = f(t). */
function rows(t0: number, seconds: number, rate: number, f: (t: number) => number, label?: string) {
  const out: Row[] = [];
  for (let i = 0; i < Math.round(seconds * rate); i++) {
    const t = t0 + i / rate;
    out.push([t, f(t), 0, 1, label]);
  }
  return out;
}

Deno.test("linear signal at 100 Hz is resampled exactly onto the 30 Hz grid", async () => {
  const { out } = await read(rows(0, 12, 100, (t) => 0.1 * t));
  assert.equal(out.length, 1);
  for (let k = 0; k < 300; k++) {
    assert.ok(Math.abs(out[0].data[k * 3] - 0.1 * (k / 30)) < 1e-5, `sample ${k}`);
  }
});

Deno.test("jittered timestamps: values follow the timestamps, not the row index", async () => {
  // 50 Hz nominal with +-4 ms jitter; x = sin(t) evaluated at the real times.
  let seed = 1;
  const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) - 0.5;
  const jit: Row[] = [];
  for (let i = 0; i < 700; i++) {
    const t = i / 50 + rnd() * 0.008;
    jit.push([t, Math.sin(t), 0, 1]);
  }
  const { out } = await read(jit);
  assert.equal(out.length, 1);
  const t0 = out[0].start;
  for (let k = 0; k < 300; k++) {
    // linear interpolation error of sin over <= 28 ms is < 1e-4
    assert.ok(Math.abs(out[0].data[k * 3] - Math.sin(t0 + k / 30)) < 2e-4, `sample ${k}`);
  }
});

Deno.test("a gap longer than gapSeconds splits segments; windows never span it", async () => {
  // 25 s, then a 3 s gap, then 25 s.
  const data = [...rows(0, 25, 50, () => 0.1), ...rows(28, 25, 50, () => 0.2)];
  const { out, stats } = await read(data);
  assert.equal(stats.gaps, 1);
  assert.equal(stats.segments, 2);
  // each 25 s segment (750 samples at 30 Hz): windows at +0, +5, +10, +15
  assert.deepEqual(out.map((w) => Math.round(w.start)), [0, 5, 10, 15, 28, 33, 38, 43]);
  for (const w of out) {
    const end = w.start + 299 / 30;
    assert.ok(end < 25 || w.start >= 28, `window at ${w.start} spans the gap`);
    assert.ok(
      w.data.every((v, i) => i % 3 !== 0 || Math.abs(v - (w.start < 25 ? 0.1 : 0.2)) < 1e-6),
    );
  }
  // With a threshold above the gap, it is bridged by interpolation.
  const bridged = await read(data, { gapSeconds: 5 });
  assert.equal(bridged.stats.gaps, 0);
  assert.equal(bridged.out.length, 9);
});

Deno.test("segments shorter than a window are counted, not errors", async () => {
  const data = [...rows(0, 4, 30, () => 0), ...rows(10, 12, 30, () => 0)];
  const { out, stats } = await read(data);
  assert.equal(out.length, 1);
  assert.equal(stats.shortSegments, 1);
});

Deno.test("overlap option sets the hop", async () => {
  const data = rows(0, 20, 30, () => 0);
  assert.equal((await read(data)).out.length, 3); // hop 5 s
  assert.equal((await read(data, { overlapSeconds: 0 })).out.length, 2); // hop 10 s
  const o8 = await read(data, { overlapSeconds: 8 }); // hop 2 s
  assert.deepEqual(o8.out.map((w) => Math.round(w.start)), [0, 2, 4, 6, 8, 10]);
  const neg = await read(rows(0, 40, 30, () => 0), { overlapSeconds: -5 }); // hop 15 s
  assert.deepEqual(neg.out.map((w) => Math.round(w.start)), [0, 15, 30]);
});

Deno.test("values are clipped to +-3 g (clipG configurable)", async () => {
  const data = rows(0, 10, 30, (t) => (t < 5 ? 7 : -7));
  const trusted = { trustUnits: true, onWarning: () => {} };
  const r = await read(data, trusted), w = r.out[0];
  assert.equal(Math.max(...w.data), 3);
  assert.equal(Math.min(...w.data), -3);
  assert.equal(r.stats.clippedSamples, 300);
  const w2 = (await read(data, { clipG: 8, ...trusted })).out[0];
  assert.equal(Math.max(...w2.data), 7);
});

Deno.test("windows with NaN or two labels are dropped and counted by reason", async () => {
  const data = [
    ...rows(0, 10, 30, () => 0, "sit"), // window 0-10: sit
    ...rows(10, 10, 30, () => 0, "walk"), // window 5-15 mixed; 10-20 walk
    ...rows(20, 10, 30, () => 0, "walk"),
  ];
  data[800][1] = NaN; // t = 26.67 s: only in the window 20-30 s
  const { out, stats } = await read(data);
  // starts 0, 5, 10, 15, 20 -> 0 sit, 5 mixed, 10 walk, 15 walk, 20 NaN
  assert.deepEqual(out.map((w) => [Math.round(w.start), w.label]), [
    [0, "sit"],
    [10, "walk"],
    [15, "walk"],
  ]);
  assert.deepEqual(stats.dropped, { nan: 1, mixedLabel: 1 });
  assert.equal(stats.windows, 3);
  assert.equal(stats.labelledWindows, 3);
  const maj = await read(data, { labelPolicy: "majority" });
  // 5-15 s is half sit, half walk: a tie goes to the earlier label
  assert.deepEqual(maj.out.map((w) => w.label), ["sit", "sit", "walk", "walk"]);
  const ign = await read(data, { labelPolicy: "ignore" });
  assert.equal(ign.out.length, 4);
  assert.ok(ign.out.every((w) => w.label === null));
  assert.equal(ign.stats.unlabelledWindows, 4);
});

Deno.test("empty label field means unlabelled (null), kept as its own label", async () => {
  const data = [...rows(0, 10, 30, () => 0), ...rows(10, 10, 30, () => 0, "walk")];
  const { out, stats } = await read(data);
  assert.deepEqual(out.map((w) => w.label), [null, "walk"]);
  assert.equal(stats.unlabelledWindows, 1);
  assert.equal(stats.dropped.mixedLabel, 1);
});

Deno.test("Resampler and Windower can be used directly", () => {
  const stats = emptyStats();
  const starts: number[] = [];
  const win = new Windower({ windowSamples: 3, hopSamples: 3 }, stats, (_d, t) => starts.push(t));
  const r = new Resampler({ rate: 10, gapSeconds: 0.5 }, win.push, win.endSegment);
  for (let i = 0; i < 20; i++) r.push(i * 0.05, 0, 0, 1, 0); // 20 Hz for 1 s -> 10 samples
  r.push(3, 0, 0, 1, 0); // gap
  r.end();
  assert.equal(r.gaps, 1);
  assert.deepEqual(starts.map((t) => Math.round(t * 10) / 10), [0, 0.3, 0.6]);
  assert.equal(stats.segments, 2);
  assert.equal(stats.shortSegments, 1);
});
