import assert from "node:assert/strict";
import { encodePack, packWindows } from "../lib/data/window_pack.ts";
import { packWindows as batchOf } from "../lib/data/window_set.ts";
import { f16BitsToF32 } from "../lib/weights/half_float.ts";
import { PRESET_NAMES, presetConfig } from "../lib/model/config.ts";
import { TRAIN_DEFAULTS } from "../lib/train/defaults.ts";
import { runCli } from "./_helpers.ts";

const win = (
  start: number,
  source: string,
  subject: string | null,
  value: (t: number) => number,
) => ({
  data: Float32Array.from({ length: 900 }, (_, j) => value(Math.floor(j / 3))),
  start,
  label: null,
  subject,
  source,
});

function header(bytes: Uint8Array): Record<string, { dtype: string; shape: number[] }> & {
  __metadata__: Record<string, string>;
} {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
}

const metaOf = (
  set: { count: number; subjects: (string | null)[] },
  datasets: number[],
  places: number[],
) => {
  const subjectNames = [...new Set(set.subjects.filter((s): s is string => s !== null))].sort();
  return {
    datasetIndex: Int32Array.from(datasets),
    subjectIndex: Int32Array.from(set.subjects, (s) => (s === null ? -1 : subjectNames.indexOf(s))),
    placementIndex: Int32Array.from(places),
    datasetNames: ["x", "y"],
    subjectNames,
    placementNames: ["wrist", "waist"],
  };
};

Deno.test("pack: data sets, subjects, placements and contiguity become integer tensors", () => {
  const set = batchOf([
    win(0, "a", "s1", () => 1),
    win(10, "a", "s1", () => 1),
    win(25, "a", "s2", () => 1),
    win(0, "b", null, () => 5),
  ]);
  const pack = packWindows(set, metaOf(set, [0, 0, 0, 1], [0, 0, 0, -1]), "test", { dense: true });
  const t = Object.fromEntries(pack.tensors.map((x) => [x.name, x]));
  assert.deepEqual([...t.dataset.data], [0, 0, 0, 1]);
  assert.deepEqual([...t.placement.data], [0, 0, 0, -1]);
  assert.deepEqual([...t.subject.data], [0, 0, 1, -1]);
  assert.deepEqual(JSON.parse(pack.metadata.subjects), ["s1", "s2"]);
  // 0 -> 10 s follows without a gap; 10 -> 25 s does not; the last window of a source never does
  assert.deepEqual([...t.continues.data], [1, 0, 0, 0]);
  // dense: milli-g deltas, zigzag-mapped, as low and high byte planes; clipped at 3 g (the 5 g window)
  assert.deepEqual(t.windows.shape, [2, 4, 300, 3]);
  const w = t.windows.data as Uint8Array, plane = 4 * 900;
  const value = (i: number) => {
    const z = w[i] | (w[plane + i] << 8);
    return z & 1 ? -(z + 1) / 2 : z / 2;
  };
  assert.equal(value(0), 1000);
  assert.equal(value(3), 0);
  assert.equal(value(3 * 900), 3000);
  assert.throws(
    () => packWindows(set, metaOf(set, [0], [0]), "test"),
    /datasetIndex has 1 entries for 4 windows/,
  );
});

Deno.test("pack: F16 windows decode to the input within half precision", () => {
  const set = batchOf([win(0, "a", "s", (t) => Math.sin(t / 7))]);
  const bytes = encodePack(packWindows(set, metaOf(set, [0], [0]), ""));
  const h = header(bytes);
  assert.equal(h.__metadata__.format, "flowfm-windows");
  assert.equal(h.__metadata__.encoding, "f16-g");
  assert.deepEqual(h.windows.shape, [1, 300, 3]);
  assert.equal(h.continues, undefined);
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  const off = (h.windows as unknown as { data_offsets: number[] }).data_offsets[0];
  const bits = new Uint16Array(bytes.slice(8 + n + off, 8 + n + off + 1800).buffer);
  const got = f16BitsToF32(bits);
  for (let j = 0; j < 900; j++) assert.ok(Math.abs(got[j] - set.data[j]) < 1e-3);
});

Deno.test("pack: no windows is an error", () => {
  const empty = batchOf([]);
  assert.throws(() => packWindows(empty, metaOf(empty, [], []), ""), /no windows/);
});

Deno.test("cli/pack.ts: writes a pack, refuses to replace it or an input without --overwrite", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = `${dir}/p.safetensors.gz`;
    const r = await runCli("cli/pack.ts", ["--dense", "--out", out]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /packed \d+ windows \(milli-g-delta-zigzag-bytes\)/);
    const gz = await Deno.readFile(out);
    assert.deepEqual([...gz.subarray(0, 2)], [0x1f, 0x8b]);
    const raw = new Uint8Array(
      await new Response(new Blob([gz]).stream().pipeThrough(new DecompressionStream("gzip")))
        .arrayBuffer(),
    );
    assert.equal(header(raw).__metadata__.datasets, '["sp-sw-har-excerpt"]');
    assert.equal(header(raw).__metadata__.placements, '["wrist"]');
    const again = await runCli("cli/pack.ts", ["--out", out]);
    assert.equal(again.code, 2);
    assert.match(again.err, /exists; pass --overwrite/);
    assert.equal((await runCli("cli/pack.ts", ["--out", out, "--overwrite"])).code, 0);
    const csv = `${dir}/r.csv`;
    await Deno.writeTextFile(csv, "t,x,y,z\n0,0,0,1\n");
    const self = await runCli("cli/pack.ts", ["--out", csv, csv]);
    assert.equal(self.code, 2);
    assert.match(self.err, /\.safetensors or \.safetensors\.gz|also an input/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the presets and training defaults come from the JSON files the twin reads", async () => {
  const presets = JSON.parse(await Deno.readTextFile("lib/model/presets.json"));
  assert.deepEqual(Object.keys(presets).sort(), [...PRESET_NAMES].sort());
  for (const p of PRESET_NAMES) assert.deepEqual(presetConfig(p).encoder, presets[p].encoder);
  const defaults = JSON.parse(await Deno.readTextFile("lib/train/defaults.json"));
  assert.deepEqual({ ...TRAIN_DEFAULTS }, defaults);
});
