import assert from "node:assert/strict";
import { initBackend } from "../lib/runtime/backend.ts";
import { loadModel } from "../lib/weights/load.ts";
import { syntheticWindows } from "./_helpers.ts";

const TRAIN = new URL("../cli/train.ts", import.meta.url).pathname;

async function run(args: string[], opts: { env?: Record<string, string> } = {}) {
  const cmd = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", TRAIN, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", RUST_BACKTRACE: "0", ...opts.env },
  });
  const r = await cmd.output();
  return {
    code: r.code,
    out: new TextDecoder().decode(r.stdout),
    err: new TextDecoder().decode(r.stderr),
  };
}

/** A small CSV recording (t in s, x y z in g) of `seconds` at 50 Hz. */
async function writeCsv(path: string, seconds: number) {
  const w = syntheticWindows(Math.ceil(seconds / 10), 3);
  const rows = ["timestamp,x,y,z"];
  for (let i = 0; i < seconds * 50; i++) {
    const s = Math.min(Math.floor((i * 30) / 50), w.length / 3 - 1);
    rows.push(`${(i / 50).toFixed(3)},${w[s * 3]},${w[s * 3 + 1]},${w[s * 3 + 2]}`);
  }
  await Deno.writeTextFile(path, rows.join("\n") + "\n");
}

await initBackend("wasm");

Deno.test("cli/train: --help, usage errors exit 2, bad data exits 1 naming the file", async () => {
  const help = await run(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.out, /--resume/);
  const bad = await run(["--steps", "zero"]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--steps must be an integer >= 1, got "zero"/);
  assert.equal((await run(["--bogus"])).code, 2);
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/bad.csv`, "timestamp,x,y,z\n0,1,2,3\n0.02,1,oops,3\n");
  const r = await run([`${dir}/bad.csv`, "--out", `${dir}/out`]);
  assert.equal(r.code, 1);
  assert.match(r.err, /bad\.csv:3/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("cli/train: a run killed with SIGKILL resumes from its checkpoint and ends bit-identical to an uninterrupted run", async () => {
  const dir = await Deno.makeTempDir();
  await writeCsv(`${dir}/rec.csv`, 200);
  const common = [
    `${dir}/rec.csv`,
    "--preset",
    "tiny",
    "--steps",
    "24",
    "--batch",
    "8",
    "--checkpoint-every",
    "4",
    "--backend",
    "wasm",
    "--seed",
    "3",
  ];
  const full = await run([...common, "--out", `${dir}/full`]);
  assert.equal(full.code, 0, full.err);
  assert.match(full.out, /weights: .*model\.safetensors/);

  // Start the same run, kill it hard once a checkpoint exists, then resume.
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", TRAIN, ...common, "--out", `${dir}/killed`],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const ckpt = `${dir}/killed/checkpoint.safetensors`;
  for (let i = 0; i < 600; i++) {
    const ok = await Deno.stat(ckpt).then(() => true, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill("SIGKILL");
  const status = await child.status;
  assert.equal(status.signal, "SIGKILL", "the run finished before it could be killed");
  assert.equal(
    await Deno.stat(`${dir}/killed/model.safetensors`).then(() => true, () => false),
    false,
  );

  const resumed = await run([...common, "--out", `${dir}/killed`, "--resume"]);
  assert.equal(resumed.code, 0, resumed.err);
  assert.match(resumed.err, /resuming at step (4|8|12|16|20) of 24/);
  const [a, b] = [
    await Deno.readFile(`${dir}/full/model.safetensors`),
    await Deno.readFile(`${dir}/killed/model.safetensors`),
  ];
  assert.deepEqual(b, a, "resumed weights differ from the uninterrupted run");
  const log = (await Deno.readTextFile(`${dir}/killed/log.jsonl`)).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
  assert.deepEqual(log.map((r) => r.step), Array.from({ length: 24 }, (_, i) => i + 1));
  assert.match(await Deno.readTextFile(`${dir}/killed/loss.svg`), /<svg[\s\S]*<path d="M/);
  const model = await loadModel(`${dir}/killed/model.safetensors`);
  assert.equal(model.config.step, 24);
  model.dispose();
  // --resume with a larger --steps extends the finished run.
  const more = await run([
    ...common.map((a) => (a === "24" ? "28" : a)),
    "--out",
    `${dir}/killed`,
    "--resume",
  ]);
  assert.equal(more.code, 0, more.err);
  assert.match(more.err, /resuming at step 24 of 28/);
  const extended = await loadModel(`${dir}/killed/model.safetensors`);
  assert.equal(extended.config.step, 28);
  extended.dispose();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("cli/train: a missing permission names the flag to add", async () => {
  const dir = await Deno.makeTempDir();
  await writeCsv(`${dir}/rec.csv`, 30);
  const cmd = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      `--allow-read`,
      "--allow-env",
      TRAIN,
      `${dir}/rec.csv`,
      "--preset",
      "tiny",
      "--steps",
      "2",
      "--batch",
      "2",
      "--out",
      `${dir}/o`,
      "--backend",
      "cpu",
      "--no-cache",
    ],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", RUST_BACKTRACE: "0" },
  });
  const r = await cmd.output();
  const err = new TextDecoder().decode(r.stderr);
  assert.equal(r.code, 1, err);
  assert.match(err, /missing permission: write access to .*; add --allow-write=/);
  await Deno.remove(dir, { recursive: true });
});
