// evaluate() resumes: folds an earlier call trained (its onFold records, through JSON as the CLI
// keeps them) are taken as they are, the others trained, and the report is the uninterrupted one.
import assert from "node:assert/strict";
import { initBackend } from "../lib/runtime/backend.ts";
import { presetConfig } from "../lib/model/config.ts";
import { evaluate, type EvaluateOptions } from "../lib/eval/protocol.ts";
import type { EvalReport, FoldRecord } from "../lib/eval/results.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { serializeModel } from "../lib/weights/model_file.ts";
import { syntheticWindows } from "./_helpers.ts";
import { dataDigest } from "../cli/_eval_resume.ts";
import { sha256Hex } from "../lib/sha256.ts";

await initBackend("wasm");

const data = (() => {
  const windows = new Float32Array(4 * 9 * 900), labels: string[] = [], subjects: string[] = [];
  for (let s = 0; s < 4; s++) {
    windows.set(syntheticWindows(9, 40 + s, 3), s * 9 * 900);
    for (let i = 0; i < 9; i++) labels.push(["a", "b", "c"][i % 3]), subjects.push(`s${s}`);
  }
  return { windows, labels, subjects };
})();
const model = new FlowFM(presetConfig("tiny", { seed: 2 }));
const bytes = await serializeModel(model);
model.dispose();
const OPTIONS: EvaluateOptions = {
  heads: ["probe", "finetune", "handcrafted"],
  model: bytes,
  seed: 3,
  probe: { maxIterations: 30 },
  finetune: { maxEpochs: 2, batchSize: 8, hidden: 16, workers: 1 },
};
/** A record as the CLI reads it back: through JSON, NaN (written as null) restored. */
const viaJson = (r: FoldRecord): FoldRecord =>
  JSON.parse(JSON.stringify(r), (_, v) => (v === null ? NaN : v));
/** The report without wall-clock times. */
const timeless = (r: EvalReport) =>
  JSON.stringify(r.heads.map(({ seconds: _, folds, ...h }) => ({
    ...h,
    folds: folds.map(({ seconds: _s, ...f }) => f),
  })));

Deno.test("evaluate: finished folds are taken as they are, and the report is the uninterrupted one", async () => {
  const all: FoldRecord[] = [];
  const whole = await evaluate(data, { ...OPTIONS, onFold: (r) => void all.push(viaJson(r)) });
  assert.equal(all.length, 3 * 4, "3 heads x 4 folds (leave one subject out)");
  const finished = all.filter((r) => r.fold.fold < 2);
  const trained: string[] = [];
  const resumed = await evaluate(data, {
    ...OPTIONS,
    finished,
    onFold: (r) => void trained.push(`${r.head} ${r.fold.fold}`),
  });
  assert.deepEqual(trained, [
    "probe 2",
    "probe 3",
    "finetune 2",
    "finetune 3",
    "handcrafted 2",
    "handcrafted 3",
  ]);
  assert.equal(timeless(resumed), timeless(whole));
  // A resumed head's time counts the finished folds' recorded time too.
  const earlier = finished.filter((r) => r.head === "finetune").reduce(
    (t, r) => t + r.fold.seconds,
    0,
  );
  assert.ok(earlier > 0);
  const ft = (r: EvalReport) => r.heads.find((h) => h.head === "finetune")!;
  assert.ok(
    ft(resumed).seconds >= earlier + ft(resumed).folds.slice(2).reduce((t, f) => t + f.seconds, 0),
  );
  // Every fold of a head finished: no weights needed, nothing trained.
  const slow = all.filter((r) => r.head === "probe").map((r) => ({
    ...r,
    fold: { ...r.fold, seconds: 1000 },
  }));
  const probeOnly = await evaluate(data, {
    heads: ["probe"],
    seed: 3,
    finished: slow,
    onFold: () => assert.fail("no fold is left to train"),
  });
  assert.equal(probeOnly.heads[0].summary.macroF1.mean, whole.heads[0].summary.macroF1.mean);
  assert.ok(probeOnly.heads[0].seconds >= 4000, `${probeOnly.heads[0].seconds} s`);
});

Deno.test("evaluate: a finished fold from other folds (seed, data) is an error naming it", async () => {
  const records: FoldRecord[] = [];
  await evaluate(data, { heads: ["handcrafted"], seed: 3, onFold: (r) => void records.push(r) });
  await assert.rejects(
    evaluate(data, { heads: ["handcrafted"], seed: 4, finished: records }),
    /finished fold 0 of "handcrafted" does not match this call's folds/,
  );
});

Deno.test("dataDigest: the SHA-256 of the windows' bytes, then labels and subjects, streamed without a copy", async () => {
  const { windows, labels, subjects } = data;
  const text = new TextEncoder().encode(JSON.stringify([labels, subjects]));
  const joined = new Uint8Array(windows.byteLength + text.length);
  joined.set(new Uint8Array(windows.buffer), 0);
  joined.set(text, windows.byteLength);
  assert.equal(dataDigest(windows, labels, subjects), await sha256Hex(joined));
  const other = [...labels];
  other[5] = "a"; // was "c"
  assert.notEqual(dataDigest(windows, other, subjects), dataDigest(windows, labels, subjects));
  const view = windows.subarray(900); // a view at an offset hashes its own bytes only
  assert.equal(dataDigest(view, [], []), dataDigest(new Float32Array(view), [], []));
});
