import assert from "node:assert/strict";
import { initBackend } from "../lib/runtime/backend.ts";
import { presetConfig } from "../lib/model/config.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { serializeModel } from "../lib/weights/model_file.ts";
import { Rng } from "../lib/random.ts";
import { runCli } from "./_helpers.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const cli = (name: string) => `${ROOT}cli/${name}.ts`;

async function run(name: string, args: string[], perms: string[]) {
  return await runCli(cli(name), args, { flags: perms, cwd: ROOT });
}

await initBackend("wasm");

const CLASSES = ["lie", "sit", "walk"];

/** A labelled recording at 30 Hz in g: 30 s segments of the given classes, one after another. */
function recording(classes: number[], subject: string, seed: number): string {
  const rng = new Rng(seed), rows = ["x,y,z,label,subject"];
  classes.forEach((k) => {
    const f = 0.5 + k, amp = 0.2 + 0.3 * k;
    for (let s = 0; s < 900; s++) {
      const wave = amp * Math.sin(2 * Math.PI * f * (s / 30));
      const v = [wave, 0.5 * wave, 1].map((a) => (a + 0.02 * rng.normal()).toFixed(4));
      rows.push(`${v.join(",")},${CLASSES[k]},${subject}`);
    }
  });
  return rows.join("\n") + "\n";
}

async function fixture() {
  const dir = await Deno.makeTempDir();
  for (const [seed, name] of [[2, "model"], [3, "other"]] as const) {
    const model = new FlowFM(presetConfig("tiny", { seed }));
    await Deno.writeFile(`${dir}/${name}.safetensors`, await serializeModel(model));
    model.dispose();
  }
  await Deno.writeTextFile(`${dir}/a.csv`, recording([0, 1, 2, 0], "p1", 1));
  await Deno.writeTextFile(`${dir}/b.csv`, recording([2, 1, 0, 2], "p2", 2));
  return dir;
}

