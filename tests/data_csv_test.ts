// Generic CSV reader: layout and column detection, timestamps, units, gzip input.
import assert from "node:assert/strict";
import {
  type AccelWindow,
  collectWindows,
  type CsvReaderOptions,
  readCsvWindows,
  STANDARD_GRAVITY,
} from "../lib/data/mod.ts";

/** Builds CSV text: `n` rows at `rate` Hz; `row(i, tSeconds)` returns the fields. */
function csv(
  header: string | null,
  n: number,
  rate: number,
  row: (i: number, t: number) => string,
) {
  const lines = header === null ? [] : [header];
  for (let i = 0; i < n; i++) lines.push(row(i, i / rate));
  return lines.join("\n") + "\n";
}

async function windows(input: Parameters<typeof readCsvWindows>[0], o: CsvReaderOptions = {}) {
  const out: AccelWindow[] = [];
  const s = readCsvWindows(input, o);
  for await (const w of s) out.push(w);
  return { out, stats: s.stats };
}

const near = (a: number, b: number, eps = 1e-4) => Math.abs(a - b) <= eps;

Deno.test("header names are detected (timestamp/acc_x/.../activity/user)", async () => {
  const text = csv(
    "user,Timestamp,ACC_X,acc_y,acc_z,Activity",
    1500,
    50,
    (_i, t) => `u7,${(t * 1000).toFixed(0)},0.1,0.2,0.97,walk`,
  );
  const { out, stats } = await windows(text);
  assert.equal(out.length, 5); // 30 s -> windows at 0, 5, 10, 15, 20 s (hop 5 s)
  assert.equal(stats.rows, 1500);
  assert.equal(out[0].subject, "u7");
  assert.equal(out[0].label, "walk");
  assert.equal(out[0].source, "<input>");
  assert.ok(near(out[0].data[0], 0.1) && near(out[0].data[1], 0.2) && near(out[0].data[2], 0.97));
  assert.deepEqual(out.map((w) => Math.round(w.start)), [0, 5, 10, 15, 20]);
});

Deno.test("columns chosen by option win; delimiter ; and tab detected", async () => {
  const text = csv("a;b;c;d;e", 300, 30, (_i, t) => `${t.toFixed(4)};9;0;0;1`);
  const { out } = await windows(text, {
    columns: { timestamp: "a", x: "c", y: "d", z: "e" },
  });
  assert.equal(out.length, 1);
  assert.ok(near(out[0].data[2], 1) && near(out[0].data[0], 0));
  const tab = csv("time\tx\ty\tz", 300, 30, (_i, t) => `${t}\t0\t1\t0`);
  assert.equal((await windows(tab)).out.length, 1);
});

Deno.test("headerless: 3 columns need sampleRate; 4 columns are t,x,y,z", async () => {
  const three = csv(null, 500, 50, () => "0.5 -0.5 0.7");
  const { out } = await windows(three, { sampleRate: 50 });
  assert.equal(out.length, 1);
  assert.ok(near(out[0].data[0], 0.5) && near(out[0].data[1], -0.5));
  assert.equal(out[0].start, 0);
  const four = csv(null, 500, 50, (_i, t) => `${t},0,0,1`);
  assert.equal((await windows(four)).out.length, 1);
});

Deno.test("timestamps in s, ms and ISO give the same windows; forced unit wins", async () => {
  const f = (i: number) => `${Math.sin(i / 7).toFixed(5)},0,1`;
  const s = csv("t,x,y,z", 1000, 100, (i, t) => `${(10 + t).toFixed(3)},${f(i)}`);
  const ms = csv("t,x,y,z", 1000, 100, (i, t) => `${Math.round((10 + t) * 1000)},${f(i)}`);
  const iso = csv(
    "time,x,y,z",
    1000,
    100,
    (i, t) => `${new Date(Math.round((10 + t) * 1000)).toISOString()},${f(i)}`,
  );
  const a = (await windows(s)).out;
  const b = (await windows(ms)).out;
  const c = (await windows(iso)).out;
  assert.equal(a.length, 1);
  assert.equal(a[0].start, 10);
  assert.ok(near(b[0].start, 10, 1e-9) && near(c[0].start, 10, 1e-9));
  for (let i = 0; i < 900; i++) {
    assert.ok(near(a[0].data[i], b[0].data[i]) && near(a[0].data[i], c[0].data[i]));
  }
  // Forcing "s" on ms data: 1000 rows span 9990 "seconds" with 10 s steps -> all gaps.
  await assert.rejects(windows(ms, { timeUnit: "s" }), /too short/);
});

Deno.test("units: m/s^2 detected by median norm and converted; explicit option wins", async () => {
  const text = csv("t,x,y,z", 600, 30, (_i, t) => `${t},0,0,${STANDARD_GRAVITY}`);
  const auto = (await windows(text)).out[0];
  assert.ok(near(auto.data[2], 1));
  await assert.rejects(windows(text, { units: "g" }), /median vector norm 9\.81 read as g/);
  const trusted = { trustUnits: true, onWarning: () => {} };
  const forced = (await windows(text, { units: "g", ...trusted })).out[0];
  assert.equal(forced.data[2], 3); // 9.8 g, clipped at 3 g
  const gText = csv("t,x,y,z", 600, 30, (_i, t) => `${t},0.01,0,-0.99`);
  assert.ok(near((await windows(gText)).out[0].data[2], -0.99));
  assert.ok(
    near((await windows(gText, { units: "m/s2", ...trusted })).out[0].data[2], -0.99 / 9.80665),
  );
});

Deno.test("gzip input is decompressed (bytes and stream), .gz needs no flag", async () => {
  const text = csv("t,x,y,z", 900, 30, (_i, t) => `${t},0,0.5,0.5`);
  const gz = new Uint8Array(
    await new Response(
      new Blob([text]).stream().pipeThrough(new CompressionStream("gzip")),
    ).arrayBuffer(),
  );
  assert.equal(gz[0], 0x1f);
  assert.equal((await windows(gz)).out.length, 5); // 30 s at 30 Hz
  // Stream whose first chunk is a single byte: magic sniffing must span chunks.
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(gz.slice(0, 1));
      c.enqueue(gz.slice(1, 100));
      c.enqueue(gz.slice(100));
      c.close();
    },
  });
  const { out } = await windows(stream, { source: "a.csv.gz" });
  assert.equal(out.length, 5);
  assert.equal(out[1].source, "a.csv.gz");
  // CRLF line endings
  assert.equal((await windows(text.replaceAll("\n", "\r\n"))).out.length, 5);
});

Deno.test("collectWindows packs [n, 300, 3] row-major", async () => {
  const text = csv("t,x,y,z", 600, 30, (i, t) => `${t},${i / 1000},${-i / 1000},1`);
  const set = await collectWindows(readCsvWindows(text, { units: "g" }));
  assert.equal(set.count, 3);
  assert.equal(set.data.length, 3 * 900);
  assert.deepEqual(Array.from(set.starts), [0, 5, 10]);
  // window 1 starts at sample 150: x = 0.150
  assert.ok(near(set.data[900], 0.15));
  // sample 10 of window 0: x = 0.010, y = -0.010, z = 1
  assert.ok(near(set.data[30], 0.01) && near(set.data[31], -0.01) && near(set.data[32], 1));
});
