// The uniform-layout adapter (dsads, umafall, motionsense, smartfallmm, ter_har and users' own
// folders) on tiny generated folders: placement filters, a user folder through the CLI's data
// loader, bad index.csv rows named by file and line, metadata and hours per data set and
// placement; plus an optional smoke test on ../shared/data.
import assert from "node:assert/strict";
import {
  coverageHours,
  DATASET_PLACEMENTS,
  listDataset,
  loadDataset,
  loadDatasets,
  parseDatasetList,
  parseUniformIndex,
  readUniform,
  uniformRecordings,
} from "../lib/io/mod.ts";
import { DataError } from "../lib/data/mod.ts";
import { hoursSummary, loadWindows } from "../cli/_data.ts";
import { UsageError } from "../cli/_common.ts";

const HEADER = "file,subject,label,placement,device,rate_hz,samples,seconds";

async function gzip(text: string): Promise<Uint8Array> {
  const s = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(s).arrayBuffer());
}

/** A recording from 0 to `seconds` s (both ends) at `rate` Hz: gravity on z, a sinusoid on x;
 * `label` on every row. */
function recording(seconds: number, rate: number, label: string, g = 1): string {
  const n = Math.round(seconds * rate) + 1;
  const rows = ["t,x,y,z,label"];
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    rows.push(`${t.toFixed(4)},${(0.3 * Math.sin(2 * Math.PI * t)).toFixed(4)},0,${g},${label}`);
  }
  return rows.join("\n") + "\n";
}

/**
 * A uniform folder: subject p1 with a 30 s wrist walk and a 30 s arm sit, subject p2 with a
 * 20 s wrist sit (plain .csv) and a 5 s arm file (too short for a window).
 */
async function uniformTree(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "uniform_" });
  const files: [string, string, string, string, number, number][] = [
    ["p1/walk_wrist.csv.gz", "p1", "walk", "wrist", 25, 30],
    ["p1/sit_arm.csv.gz", "p1", "sit", "arm", 50, 30],
    ["p2/sit_wrist.csv", "p2", "sit", "wrist", 20, 20],
    ["p2/short_arm.csv.gz", "p2", "sit", "arm", 25, 5],
  ];
  const index = [HEADER];
  for (const [file, subject, label, placement, rate, secs] of files) {
    await Deno.mkdir(`${root}/${subject}`, { recursive: true });
    const text = recording(secs, rate, label);
    if (file.endsWith(".gz")) await Deno.writeFile(`${root}/${file}`, await gzip(text));
    else await Deno.writeTextFile(`${root}/${file}`, text);
    index.push(`${file},${subject},${label},${placement},"dev, ${placement}",${rate},1,${secs}`);
  }
  await Deno.writeTextFile(`${root}/index.csv`, index.join("\n") + "\n");
  return root;
}

async function collect(root: string, placements?: string[]) {
  const out: { label: string | null; subject: string | null; source: string }[] = [];
  for await (const w of readUniform(root, { ...(placements ? { placements } : {}) })) out.push(w);
  return out;
}

