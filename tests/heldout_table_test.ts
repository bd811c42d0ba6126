// studies/heldout_table.ts and studies/heldout_curve.ts: the held-out table and checkpoint curve
// from the reports studies/heldout_probes.sh writes.
import assert from "node:assert/strict";
import { inTempDir } from "./_helpers.ts";

const SCRIPT = new URL("../studies/heldout_table.ts", import.meta.url).pathname;
const CURVE = new URL("../studies/heldout_curve.ts", import.meta.url).pathname;

/** Writes runs/eval-NAME/report.json in `dir` with these args and heads' macro F1 means. */
async function report(dir: string, name: string, args: string[], heads: Record<string, number>) {
  await Deno.mkdir(`${dir}/runs/eval-${name}`, { recursive: true });
  const json = {
    args,
    heads: Object.entries(heads).map(([head, mean]) => ({
      head,
      summary: { macroF1: { mean, sd: 0.1 } },
    })),
  };
  await Deno.writeTextFile(`${dir}/runs/eval-${name}/report.json`, JSON.stringify(json));
}

async function table(dir: string, ...args: string[]) {
  return await script(SCRIPT, dir, ...args);
}

async function script(path: string, dir: string, ...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read=runs", path, ...args],
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

Deno.test("heldout_table: probe columns from TAG, baselines from the first tag that has them", async () => {
  await inTempDir(async (dir) => {
    const hapt = ["--dataset", "uci-hapt"];
    await report(dir, "M-hapt-stages", hapt, { probe: 0.81 });
    await report(dir, "M-hapt-z", hapt, { probe: 0.72 });
    await report(dir, "M-hapt-stages-base", hapt, { "scratch-probe": 0.7, handcrafted: 0.9 });
    await report(dir, "B-hapt-z", hapt, { probe: 0.1, "scratch-probe": 0.66 });
    await report(dir, "B-dsads-leg-stages", ["--dataset", "dsads:leg"], { handcrafted: 0.8 });
    const ms = ["--dataset", "motionsense"];
    await report(dir, "M-ms-stages", ms, { probe: 0.93 });
    const r = await table(dir, "M", "B");
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout.trim().split("\n");
    assert.equal(rows.length, 4, r.stdout); // header, rule, uci-hapt, MotionSense: rows without a probe of M left out
    assert.equal(rows[0].split("|").length, 8, rows[0]); // no z+handcrafted report: no such column
    assert.equal(
      rows[2],
      "| uci-hapt (waist), 6 activities | 0.810 ± 0.100 | 0.720 ± 0.100 | 0.700 ± 0.100 | 0.660 ± 0.100 | 0.900 ± 0.100 |",
    );
    assert.equal(rows[3], "| MotionSense (pocket), 6 activities | 0.930 ± 0.100 |  |  |  |  |");
    const only = await table(dir, "--rows", "ms,hapt10", "M", "B"); // hapt10 has no report
    assert.deepEqual(only.stdout.trim().split("\n").slice(2), [
      "| MotionSense (pocket), 6 activities | 0.930 ± 0.100 |",
    ]);
    const bad = await table(dir, "--rows", "ms,legs", "M");
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown row\(s\) in --rows: legs/);
  });
});

Deno.test("heldout_table: fine-tuning columns; a row with only fine-tuning of TAG is kept", async () => {
  await inTempDir(async (dir) => {
    const hapt10 = ["--dataset", "uci-hapt", "--labels-per-class", "10"];
    await report(dir, "M-hapt10-ft", hapt10, { finetune: 0.83, "scratch-finetune": 0.4 });
    await report(dir, "M-hapt10-stages-base", hapt10, { handcrafted: 0.84 });
    // scratch fine-tuning does not depend on the weights: it may come from a baseline tag,
    // fine-tuning may not
    await report(dir, "B-ms-ft", ["--dataset", "motionsense"], {
      finetune: 0.5,
      "scratch-finetune": 0.6,
    });
    await report(dir, "M-ms-stages", ["--dataset", "motionsense"], { probe: 0.9 });
    const r = await table(dir, "M", "B");
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout.trim().split("\n");
    assert.equal(
      rows[0],
      "| row | probe, stages | handcrafted | fine-tuned | scratch fine-tuned |",
    );
    assert.deepEqual(rows.slice(2), [
      "| uci-hapt, 10 per class |  | 0.840 ± 0.100 | 0.830 ± 0.100 | 0.400 ± 0.100 |",
      "| MotionSense (pocket), 6 activities | 0.900 ± 0.100 |  |  | 0.600 ± 0.100 |",
    ]);
  });
});

