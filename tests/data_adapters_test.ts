// Dataset adapters on synthetic trees with the real layouts (never ../shared), plus the
// bundled sp-sw-har excerpt.
import assert from "node:assert/strict";
import {
  datasetFiles,
  readSpSwHar,
  readUciHapt,
  SP_SW_HAR_EXCERPT_OPTIONS,
  spSwHarExcerptRoot,
} from "../lib/io/mod.ts";
import type { AccelWindow } from "../lib/data/mod.ts";

async function gzip(text: string): Promise<Uint8Array> {
  const s = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(s).arrayBuffer());
}

async function all(s: AsyncIterable<AccelWindow>): Promise<AccelWindow[]> {
  const out: AccelWindow[] = [];
  for await (const w of s) out.push(w);
  return out;
}

/** HAPT-like tree: exp 1 (plain, 60 s) and exp 2 (gzip, 20 s) at 50 Hz, in g. */
async function haptTree(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "hapt_" });
  await Deno.mkdir(`${root}/RawData`);
  await Deno.writeTextFile(`${root}/activity_labels.txt`, "1 WALKING\n4 SITTING\n5 STANDING\n");
  // 1-based inclusive sample numbers: rows 0-499 WALKING, rows 500-999 SITTING, rest none.
  await Deno.writeTextFile(
    `${root}/RawData/labels.txt`,
    "1 1 1 1 500\n1 1 4 501 1000\n2 1 5 1 1000\n",
  );
  const rows = (n: number) =>
    Array.from({ length: n }, (_, i) => `${(0.1 + i / 1e5).toExponential(6)} -0.1 0.98`)
      .join("\n") + "\n";
  await Deno.writeTextFile(`${root}/RawData/acc_exp01_user01.txt`, rows(3000));
  await Deno.writeFile(`${root}/RawData/acc_exp02_user01.txt.gz`, await gzip(rows(1000)));
  await Deno.writeTextFile(`${root}/RawData/gyro_exp01_user01.txt`, rows(3000));
  return root;
}

