// CLI faults get one clear line: negative numbers reach the check that names the bound, a usage
// error prints its message and a pointer to --help (not the whole help), and evaluate without
// data flags picks a data set with several labels or names the flag to give.
import assert from "node:assert/strict";
import { joinNegativeValues, parseFlags } from "../cli/_common.ts";
import { DATA_OPTIONS } from "../cli/_data.ts";
import { WEIGHTS_DEFAULT_HELP } from "../cli/_weights.ts";
import { type CliResult, runCli } from "./_helpers.ts";

const cli = new URL("../cli/evaluate.ts", import.meta.url).pathname;
const config = new URL("../deno.json", import.meta.url).pathname;

async function run(args: string[], cwd?: string) {
  return await runCli(cli, args, { flags: ["-A", "--config", config], cwd });
}

Deno.test("parseFlags: `--flag -5` reads -5 for string flags; `--out --help` still fails", () => {
  const opts = { ...DATA_OPTIONS, out: { type: "string" }, help: { type: "boolean" } } as const;
  assert.deepEqual(
    joinNegativeValues(["--rate", "-5", "--overlap", "-.5", "a.csv", "--", "--rate", "-1"], opts),
    ["--rate=-5", "--overlap=-.5", "a.csv", "--", "--rate", "-1"],
  );
  const { values, positionals } = parseFlags(["--rate", "-5", "x.csv"], opts);
  assert.equal(values.rate, "-5");
  assert.deepEqual(positionals, ["x.csv"]);
  assert.throws(() => parseFlags(["--out", "--help"], opts), /--out/);
  assert.throws(() => parseFlags(["--no-cache", "-5"], opts), /Unknown option '-5'/);
});

/** A UCI-HAPT-like tree: three users, three activities of 40 s each at 50 Hz, in g. */
async function haptTree(root: string): Promise<void> {
  await Deno.mkdir(`${root}/RawData`, { recursive: true });
  await Deno.writeTextFile(`${root}/activity_labels.txt`, "1 WALKING\n4 SITTING\n5 STANDING\n");
  const labels: string[] = [];
  for (let u = 1; u <= 3; u++) {
    const rows: string[] = [];
    [1, 4, 5].forEach((act, a) => {
      labels.push(`${u} ${u} ${act} ${a * 2000 + 1} ${(a + 1) * 2000}`);
      for (let i = 0; i < 2000; i++) {
        const w = (0.2 + a) * 0.3 * Math.sin(2 * Math.PI * (0.5 + a) * (i / 50) + u);
        rows.push(`${w.toFixed(5)} ${(0.5 * w).toFixed(5)} 0.98`);
      }
    });
    const id = String(u).padStart(2, "0");
    await Deno.writeTextFile(`${root}/RawData/acc_exp${id}_user${id}.txt`, rows.join("\n") + "\n");
  }
  await Deno.writeTextFile(`${root}/RawData/labels.txt`, labels.join("\n") + "\n");
}

Deno.test("cli/evaluate: a usage error is one line and a pointer to --help", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/a.csv`, "x,y,z\n0,0,1\n");
    const r = await run([`${dir}/a.csv`, "--rate", "-5", "--out", `${dir}/o`]);
    assert.equal(r.code, 2, r.err);
    const lines = r.err.trim().split("\n").filter((l) => !l.startsWith("no --weights"));
    assert.deepEqual(lines, [
      'error: --rate must be > 0 Hz, got "-5"',
      "see --help (npx --yes deno@2.9.6 run -A cli/evaluate.ts --help)",
    ]);
    assert.doesNotMatch(r.err, /Usage:|ambiguous/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli/evaluate: without data flags, uci-hapt when present, else a message naming --dataset", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/work`);
    const missing = await run(["--out", `${dir}/o`], `${dir}/work`);
    assert.equal(missing.code, 2, missing.err);
    assert.match(missing.err, /no data given and \.\.\/shared\/data\/uci-hapt is not there/);
    assert.match(missing.err, /--dataset NAME .*at least two labels/);
    await haptTree(`${dir}/hapt`);
    const r = await run([
      "--data-root",
      `${dir}/hapt`,
      "--no-cache",
      "--heads",
      "handcrafted",
      "--out",
      `${dir}/o`,
    ]);
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.err, /pretrained/, "handcrafted alone reads no model");
    assert.match(r.err, /no data given: evaluating on --dataset uci-hapt at .*hapt/);
    const report = JSON.parse(await Deno.readTextFile(`${dir}/o/report.json`));
    assert.deepEqual(report.heads.map((h: { head: string }) => h.head), ["handcrafted"]);
    assert.ok(report.classes.length >= 2, JSON.stringify(report.classes));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("CSV-only flags with --dataset or the bundled excerpt are usage errors, not ignored", async () => {
  const encode = new URL("../cli/encode.ts", import.meta.url).pathname;
  const bundled = await runCli(encode, ["--rate", "50", "--out", "/nonexistent/e.csv"]);
  assert.equal(bundled.code, 2, bundled.err);
  assert.match(bundled.err, /--rate applies to CSV files; the bundled excerpt already know their/);
  const dataset = await runCli(encode, ["--dataset", "uci-hapt", "--units", "g", "--trust-units"]);
  assert.equal(dataset.code, 2, dataset.err);
  assert.match(dataset.err, /--units, --trust-units apply to CSV files; --dataset adapters/);
});

