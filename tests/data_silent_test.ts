// "Nothing silent": unreadable inputs name the file, rows going back in time are counted, a
// corrupt window cache is rebuilt with a warning naming it, the excerpt has its own cache.
import assert from "node:assert/strict";
import {
  cachedWindowSet,
  loadDataset,
  readCsvFile,
  SP_SW_HAR_EXCERPT_OPTIONS,
  spSwHarExcerptRoot,
} from "../lib/io/mod.ts";
import {
  collectWindows,
  DataError,
  decodeWindowCache,
  encodeWindowCache,
  readCsvWindows,
} from "../lib/data/mod.ts";
import { runCli } from "./_helpers.ts";

const csv = (n: number) =>
  ["t,x,y,z", ...Array.from({ length: n }, (_, i) => `${(i / 30).toFixed(4)},0,0,1`)].join("\n");

Deno.test("a truncated .csv.gz and a directory are errors that name the input", async () => {
  const dir = await Deno.makeTempDir();
  const gz = new Uint8Array(
    await new Response(
      new Blob([csv(900)]).stream().pipeThrough(new CompressionStream("gzip")),
    ).arrayBuffer(),
  );
  await Deno.writeFile(`${dir}/cut.csv.gz`, gz.subarray(0, gz.length >> 1));
  for (const path of [`${dir}/cut.csv.gz`, dir]) {
    await assert.rejects(() => collectWindows(readCsvFile(path)), (e) => {
      assert.ok(e instanceof DataError, String(e));
      assert.equal(e.code, "unreadable");
      assert.equal(e.file, path);
      assert.ok(e.message.startsWith(path), e.message);
      return true;
    });
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("rows going back in time are counted apart from other bad rows and duplicates", async () => {
  const lines = csv(900).split("\n");
  lines.splice(100, 0, "0.5,0,0,1"); // back in time
  lines.splice(200, 0, lines[199]); // duplicate timestamp
  lines.splice(300, 0, "9.99,zz,0,1"); // bad row
  const s = readCsvWindows(lines.join("\n"), { units: "g", skipBadRows: true });
  await collectWindows(s);
  assert.equal(s.stats.backwardRows, 1);
  assert.equal(s.stats.duplicateRows, 1);
  assert.equal(s.stats.skippedRows, 2, "bad rows include the one going back");
});

Deno.test("a flipped payload byte fails the cache checksum; the cache is rebuilt with a warning", async () => {
  const set = await collectWindows(readCsvWindows(csv(900), { units: "g" }));
  const bytes = encodeWindowCache(set, "k");
  bytes[bytes.length - set.count * 20 - 7] ^= 0x40; // inside the float32 window data
  assert.throws(() => decodeWindowCache(bytes, "x.ffmwin"), /x\.ffmwin: checksum mismatch/);
  const dir = await Deno.makeTempDir();
  const path = `${dir}/w.ffmwin`;
  let builds = 0;
  const build = () => (builds++, Promise.resolve(set));
  await cachedWindowSet(path, { a: 1 }, build);
  const file = await Deno.readFile(path);
  file[file.length - set.count * 20 - 7] ^= 0x40;
  await Deno.writeFile(path, file);
  const warnings: string[] = [];
  const orig = console.error;
  console.error = (...a: unknown[]) => warnings.push(a.join(" "));
  try {
    const r = await cachedWindowSet(path, { a: 1 }, build);
    assert.equal(r.fromCache, false);
  } finally {
    console.error = orig;
  }
  assert.equal(builds, 2);
  assert.ok(warnings.some((w) => w.includes(path) && /checksum/.test(w)), warnings.join("\n"));
  const again = await cachedWindowSet(path, { a: 1 }, build);
  assert.equal(again.fromCache, true);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("the bundled excerpt has its own cache file, not sp-sw-har's", async () => {
  // Run in a child process with its own working directory: Deno.chdir here would move every
  // test module of a --parallel run into a folder that is then deleted.
  const dir = await Deno.makeTempDir();
  const data = new URL("../cli/_data.ts", import.meta.url).href;
  await Deno.writeTextFile(
    `${dir}/load.ts`,
    `import { loadWindows } from ${JSON.stringify(data)};
const first = await loadWindows({}, []);
const names = [...Deno.readDirSync(".cache/flowfm-data")].map((e) => e.name);
const again = await loadWindows({}, []);
console.log(JSON.stringify({ count: first.set.count, names, description: again.description }));`,
  );
  try {
    const config = new URL("../deno.json", import.meta.url).pathname;
    const r = await runCli(`${dir}/load.ts`, [], { flags: ["-A", "--config", config], cwd: dir });
    assert.equal(r.code, 0, r.err);
    const got = JSON.parse(r.out.trim().split("\n").pop()!);
    assert.ok(got.count > 0);
    assert.deepEqual(got.names, ["sp-sw-har-excerpt.ffmwin"]);
    assert.match(got.description, /read from cache \.cache\/flowfm-data\/sp-sw-har-excerpt/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("data set adapters: skipBadFiles skips a corrupt .csv.gz with a warning naming it", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/DATA`);
  const src = `${spSwHarExcerptRoot()}/DATA/s18`;
  await Deno.mkdir(`${dir}/DATA/s18`);
  for (const e of Deno.readDirSync(src)) {
    await Deno.copyFile(`${src}/${e.name}`, `${dir}/DATA/s18/${e.name}`);
  }
  const bad = `${dir}/DATA/s18/s18_01_sw.csv.gz`;
  const bytes = await Deno.readFile(bad);
  await Deno.writeFile(bad, bytes.subarray(0, bytes.length >> 1));
  const o = { ...SP_SW_HAR_EXCERPT_OPTIONS, cacheDir: null };
  await assert.rejects(() => loadDataset("sp-sw-har", dir, o), /s18_01_sw\.csv\.gz: cannot read/);
  const warnings: string[] = [];
  const orig = console.error;
  console.error = (...a: unknown[]) => warnings.push(a.join(" "));
  try {
    const ds = await loadDataset("sp-sw-har", dir, { ...o, skipBadFiles: true });
    assert.ok(ds.count > 0);
    assert.equal(ds.stats.skippedFiles, 1);
  } finally {
    console.error = orig;
  }
  assert.ok(warnings.some((w) => /skipped file .*s18_01_sw\.csv\.gz/.test(w)), warnings.join("\n"));
  await Deno.remove(dir, { recursive: true });
});
