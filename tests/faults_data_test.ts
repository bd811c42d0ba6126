// Issue 28, data: multi-member gzip, ns/us timestamps, header-less x,y,z,label, non-finite cells,
// long and binary fields, gaps, units (g read as m/s^2, gravity removed, clipping in encode).
import assert from "node:assert/strict";
import {
  type AccelWindow,
  collectWindows,
  type CsvReaderOptions,
  DataError,
  readCsvWindows,
} from "../lib/data/mod.ts";
import { readWindows } from "../lib/model/windows.ts";
import { readCsvFile } from "../lib/io/mod.ts";

async function read(input: string | Uint8Array, o: CsvReaderOptions = {}) {
  const out: AccelWindow[] = [];
  const warnings: string[] = [];
  const s = readCsvWindows(input, { source: "f.csv", onWarning: (m) => warnings.push(m), ...o });
  for await (const w of s) out.push(w);
  return { out, stats: s.stats, warnings };
}

async function rejects(
  input: string | Uint8Array,
  code: string,
  where: RegExp,
  o: CsvReaderOptions = {},
) {
  await assert.rejects(read(input, o), (e) => {
    assert.ok(e instanceof DataError, String(e));
    assert.equal(e.code, code, e.message);
    assert.match(e.message, where);
    return true;
  });
}

/** `seconds` of rows at 50 Hz, in g with gravity on z; `ts(t)` writes the time. */
function rows(seconds: number, ts: (t: number) => string, header = "t,x,y,z"): string {
  const lines = [header];
  for (let i = 0; i < seconds * 50; i++) {
    const t = i / 50;
    lines.push(
      `${ts(t)},${(0.1 * Math.sin(t)).toFixed(4)},0.05,${(1 + 0.05 * Math.cos(t)).toFixed(4)}`,
    );
  }
  return lines.join("\n") + "\n";
}

async function gzip(text: string): Promise<Uint8Array> {
  const s = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(s).arrayBuffer());
}

Deno.test("faults: a multi-member gzip file reads whole; a truncated or corrupt member fails", async () => {
  const text = rows(30, (t) => t.toFixed(3));
  const cut = text.indexOf("\n", text.length >> 1) + 1;
  const a = await gzip(text.slice(0, cut)), b = await gzip(text.slice(cut));
  const multi = new Uint8Array(a.length + b.length);
  multi.set(a);
  multi.set(b, a.length);
  const whole = await read(text), joined = await read(multi);
  assert.equal(joined.out.length, whole.out.length);
  assert.equal(joined.stats.rows, 1500);
  assert.deepEqual(joined.out.map((w) => w.data), whole.out.map((w) => w.data));
  // As a stream in small chunks too.
  const chunks = new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i < multi.length; i += 100) c.enqueue(multi.slice(i, i + 100));
      c.close();
    },
  });
  assert.equal((await read(chunks as unknown as Uint8Array)).stats.rows, 1500);
  // From a file (inflated natively up to the first member's end, then opened again).
  const dir = await Deno.makeTempDir();
  await Deno.writeFile(`${dir}/m.csv.gz`, multi);
  const fromFile = await collectWindows(readCsvFile(`${dir}/m.csv.gz`));
  assert.equal(fromFile.stats.rows, 1500);
  assert.deepEqual(fromFile.data, (await collectWindows(readCsvWindows(text))).data);
  await Deno.writeFile(`${dir}/cut.csv.gz`, multi.subarray(0, a.length + 40));
  await assert.rejects(
    collectWindows(readCsvFile(`${dir}/cut.csv.gz`)),
    /cut\.csv\.gz: cannot read/,
  );
  await Deno.remove(dir, { recursive: true });
  for (const bad of [multi.subarray(0, multi.length - 3), multi.subarray(0, a.length + 40)]) {
    await rejects(bad, "unreadable", /^f\.csv: cannot read: corrupt or truncated gzip data/);
  }
  const flipped = multi.slice();
  flipped[a.length - 6] ^= 0xff; // the first member's CRC-32
  await rejects(flipped, "unreadable", /gzip member 1: its trailer does not match its data/);
});

Deno.test("faults: nanosecond and microsecond timestamps (epoch and relative) give the windows seconds do", async () => {
  const s = await read(rows(60, (t) => t.toFixed(3)));
  assert.equal(s.out.length, 11);
  for (
    const ts of [
      (t: number) => String(BigInt(Math.round(t * 1000)) * 1_000_000n + 1_700_000_000_000_000_000n),
      (t: number) => String(Math.round(t * 1e6) + 1_700_000_000_000_000),
      (t: number) => String(BigInt(Math.round(t * 1000)) * 1_000_000n),
      (t: number) => String(Math.round(t * 1e6)),
    ]
  ) {
    const r = await read(rows(60, ts));
    assert.equal(r.out.length, 11, ts(1));
    assert.equal(r.out[1].start - r.out[0].start, 5);
  }
});

Deno.test("faults: a header-less x,y,z,label file is not read with x as the time", async () => {
  const lines: string[] = [];
  for (let i = 0; i < 900; i++) lines.push(`${(0.1 * Math.sin(i / 7)).toFixed(3)},0.05,0.99,walk`);
  const text = lines.join("\n") + "\n";
  // Without a time column it needs a sample rate, and says so naming the CLI flag.
  await rejects(text, "missing-column", /no sample rate given .*--rate/);
  const r = await read(text, { sampleRate: 30 });
  assert.equal(r.stats.rows, 900, "the first row is data, not a header");
  assert.equal(r.out.length, 5);
  assert.equal(r.out[0].label, "walk");
  assert.ok(Math.abs(r.out[0].data[2] - 0.99) < 1e-6);
  // Numeric labels cannot be told from t,x,y,z: the time error says how to fix it.
  const numeric = text.replaceAll(",walk", ",1");
  await rejects(numeric, "non-monotonic", /f\.csv:\d+.*no header line.*add a header line/);
});

