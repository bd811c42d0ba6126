// Issue 28, runs: nothing a user wrote is replaced without a flag; flags that would train nothing,
// or hang, are errors.
import assert from "node:assert/strict";
import { checkRunFolder, runOptions } from "../cli/_run.ts";
import { UsageError, workersFlag } from "../cli/_common.ts";
import type { FlowFM } from "../lib/model/flowfm.ts";
import type { RunState } from "../lib/train/checkpoint.ts";
import { decodeSafetensors } from "../lib/weights/safetensors.ts";
import { runCli, syntheticWindows } from "./_helpers.ts";

const TRAIN = new URL("../cli/train.ts", import.meta.url).pathname;
const ENCODE = new URL("../cli/encode.ts", import.meta.url).pathname;

/** A small CSV recording (t in s, x y z in g) of `seconds` at 50 Hz. */
async function writeCsv(path: string, seconds: number, seed = 3) {
  const w = syntheticWindows(Math.ceil(seconds / 10), seed);
  const rows = ["timestamp,x,y,z"];
  for (let i = 0; i < seconds * 50; i++) {
    const s = Math.min(Math.floor((i * 30) / 50), w.length / 3 - 1);
    rows.push(`${(i / 50).toFixed(3)},${w[s * 3]},${w[s * 3 + 1]},${w[s * 3 + 2]}`);
  }
  await Deno.writeTextFile(path, rows.join("\n") + "\n");
}

const resumedAt = (step: number) => {
  const state = {
    step,
    rng: [1, 2, 3, 4],
    moments: new Map(),
    schedule: { batch: 8, seed: 3, totalSteps: 120, windows: 40 },
    config: { preset: "tiny", lr: 5e-4, clipNorm: 1, augment: false, objective: "fm" },
  } as RunState;
  const model = { config: { preset: "tiny", objective: "fm" } } as unknown as FlowFM;
  return { model, state, path: "runs/x/checkpoint.safetensors" };
};

Deno.test("faults: --lr 0, --resume --steps below the checkpoint's step and --workers above the cores are usage errors", () => {
  assert.throws(() => runOptions({ lr: "0" }), (e) => {
    assert.ok(e instanceof UsageError);
    assert.match(e.message, /--lr must be > 0/);
    return true;
  });
  assert.throws(() => runOptions({ steps: "50" }, resumedAt(115)), (e) => {
    assert.ok(e instanceof UsageError);
    assert.match(
      e.message,
      /--resume --steps 50: .* already at step 115; give --steps 115 or more/,
    );
    return true;
  });
  assert.equal(runOptions({ steps: "115" }, resumedAt(115)).steps, 115);
  assert.throws(() => workersFlag({ workers: "1000" }, 16), (e) => {
    assert.ok(e instanceof UsageError);
    assert.match(e.message, /--workers 1000 is more than the 16 core\(s\).*at most --workers 16/);
    return true;
  });
  assert.equal(workersFlag({ workers: "16" }, 16), 16);
  assert.equal(workersFlag({}, 16), undefined);
  assert.throws(() => runOptions({ workers: "100000" }), /--workers 100000 is more than/);
});

