// Bad input: every error names the file and line; skipBadRows skips and counts instead.
import assert from "node:assert/strict";
import { type CsvReaderOptions, DataError, readCsvWindows } from "../lib/data/mod.ts";

async function drain(text: string | Uint8Array, o: CsvReaderOptions = {}) {
  const s = readCsvWindows(text, { source: "bad.csv", ...o });
  let n = 0;
  for await (const _ of s) n++;
  return { n, stats: s.stats };
}

/** 20 s of valid rows at 30 Hz (lines 2..601), with `edit` applied to the row lines. */
function good(edit: (lines: string[]) => void = () => {}): string {
  const lines = ["t,x,y,z"];
  for (let i = 0; i < 600; i++) lines.push(`${(i / 30).toFixed(4)},0,0,1`);
  edit(lines);
  return lines.join("\n") + "\n";
}

async function expectError(
  text: string | Uint8Array,
  code: string,
  line: number,
  field: string | null,
  o: CsvReaderOptions = {},
) {
  await assert.rejects(drain(text, o), (e: unknown) => {
    assert.ok(e instanceof DataError, String(e));
    assert.equal(e.code, code, e.message);
    assert.equal(e.file, "bad.csv");
    assert.equal(e.line, line, e.message);
    assert.equal(e.field, field);
    assert.ok(e.message.startsWith(line > 0 ? `bad.csv:${line}: ` : "bad.csv: "), e.message);
    return true;
  });
}

Deno.test("malformed row (wrong column count) names file and line", async () => {
  await expectError(good((l) => (l[10] = "0.3,0,1")), "malformed-row", 11, null);
  await expectError(good((l) => (l[42] += ",7")), "malformed-row", 43, null);
});

Deno.test("non-numeric value names file, line and field", async () => {
  await expectError(good((l) => (l[100] = "3.3,0,abc,1")), "non-numeric", 101, "y");
  // also after the detection buffer (row 1500)
  const long = good((l) => {
    for (let i = 600; i < 1600; i++) l.push(`${(i / 30).toFixed(4)},0,0,1`);
    l[1500] = `${(1499 / 30).toFixed(4)},0,0,1g`;
  });
  await expectError(long, "non-numeric", 1501, "z");
  // empty and NaN fields are missing values (window dropped), not errors
  const { n, stats } = await drain(good((l) => (l[50] = `${(49 / 30).toFixed(4)},NaN,,1`)));
  assert.equal(n, 2); // windows at 0, 5, 10 s; the first has the NaNs
  assert.equal(stats.dropped.nan, 1);
});

Deno.test("missing column names the field", async () => {
  await expectError("t,x,y,w\n0,0,0,1\n", "missing-column", 1, "z");
  await expectError(good(), "missing-column", 1, "x", { columns: { x: "acc_x" } });
  await expectError("x,y,z\n0,0,1\n", "missing-column", 1, "timestamp");
});

Deno.test("empty file and header-only file", async () => {
  await expectError("", "empty", 0, null);
  await expectError("\n\n", "empty", 0, null);
  await expectError("t,x,y,z\n", "empty", 1, null);
  await expectError(new Uint8Array(0), "empty", 0, null);
});

Deno.test("recording too short for one window", async () => {
  const short = good((l) => l.splice(250));
  await expectError(short, "too-short", 250, null);
});

Deno.test("non-monotonic timestamps name the line; duplicates are skipped", async () => {
  await expectError(good((l) => (l[300] = "1.0,0,0,1")), "non-monotonic", 301, "timestamp");
  const { stats } = await drain(good((l) => (l[300] = l[299])));
  assert.equal(stats.duplicateRows, 1);
});

Deno.test("unknown or undetectable units", async () => {
  await expectError(good(), "unknown-unit", 0, null, { units: "furlongs" });
  const huge = good((l) => {
    for (let i = 1; i < l.length; i++) l[i] = l[i].replace(/,1$/, ",500");
  });
  await expectError(huge, "unknown-unit", 2, null);
  // Explicit units contradicting the data fail; trusted, they win (values clipped).
  await expectError(huge, "unit-mismatch", 0, null, { units: "g" });
  await drain(huge, { units: "g", trustUnits: true, onWarning: () => {} });
});

Deno.test("bad timestamps", async () => {
  await expectError("time,x,y,z\nyesterday,0,0,1\n", "bad-timestamp", 2, null);
  await expectError(good((l) => (l[20] = "oops,0,0,1")), "bad-timestamp", 21, "timestamp");
});

Deno.test("skipBadRows skips and counts bad rows", async () => {
  const text = good((l) => {
    l[10] = "0.3,0,1"; // malformed
    l[20] = `${(19 / 30).toFixed(4)},x,0,1`; // non-numeric
    l[30] = "0.1,0,0,1"; // goes back in time
  });
  const { n, stats } = await drain(text, { skipBadRows: true });
  assert.equal(n, 3);
  assert.equal(stats.skippedRows, 3);
  assert.equal(stats.rows, 600);
});

Deno.test("units that contradict the median norm fail naming the file and the norm", async () => {
  const ms2 = good((l) => l.forEach((_, i) => i > 0 && (l[i] = l[i].replace(/,1$/, ",9.81"))));
  await expectError(ms2, "unit-mismatch", 0, null, { units: "g" });
  await assert.rejects(drain(ms2, { units: "g" }), /bad\.csv: median vector norm 9\.81 read as g/);
  const g = good((l) => l.forEach((_, i) => i > 0 && (l[i] = l[i].replace(/,1$/, ",0.1"))));
  await assert.rejects(drain(g, { units: "m/s^2" }), /median vector norm 0\.1 read as m\/s\^2/);
  assert.equal((await drain(ms2, { units: "m/s^2" })).n, 3);
  assert.equal((await drain(good(), { units: "g" })).stats.clippedSamples, 0);
  // Trusted: a warning, and the clipped samples are counted.
  const warnings: string[] = [];
  const r = await drain(ms2, { units: "g", trustUnits: true, onWarning: (m) => warnings.push(m) });
  assert.equal(r.n, 3);
  assert.equal(r.stats.clippedSamples, 900);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /^bad\.csv: median vector norm 9\.81 read as g.*\(units trusted\)$/);
});

Deno.test("clipped samples are counted per sample (time point), in g", async () => {
  const few = good((l) => (l[5] = `${(4 / 30).toFixed(4)},5,-5,1`)); // one sample, 2 axes
  assert.equal((await drain(few, { units: "g" })).stats.clippedSamples, 1);
  const many = good((l) => {
    for (let i = 1; i <= 10; i++) l[i] = `${((i - 1) / 30).toFixed(4)},0,0,3.5`;
  });
  assert.equal((await drain(many, { units: "g" })).stats.clippedSamples, 10);
});
