// SisFall and FallAllD adapters on tiny generated trees in the real formats (gzipped `x,y,z`
// in raw bits, no timestamps), plus an optional smoke test on ../shared/data.
import assert from "node:assert/strict";
import {
  datasetFiles,
  fallAllDPlacement,
  isFallCode,
  listDataset,
  loadDataset,
  parseDatasetList,
  readFallAllD,
  readSisFall,
} from "../lib/io/mod.ts";
import { type AccelWindow, DataError } from "../lib/data/mod.ts";
import { loadWindows } from "../cli/_data.ts";
import { UsageError } from "../cli/_common.ts";

async function gzip(text: string): Promise<Uint8Array> {
  const s = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(s).arrayBuffer());
}

async function all(s: AsyncIterable<AccelWindow>): Promise<AccelWindow[]> {
  const out: AccelWindow[] = [];
  for await (const w of s) out.push(w);
  return out;
}

/** `x,y,z` file of n rows; row i holds `row(i)`. */
function xyz(n: number, row: (i: number) => string): string {
  return "x,y,z\n" + Array.from({ length: n }, (_, i) => row(i)).join("\n") + "\n";
}

async function put(root: string, path: string, text: string): Promise<void> {
  await Deno.mkdir(`${root}/${path.slice(0, path.lastIndexOf("/"))}`, { recursive: true });
  if (path.endsWith(".gz")) await Deno.writeFile(`${root}/${path}`, await gzip(text));
  else await Deno.writeTextFile(`${root}/${path}`, text);
}

/** SisFall-like tree at 50 Hz: D01 (12 s, ramp) and its duplicate D02, F01 (15 s), SE06
 * D05 (25 s), a 499-row file (too short) and files that are not trials. */
async function sisfallTree(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "sisfall_" });
  const ramp = xyz(600, (i) => `${i},-512,256`); // x = i bits = i / 256 g at i / 50 s
  await put(root, "SA01/D01_SA01_R01.csv.gz", ramp);
  await put(root, "SA01/D02_SA01_R01.csv.gz", ramp);
  await put(root, "SA01/F01_SA01_R01.csv.gz", xyz(750, () => "256,0,896"));
  await put(root, "SE06/D05_SE06_R02.csv.gz", xyz(1250, () => "0,256,0"));
  await put(root, "SA02/D07_SA02_R01.csv", xyz(499, () => "0,0,256"));
  await put(root, "SA02/notes.txt", "not a trial\n");
  await Deno.writeTextFile(`${root}/Readme.txt`, "SisFall\n");
  return root;
}

/** FallAllD-like tree at 59.5 Hz, 20 s (1190 rows) per file: S01 on all three loggers,
 * S02 on the wrist, plus a gyroscope file that must be ignored. */
async function fallalldTree(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "fallalld_" });
  const one = xyz(1190, () => "4098,0,-4098");
  await put(root, "S01/S01_D1_A001_T01_A.csv.gz", one);
  await put(root, "S01/S01_D2_A001_T01_A.csv.gz", one);
  await put(root, "S01/S01_D3_A101_T01_A.csv.gz", one);
  await put(root, "S02/S02_D2_A044_T02_A.csv.gz", one);
  await put(root, "S02/S02_D2_A044_T02_G.csv.gz", one);
  return root;
}