/** Each command's --help, run once per test file. */
const helps = new Map<string, Promise<CliResult>>();
function helpOf(name: string): Promise<CliResult> {
  if (!helps.has(name)) {
    helps.set(name, runCli(new URL(`../cli/${name}.ts`, import.meta.url).pathname, ["--help"]));
  }
  return helps.get(name)!;
}

Deno.test("every command's --help states the README's minimal permissions", async () => {
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  const names = ["train", "sample", "encode", "evaluate", "inspect", "export", "fit", "predict"];
  for (const name of names) {
    const row = readme.match(new RegExp(`^\\| \`cli/${name}\\.ts\` +\\| \`([^\`]+)\``, "m"));
    assert.ok(row, `README has no permission row for cli/${name}.ts`);
    const help = await helpOf(name);
    assert.equal(help.code, 0, help.err);
    assert.ok(
      help.out.replace(/\s+/g, " ").includes(`Minimal permissions: ${row[1]}`),
      `cli/${name}.ts --help does not state ${row[1]}`,
    );
  }
});

Deno.test("--help usage lines start as the README's commands do and bracket --weights where it has a default", async () => {
  const names = [
    "train",
    "sample",
    "encode",
    "evaluate",
    "inspect",
    "export",
    "fit",
    "predict",
    "pack",
    "claims",
  ];
  for (const name of names) {
    const help = await helpOf(name);
    assert.equal(help.code, 0, help.err);
    const usage = help.out.split("\n")[0];
    assert.match(usage, /^Usage: npx --yes deno@2\.9\.6 (run|task) /, `cli/${name}.ts: ${usage}`);
    if (help.out.includes(WEIGHTS_DEFAULT_HELP)) {
      // The pretrained model is the default: --weights is optional, so it is in brackets.
      assert.match(usage, /\[--weights FILE[\] |]/, `cli/${name}.ts: ${usage}`);
      assert.doesNotMatch(usage.replace(/\[[^\]]*\]/g, ""), /--weights/, `cli/${name}.ts`);
    }
  }
});

Deno.test("train, sample, encode and evaluate run with exactly their documented permissions, OUT outside the project", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { FlowFM } = await import("../lib/model/flowfm.ts");
    const { presetConfig } = await import("../lib/model/config.ts");
    const { serializeModel } = await import("../lib/weights/model_file.ts");
    const { initBackend } = await import("../lib/runtime/backend.ts");
    await initBackend("cpu");
    const m = new FlowFM(presetConfig("tiny"));
    await Deno.writeFile(`${dir}/m.safetensors`, await serializeModel(m));
    m.dispose();
    const rows = ["x,y,z"];
    for (let i = 0; i < 15 * 30; i++) rows.push(`${Math.sin(i / 4).toFixed(3)},0,1`);
    await Deno.writeTextFile(`${dir}/r.csv`, rows.join("\n") + "\n");
    await Deno.mkdir(`${dir}/out`);
    const encode = new URL("../cli/encode.ts", import.meta.url).pathname;
    const args = [
      "--weights",
      `${dir}/m.safetensors`,
      `${dir}/r.csv`,
      "--rate",
      "30",
      "--no-cache",
    ];
    const root = new URL("../", import.meta.url).pathname;
    const ok = await runCli(encode, [...args, "--out", `${dir}/out/e.csv`], {
      flags: [`--allow-read=.,${dir}`, `--allow-write=${dir}/out,.cache`],
      cwd: root,
    });
    assert.equal(ok.code, 0, ok.err);
    assert.ok((await Deno.readTextFile(`${dir}/out/e.csv`)).startsWith("source,subject,label"));
    // The others: --allow-read=.,WEIGHTS,OUT[,DATA] --allow-write=OUT,.cache (train: no WEIGHTS).
    const cli = (name: string) => new URL(`../cli/${name}.ts`, import.meta.url).pathname;
    const data = [`${dir}/r.csv`, "--rate", "30", "--no-cache", "--backend", "cpu"];
    const perms = (out: string) => ({
      flags: [`--allow-read=.,${dir}`, `--allow-write=${out},.cache`],
      cwd: root,
    });
    const train = await runCli(cli("train"), [
      ...data,
      "--preset",
      "tiny",
      "--steps",
      "2",
      "--batch",
      "2",
      "--out",
      `${dir}/t`,
    ], perms(`${dir}/t`));
    assert.equal(train.code, 0, train.err);
    const sample = await runCli(cli("sample"), [
      ...data,
      "--weights",
      `${dir}/t/model.safetensors`,
      "--count",
      "1",
      "--steps",
      "1",
      "--out",
      `${dir}/s`,
    ], perms(`${dir}/s`));
    assert.equal(sample.code, 0, sample.err);
    const labelled = ["x,y,z,label,subject"];
    for (const subject of ["p1", "p2"]) {
      for (const [label, f] of [["rest", 0.2], ["walk", 2]] as const) {
        for (let i = 0; i < 20 * 30; i++) {
          labelled.push(`${(0.4 * Math.sin(f * i / 5)).toFixed(3)},0,1,${label},${subject}`);
        }
      }
    }
    await Deno.writeTextFile(`${dir}/l.csv`, labelled.join("\n") + "\n");
    const evaluate = await runCli(cli("evaluate"), [
      `${dir}/l.csv`,
      "--rate",
      "30",
      "--no-cache",
      "--backend",
      "cpu",
      "--weights",
      `${dir}/t/model.safetensors`,
      "--heads",
      "probe,handcrafted",
      "--probe-iterations",
      "20",
      "--out",
      `${dir}/ev`,
    ], perms(`${dir}/ev`));
    assert.equal(evaluate.code, 0, evaluate.err);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
