// Binary window cache: format round trip, atomic writes, invalidation by source and options.
import assert from "node:assert/strict";
import { cachedWindowSet, loadDataset, loadWindowCache, saveWindowCache } from "../lib/io/mod.ts";
import {
  cacheKey,
  collectWindows,
  DataError,
  decodeWindowCache,
  encodeWindowCache,
  readCsvWindows,
  type WindowSet,
} from "../lib/data/mod.ts";

async function sampleSet(): Promise<WindowSet> {
  const lines = ["t,x,y,z,label,subject"];
  for (let i = 0; i < 900; i++) {
    const label = i < 300 ? "a" : i < 600 ? "" : "b";
    lines.push(`${i / 30},${Math.sin(i / 9)},${Math.cos(i / 5)},1,${label},p${i < 450 ? 1 : 2}`);
  }
  return await collectWindows(
    readCsvWindows(lines.join("\n"), { units: "g", labelPolicy: "majority" }),
  );
}

Deno.test("cache format round trip keeps data, metadata and stats", async () => {
  const set = await sampleSet();
  assert.equal(set.count, 4);
  assert.deepEqual(set.subjects, ["p1", "p1", "p2", "p2"]);
  assert.ok(set.labels.includes(null));
  const bytes = encodeWindowCache(set, "key-1", { files: ["x"] });
  const back = decodeWindowCache(bytes);
  assert.equal(back.key, "key-1");
  assert.deepEqual(back.info, { files: ["x"] });
  assert.equal(back.set.count, set.count);
  assert.deepEqual(back.set.data, set.data);
  assert.deepEqual(back.set.starts, set.starts);
  assert.deepEqual(back.set.labels, set.labels);
  assert.deepEqual(back.set.subjects, set.subjects);
  assert.deepEqual(back.set.sources, set.sources);
  assert.deepEqual(back.set.stats, set.stats);
  // Corruption is detected.
  assert.throws(() => decodeWindowCache(bytes.subarray(0, bytes.length - 4)), DataError);
  const bad = bytes.slice();
  bad[0] = 0;
  assert.throws(() => decodeWindowCache(bad), DataError);
});

Deno.test("cacheKey is stable under key order and changes with content", async () => {
  assert.equal(
    await cacheKey({ a: 1, b: { c: 2, d: 3 } }),
    await cacheKey({ b: { d: 3, c: 2 }, a: 1 }),
  );
  assert.notEqual(await cacheKey({ a: 1 }), await cacheKey({ a: 2 }));
});

Deno.test("saveWindowCache is atomic and loadWindowCache checks the key", async () => {
  const dir = await Deno.makeTempDir({ prefix: "wcache_" });
  try {
    const set = await sampleSet();
    const path = `${dir}/sub/w.ffmwin`;
    assert.equal(await loadWindowCache(path, "k"), null);
    await saveWindowCache(path, set, "k");
    assert.deepEqual([...Deno.readDirSync(`${dir}/sub`)].map((e) => e.name), ["w.ffmwin"]);
    assert.equal((await loadWindowCache(path, "k"))?.count, set.count);
    assert.equal(await loadWindowCache(path, "other"), null);
    await Deno.writeTextFile(path, "garbage");
    assert.equal(await loadWindowCache(path, "k"), null);
    let builds = 0;
    const build = () => (builds++, Promise.resolve(set));
    assert.equal((await cachedWindowSet(path, { v: 1 }, build)).fromCache, false);
    assert.equal((await cachedWindowSet(path, { v: 1 }, build)).fromCache, true);
    assert.equal((await cachedWindowSet(path, { v: 2 }, build)).fromCache, false);
    assert.equal(builds, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadDataset: parsed once, rebuilt when files or options change", async () => {
  const dir = await Deno.makeTempDir({ prefix: "wds_" });
  try {
    const root = `${dir}/sp`;
    await Deno.mkdir(`${root}/DATA/s01`, { recursive: true });
    const lines = ["x_acc,y_acc,z_acc,x_gyro,y_gyro,z_gyro,timestamp,label"];
    for (let i = 0; i < 2000; i++) lines.push(`0,0,9.8,0,0,0,${1e12 + i * 10},WALKING`);
    const file = `${root}/DATA/s01/s01_01_sw.csv`;
    await Deno.writeTextFile(file, lines.join("\n"));
    const cacheDir = `${dir}/cache`;
    const first = await loadDataset("sp-sw-har", root, { cacheDir });
    assert.equal(first.fromCache, false);
    assert.equal(first.count, 3);
    const second = await loadDataset("sp-sw-har", root, { cacheDir });
    assert.equal(second.fromCache, true);
    assert.deepEqual(second.data, first.data);
    assert.deepEqual(second.labels, first.labels);
    assert.deepEqual(second.stats, first.stats);
    // options change -> rebuild
    const o = await loadDataset("sp-sw-har", root, { cacheDir, overlapSeconds: 0 });
    assert.equal(o.fromCache, false);
    assert.equal(o.count, 2);
    // source change (mtime) -> rebuild
    await loadDataset("sp-sw-har", root, { cacheDir });
    await Deno.utime(file, new Date(), new Date(Date.now() + 5000));
    assert.equal((await loadDataset("sp-sw-har", root, { cacheDir })).fromCache, false);
    // new file -> rebuild
    await Deno.writeTextFile(`${root}/DATA/s01/s01_02_sw.csv`, lines.join("\n"));
    const more = await loadDataset("sp-sw-har", root, { cacheDir });
    assert.equal(more.fromCache, false);
    assert.equal(more.count, 6);
    assert.deepEqual([...Deno.readDirSync(cacheDir)].map((e) => e.name), ["sp-sw-har.ffmwin"]);
    // windows without labels (pretraining) go to their own file: alternating with labelled reads
    // (evaluation) hits both caches instead of rebuilding one
    const bare = await loadDataset("sp-sw-har", root, { cacheDir, labelPolicy: "ignore" });
    assert.equal(bare.fromCache, false);
    assert.ok(bare.labels.every((l) => l === null));
    assert.equal((await loadDataset("sp-sw-har", root, { cacheDir })).fromCache, true);
    assert.equal(
      (await loadDataset("sp-sw-har", root, { cacheDir, labelPolicy: "ignore" })).fromCache,
      true,
    );
    assert.deepEqual(
      [...Deno.readDirSync(cacheDir)].map((e) => e.name).sort(),
      ["sp-sw-har-unlabelled.ffmwin", "sp-sw-har.ffmwin"],
    );
    // cacheDir null: no cache
    assert.equal((await loadDataset("sp-sw-har", root, { cacheDir: null })).fromCache, false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