Deno.test("faults: Infinity, 1e999, a 10 MB field and binary bytes are errors naming file, line and field, quoted short", async () => {
  const base = rows(20, (t) => t.toFixed(3)).split("\n");
  const edit = (line: number, text: string) => {
    const l = base.slice();
    l[line - 1] = text;
    return l.join("\n");
  };
  await rejects(
    edit(40, "0.78,Infinity,0,1"),
    "non-numeric",
    /^f\.csv:40: 'Infinity' is not a finite number \(field x\)/,
  );
  await rejects(
    edit(41, "0.80,0,0,1e999"),
    "non-numeric",
    /^f\.csv:41: '1e999' is not a finite number \(field z\)/,
  );
  await rejects(edit(42, "0.82,0,-Infinity,1"), "non-numeric", /f\.csv:42: .*\(field y\)/);
  const long = edit(43, `0.84,${"1".repeat(10_000_000)},0,1`);
  await assert.rejects(read(long), (e: Error) => {
    assert.match(
      e.message,
      /f\.csv:43: '1{40}…' \(10000000 characters\) is not a number \(field x\)/,
    );
    assert.ok(e.message.length < 300, `message of ${e.message.length} characters`);
    return true;
  });
  await assert.rejects(read(edit(44, "0.86,\u0000\u001b[31m,0,1")), (e: Error) => {
    assert.match(e.message, /f\.csv:44: '\\u0000\\u001b\[31m' is not a number \(field x\)/);
    assert.ok([...e.message].every((c) => c.charCodeAt(0) >= 0x20), "no control character");
    return true;
  });
  // A model file dropped as a CSV: its JSON header is not printed whole.
  const header = JSON.stringify({ __metadata__: { config: "x".repeat(5000) } });
  await assert.rejects(read(`${header}\n`), (e: Error) => {
    assert.ok(e.message.length < 400, e.message);
    return true;
  });
});

Deno.test("faults: gaps longer than 1 s are counted, and a recording split too short says so", async () => {
  const text = rows(30, (t) => (t < 15 ? t : t + 5).toFixed(3)); // a 5 s gap at 15 s
  const r = await read(text);
  assert.equal(r.stats.gaps, 1);
  assert.equal(r.stats.segments, 2);
  // The CLI's data summary says so.
  const { dataSummary } = await import("../cli/_data.ts");
  const { collectWindows: collect } = await import("../lib/data/mod.ts");
  const set = await collect(readCsvWindows(text, { source: "f.csv" }));
  assert.match(dataSummary(set, "f.csv"), /; 1 gap\(s\) longer than 1 s split recordings/);
  const short = rows(16, (t) => (t < 8 ? t : t + 3).toFixed(3)); // two 8 s pieces
  await rejects(
    short,
    "too-short",
    /too short for one 10 s window .*1 gap\(s\) longer than 1 s split it/,
  );
});

Deno.test("faults: units: g read as m/s^2 fails, gravity-removed data warn, clipped m/s^2 in encode warns", async () => {
  const g = rows(30, (t) => t.toFixed(3));
  await rejects(g, "unit-mismatch", /median vector norm 1\.0\d read as m\/s\^2 .*look like g/, {
    units: "m/s^2",
  });
  const trusted = await read(g, { units: "m/s^2", trustUnits: true });
  assert.match(trusted.warnings.join("\n"), /read as m\/s\^2.*\(units trusted\)/);
  // Gravity removed: taken for g (norm about 0.5), with a hint.
  const lines = ["t,x,y,z"];
  for (let i = 0; i < 1500; i++) {
    lines.push(
      `${(i / 50).toFixed(3)},${(0.5 * Math.sin(i / 5)).toFixed(4)},0.1,${
        (0.4 * Math.cos(i / 3)).toFixed(4)
      }`,
    );
  }
  const removed = await read(lines.join("\n"));
  assert.match(
    removed.warnings.join("\n"),
    /f\.csv: the mean acceleration vector is .* gravity removed/,
  );
  assert.deepEqual((await read(g)).warnings, []);
  // Library encode input: m/s^2 given as g is clipped at 3 g, with a warning.
  const ms2 = new Float32Array(300 * 3).map((_, i) => (i % 3 === 2 ? 9.81 : 0.2));
  const seen: string[] = [];
  const spec = {
    length: 300,
    channels: 3,
    clip: 3,
    caller: "encode",
    onWarning: (m: string) => seen.push(m),
  };
  await readWindows(ms2, spec);
  assert.equal(seen.length, 1);
  assert.match(seen[0], /encode: 300 of 900 values \(33\.3 %\) were clipped at ±3 g.*m\/s\^2/);
  await readWindows(new Float32Array(900).map((_, i) => (i % 3 === 2 ? 1 : 0.1)), spec);
  assert.equal(seen.length, 1, "g data: no warning");
});

Deno.test("faults: a time column named epoch_ms is found; --time-column names any other", async () => {
  const { loadWindows } = await import("../cli/_data.ts");
  const r = await read(rows(30, (t) => String(Math.round(1.7e12 + t * 1000)), "epoch_ms,x,y,z"));
  assert.equal(r.out.length, 5);
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/w.csv`, rows(30, (t) => t.toFixed(3), "when,x,y,z"));
  await assert.rejects(
    loadWindows({ "no-cache": true }, [`${dir}/w.csv`]),
    /no timestamp column and no sample rate given .*--rate HZ/,
  );
  const { set } = await loadWindows({ "no-cache": true, "time-column": "when" }, [`${dir}/w.csv`]);
  assert.equal(set.count, 5);
  await Deno.remove(dir, { recursive: true });
});
