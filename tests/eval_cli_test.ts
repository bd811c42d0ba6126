import assert from "node:assert/strict";
import { initBackend } from "../lib/runtime/backend.ts";
import { presetConfig } from "../lib/model/config.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { serializeModel } from "../lib/weights/model_file.ts";
import { runCli } from "./_helpers.ts";
import { perClassF1 } from "../lib/eval/metrics.ts";

const cli = new URL("../cli/evaluate.ts", import.meta.url).pathname;

async function run(args: string[]) {
  return await runCli(cli, args);
}

await initBackend("wasm");

/**
 * Three subjects, one CSV each (30 Hz, g, no timestamp): 40 s of each of three activities whose
 * frequency and amplitude differ, so 10 s windows with a 5 s hop give 7 windows per activity
 * (the windows spanning two activities are dropped).
 */
async function fixture(
  names: readonly string[] = ["rest", "walk", "run"],
): Promise<{ dir: string; files: string[] }> {
  const dir = await Deno.makeTempDir();
  const files: string[] = [];
  const acts = [[names[0], 0.5, 0.1], [names[1], 2, 0.5], [names[2], 3, 1]] as const;
  for (let s = 0; s < 3; s++) {
    const rows = ["x,y,z,label,subject"];
    acts.forEach(([name, f, amp], a) => {
      for (let i = 0; i < 40 * 30; i++) {
        const t = i / 30, w = amp * Math.sin(2 * Math.PI * f * t + s + a);
        const noise = 0.02 * Math.sin(7.3 * i + s);
        rows.push(`${w.toFixed(4)},${(0.5 * w + noise).toFixed(4)},1,${name},subj${s}`);
      }
    });
    files.push(`${dir}/s${s}.csv`);
    await Deno.writeTextFile(files[s], rows.join("\n") + "\n");
  }
  return { dir, files };
}

