// cli/_run.ts: the output folder's lock, leftover temporary files, resume flags, divergence.
import assert from "node:assert/strict";
import {
  DivergenceWatch,
  LOCK_FILE,
  lockFolder,
  pidAlive,
  removeLeftovers,
  runOptions,
} from "../cli/_run.ts";
import { UsageError } from "../cli/_common.ts";
import type { FlowFM } from "../lib/model/flowfm.ts";
import type { RunState } from "../lib/train/checkpoint.ts";

/** The pid of a process that has exited (and been reaped). */
async function deadPid(): Promise<number> {
  const child = new Deno.Command(Deno.execPath(), { args: ["eval", "0"], stdout: "null" }).spawn();
  await child.status;
  return child.pid;
}

Deno.test("lockFolder: one holder at a time, stale locks taken over, released by the holder", async () => {
  const dir = await Deno.makeTempDir();
  const out = `${dir}/run`;
  assert.equal(pidAlive(Deno.pid), true);
  const release = await lockFolder(out);
  const lock = JSON.parse(await Deno.readTextFile(`${out}/${LOCK_FILE}`));
  assert.equal(lock.pid, Deno.pid);
  assert.ok(typeof lock.host === "string" && !Number.isNaN(Date.parse(lock.started)));
  await assert.rejects(
    () => lockFolder(out),
    new RegExp(
      `run is in use by another training run \\(pid ${Deno.pid} on .*delete .*train\\.lock`,
    ),
  );
  release();
  await assert.rejects(() => Deno.stat(`${out}/${LOCK_FILE}`), Deno.errors.NotFound);
  // A lock whose process has exited is taken over.
  const pid = await deadPid();
  assert.equal(pidAlive(pid), false);
  const stale = { pid, host: lock.host, started: "2020-01-01T00:00:00.000Z" };
  await Deno.writeTextFile(`${out}/${LOCK_FILE}`, JSON.stringify(stale));
  const release2 = await lockFolder(out);
  assert.equal(JSON.parse(await Deno.readTextFile(`${out}/${LOCK_FILE}`)).pid, Deno.pid);
  // Releasing does not remove a lock another process has taken since.
  await Deno.writeTextFile(`${out}/${LOCK_FILE}`, JSON.stringify({ ...stale, pid: 1 }));
  release2();
  assert.ok((await Deno.stat(`${out}/${LOCK_FILE}`)).isFile);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("removeLeftovers: removes atomicWrite temporaries only", async () => {
  const dir = await Deno.makeTempDir();
  const tmp = "checkpoint.safetensors.0b7d7d3e-2f7c-4c1e-9d7e-1a2b3c4d5e6f.tmp";
  for (const f of [tmp, "log.jsonl", "notes.tmp", "checkpoint.safetensors"]) {
    await Deno.writeTextFile(`${dir}/${f}`, "x");
  }
  assert.deepEqual(await removeLeftovers(dir), [tmp]);
  const left = [];
  for await (const e of Deno.readDir(dir)) left.push(e.name);
  assert.deepEqual(left.sort(), ["checkpoint.safetensors", "log.jsonl", "notes.tmp"]);
  assert.deepEqual(await removeLeftovers(dir), []);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("runOptions: resume flags that disagree fail with the list; others apply", () => {
  const state = {
    step: 4,
    rng: [1, 2, 3, 4],
    moments: new Map(),
    schedule: { batch: 8, seed: 3, totalSteps: 24, windows: 40 },
    config: { preset: "tiny", lr: 5e-4, clipNorm: 1, augment: false, objective: "fm" },
  } as RunState;
  const model = { config: { preset: "tiny", objective: "fm" } } as unknown as FlowFM;
  const resumed = { model, state, path: "runs/x/checkpoint.safetensors" };
  // Same values as the checkpoint: no conflict.
  const same = runOptions({ batch: "8", seed: "3", preset: "tiny", "clip-norm": "1" }, resumed);
  assert.equal(same.batch, undefined);
  assert.throws(
    () => runOptions({ "aux-tasks": "0.1" }, resumed),
    /--aux-tasks 0\.1 \(the checkpoint has 0\)/,
  );
  assert.throws(
    () =>
      runOptions({
        batch: "4",
        seed: "3",
        augment: true,
        "clip-norm": "0",
        objective: "ddpm",
        preset: "tiny",
      }, resumed),
    (e: unknown) => {
      assert.ok(e instanceof UsageError);
      assert.match(
        e.message,
        /--resume: 4 flag\(s\) disagree with runs\/x\/checkpoint\.safetensors/,
      );
      for (
        const part of [
          "--batch 4 (the checkpoint has 8)",
          "--clip-norm 0 (the checkpoint has 1)",
          "--augment true (the checkpoint has false)",
          "--objective ddpm (the checkpoint has fm)",
        ]
      ) {
        assert.ok(e.message.includes(part), part);
      }
      return true;
    },
  );
  const o = runOptions({ lr: "1e-4", steps: "30", "micro-batch": "2", workers: "1" }, resumed);
  assert.equal(o.lr, 1e-4);
  assert.equal(o.steps, 30);
  assert.equal(o.microBatch, 2);
  // A fresh run takes the flags (and defaults).
  const fresh = runOptions({ batch: "4", augment: true });
  assert.equal(fresh.batch, 4);
  assert.equal(fresh.augment, true);
  assert.ok(fresh.lr! > 0);
  // The default view is the recipe ablation's choice; --no-augment turns it off.
  assert.deepEqual(runOptions({}).augment, { permuteAxes: true, jitter: 0.05 });
  assert.equal(runOptions({ "no-augment": true }).augment, false);
  assert.deepEqual(runOptions({ "augment-axis": "gravity" }).augment, { rotationAxis: "gravity" });
});

Deno.test("DivergenceWatch: warns once per stretch of 20 steps above 10x the running minimum", () => {
  const w = new DivergenceWatch();
  const warnings: number[] = [];
  const losses = [
    ...Array(10).fill(1), // minimum 1
    ...Array(19).fill(20), // 19 steps above 10x: not yet
    5, // back under: the stretch ends
    ...Array(45).fill(20), // one stretch of 45: one warning, at its 20th step
    1,
    ...Array(20).fill(11), // a new stretch: a new warning
  ];
  losses.forEach((loss, i) => {
    const msg = w.update(i + 1, loss);
    if (msg) {
      warnings.push(i + 1);
      assert.match(
        msg,
        /^warning: the loss has stayed above 10x its running minimum \(1\.000\) for 20 steps/,
      );
    }
  });
  assert.deepEqual(warnings, [50, 96]);
});
