// Issue 28, web demo: several dropped files are all read, and dropped rows and windows are
// reported on the page (not only as a smaller window count with warnings in the console).
import assert from "node:assert/strict";
import { dataSummary, readDataFiles } from "../web/data_files.ts";

const enc = new TextEncoder();

/** 20 s at 30 Hz in g; `edit` changes the row lines. */
function csv(edit: (lines: string[]) => void = () => {}): Uint8Array {
  const lines = ["t,x,y,z"];
  for (let i = 0; i < 600; i++) lines.push(`${(i / 30).toFixed(4)},0.1,0,${1 + (i % 5) / 100}`);
  edit(lines);
  return enc.encode(lines.join("\n") + "\n");
}

Deno.test("web demo: every dropped file is read; NaN windows and duplicate rows are on the page", async () => {
  const files = [
    { name: "a.csv", bytes: csv() },
    { name: "b.csv", bytes: csv((l) => (l[101] = `${(99 / 30).toFixed(4)},0.1,0,1`)) }, // repeat
    { name: "c.csv", bytes: csv((l) => (l[400] = `${(399 / 30).toFixed(4)},NaN,0,1`)) },
  ];
  const read = await readDataFiles(files);
  assert.equal(read.name, "3 files (a.csv, b.csv, c.csv)");
  assert.deepEqual([...new Set(read.set.sources)], ["a.csv", "b.csv", "c.csv"]);
  const one = await readDataFiles([files[0]]);
  assert.equal(read.set.stats.rows, 3 * one.set.stats.rows);
  const summary = dataSummary(read.set);
  assert.match(summary, /^\d+ windows from 1800 rows/);
  assert.match(summary, /windows dropped: [1-9]\d* with NaN/);
  assert.match(summary, /1 rows with a repeated timestamp skipped/);
  assert.equal(dataSummary(one.set), `${one.set.count} windows from 600 rows`);
  // Warnings (units, gravity) are returned for the page, naming the file.
  const flat = ["t,x,y,z"];
  for (let i = 0; i < 600; i++) {
    flat.push(`${(i / 30).toFixed(4)},${(0.5 * Math.sin(i / 3)).toFixed(3)},0.1,0.2`);
  }
  const ms2 = enc.encode(flat.join("\n"));
  const warned = await readDataFiles([{ name: "flat.csv", bytes: ms2 }]);
  assert.match(warned.warnings.join("\n"), /flat\.csv: .*gravity removed/);
  // An error names the file at fault.
  await assert.rejects(
    readDataFiles([files[0], { name: "bad.csv", bytes: enc.encode("t,x,y,z\n0,1,oops,1\n") }]),
    /bad\.csv:2/,
  );
});
