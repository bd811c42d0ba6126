// One defaults block for classification and evaluation: the commands parse with it and print it
// in --help, the probe's and fine-tuning's defaults are written once (lib/train), and the one
// `features` flag keeps `--probe-features` as its alias.
import assert from "node:assert/strict";
import { CLASSIFY_DEFAULTS as D } from "../lib/classify/defaults.ts";
import { FINETUNE_DEFAULTS, PROBE_DEFAULTS } from "../lib/train/downstream_defaults.ts";
import { librarySources, runCli } from "./_helpers.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const help = async (name: string) => {
  const r = await runCli(`${ROOT}cli/${name}.ts`, ["--help"], { cwd: ROOT });
  assert.equal(r.code, 0, r.err);
  return r.out;
};

Deno.test("defaults: CLASSIFY_DEFAULTS gathers the probe's and fine-tuning's objects", () => {
  assert.equal(D.probe, PROBE_DEFAULTS);
  assert.equal(D.finetune, FINETUNE_DEFAULTS);
  assert.equal(D.features, "z");
});

Deno.test("defaults: fit, predict and evaluate --help print the values of CLASSIFY_DEFAULTS", async () => {
  const fit = await help("fit"), evaluate = await help("evaluate"), predict = await help("predict");
  for (const text of [fit, evaluate]) {
    assert.match(text, new RegExp(`--probe-lr .*\\(default ${D.probe.lr}\\)`));
    assert.match(text, new RegExp(`--lr X .*\\(default ${D.finetune.lr}\\)`));
    assert.match(text, /--features NAME .*z \(the embedding, default\)/);
    assert.match(text, /--probe-features NAME is the same flag, its former name/);
  }
  for (const text of [fit, evaluate]) {
    assert.match(text, new RegExp(`--probe-iterations N .*\\(default ${D.probe.maxIterations};`));
    assert.match(text, new RegExp(`--probe-solver lbfgs, default ${D.probe.lbfgsIterations}\\)`));
    assert.match(text, new RegExp(`--probe-solver NAME [^]*; default ${D.probe.solver}\n`));
    assert.match(text, new RegExp(`--probe-l2 LIST [^]*\\(default ${D.probe.l2.join(",")}\\)`));
  }
  assert.match(predict, new RegExp(`--batch N .*\\(default ${D.batchSize}\\)`));
});

Deno.test("defaults: the probe's and fine-tuning's learning rates are written once in lib/", async () => {
  const sources = await librarySources();
  const places = (re: RegExp) =>
    [...sources].filter(([f, src]) => f.startsWith("lib/") && re.test(src)).map(([f]) => f);
  assert.deepEqual(places(/\blr: 0\.02\b|\?\? 0\.02\b/), ["lib/train/downstream_defaults.ts"]);
  assert.deepEqual(places(/\blr: 1e-4\b|\?\? 1e-4\b/), ["lib/train/downstream_defaults.ts"]);
});

Deno.test("features: --probe-features is --features's alias; the two must agree", async () => {
  const fit = `${ROOT}cli/fit.ts`;
  const clash = await runCli(fit, ["--features", "z", "--probe-features", "stages"], { cwd: ROOT });
  assert.equal(clash.code, 2, clash.err);
  assert.match(clash.err, /--features "z" and --probe-features "stages" disagree/);
  const evaluate = await runCli(`${ROOT}cli/evaluate.ts`, [
    "--probe-features",
    "stages",
    "--features",
    "z+handcrafted",
  ], { cwd: ROOT });
  assert.equal(evaluate.code, 2, evaluate.err);
  assert.match(evaluate.err, /--features "z\+handcrafted" and --probe-features "stages" disagree/);
  const bad = await runCli(fit, ["--probe-features", "pooled"], { cwd: ROOT });
  assert.equal(bad.code, 2, bad.err);
  assert.match(bad.err, /--features must be one of z, stages, z\+handcrafted, got "pooled"/);
});

Deno.test("shortEpochsWarning: epochs under FEW_EPOCH_STEPS steps name the --epoch-windows to pass", async () => {
  const { FEW_EPOCH_STEPS, shortEpochsWarning } = await import("../cli/_classify.ts");
  assert.equal(shortEpochsWarning("finetune", FEW_EPOCH_STEPS), null);
  assert.equal(shortEpochsWarning("finetune", Infinity), null); // no epoch ran
  const w = shortEpochsWarning("scratch-finetune", 1);
  assert.match(w ?? "", /^warning: scratch-finetune: epochs of only 1 step, /);
  assert.match(w ?? "", new RegExp(`--epoch-windows ${FEW_EPOCH_STEPS * D.finetune.batchSize} `));
  assert.match(shortEpochsWarning("finetune", 6) ?? "", /only 6 steps/);
});