Deno.test("uniform layout: windows, labels from the label column, subjects from the index, placement filters", async () => {
  const root = await uniformTree();
  try {
    const all = await collect(root);
    const wrist = await collect(root, ["wrist"]);
    const arm = await collect(root, ["arm"]);
    assert.ok(wrist.length > 0 && arm.length > 0);
    assert.equal(all.length, wrist.length + arm.length);
    assert.ok(wrist.every((w) => w.source.includes("wrist")));
    assert.ok(arm.every((w) => w.source === "p1/sit_arm.csv.gz")); // p2's arm file is too short
    assert.deepEqual([...new Set(all.map((w) => w.subject))].sort(), ["p1", "p2"]);
    assert.deepEqual(
      [...new Set(all.filter((w) => w.source.startsWith("p1/walk")).map((w) => w.label))],
      ["walk"],
    );
    // 30 s at 5 s hop: 5 windows; 20 s: 3 windows.
    assert.equal(all.filter((w) => w.source === "p1/walk_wrist.csv.gz").length, 5);
    assert.equal(all.filter((w) => w.source === "p2/sit_wrist.csv").length, 3);
    const listed = await listDataset("dsads", root, { placements: ["arm"], subjects: ["p1"] });
    assert.deepEqual(listed.files, ["p1/sit_arm.csv.gz"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("uniform layout: loadDataset keys the cache on the placement filter and knows placements", async () => {
  const root = await uniformTree();
  const cacheDir = await Deno.makeTempDir({ prefix: "uniform_cache_" });
  try {
    const wrist = await loadDataset("folder", root, { cacheDir, placements: ["wrist"] });
    const arm = await loadDataset("folder", root, { cacheDir, placements: ["arm"] });
    const all = await loadDataset("folder", root, { cacheDir });
    assert.equal(wrist.fromCache || arm.fromCache || all.fromCache, false);
    assert.equal(new Set([wrist.cacheFile, arm.cacheFile, all.cacheFile]).size, 3);
    assert.match(wrist.cacheFile!, /folder-uniform_\w+-[0-9a-f]{8}-wrist\.ffmwin$/);
    assert.equal(all.count, wrist.count + arm.count);
    assert.ok(wrist.placements.every((p) => p === "wrist"));
    const again = await loadDataset("folder", root, { cacheDir, placements: ["wrist"] });
    assert.equal(again.fromCache, true);
    assert.equal(again.count, wrist.count);
    assert.deepEqual(again.placements, wrist.placements);
    await assert.rejects(
      () => loadDataset("folder", root, { cacheDir, placements: ["ankle"] }),
      /index\.csv has no placement "ankle" \(it has arm, wrist\)/,
    );
  } finally {
    for (const d of [root, cacheDir]) await Deno.remove(d, { recursive: true });
  }
});

Deno.test("uniform layout: bad index.csv rows are named by file, line and field", async () => {
  const p = "data/index.csv";
  const row = (s: string) => `${HEADER}\np1/a.csv.gz,p1,walk,wrist,watch,50,1000,20\n${s}\n`;
  const cases: [string, RegExp][] = [
    [row("p1/b.csv.gz,p1,walk,wrist,watch,50,1000"), /data\/index\.csv:3: expected 8 fields/],
    [row("p1/b.csv.gz,p1,walk,wrist,watch,fast,1000,20"), /index\.csv:3: .*fast.*field rate_hz/],
    [row("p1/b.csv.gz,p1,walk,wrist,watch,0,1000,20"), /index\.csv:3: .*> 0.*field rate_hz/],
    [row("p1/b.csv.gz,p1,walk,wrist,watch,50,10.5,20"), /index\.csv:3: .*integer.*samples/],
    [row("p1/b.csv.gz,p1,walk,wrist,watch,50,1000,-1"), /index\.csv:3: .*field seconds/],
    [row("p1/b.txt,p1,walk,wrist,watch,50,1000,20"), /index\.csv:3: .*not a \.csv.*field file/],
    [row("p2/b.csv.gz,p1,walk,wrist,watch,50,1000,20"), /index\.csv:3: .*subject's folder/],
    [row("p1/a.csv.gz,p1,walk,wrist,watch,50,1000,20"), /index\.csv:3: .*listed twice/],
    [row(',p1,walk,wrist,"watch,50,1000,20'), /index\.csv:3: .*unterminated quote/],
    ["file,subject,label\n", /data\/index\.csv:1: header is "file,subject,label"/],
  ];
  for (const [text, want] of cases) {
    assert.throws(() => parseUniformIndex(text, p), (e: unknown) => {
      assert.ok(e instanceof DataError, String(e));
      assert.match(e.message, want);
      assert.equal(e.file, p);
      return true;
    });
  }
  assert.equal(
    parseUniformIndex(row('p1/b.csv.gz,p1,walk,wrist,"a, ""b""",50,10,1'), p)[1].device,
    'a, "b"',
  );
  // A listed file that is missing, and a folder without index.csv.
  const root = await uniformTree();
  try {
    await Deno.remove(`${root}/p2/sit_wrist.csv`);
    await assert.rejects(
      () => uniformRecordings(root),
      /index\.csv:4: "p2\/sit_wrist\.csv" is listed but missing \(field file\)/,
    );
    await Deno.remove(`${root}/index.csv`);
    await assert.rejects(() => uniformRecordings(root), /index\.csv: no index\.csv/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("data set lists: placement filters for every set, and folders", () => {
  assert.deepEqual(parseDatasetList("dsads:arm,smartfallmm:wrist,sisfall:waist"), [
    { name: "dsads", placements: ["arm"] },
    { name: "smartfallmm", placements: ["wrist"] },
    { name: "sisfall", placements: ["waist"] },
  ]);
  assert.deepEqual(parseDatasetList("sp-sw-har:wrist,uci-hapt:waist,dsads:arm+leg,torso"), [
    { name: "sp-sw-har", placements: ["wrist"] },
    { name: "uci-hapt", placements: ["waist"] },
    { name: "dsads", placements: ["arm", "leg", "torso"] },
  ]);
  assert.deepEqual(parseDatasetList("./mine,/data/corpus:wrist,motionsense"), [
    { name: "folder", root: "./mine" },
    { name: "folder", root: "/data/corpus", placements: ["wrist"] },
    { name: "motionsense" },
  ]);
  assert.throws(() => parseDatasetList("sisfall:wrist"), /sisfall has no placement "wrist"/);
  assert.throws(() => parseDatasetList("fallalld:ankle"), /fallalld has no placement "ankle"/);
  assert.throws(() => parseDatasetList("dsads:arm,wrist"), /dsads has no placement "wrist"/);
  assert.throws(() => parseDatasetList("mhealth"), /unknown dataset "mhealth".*\.\/my-data/);
  for (const [name, places] of Object.entries(DATASET_PLACEMENTS)) {
    assert.deepEqual(parseDatasetList(`${name}:${places.join("+")}`)[0].placements, places);
  }
});

Deno.test("uniform layout: a user's folder through the CLI loader, metadata and hours per placement", async () => {
  const root = await uniformTree();
  const other = await uniformTree();
  const cacheDir = await Deno.makeTempDir({ prefix: "uniform_cache_" });
  const cwd = Deno.cwd();
  try {
    Deno.chdir(cacheDir); // the CLI caches under ./.cache
    const one = await loadWindows({ dataset: root }, [], { labelPolicy: "drop-mixed" });
    assert.ok(one.set.count > 0);
    assert.deepEqual([...new Set(one.set.subjects)].sort(), ["p1", "p2"]);
    assert.deepEqual(one.meta.placementNames, ["arm", "wrist"]);
    const hours = hoursSummary(one.set, one.meta);
    // wrist: 30 s and 20 s recordings; arm: 30 s.
    assert.match(hours, new RegExp(`${root} wrist 0\\.01 h \\(8 windows\\)`));
    assert.match(hours, new RegExp(`${root} arm 0\\.01 h \\(5 windows\\)`));
    const rows = coverageHours({ ...one.set, ...one.meta });
    assert.deepEqual(rows.map((r) => [r.placement, Math.round(r.hours * 3600)]), [
      ["arm", 30],
      ["wrist", 50],
    ]);
    // Two folders: subjects kept apart, metadata indices per window.
    const two = await loadWindows({ dataset: `${root}:wrist,${other}` }, [], {});
    assert.equal(two.meta.datasetNames.length, 2);
    assert.equal(two.set.subjects.filter((s) => s?.startsWith(`${root}/`)).length, 8);
    const meta = await loadDatasets(parseDatasetList(`${root}:wrist,${other}`), { cacheDir });
    assert.equal(meta.count, two.set.count);
    assert.deepEqual(Array.from(meta.datasetIndex.slice(0, 8)), new Array(8).fill(0));
    assert.deepEqual(meta.placementNames, ["arm", "wrist"]);
    assert.equal(meta.subjectNames.length, 4);
    for (let i = 0; i < meta.count; i++) {
      const place = meta.placementNames[meta.placementIndex[i]];
      assert.equal(place, meta.sources[i].includes("wrist") ? "wrist" : "arm");
      const subj = meta.subjectNames[meta.subjectIndex[i]];
      assert.equal(subj, `${meta.datasetNames[meta.datasetIndex[i]]}/${meta.subjects[i]}`);
    }
    await assert.rejects(() => loadWindows({ dataset: `${root}:ankle` }, []), UsageError);
    await assert.rejects(() => loadWindows({ dataset: "dsads:wrist" }, []), UsageError);
  } finally {
    Deno.chdir(cwd);
    for (const d of [root, other, cacheDir]) await Deno.remove(d, { recursive: true });
  }
});

const SHARED = new URL("../../shared/data/", import.meta.url);
const haveShared = (() => {
  try {
    return ["dsads", "umafall", "motionsense", "smartfallmm", "ter_har"].every((n) =>
      Deno.statSync(new URL(`${n}/index.csv`, SHARED)).isFile
    );
  } catch {
    return false;
  }
})();

Deno.test({
  name: "smoke (needs ../shared/data, skipped when absent): uniform sets list their placements",
  ignore: !haveShared,
  fn: async () => {
    const root = decodeURIComponent(SHARED.pathname);
    const counts: Record<string, [string, number][]> = {
      dsads: [["arm", 304], ["leg", 304], ["torso", 152]],
      umafall: [["ankle", 623], ["chest", 725], ["pocket", 727], ["waist", 617], ["wrist", 726]],
      motionsense: [["pocket", 358]],
      smartfallmm: [["hip", 602], ["pocket", 306], ["wrist", 1152]],
      ter_har: [["wrist", 778]],
    };
    for (const [name, places] of Object.entries(counts)) {
      for (const [placement, n] of places) {
        const rows = await uniformRecordings(`${root}${name}`, { placements: [placement] });
        assert.equal(rows.length, n, `${name}:${placement}`);
      }
      const known = DATASET_PLACEMENTS[name as keyof typeof DATASET_PLACEMENTS];
      assert.deepEqual([...known].sort(), places.map(([p]) => p));
    }
    const ter = await loadDataset("ter_har", `${root}ter_har`, { cacheDir: null });
    assert.ok(ter.count > 778, `${ter.count} windows`);
    assert.ok(ter.placements.every((p) => p === "wrist"));
    assert.ok(new Set(ter.labels).size >= 5);
  },
});