Deno.test("sisfall: bits to g, 50 Hz by sample index, codes, subjects, duplicate skip", async () => {
  const root = await sisfallTree();
  try {
    const listing = await listDataset("sisfall", root);
    assert.deepEqual(listing.files, [
      "SA01/D01_SA01_R01.csv.gz",
      "SA01/F01_SA01_R01.csv.gz",
      "SA02/D07_SA02_R01.csv",
      "SE06/D05_SE06_R02.csv.gz",
    ]);
    assert.deepEqual(listing.notes, [
      "skipped SA01/D02_SA01_R01.csv.gz: identical to SA01/D01_SA01_R01.csv.gz",
    ]);
    const s = readSisFall(root);
    const ws = await all(s);
    // 12 s -> 1 window, 15 s -> 2, 25 s -> 4 (10 s windows, 5 s hop, never across files);
    // 499 rows (9.98 s) are too short.
    assert.deepEqual(ws.map((w) => [w.source, w.label, w.subject, Math.round(w.start)]), [
      ["SA01/D01_SA01_R01.csv.gz", "D01", "SA01", 0],
      ["SA01/F01_SA01_R01.csv.gz", "F01", "SA01", 0],
      ["SA01/F01_SA01_R01.csv.gz", "F01", "SA01", 5],
      ["SE06/D05_SE06_R02.csv.gz", "D05", "SE06", 0],
      ["SE06/D05_SE06_R02.csv.gz", "D05", "SE06", 5],
      ["SE06/D05_SE06_R02.csv.gz", "D05", "SE06", 10],
      ["SE06/D05_SE06_R02.csv.gz", "D05", "SE06", 15],
    ]);
    assert.equal(s.stats.files, 4);
    assert.equal(s.stats.skippedFiles, 1);
    assert.equal(s.stats.rows, 600 + 750 + 499 + 1250);
    // g = bits * 32 / 8192: 256 bits = 1 g; the ramp is resampled at 30 Hz by sample index
    const d01 = ws[0].data;
    for (const k of [0, 1, 2, 3, 150, 299]) {
      assert.ok(Math.abs(d01[k * 3] - (k * 50) / 30 / 256) < 1e-5, `sample ${k}: ${d01[k * 3]}`);
    }
    assert.ok(Math.abs(d01[1] + 2) < 1e-6 && Math.abs(d01[2] - 1) < 1e-6);
    assert.equal(ws[1].data[0], 1);
    assert.equal(ws[1].data[2], 3); // 3.5 g clipped at 3 g
    assert.equal(ws[3].data[1], 1);
    assert.ok(isFallCode(ws[1].label) && !isFallCode(ws[0].label));
    // subject filter; the duplicate check only applies when both files are listed
    const se = await all(readSisFall(root, { subjects: ["SE06"], labelPolicy: "ignore" }));
    assert.equal(se.length, 4);
    assert.ok(se.every((w) => w.subject === "SE06" && w.label === null));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("sisfall: a duplicate name with different content is kept", async () => {
  const root = await sisfallTree();
  try {
    await put(root, "SA01/D02_SA01_R01.csv.gz", xyz(600, () => "0,0,256"));
    const listing = await listDataset("sisfall", root);
    assert.ok(listing.files.includes("SA01/D02_SA01_R01.csv.gz"));
    assert.deepEqual(listing.notes, []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("sisfall: a malformed row names the file and line", async () => {
  const root = await sisfallTree();
  try {
    await put(root, "SA03/D01_SA03_R01.csv.gz", xyz(600, (i) => i === 3 ? "1,2" : "0,0,256"));
    await assert.rejects(
      () => all(readSisFall(root, { subjects: ["SA03"] })),
      (e: unknown) => {
        assert.ok(e instanceof DataError && e.code === "malformed-row");
        assert.equal(e.file, "SA03/D01_SA03_R01.csv.gz");
        assert.equal(e.line, 5); // header is line 1
        assert.match(e.message, /^SA03\/D01_SA03_R01\.csv\.gz:5: expected 3 fields, got 2/);
        return true;
      },
    );
    const s = readSisFall(root, { subjects: ["SA03"], skipBadRows: true });
    assert.equal((await all(s)).length, 1);
    assert.equal(s.stats.skippedRows, 1);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("fallalld: bits to g, 59.5 Hz -> 3 windows per 20 s trial, placements", async () => {
  const root = await fallalldTree();
  try {
    const s = readFallAllD(root);
    const ws = await all(s);
    assert.equal(ws.length, 12);
    assert.equal(s.stats.files, 4);
    for (let f = 0; f < 4; f++) {
      const w = ws.slice(f * 3, f * 3 + 3);
      assert.deepEqual(w.map((x) => Math.round(x.start)), [0, 5, 10]);
      assert.equal(new Set(w.map((x) => x.source)).size, 1);
    }
    assert.deepEqual([...new Set(ws.map((w) => w.label))], ["A001", "A101", "A044"]);
    assert.deepEqual([...new Set(ws.map((w) => w.subject))], ["S01", "S02"]);
    // 4098 bits * 0.000244 = 0.999912 g
    assert.ok(
      Math.abs(ws[0].data[0] - 0.999912) < 1e-6 && Math.abs(ws[0].data[2] + 0.999912) < 1e-6,
    );
    assert.deepEqual(ws.map((w) => fallAllDPlacement(w.source)).filter((_, i) => i % 3 === 0), [
      "neck",
      "wrist",
      "waist",
      "wrist",
    ]);
    const wrist = await all(readFallAllD(root, { placements: ["wrist"] }));
    assert.equal(wrist.length, 6);
    assert.ok(wrist.every((w) => fallAllDPlacement(w.source) === "wrist"));
    assert.deepEqual([...new Set(wrist.map((w) => w.subject))], ["S01", "S02"]);
    assert.deepEqual(await datasetFiles("fallalld", root, { placements: ["wrist", "waist"] }), [
      "S01/S01_D2_A001_T01_A.csv.gz",
      "S01/S01_D3_A101_T01_A.csv.gz",
      "S02/S02_D2_A044_T02_A.csv.gz",
    ]);
    const s02 = await all(readFallAllD(root, { subjects: ["S02"], placements: ["neck"] }));
    assert.equal(s02.length, 0);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("data set lists: fallalld placements inside comma lists", () => {
  assert.deepEqual(parseDatasetList("uci-hapt,sisfall,fallalld:wrist"), [
    { name: "uci-hapt" },
    { name: "sisfall" },
    { name: "fallalld", placements: ["wrist"] },
  ]);
  assert.deepEqual(parseDatasetList("fallalld:wrist,waist,sp-sw-har"), [
    { name: "fallalld", placements: ["wrist", "waist"] },
    { name: "sp-sw-har" },
  ]);
  assert.deepEqual(parseDatasetList("fallalld:neck+wrist"), [
    { name: "fallalld", placements: ["neck", "wrist"] },
  ]);
  assert.deepEqual(parseDatasetList("fallalld"), [{ name: "fallalld" }]);
  assert.throws(() => parseDatasetList("fallalld:ankle"), /fallalld has no placement "ankle"/);
  assert.throws(() => parseDatasetList("sisfall:wrist"), /sisfall has no placement "wrist"/);
  assert.throws(() => parseDatasetList("uci-hapt,wrist"), /unknown dataset "wrist"/);
  assert.throws(() => parseDatasetList("mhealth"), /unknown dataset "mhealth"/);
});

Deno.test("loadDataset caches per placement; the CLI reads fallalld:wrist and notes duplicates", async () => {
  const fall = await fallalldTree();
  const sis = await sisfallTree();
  const cacheDir = await Deno.makeTempDir({ prefix: "cache_" });
  try {
    const a = await loadDataset("fallalld", fall, { cacheDir, placements: ["wrist"] });
    const b = await loadDataset("fallalld", fall, { cacheDir, placements: ["wrist"] });
    assert.equal(a.fromCache, false);
    assert.equal(b.fromCache, true);
    assert.equal(b.count, 6);
    assert.deepEqual(b.labels, a.labels);
    assert.deepEqual(b.sources, a.sources);
    await Deno.stat(`${cacheDir}/fallalld-wrist.ffmwin`);
    const c = await loadDataset("sisfall", sis, { cacheDir });
    const d = await loadDataset("sisfall", sis, { cacheDir });
    assert.equal(d.fromCache, true);
    assert.equal(d.count, 7);
    assert.equal(c.notes.length, 1);
    assert.deepEqual(d.notes, c.notes);

    const cli = await loadWindows({
      dataset: "fallalld:wrist",
      "data-root": fall,
      "no-cache": true,
    }, []);
    assert.equal(cli.set.count, 6);
    assert.match(cli.description, /^fallalld \(wrist\) at /);
    const cs = await loadWindows({ dataset: "sisfall", "data-root": sis, "no-cache": true }, []);
    assert.match(cs.description, /1 file\(s\) left out: skipped SA01\/D02_SA01_R01\.csv\.gz/);
    await assert.rejects(() => loadWindows({ dataset: "fallalld:ankle" }, []), UsageError);
    await assert.rejects(
      () => loadWindows({ dataset: "sisfall,fallalld:wrist", "data-root": fall }, []),
      UsageError,
    );
  } finally {
    for (const r of [fall, sis, cacheDir]) await Deno.remove(r, { recursive: true });
  }
});

const SHARED = new URL("../../shared/data/", import.meta.url);
const haveShared = (() => {
  try {
    return Deno.statSync(new URL("sisfall", SHARED)).isDirectory &&
      Deno.statSync(new URL("fallalld", SHARED)).isDirectory;
  } catch {
    return false;
  }
})();

Deno.test({
  name: "smoke (needs ../shared/data, skipped when absent): windows per data set",
  ignore: !haveShared,
  fn: async () => {
    const root = decodeURIComponent(SHARED.pathname);
    const sis = await loadDataset("sisfall", `${root}sisfall`, { cacheDir: null });
    assert.equal(sis.stats.files, 4504);
    assert.equal(sis.count, 10246);
    assert.equal(new Set(sis.subjects).size, 38);
    assert.equal(new Set(sis.labels).size, 34);
    assert.equal(sis.notes.length, 1);
    const fall = await loadDataset("fallalld", `${root}fallalld`, {
      cacheDir: null,
      placements: ["wrist"],
    });
    assert.equal(fall.stats.files, 2515);
    assert.equal(fall.count, 3 * 2515);
    assert.equal(new Set(fall.subjects).size, 13); // 2 of the 15 subjects have no wrist trial
    const all = await listDataset("fallalld", `${root}fallalld`);
    assert.equal(all.files.length, 6605);
  },
});
