// "Nothing silent" in the CLI: the one-line data summary, --skip-bad-files, and why no
// windows remain.
import assert from "node:assert/strict";
import { presetConfig } from "../lib/model/config.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { initBackend } from "../lib/runtime/backend.ts";
import { serializeModel } from "../lib/weights/model_file.ts";
import { runCli } from "./_helpers.ts";

const cli = (name: string) => new URL(`../cli/${name}.ts`, import.meta.url).pathname;

async function run(name: string, args: string[]) {
  return await runCli(cli(name), args);
}

await initBackend("wasm");

/** 30 Hz rows with timestamps in seconds; the label changes every `labelSeconds`. */
const rows = (n: number, labelSeconds = 0) => [
  "t,x,y,z,label",
  ...Array.from({ length: n }, (_, i) => {
    const label = labelSeconds ? (Math.floor(i / 30 / labelSeconds) % 2 ? "a" : "b") : "";
    return `${(i / 30).toFixed(4)},0.1,0,1,${label}`;
  }),
];

async function fixture() {
  const dir = await Deno.makeTempDir();
  const model = new FlowFM(presetConfig("tiny", { seed: 2 }));
  await Deno.writeFile(`${dir}/model.safetensors`, await serializeModel(model));
  model.dispose();
  const good = rows(600);
  good.splice(50, 0, good[49]); // duplicate timestamp
  good.splice(120, 0, "1.0,0,0,1,"); // back in time
  good.splice(300, 0, "oops,1"); // bad row
  await Deno.writeTextFile(`${dir}/good.csv`, good.join("\n") + "\n");
  await Deno.writeTextFile(`${dir}/short.csv`, rows(90).join("\n") + "\n");
  await Deno.writeTextFile(`${dir}/mixed.csv`, rows(900, 5).join("\n") + "\n");
  return dir;
}

const base = (dir: string) => ["--weights", `${dir}/model.safetensors`, "--units", "g"];

Deno.test("cli/encode: --skip-bad-files names and skips a short file; summary counts by reason", async () => {
  const dir = await fixture();
  const out = ["--out", `${dir}/emb.csv`];
  const files = [`${dir}/good.csv`, `${dir}/short.csv`];
  const failed = await run("encode", [...base(dir), ...out, "--skip-bad-rows", ...files]);
  assert.notEqual(failed.code, 0);
  assert.match(failed.err, /short\.csv.*too short/);
  const r = await run("encode", [
    ...base(dir),
    ...out,
    "--skip-bad-rows",
    "--skip-bad-files",
    ...files,
  ]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /warning: skipped file .*short\.csv.*too short/);
  const summary = r.err.split("\n").find((l) => l.startsWith("data: "));
  assert.ok(summary, r.err);
  assert.match(summary, /2 file\(s\) and 603 rows read; 1 file\(s\) skipped/);
  assert.match(summary, /rows skipped: 1 bad, 1 duplicate timestamp, 1 time going backwards/);
  assert.match(summary, /windows dropped: 0 with NaN, 0 spanning two labels/);
  assert.match(summary, /clipped at ±3 g: 0 of/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("cli/encode: no windows says why and names --ignore-labels, which keeps them", async () => {
  const dir = await fixture();
  const out = ["--out", `${dir}/emb.csv`];
  const r = await run("encode", [...base(dir), ...out, `${dir}/mixed.csv`]);
  assert.notEqual(r.code, 0);
  assert.match(r.err, /no windows in .*\d+ spanning two labels/);
  assert.match(r.err, /--ignore-labels/);
  const ok = await run("encode", [...base(dir), ...out, "--ignore-labels", `${dir}/mixed.csv`]);
  assert.equal(ok.code, 0, ok.err);
  assert.equal((await Deno.readTextFile(`${dir}/emb.csv`)).trim().split("\n").length, 1 + 5);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("cli/sample: prints the data summary once, with rows skipped by reason", async () => {
  const dir = await fixture();
  const r = await run("sample", [
    ...base(dir),
    "--skip-bad-rows",
    "--count",
    "1",
    "--steps",
    "2",
    "--out",
    `${dir}/s`,
    `${dir}/good.csv`,
  ]);
  assert.equal(r.code, 0, r.err);
  const summaries = r.err.split("\n").filter((l) => l.startsWith("data: "));
  assert.equal(summaries.length, 1, r.err);
  assert.match(summaries[0], /rows skipped: 1 bad, 1 duplicate timestamp, 1 time going backwards/);
  await Deno.remove(dir, { recursive: true });
});