Deno.test("cli/fit + cli/predict: classifier file, predictions CSV and timeline SVG with minimal permissions", async () => {
  const dir = await fixture();
  const perms = [`--allow-read=.,${dir}`, `--allow-write=${dir},.cache`];
  const data = [`${dir}/a.csv`, `${dir}/b.csv`, "--rate", "30", "--units", "g"];
  const fit = await run("fit", [
    "--weights",
    `${dir}/model.safetensors`,
    "--out",
    `${dir}/clf.safetensors`,
    "--probe-iterations",
    "200",
    "--backend",
    "wasm",
    ...data,
  ], perms);
  assert.equal(fit.code, 0, fit.err);
  assert.match(fit.out, /classes \(3\)/);
  // 120 s per file, 5 s hop: 23 windows; the 3 boundaries each drop the 1 window that straddles.
  assert.match(fit.out, /lie +\d+/);
  assert.match(fit.out, /training accuracy: [\d.]+ % on \d+ windows/);
  assert.ok((await Deno.stat(`${dir}/clf.safetensors`)).size > 0);

  const predict = await run("predict", [
    "--weights",
    `${dir}/model.safetensors`,
    "--classifier",
    `${dir}/clf.safetensors`,
    "--out",
    `${dir}/pred.csv`,
    "--svg",
    `${dir}/timeline.svg`,
    "--backend",
    "wasm",
    ...data,
  ], perms);
  assert.equal(predict.code, 0, predict.err);
  const lines = (await Deno.readTextFile(`${dir}/pred.csv`)).trim().split("\n");
  assert.equal(lines[0], "source,subject,start_s,label,probability");
  assert.equal(lines.length, 1 + 2 * 23, "every window of both files, mixed ones included");
  const rows = lines.slice(1).map((l) => l.split(","));
  assert.ok(rows.every((r) => r.length === 5 && CLASSES.includes(r[3])));
  assert.ok(rows.every((r) => Number(r[4]) > 1 / 3 - 1e-3 && Number(r[4]) <= 1));
  assert.deepEqual(rows.slice(0, 3).map((r) => [r[1], Number(r[2])]), [["p1", 0], ["p1", 5], [
    "p1",
    10,
  ]]);
  // Windows well inside a segment: mostly the segment's class.
  const truth = (r: string[]) => {
    const seg = Math.floor((Number(r[2]) + 5) / 30);
    return CLASSES[(r[0].endsWith("a.csv") ? [0, 1, 2, 0] : [2, 1, 0, 2])[seg]];
  };
  const inside = rows.filter((r) => Number(r[2]) % 30 < 20);
  const right = inside.filter((r) => r[3] === truth(r)).length;
  assert.ok(right / inside.length > 0.8, `${right} of ${inside.length} right`);
  const svg = await Deno.readTextFile(`${dir}/timeline.svg`);
  assert.ok(svg.startsWith("<svg") && svg.includes("a.csv") && svg.includes("b.csv"));
  for (const c of CLASSES) assert.ok(svg.includes(`>${c}</text>`), c);

  // Another encoder: refused, digests shown.
  const other = await run("predict", [
    "--weights",
    `${dir}/other.safetensors`,
    "--classifier",
    `${dir}/clf.safetensors`,
    "--out",
    `${dir}/other.csv`,
    "--backend",
    "wasm",
    ...data,
  ], perms);
  assert.equal(other.code, 1);
  assert.match(other.err, /clf\.safetensors: the classifier was fitted on another encoder/);
  assert.match(other.err, /SHA-256 [0-9a-f]{12}…, this model's [0-9a-f]{12}…/);

  // A model file where the classifier should be: named.
  const wrong = await run("predict", [
    "--weights",
    `${dir}/model.safetensors`,
    "--classifier",
    `${dir}/model.safetensors`,
    "--backend",
    "wasm",
    ...data,
  ], perms);
  assert.equal(wrong.code, 1);
  assert.match(wrong.err, /model\.safetensors: .*not a FlowFM classifier file/);

  // Missing files: one line naming the file; fit reads --weights before the data.
  const noClf = await run("predict", ["--classifier", `${dir}/nope.safetensors`, ...data], perms);
  assert.equal(noClf.code, 1);
  assert.equal(noClf.err.trim(), `error: ${dir}/nope.safetensors: no such file`);
  const noModel = await run("fit", [
    "--weights",
    `${dir}/nope.safetensors`,
    "--out",
    `${dir}/clf3.safetensors`,
    ...data,
  ], perms);
  assert.equal(noModel.code, 1);
  assert.doesNotMatch(noModel.err, /reading data/);
  assert.match(noModel.err, /nope\.safetensors: no such file\n$/);

  // No write permission: the flag to add is named.
  const noWrite = await run("fit", [
    "--weights",
    `${dir}/model.safetensors`,
    "--out",
    `${dir}/clf2.safetensors`,
    "--backend",
    "wasm",
    ...data,
  ], [`--allow-read=.,${dir}`]);
  assert.equal(noWrite.code, 1);
  assert.match(noWrite.err, /missing permission: write access/);

  // --help states the README's minimal permissions.
  const readme = await Deno.readTextFile(`${ROOT}README.md`);
  for (const name of ["fit", "predict"]) {
    const help = await run(name, ["--help"], []);
    assert.equal(help.code, 0);
    const row = readme.match(new RegExp(`^\\| \`cli/${name}\\.ts\` +\\| \`([^\`]+)\``, "m"));
    assert.ok(row, `README row for cli/${name}.ts`);
    assert.ok(help.out.replace(/\s+/g, " ").includes(`Minimal permissions: ${row[1]}`), name);
  }
  const usage = await run("fit", [...data, "--validation", "1"], perms);
  assert.equal(usage.code, 2);
  assert.match(usage.err, /--validation must be in \[0, 1\)/);
  const schedule = await run("fit", [...data, "--finetune", "--epoch-windows", "-1"], perms);
  assert.equal(schedule.code, 2);
  assert.match(schedule.err, /--epoch-windows/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("cli/fit --finetune + cli/predict: the classifier carries its fine-tuned encoder", async () => {
  const dir = await fixture();
  const perms = [`--allow-read=.,${dir}`, `--allow-write=${dir},.cache`];
  const data = [`${dir}/a.csv`, `${dir}/b.csv`, "--rate", "30", "--units", "g", "--no-cache"];
  const fit = await run("fit", [
    "--weights",
    `${dir}/model.safetensors`,
    "--finetune",
    "--epochs",
    "3",
    "--epoch-windows",
    "200",
    "--workers",
    "1",
    "--backend",
    "wasm",
    "--out",
    `${dir}/ft.safetensors`,
    ...data,
  ], perms);
  assert.equal(fit.code, 0, fit.err);
  assert.match(fit.out, /classes \(3\): lie \d+, sit \d+, walk \d+/);
  assert.match(fit.out, /best epoch \d of 3/);
  assert.match(fit.err, /epoch 3: train \d/);
  // The training split (fewer than 64 windows: one step per pass) is passed over several times
  // per epoch to reach 200 windows.
  const steps = Number(fit.err.match(/epoch 1: train [\d.]+ val [\d.]+ \((\d+) steps\)/)?.[1]);
  assert.ok(steps >= 3, `epoch 1 took ${steps} steps:\n${fit.err}`);
  // Still under 10 steps per epoch: fit warns and names the --epoch-windows that gives 10.
  assert.match(
    fit.err,
    new RegExp(`warning: fine-tuning: epochs of only ${steps} steps, .*--epoch-windows 640`),
  );
  const pred = await run("predict", [
    "--classifier",
    `${dir}/ft.safetensors`,
    "--out",
    `${dir}/p.csv`,
    "--backend",
    "wasm",
    ...data,
  ], perms);
  assert.equal(pred.code, 0, pred.err);
  assert.doesNotMatch(pred.err, /pretrained/, "no encoder is loaded beside it");
  const rows = (await Deno.readTextFile(`${dir}/p.csv`)).trim().split("\n");
  assert.equal(rows[0], "source,subject,start_s,label,probability");
  assert.ok(rows.length > 10 && rows.slice(1).every((r) => /,(lie|sit|walk),[01]\.\d{4}$/.test(r)));
  const both = await run("predict", [
    "--classifier",
    `${dir}/ft.safetensors`,
    "--weights",
    `${dir}/model.safetensors`,
    ...data,
  ], perms);
  assert.equal(both.code, 2);
  assert.match(both.err, /ft\.safetensors carries its own fine-tuned encoder: drop --weights/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("cli/fit --features stages + cli/predict: the file says which features, predict uses them", async () => {
  const dir = await fixture();
  try {
    const perms = [`--allow-read=.,${dir}`, `--allow-write=${dir},.cache`];
    const data = [`${dir}/a.csv`, `${dir}/b.csv`, "--rate", "30", "--units", "g"];
    const weights = ["--weights", `${dir}/model.safetensors`, "--backend", "wasm"];
    const fit = await run("fit", [
      ...weights,
      "--features",
      "stages",
      "--out",
      `${dir}/st.safetensors`,
      "--probe-solver",
      "lbfgs",
      ...data,
    ], perms);
    assert.equal(fit.code, 0, fit.err);
    assert.match(fit.err, /fitting the linear probe with lbfgs \(at most 200 iterations per L2/);
    assert.match(
      fit.out,
      /, stages features; the classifier records the encoder's SHA-256 [0-9a-f]{12}… \(of its encoder\.\* tensors, not the file's checksum/,
    );
    const predict = await run("predict", [
      ...weights,
      "--classifier",
      `${dir}/st.safetensors`,
      "--out",
      `${dir}/st.csv`,
      ...data,
    ], perms);
    assert.equal(predict.code, 0, predict.err);
    const rows = (await Deno.readTextFile(`${dir}/st.csv`)).trim().split("\n").slice(1);
    assert.equal(rows.length, 2 * 23);
    const both = await run(
      "fit",
      [...weights, "--finetune", "--features", "stages", ...data],
      perms,
    );
    assert.equal(both.code, 2, both.err);
    assert.match(both.err, /--features applies to the probe, not to --finetune/);
    const solver = await run("fit", [...weights, "--probe-solver", "sgd", ...data], perms);
    assert.equal(solver.code, 2, solver.err);
    assert.match(solver.err, /--probe-solver/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli/fit + cli/predict say on stderr what they do: data, model, encoding with a progress line", async () => {
  const dir = await fixture();
  try {
    const perms = [`--allow-read=.,${dir}`, `--allow-write=${dir},.cache`];
    const data = [`${dir}/a.csv`, `${dir}/b.csv`, "--rate", "30", "--units", "g", "--no-cache"];
    const common = ["--weights", `${dir}/model.safetensors`, "--backend", "wasm", ...data];
    const fit = await run("fit", [
      ...common,
      "--batch",
      "8",
      "--probe-iterations",
      "50",
      "--out",
      `${dir}/clf.safetensors`,
    ], perms);
    assert.equal(fit.code, 0, fit.err);
    const order = (err: string, patterns: RegExp[]) => {
      const at = patterns.map((p) => err.search(p));
      assert.ok(at.every((i, k) => i >= 0 && (k === 0 || i > at[k - 1])), `${patterns}\n${err}`);
    };
    order(fit.err, [
      /^reading model \S+model\.safetensors…$/m,
      /^reading data: 2 CSV file\(s\)…$/m,
      /^data: \d+ windows kept/m,
      /^encoding \d+ windows \(z features\), then fitting the linear probe/m,
      /\] (\d+)\/\1 windows encoded, [\d.]+ win\/s/,
    ]);
    const predict = (batch: string, out: string) =>
      run("predict", [
        ...common,
        "--classifier",
        `${dir}/clf.safetensors`,
        "--batch",
        batch,
        "--out",
        `${dir}/${out}`,
      ], perms);
    const chunked = await predict("8", "p8.csv"); // 46 windows in chunks of 4 x 8
    assert.equal(chunked.code, 0, chunked.err);
    order(chunked.err, [
      /^reading data: 2 CSV file\(s\)…$/m,
      /^data: 46 windows kept/m,
      /^loading model \S+model\.safetensors…$/m,
      /^encoding and classifying 46 windows…$/m,
      /\] 46\/46 windows, [\d.]+ win\/s/,
    ]);
    const whole = await predict("64", "p64.csv");
    assert.equal(whole.code, 0, whole.err);
    assert.equal(
      await Deno.readTextFile(`${dir}/p8.csv`),
      await Deno.readTextFile(`${dir}/p64.csv`),
      "chunks predict what one call does",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli/fit without data flags fits on the bundled labelled excerpt; predict names the classifier's placement and points wrist data at the wrist classifier", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const perms = [`--allow-read=.,${dir}`, `--allow-write=${dir}`];
    const fit = await run("fit", ["--out", `${dir}/clf.safetensors`, "--no-cache"], perms);
    assert.equal(fit.code, 0, fit.err);
    assert.match(fit.err, /^reading data: the bundled labelled excerpt/m);
    assert.match(fit.out, /classes \(5\)/);
    for (const c of ["ADL_Walking", "ADL_LyingDown_OnABed", "ADL_Bending"]) {
      assert.match(fit.out, new RegExp(`^  ${c} +\\d+$`, "m"));
    }
    assert.match(fit.out, /^for wrist data \(recorded in the file/m);

    const predict = (classifier: string, out: string) =>
      run("predict", ["--classifier", classifier, "--out", `${dir}/${out}`, "--no-cache"], perms);
    // The waist classifier on the (wrist) bundled data: it says so and names the wrist one.
    const waist = await predict("weights/flowfm-small.uci-hapt.classifier.safetensors", "w.csv");
    assert.equal(waist.code, 0, waist.err);
    assert.match(waist.out, /fitted on uci-hapt .*; for waist data/);
    assert.match(
      waist.err,
      /^warning: .*uci-hapt\.classifier\.safetensors was fitted on waist data, and these windows are wrist data: expect wrong labels; for wrist data use --classifier weights\/flowfm-small\.umafall-wrist\.classifier\.safetensors$/m,
    );
    // The wrist classifier: no warning, and (its training data includes the excerpt) the
    // recordings' own labels for most windows.
    const wrist = await predict(
      "weights/flowfm-small.umafall-wrist.classifier.safetensors",
      "r.csv",
    );
    assert.equal(wrist.code, 0, wrist.err);
    assert.match(wrist.out, /^predicted 63 windows from bundled labelled excerpt/m);
    assert.match(wrist.out, /fitted on umafall \(wrist\).*; for wrist data$/m);
    assert.doesNotMatch(wrist.err + wrist.out, /warning: .*placement|expect wrong labels/);
    const rows = (await Deno.readTextFile(`${dir}/r.csv`)).trim().split("\n").slice(1)
      .map((l) => l.split(","));
    const right = rows.filter((r) => r[0].split("/").pop()!.startsWith(`${r[3]}_`)).length;
    assert.ok(right / rows.length > 0.7, `${right} of ${rows.length} windows right`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("classifier training data: recorded in the header only, read back, and placement lines", async () => {
  const { placementLines, trainingDataOf, withTrainingData } = await import(
    "../cli/_classifier_data.ts"
  );
  const { encodeSafetensors } = await import("../lib/weights/safetensors_encode.ts");
  const { decodeSafetensors } = await import("../lib/weights/safetensors.ts");
  const bytes = encodeSafetensors({
    w: { dtype: "F32", shape: [3], data: new Float32Array([1, 2, 3]) },
  }, { format: "x" });
  assert.equal(trainingDataOf(bytes), null);
  const info = { data: "umafall (wrist): 9 labelled windows", placements: ["wrist"] };
  const tagged = withTrainingData(bytes, info);
  const d = decodeSafetensors(tagged);
  assert.deepEqual(Array.from(d.tensors.get("w")!.data), [1, 2, 3]);
  assert.equal(d.metadata.format, "x");
  assert.deepEqual(trainingDataOf(tagged), info);
  assert.equal(new DataView(tagged.buffer).getBigUint64(0, true) % 8n, 0n, "8-byte aligned data");

  assert.equal(placementLines("c", info, ["wrist"]).warning, null);
  const waistData = placementLines("c", info, ["waist"]);
  assert.match(waistData.warning!, /fitted on wrist data, and these windows are waist data/);
  assert.match(waistData.warning!, /use --classifier weights\/flowfm-small\.uci-hapt/);
  const ankle = placementLines("c", info, ["ankle"]).warning!;
  assert.match(ankle, /fit one on your own labelled ankle data/);
  assert.equal(placementLines("c", info, [""]).warning, null, "CSV files: placement unknown");
  assert.match(placementLines("c", null, ["wrist"]).note, /does not say which placement/);
});