Deno.test("cli/evaluate: report JSON, Markdown and confusion SVG for probe, fine-tuning and handcrafted", async () => {
  const { dir, files } = await fixture();
  const r = await run([
    ...files,
    "--rate",
    "30",
    "--units",
    "g",
    "--no-cache",
    "--random-init",
    "--preset",
    "tiny",
    "--heads",
    "probe,finetune,handcrafted",
    "--epochs",
    "1",
    "--batch",
    "16",
    "--probe-iterations",
    "100",
    "--backend",
    "wasm",
    "--out",
    `${dir}/out`,
  ]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /probe fold 3\/3: macro F1/);
  assert.match(r.err, /finetune fold 1\/3 epoch 1|finetune fold 3\/3: macro F1/);
  assert.match(
    r.err,
    /warning: finetune: in 3 of 3 folds the best epoch was the last \(--epochs 1\)/,
  );
  const report = JSON.parse(await Deno.readTextFile(`${dir}/out/report.json`));
  // A subject's 21 windows in batches of 16 make 2-step epochs: the report records it, and
  // evaluate warns with the fewest over the folds.
  const ft = report.heads.find((h: { head: string }) => h.head === "finetune");
  const fewest = Math.min(
    ...ft.folds.map((f: { fit: { epochSteps: number } }) => f.fit.epochSteps),
  );
  assert.ok(fewest >= 1 && fewest < 10, `epoch steps ${fewest}`);
  assert.match(r.err, new RegExp(`warning: finetune: epochs of only ${fewest} steps?, `));
  assert.deepEqual(report.classes, ["rest", "run", "walk"]);
  assert.deepEqual(report.subjects, ["subj0", "subj1", "subj2"]);
  assert.equal(report.windows.evaluated, 3 * 21);
  assert.equal(report.folds.length, 3, "3 subjects: leave-one-subject-out");
  assert.deepEqual(report.heads.map((h: { head: string }) => h.head), [
    "probe",
    "finetune",
    "handcrafted",
  ]);
  for (const h of report.heads) {
    assert.equal(h.folds.length, 3);
    assert.equal(h.subjects.length, 3);
    assert.equal(h.confusion.flat().reduce((a: number, b: number) => a + b, 0), 63);
  }
  const hc = report.heads.find((h: { head: string }) => h.head === "handcrafted");
  assert.ok(hc.summary.macroF1.mean > 0.8, `handcrafted macro F1 ${hc.summary.macroF1.mean}`);
  assert.equal(report.model.source, "random-init");
  const md = await Deno.readTextFile(`${dir}/out/report.md`);
  assert.match(md, /\| handcrafted \| \d\.\d{3} ± \d\.\d{3} \|/);
  // F1 per class, from each head's pooled confusion matrix (handcrafted is the third column).
  assert.match(
    md,
    /F1 per class \(all test windows pooled\):\n\n\| class \| probe \| finetune \| handcrafted \|/,
  );
  report.classes.forEach((c: string, i: number) => {
    const cells = md.match(new RegExp(`^\\| ${c} \\| (.+) \\|$`, "m"))?.[1].split(" | ");
    assert.equal(cells?.length, 3, c);
    assert.equal(cells[2], perClassF1(hc.confusion)[i].toFixed(3), c);
  });
  assert.equal(r.out, md + "\n", "the Markdown report also goes to stdout");
  const svg = await Deno.readTextFile(`${dir}/out/confusion.svg`);
  assert.ok(svg.startsWith("<svg") && svg.trim().endsWith("</svg>"));
  for (const c of ["rest", "run", "walk", "finetune"]) assert.ok(svg.includes(c));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("cli/evaluate: --weights file, usage errors exit 2, bad files exit 1, --help", async () => {
  const { dir, files } = await fixture();
  const model = new FlowFM(presetConfig("tiny", { seed: 3 }));
  await Deno.writeFile(`${dir}/m.safetensors`, await serializeModel(model, { step: 7 }));
  model.dispose();
  const data = [...files, "--rate", "30", "--units", "g", "--no-cache", "--backend", "wasm"];
  const ok = await run([
    ...data,
    "--weights",
    `${dir}/m.safetensors`,
    "--heads",
    "probe,scratch-probe",
    "--max-folds",
    "1",
    "--probe-iterations",
    "20",
    "--probe-l2",
    "0.5,2",
    "--out",
    `${dir}/w`,
  ]);
  assert.equal(ok.code, 0, ok.err);
  const report = JSON.parse(await Deno.readTextFile(`${dir}/w/report.json`));
  assert.equal(report.model.step, 7);
  for (const h of report.heads) {
    assert.ok([0.5, 2].includes(h.folds[0].fit.l2), `${h.head}: l2 ${h.folds[0].fit.l2}`);
  }
  assert.equal(report.heads[0].folds.length, 1);
  assert.deepEqual(report.heads.map((h: { head: string }) => h.head), ["probe", "scratch-probe"]);

  const usage: [string[], RegExp][] = [
    [["--heads", "probe,svm", "--random-init"], /unknown head "svm"/],
    [["--weights", `${dir}/m.safetensors`, "--random-init"], /not both/],
    [["--random-init", "--labels-per-class", "-3"], /--labels-per-class must be an integer >= 1/],
    [["--random-init", "--epochs", "0"], /--epochs must be an integer >= 1/],
    [["--random-init", "--preset", "huge"], /--preset must be one of/],
    [["--random-init", "--epoch-windows", "-1"], /--epoch-windows must be an integer >= 0/],
    [["--random-init", "--probe-l2", "0.1,,1"], /--probe-l2 must list numbers >= 0 .*"0\.1,,1"/],
  ];
  for (const [args, msg] of usage) {
    const r = await run([...data, ...args, "--out", `${dir}/u`]);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.err}`);
    assert.match(r.err, msg);
  }
  const trunc = (await Deno.readFile(`${dir}/m.safetensors`)).subarray(0, 3000);
  await Deno.writeFile(`${dir}/trunc.safetensors`, trunc);
  const bad = await run([...data, "--weights", `${dir}/trunc.safetensors`, "--out", `${dir}/b`]);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /trunc\.safetensors/);
  // A missing --weights file fails before any data is read, naming the file.
  const missing = await run([...data, "--weights", `${dir}/nope.safetensors`, "--out", `${dir}/n`]);
  assert.equal(missing.code, 1);
  assert.equal(missing.err.trim(), `error: ${dir}/nope.safetensors: no such file`);
  const help = await run(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.out, /Usage: npx --yes deno@2\.9\.6 run -A cli\/evaluate\.ts/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("cli/evaluate: --labels-per-class cuts training and validation, not test; --task falls", async () => {
  const { dir, files } = await fixture(["D01", "D07", "F03"]);
  const base = [...files, "--rate", "30", "--units", "g", "--no-cache", "--heads", "handcrafted"];
  const few = await run([...base, "--labels-per-class", "2", "--seed", "4", "--out", `${dir}/few`]);
  assert.equal(few.code, 0, few.err);
  const report = JSON.parse(await Deno.readTextFile(`${dir}/few/report.json`));
  assert.equal(report.labelsPerClass, 2);
  assert.equal(report.settings.labelsPerClass, 2);
  assert.match(report.title, /2 labels per class/);
  const [hc] = report.heads;
  for (const f of hc.folds) {
    assert.equal(
      f.windows.train,
      3 * 2,
      "2 windows of each of 3 classes from the training subject",
    );
    assert.ok(f.windows.val <= 3 * 2);
    assert.equal(f.windows.test, 21, "the test subject stays whole");
  }
  assert.equal(hc.confusion.flat().reduce((a: number, b: number) => a + b, 0), 63);
  const falls = await run([...base, "--task", "falls", "--out", `${dir}/falls`]);
  assert.equal(falls.code, 0, falls.err);
  const fr = JSON.parse(await Deno.readTextFile(`${dir}/falls/report.json`));
  assert.deepEqual(fr.classes, ["adl", "fall"]);
  assert.deepEqual(fr.heads[0].confusion.map((r: number[]) => r[0] + r[1]), [42, 21]);
  const adl = await run([...base, "--task", "adl", "--out", `${dir}/adl`]);
  assert.equal(adl.code, 0, adl.err);
  const ar = JSON.parse(await Deno.readTextFile(`${dir}/adl/report.json`));
  assert.deepEqual(ar.classes, ["D01", "D07"], "the fall code's windows are left out");
  assert.equal(ar.windows.evaluated, 42);
  const bad = await run([...base, "--labels-per-class", "0", "--out", `${dir}/bad`]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--labels-per-class/);
  const badTask = await run([...base, "--task", "fall", "--out", `${dir}/bad`]);
  assert.equal(badTask.code, 2);
  assert.match(badTask.err, /--task.*activity, adl, falls/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("cli/evaluate: progress shows the per-subject mean F1, the header the folds run of all, and a few skipped files", async () => {
  const { dir, files } = await fixture();
  const bad: string[] = [];
  for (let i = 0; i < 5; i++) {
    bad.push(`${dir}/bad${i}.csv`);
    await Deno.writeTextFile(bad[i], "a,b\n1,2\n");
  }
  const r = await run([
    ...files,
    ...bad,
    "--skip-bad-files",
    "--rate",
    "30",
    "--units",
    "g",
    "--no-cache",
    "--heads",
    "handcrafted",
    "--max-folds",
    "1",
    "--probe-iterations",
    "20",
    "--backend",
    "wasm",
    "--out",
    `${dir}/out`,
  ]);
  assert.equal(r.code, 0, r.err);
  const report = JSON.parse(await Deno.readTextFile(`${dir}/out/report.json`));
  const subject = report.heads[0].subjects[0].macroF1;
  assert.equal(report.heads[0].subjects.length, 1, "one fold of leave-one-subject-out");
  assert.match(
    r.err,
    new RegExp(
      `handcrafted fold 1/1: macro F1 ${subject.toFixed(3)} \\(mean over its 1 test subject`,
    ),
  );
  const md = await Deno.readTextFile(`${dir}/out/report.md`);
  assert.match(md, /; 1 of 3 subject-wise folds, seed 0\./);
  const title = md.split("\n")[0];
  assert.match(
    title,
    /8 CSV file\(s\); 5 file\(s\) skipped: \S+bad0\.csv, \S+bad1\.csv, \S+bad2\.csv and 2 more/,
  );
  assert.doesNotMatch(title, /bad3/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("cli/evaluate: a killed run resumes from the folds it finished, to the same report", async () => {
  const { dir, files } = await fixture();
  const args = (out: string, epochs = "3") => [
    ...files,
    ...["--rate", "30", "--units", "g", "--no-cache", "--random-init", "--preset", "tiny"],
    ...["--heads", "handcrafted,finetune", "--epochs", epochs, "--epoch-windows", "300"],
    ...["--workers", "1", "--backend", "wasm", "--seed", "0", "--out", out],
  ];
  const whole = await run(args(`${dir}/whole`));
  assert.equal(whole.code, 0, whole.err);
  // Killed (SIGKILL) once its first fine-tuning fold is on disk.
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", cli, ...args(`${dir}/cut`)],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const partial = `${dir}/cut/folds.partial.json`;
  for (let kept = 0; kept < 4;) { // 3 handcrafted folds, then the first fine-tuning fold
    await new Promise((r) => setTimeout(r, 20));
    kept = await Deno.readTextFile(partial).then((t) => JSON.parse(t).folds.length, () => 0);
  }
  child.kill("SIGKILL");
  await child.status;
  const other = await run(args(`${dir}/cut`, "4"));
  assert.equal(other.code, 1);
  assert.match(
    other.err,
    /folds\.partial\.json holds the finished folds of an evaluation with other settings \(finetune: .*"maxEpochs":3.* there, .*"maxEpochs":4.* now\)/,
  );
  const resumed = await run(args(`${dir}/cut`));
  assert.equal(resumed.code, 0, resumed.err);
  const n = Number(resumed.err.match(/resuming: (\d+) finished fold\(s\)/)?.[1]);
  assert.ok(n >= 4 && n < 6, `resumed with ${n} of 6 folds finished:\n${resumed.err}`);
  const heads = async (out: string) => {
    const r = JSON.parse(await Deno.readTextFile(`${out}/report.json`));
    return JSON.stringify(r.heads, (k, v) => (k === "seconds" ? undefined : v));
  };
  assert.equal(await heads(`${dir}/cut`), await heads(`${dir}/whole`));
  await assert.rejects(Deno.stat(partial), Deno.errors.NotFound, "removed with the report");
  await Deno.remove(dir, { recursive: true });
});
