import assert from "node:assert/strict";
import { initBackend } from "../lib/runtime/backend.ts";
import { presetConfig } from "../lib/model/config.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { serializeModel } from "../lib/weights/model_file.ts";
import { runCli, syntheticWindows } from "./_helpers.ts";

const cli = (name: string) => new URL(`../cli/${name}.ts`, import.meta.url).pathname;

async function run(name: string, args: string[], perms = ["-A"]) {
  return await runCli(cli(name), args, { flags: perms });
}

await initBackend("wasm");

async function fixture() {
  const dir = await Deno.makeTempDir();
  const model = new FlowFM(presetConfig("tiny", { seed: 2 }));
  await Deno.writeFile(`${dir}/model.safetensors`, await serializeModel(model));
  model.dispose();
  // 35 s of data at 30 Hz in m/s^2 without a timestamp column, with a subject column.
  const w = syntheticWindows(4, 1);
  const rows = ["x,y,z,subject"];
  for (let s = 0; s < 1050; s++) {
    const o = (s % 1200) * 3;
    rows.push(`${w[o] * 9.80665},${w[o + 1] * 9.80665},${w[o + 2] * 9.80665},p7`);
  }
  await Deno.writeTextFile(`${dir}/rec.csv`, rows.join("\n") + "\n");
  return dir;
}

Deno.test("cli/encode: embeddings CSV with source, subject, start time and z; permissions named", async () => {
  const dir = await fixture();
  const r = await run("encode", [
    "--weights",
    `${dir}/model.safetensors`,
    `${dir}/rec.csv`,
    "--rate",
    "30",
    "--units",
    "m/s^2",
    "--out",
    `${dir}/emb.csv`,
  ]);
  assert.equal(r.code, 0, r.err);
  const lines = (await Deno.readTextFile(`${dir}/emb.csv`)).trim().split("\n");
  assert.equal(lines[0].split(",").length, 4 + 32);
  assert.equal(lines.length, 1 + 6, "35 s with 5 s hop gives 6 windows"); // starts 0,5,...,25
  const starts = lines.slice(1).map((l) => Number(l.split(",")[3]));
  assert.deepEqual(starts, [0, 5, 10, 15, 20, 25]);
  assert.ok(lines.slice(1).every((l) => l.split(",")[1] === "p7"));
  const noRead = await run("encode", [
    "--weights",
    `${dir}/model.safetensors`,
    `${dir}/rec.csv`,
    "--rate",
    "30",
  ], ["--allow-env"]);
  assert.equal(noRead.code, 1);
  assert.match(noRead.err, /missing permission: read access to .*add --allow-read=/);
  const trunc = (await Deno.readFile(`${dir}/model.safetensors`)).subarray(0, 5000);
  await Deno.writeFile(`${dir}/trunc.safetensors`, trunc);
  const bad = await run("encode", [
    "--weights",
    `${dir}/trunc.safetensors`,
    `${dir}/rec.csv`,
    "--rate",
    "30",
    "--out",
    `${dir}/x.csv`,
  ]);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /trunc\.safetensors/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("cli/sample: generated and real windows as CSV, and an SVG per axis", async () => {
  const dir = await fixture();
  const r = await run("sample", [
    "--weights",
    `${dir}/model.safetensors`,
    `${dir}/rec.csv`,
    "--rate",
    "30",
    "--count",
    "2",
    "--steps",
    "2",
    "--method",
    "rk4",
    "--out",
    `${dir}/s`,
  ]);
  assert.equal(r.code, 0, r.err);
  const gen = (await Deno.readTextFile(`${dir}/s/generated.csv`)).trim().split("\n");
  assert.equal(gen[0], "window,t,x,y,z");
  assert.equal(gen.length, 1 + 2 * 300);
  assert.ok(
    gen.slice(1).every((l) => l.split(",").slice(2).every((v) => Number.isFinite(Number(v)))),
  );
  const svg = await Deno.readTextFile(`${dir}/s/compare.svg`);
  for (const axis of ["x", "y", "z"]) assert.match(svg, new RegExp(`axis ${axis}`));
  const bad = await run("sample", [
    "--weights",
    `${dir}/model.safetensors`,
    `${dir}/rec.csv`,
    "--method",
    "rk5",
  ]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--method must be one of euler, midpoint, heun, rk4, ddim, ancestral/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("cli: --objective ddpm trains the diffusion baseline; sample uses DDIM and rejects ODE solvers for it", async () => {
  const dir = await fixture();
  const t = await run("train", [
    `${dir}/rec.csv`,
    "--rate",
    "30",
    "--objective",
    "ddpm",
    "--preset",
    "tiny",
    "--steps",
    "3",
    "--batch",
    "4",
    "--backend",
    "wasm",
    "--out",
    `${dir}/d`,
  ]);
  assert.equal(t.code, 0, t.err);
  const s = await run("sample", [
    "--weights",
    `${dir}/d/model.safetensors`,
    `${dir}/rec.csv`,
    "--rate",
    "30",
    "--count",
    "1",
    "--steps",
    "3",
    "--objective",
    "ddpm",
    "--out",
    `${dir}/ds`,
  ]);
  assert.equal(s.code, 0, s.err);
  assert.match(s.err, /with ddim, 3 steps/);
  const bad = await run("sample", [
    "--weights",
    `${dir}/d/model.safetensors`,
    `${dir}/rec.csv`,
    "--rate",
    "30",
    "--method",
    "euler",
  ]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--method euler does not apply to a ddpm model/);
  const wrong = await run("sample", [
    "--weights",
    `${dir}/d/model.safetensors`,
    `${dir}/rec.csv`,
    "--rate",
    "30",
    "--objective",
    "fm",
  ]);
  assert.equal(wrong.code, 2);
  await Deno.remove(dir, { recursive: true });
});