Deno.test("uci-hapt: 1-based inclusive label ranges, unlabelled kept as null, gzip", async () => {
  const root = await haptTree();
  try {
    assert.deepEqual(await datasetFiles("uci-hapt", root), [
      "RawData/acc_exp01_user01.txt",
      "RawData/acc_exp02_user01.txt.gz",
    ]);
    const s = readUciHapt(root);
    const ws = await all(s);
    const exp1 = ws.filter((w) => w.source === "RawData/acc_exp01_user01.txt");
    // 60 s: windows every 5 s. 0 WALKING, 5 mixed, 10 SITTING (only if sample 501 = row 500
    // is the first SITTING sample), 15 mixed, 20..50 unlabelled.
    assert.deepEqual(exp1.map((w) => [Math.round(w.start), w.label]), [
      [0, "WALKING"],
      [10, "SITTING"],
      [20, null],
      [25, null],
      [30, null],
      [35, null],
      [40, null],
      [45, null],
      [50, null],
    ]);
    const exp2 = ws.filter((w) => w.source.endsWith(".gz"));
    assert.deepEqual(exp2.map((w) => w.label), ["STANDING", "STANDING", "STANDING"]);
    assert.ok(ws.every((w) => w.subject === "user01"));
    assert.ok(Math.abs(exp1[0].data[0] - 0.1) < 1e-3 && Math.abs(exp1[0].data[2] - 0.98) < 1e-6);
    assert.equal(s.stats.files, 2);
    assert.equal(s.stats.rows, 4000);
    assert.deepEqual(s.stats.dropped, { nan: 0, mixedLabel: 2 });
    assert.equal(s.stats.labelledWindows, 5);
    assert.equal(s.stats.unlabelledWindows, 7);
    assert.equal((await all(readUciHapt(root, { subjects: ["user02"] }))).length, 0);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

/** sp-sw-har-like tree: ~100 Hz jittered ms timestamps, m/s^2, label column. */
async function spswTree(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "spsw_" });
  const file = (seconds: number, seed: number) => {
    const lines = ["x_acc,y_acc,z_acc,x_gyro,y_gyro,z_gyro,timestamp,label"];
    let t = 1657533977810 + seed;
    for (let i = 0; i < seconds * 100; i++) {
      const label = i < 300 ? "SEATED" : "WALKING";
      lines.push(`0.5,-1.0,9.80665,0.01,0.02,0.03,${t},${label}`);
      t += 9 + ((i * 7 + seed) % 3); // 9-11 ms
    }
    return lines.join("\n") + "\n";
  };
  for (const s of ["s01", "s02"]) await Deno.mkdir(`${root}/DATA/${s}`, { recursive: true });
  await Deno.writeFile(`${root}/DATA/s01/s01_01_sw.csv.gz`, await gzip(file(25, 1)));
  await Deno.writeFile(`${root}/DATA/s01/s01_01_sp.csv.gz`, await gzip(file(25, 2)));
  await Deno.writeTextFile(`${root}/DATA/s02/s02_01_sw.csv`, file(30, 3));
  await Deno.writeTextFile(`${root}/DATA/s02/s02_02_sw.csv`, file(5, 4)); // too short
  await Deno.writeTextFile(`${root}/DATA/executions_info.csv`, "execution_id\n");
  return root;
}

Deno.test("sp-sw-har: m/s^2 to g, ms timestamps, subjects, devices, short files", async () => {
  const root = await spswTree();
  try {
    const s = readSpSwHar(root, { labelPolicy: "majority" });
    const ws = await all(s);
    assert.equal(s.stats.files, 4);
    assert.equal(s.stats.skippedFiles, 1);
    assert.deepEqual([...new Set(ws.map((w) => w.source))], [
      "DATA/s01/s01_01_sp.csv.gz",
      "DATA/s01/s01_01_sw.csv.gz",
      "DATA/s02/s02_01_sw.csv",
    ]);
    assert.deepEqual([...new Set(ws.map((w) => w.subject))], ["s01", "s02"]);
    const w = ws[0];
    assert.ok(Math.abs(w.data[0] - 0.5 / 9.80665) < 1e-6);
    assert.ok(Math.abs(w.data[1] + 1 / 9.80665) < 1e-6);
    assert.ok(Math.abs(w.data[2] - 1) < 1e-6);
    assert.ok(Math.abs(w.start - 1657533977.811) < 0.01, String(w.start));
    assert.ok(ws.every((x) => x.label === "WALKING"));
    // devices filter; root may also be DATA/ itself
    const sw = await all(readSpSwHar(`${root}/DATA`, { devices: ["sw"], labelPolicy: "ignore" }));
    assert.ok(sw.every((x) => x.source.endsWith("_sw.csv.gz") || x.source.endsWith("_sw.csv")));
    assert.ok(sw.every((x) => x.label === null));
    assert.equal(sw[0].source, "s01/s01_01_sw.csv.gz");
    // default policy drops windows spanning SEATED -> WALKING (3 s into each file)
    const strict = readSpSwHar(root, { subjects: ["s02"] });
    const kept = await all(strict);
    assert.ok(kept.every((x) => x.label === "WALKING"));
    assert.equal(strict.stats.dropped.mixedLabel, 1);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("bundled sp-sw-har excerpt yields >= 100 pretraining windows", async () => {
  const root = spSwHarExcerptRoot();
  const files = await datasetFiles("sp-sw-har", root);
  assert.equal(files.length, 24);
  assert.ok(files.every((f) => /^DATA\/s\d\d\/s\d\d_\d\d_sw\.csv\.gz$/.test(f)));
  const s = readSpSwHar(root, SP_SW_HAR_EXCERPT_OPTIONS);
  const ws = await all(s);
  assert.ok(ws.length >= 100, `${ws.length} windows`);
  assert.equal(new Set(ws.map((w) => w.subject)).size, 4);
  for (const w of ws) {
    assert.equal(w.data.length, 900);
    assert.ok(w.data.every((v) => Number.isFinite(v) && Math.abs(v) <= 3));
  }
  // gravity is about 1 g on average
  const norm = ws[0].data.reduce(
    (a, _v, i, d) => i % 3 === 0 ? a + Math.hypot(d[i], d[i + 1], d[i + 2]) / 300 : a,
    0,
  );
  assert.ok(norm > 0.8 && norm < 1.3, `mean norm ${norm}`);
  await Deno.stat(`${root}/ATTRIBUTION.md`);
});
