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

  // A write killed midway leaves its temporary file; the kill left the lock behind.
  const tmp = "loss.svg.0b7d7d3e-2f7c-4c1e-9d7e-1a2b3c4d5e6f.tmp";
  await Deno.writeTextFile(`${dir}/killed/${tmp}`, "<svg");
  assert.ok((await Deno.stat(`${dir}/killed/train.lock`)).isFile);
  const resumed = await run([...common, "--out", `${dir}/killed`, "--resume"]);
  assert.equal(resumed.code, 0, resumed.err);
  assert.match(resumed.err, /resuming at step (4|8|12|16|20) of 24/);
  assert.match(resumed.err, /warning: taking over the stale lock .*killed\/train\.lock \(pid \d+/);
  // The planted file, and any that the SIGKILL itself cut short (when it lands mid-write).
  assert.match(resumed.err, new RegExp(`note: removed \\d+ temporary file\\(s\\) .*: .*${tmp}`));
  assert.equal(await Deno.stat(`${dir}/killed/${tmp}`).then(() => true, () => false), false);
  assert.equal(await Deno.stat(`${dir}/killed/train.lock`).then(() => true, () => false), false);
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
  // --resume with flags that disagree with the checkpoint fails and lists them.
  const clash = await run([
    ...common.map((a) => (a === "8" ? "4" : a === "3" ? "5" : a)),
    "--out",
    `${dir}/killed`,
    "--resume",
  ]);
  assert.equal(clash.code, 2, clash.err);
  assert.match(
    clash.err,
    /--resume: 2 flag\(s\) disagree with .*: --batch 4 \(the checkpoint has 8\); --seed 5 \(the checkpoint has 3\)/,
  );
  // --resume with a larger --steps extends the finished run; a new --lr applies.
  const more = await run([
    ...common.map((a) => (a === "24" ? "28" : a)),
    "--out",
    `${dir}/killed`,
    "--resume",
    "--lr",
    "2e-4",
  ]);
  assert.equal(more.code, 0, more.err);
  assert.match(more.err, /resuming at step 24 of 28/);
  assert.match(more.err, /resume: applying --steps 28 \(was 24\), --lr 0\.0002 \(was 0\.0005\)/);
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

Deno.test("cli/train: a folder another live run holds is refused, naming the holder", async () => {
  const dir = await Deno.makeTempDir();
  const holder = { pid: Deno.pid, host: "unknown", started: "2026-01-01T00:00:00.000Z" };
  await Deno.writeTextFile(`${dir}/train.lock`, JSON.stringify(holder));
  const r = await run(["--preset", "tiny", "--steps", "1", "--out", dir, "--backend", "cpu"]);
  assert.equal(r.code, 1, r.err);
  assert.match(
    r.err,
    new RegExp(`is in use by another training run \\(pid ${Deno.pid} on unknown`),
  );
  assert.deepEqual(JSON.parse(await Deno.readTextFile(`${dir}/train.lock`)), holder);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("cli/train: m/s^2 data read as g fail naming the file and the median; --trust-units warns", async () => {
  const dir = await Deno.makeTempDir();
  const rows = ["timestamp,x,y,z"];
  for (let i = 0; i < 1500; i++) {
    rows.push(`${(i / 50).toFixed(3)},0.3,-0.2,${9.81 + (i % 7) / 10}`);
  }
  await Deno.writeTextFile(`${dir}/ms2.csv`, rows.join("\n") + "\n");
  const args = [`${dir}/ms2.csv`, "--units", "g", "--preset", "tiny", "--steps", "1"]
    .concat(["--batch", "2", "--backend", "cpu", "--no-cache", "--out", `${dir}/o`]);
  const r = await run(args);
  assert.equal(r.code, 1, r.err);
  assert.match(r.err, /error: .*ms2\.csv: median vector norm 10\.1 read as g/);
  const trusted = await run([...args, "--trust-units"]);
  assert.equal(trusted.code, 0, trusted.err);
  assert.match(
    trusted.err,
    /warning: .*ms2\.csv: median vector norm 10\.1 read as g.*\(units trusted\)/,
  );
  assert.match(trusted.err, /clipped at ±3 g: 1500 of 1500 window samples, 100\.00 %/);
  assert.match(trusted.err, /warning: .*ms2\.csv: 100\.0 % of window samples are clipped at ±3 g/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("cli/train: --resume without data flags trains on the data the checkpoint recorded", async () => {
  const dir = await Deno.makeTempDir();
  await writeCsv(`${dir}/rec.csv`, 120);
  const common = ["--preset", "tiny", "--batch", "4", "--backend", "wasm", "--workers", "1"];
  const full = await run([`${dir}/rec.csv`, ...common, "--steps", "4", "--out", `${dir}/full`]);
  assert.equal(full.code, 0, full.err);
  const part = await run([`${dir}/rec.csv`, ...common, "--steps", "2", "--out", `${dir}/part`]);
  assert.equal(part.code, 0, part.err);
  // Same worker count (a resumed run may change it, and then is not bit-identical).
  const resumed = await run(["--out", `${dir}/part`, "--resume", "--steps", "4", "--workers", "1"]);
  assert.equal(resumed.code, 0, resumed.err);
  assert.match(resumed.err, new RegExp(`resume: training on the run's data: .*rec\\.csv`));
  assert.doesNotMatch(resumed.err, /the data now has/);
  const a = await loadModel(await Deno.readFile(`${dir}/full/model.safetensors`));
  const b = await loadModel(await Deno.readFile(`${dir}/part/model.safetensors`));
  const x = syntheticWindows(2, 1);
  assert.deepEqual((await b.encode(x)).data, (await a.encode(x)).data);
  a.dispose();
  b.dispose();
  // Other data given on resume is used, with a warning naming the run's data.
  await writeCsv(`${dir}/other.csv`, 120);
  const other = await run([
    `${dir}/other.csv`,
    "--out",
    `${dir}/part`,
    "--resume",
    "--steps",
    "5",
    "--workers",
    "1",
  ]);
  assert.equal(other.code, 0, other.err);
  assert.match(other.err, /warning: the run started on other data: .*rec\.csv/);
  await Deno.remove(dir, { recursive: true });
});