Deno.test("heldout_table: a baseline run on other labels per class is an error naming it", async () => {
  await inTempDir(async (dir) => {
    await report(dir, "M-hapt10-stages", ["--dataset", "uci-hapt", "--labels-per-class", "10"], {
      probe: 0.7,
    });
    await report(dir, "B-hapt10-stages", ["--dataset", "uci-hapt"], { handcrafted: 0.9 });
    const r = await table(dir, "M", "B");
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr,
      /eval-B-hapt10-stages: run with --dataset uci-hapt --task activity --labels-per-class all, runs\/eval-M-hapt10-stages with .* --labels-per-class 10/,
    );
  });
});

Deno.test("heldout_table: --before adds another model's stage and z probe means, – where missing", async () => {
  await inTempDir(async (dir) => {
    const hapt = ["--dataset", "uci-hapt"], ms = ["--dataset", "motionsense"];
    await report(dir, "M-hapt-stages", hapt, { probe: 0.81, handcrafted: 0.9 });
    await report(dir, "M-ms-stages", ms, { probe: 0.93 });
    await report(dir, "OLD-hapt-stages", hapt, { probe: 0.75 });
    await report(dir, "OLD-hapt-z", hapt, { probe: 0.7 });
    await report(dir, "OLD-ms-z", ms, { probe: 0.88 });
    const r = await table(dir, "--before", "OLD", "M");
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split("\n"), [
      "| row | probe, stages | handcrafted | OLD, stages / `z` |",
      "| --- | --- | --- | --- |",
      "| uci-hapt (waist), 6 activities | 0.810 ± 0.100 | 0.900 ± 0.100 | 0.750 / 0.700 |",
      "| MotionSense (pocket), 6 activities | 0.930 ± 0.100 |  | – / 0.880 |",
    ]);
  });
});

Deno.test("heldout_curve: a column per tag, – where not run, the mean over rows every tag has", async () => {
  await inTempDir(async (dir) => {
    const leg = ["--dataset", "dsads:leg"], sis = ["--dataset", "sisfall", "--task", "adl"];
    await report(dir, "A-dsads-leg-stages", leg, { probe: 0.7, handcrafted: 0.9 });
    await report(dir, "B-dsads-leg-stages", leg, { probe: 0.8 });
    await report(dir, "A-sisfall-stages", sis, { probe: 0.6 });
    await report(dir, "B-sisfall-stages", sis, { probe: 0.5 });
    await report(dir, "A-ms-stages", ["--dataset", "motionsense"], { probe: 0.9 });
    await report(dir, "B-ms-z", ["--dataset", "motionsense"], { probe: 0.2 });
    const r = await script(CURVE, dir, "A", "B");
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split("\n"), [
      "| row, probe on stages | A | B |",
      "| --- | --- | --- |",
      "| MotionSense (pocket), 6 activities | 0.900 | – |",
      "| DSADS (legs), 19 activities | 0.700 | 0.800 |",
      "| SisFall (waist), 19 activities | 0.600 | 0.500 |",
      "| mean of 2 rows | 0.650 | 0.650 |",
    ]);
    const z = await script(CURVE, dir, "--features", "z", "--rows", "ms", "B");
    assert.deepEqual(z.stdout.trim().split("\n").slice(2), [
      "| MotionSense (pocket), 6 activities | 0.200 |",
      "| mean of 1 row | 0.200 |",
    ]);
    const bad = await script(CURVE, dir, "--rows", "legs", "A");
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown row\(s\) in --rows: legs/);
  });
});