Deno.test("faults: a new run into a folder holding a run is refused unless --resume or --overwrite; an output equal to an input is refused; provenance keeps the first data", async () => {
  const dir = await Deno.makeTempDir();
  await writeCsv(`${dir}/rec.csv`, 30);
  const common = ["--preset", "tiny", "--batch", "2", "--backend", "cpu", "--no-cache"];
  const first = await runCli(TRAIN, [
    `${dir}/rec.csv`,
    ...common,
    "--steps",
    "2",
    "--out",
    `${dir}/R`,
  ]);
  assert.equal(first.code, 0, first.err);
  const model = await Deno.readFile(`${dir}/R/model.safetensors`);
  const ckpt = await Deno.readFile(`${dir}/R/checkpoint.safetensors`);
  const log = await Deno.readTextFile(`${dir}/R/log.jsonl`);

  // The same command again (as `deno task train` twice): refused, nothing replaced.
  const again = await runCli(TRAIN, [
    `${dir}/rec.csv`,
    ...common,
    "--steps",
    "3",
    "--out",
    `${dir}/R`,
  ]);
  assert.equal(again.code, 2, again.err);
  assert.match(again.err, /R holds an earlier run \(.*checkpoint\.safetensors.*\)/);
  assert.match(
    again.err,
    /pass --resume to continue that run, --overwrite to replace it, or another --out/,
  );
  assert.deepEqual(await Deno.readFile(`${dir}/R/model.safetensors`), model);
  assert.deepEqual(await Deno.readFile(`${dir}/R/checkpoint.safetensors`), ckpt);
  assert.equal(await Deno.readTextFile(`${dir}/R/log.jsonl`), log);

  // --resume --steps below the checkpoint's step: an error, the checkpoint untouched.
  const back = await runCli(TRAIN, ["--out", `${dir}/R`, "--resume", "--steps", "1"]);
  assert.equal(back.code, 2, back.err);
  assert.match(back.err, /already at step 2/);
  assert.deepEqual(await Deno.readFile(`${dir}/R/checkpoint.safetensors`), ckpt);

  // An output file that is an input: refused before any work, the input untouched.
  const csv = await Deno.readTextFile(`${dir}/rec.csv`);
  const enc = await runCli(ENCODE, [
    `${dir}/rec.csv`,
    "--weights",
    `${dir}/R/model.safetensors`,
    "--out",
    `${dir}/./rec.csv`,
    "--backend",
    "cpu",
    "--no-cache",
  ]);
  assert.equal(enc.code, 2, enc.err);
  assert.match(enc.err, /--out .*rec\.csv is the input .*rec\.csv: writing there would replace it/);
  assert.equal(await Deno.readTextFile(`${dir}/rec.csv`), csv);
  const overWeights = await runCli(ENCODE, [
    `${dir}/rec.csv`,
    "--weights",
    `${dir}/R/model.safetensors`,
    "--out",
    `${dir}/R/model.safetensors`,
  ]);
  assert.equal(overWeights.code, 2, overWeights.err);
  assert.deepEqual(await Deno.readFile(`${dir}/R/model.safetensors`), model);

  // Resumed on other data: the model's provenance names both.
  await writeCsv(`${dir}/other.csv`, 30, 5);
  const other = await runCli(TRAIN, [
    `${dir}/other.csv`,
    "--out",
    `${dir}/R`,
    "--resume",
    "--steps",
    "3",
  ]);
  assert.equal(other.code, 0, other.err);
  const { metadata } = decodeSafetensors(await Deno.readFile(`${dir}/R/model.safetensors`));
  const training = JSON.parse(metadata.training);
  assert.equal(training.earlierData.length, 1);
  assert.equal(training.earlierData[0].untilStep, 2);
  assert.ok(training.earlierData[0].args.some((a: string) => a.endsWith("/rec.csv")));
  assert.ok(training.dataArgs.some((a: string) => a.endsWith("/other.csv")));

  // --overwrite starts afresh.
  const fresh = await runCli(TRAIN, [
    `${dir}/rec.csv`,
    ...common,
    "--steps",
    "1",
    "--out",
    `${dir}/R`,
    "--overwrite",
  ]);
  assert.equal(fresh.code, 0, fresh.err);
  assert.match(
    fresh.err,
    /--overwrite: removed the earlier run's checkpoint\.safetensors, log\.jsonl, loss\.svg, model\.safetensors/,
  );
  const after = JSON.parse(
    decodeSafetensors(await Deno.readFile(`${dir}/R/model.safetensors`)).metadata.config,
  );
  assert.equal(after.step, 1);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("faults: encode without write permission for --out fails before reading or encoding", async () => {
  const { initBackend } = await import("../lib/runtime/backend.ts");
  const { presetConfig } = await import("../lib/model/config.ts");
  const { FlowFM } = await import("../lib/model/flowfm.ts");
  const { serializeModel } = await import("../lib/weights/model_file.ts");
  await initBackend("cpu");
  const dir = await Deno.makeTempDir();
  const m = new FlowFM(presetConfig("tiny"));
  await Deno.writeFile(`${dir}/m.safetensors`, await serializeModel(m));
  m.dispose();
  await writeCsv(`${dir}/rec.csv`, 30);
  const r = await runCli(
    ENCODE,
    [`${dir}/rec.csv`, "--weights", `${dir}/m.safetensors`, "--out", `${dir}/out/emb.csv`],
    { flags: ["--allow-read", "--allow-env"] },
  );
  assert.equal(r.code, 1, r.err);
  assert.match(
    r.err,
    /missing permission: write access to .*\/out \(the folder of --out .*emb\.csv\); add --allow-write=.*\/out/,
  );
  assert.doesNotMatch(r.err, /^data: /m, "the data were read before the permission check");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("faults: --resume with --overwrite is a usage error; an empty or lock-only folder takes a new run", async () => {
  const dir = await Deno.makeTempDir();
  await checkRunFolder(dir, {}, []); // empty
  await Deno.writeTextFile(`${dir}/train.lock`, "{}");
  await checkRunFolder(dir, {}, []); // only a lock: no run's files
  await Deno.writeFile(`${dir}/checkpoint.safetensors`, new Uint8Array(8));
  await assert.rejects(
    checkRunFolder(dir, { resume: true, overwrite: true }, []),
    /give --resume \(continue the run\) or --overwrite \(replace it\), not both/,
  );
  await assert.rejects(checkRunFolder(dir, {}, []), /holds an earlier run/);
  await checkRunFolder(dir, { overwrite: true }, []);
  await checkRunFolder(dir, { resume: true }, []);
  await Deno.remove(dir, { recursive: true });
});
