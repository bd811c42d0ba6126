// What the stage probe's score depends on: L-BFGS probes (trainFastProbe) on column subsets of a
// model's stage features, beside handcrafted features, on cli/evaluate.ts's folds (seed 0, so the
// `stages` variant on the default grid reproduces its `--features stages --probe-solver lbfgs`
// probe). Prints one line per variant and L2 grid: macro F1, mean over test subjects.
//   deno run -A studies/probe_variants.ts MODEL DATASET [--labels-per-class N] [--grids LIST]
//     [--variants LIST]
//   --grids     L2 grids separated by ";" (default: the probe's default grid), e.g. "1e-2;1e-4,1,10"
//   --variants  comma-separated, of: stages (every stage's mean and SD, then z), handcrafted,
//               stages+input (and each raw axis's mean and SD), late+z (stages 2-4 and z),
//               means+z (stage means and z), stages+handcrafted (default: all)
// The stage features are cached in runs/probe-variants-*.f32 (delete them after changing MODEL).
import { scriptArgs, usageFail } from "../bench/_args.ts";
import { loadWindows } from "../cli/_data.ts";
import { keptWindows } from "../lib/eval/labels.ts";
import { encodeLabels } from "../lib/classify/labels.ts";
import { foldIndices, subjectFolds } from "../lib/eval/folds.ts";
import { fewLabels } from "../lib/eval/few_labels.ts";
import { trainFastProbe } from "../lib/train/fast_probe.ts";
import { PROBE_DEFAULTS } from "../lib/train/downstream_defaults.ts";
import { subjectScores } from "../lib/eval/subject_scores.ts";
import { extractFeatures } from "../lib/classify/features.ts";
import { handcraftedFeatures } from "../lib/classify/handcrafted.ts";
import { deserializeModel } from "../lib/weights/model_file.ts";
import { initBackend } from "../lib/runtime/backend.ts";

type Matrix = { data: Float32Array; count: number; dim: number };
const { values, positionals } = scriptArgs(import.meta.url, {
  "labels-per-class": { type: "string" },
  grids: { type: "string" },
  variants: { type: "string" },
});
if (positionals.length !== 2) usageFail(import.meta.url, "expected MODEL and DATASET");
const [modelPath, dataset] = positionals;
const lpc = values["labels-per-class"] === undefined
  ? undefined
  : Number(values["labels-per-class"]);
if (lpc !== undefined && !(Number.isInteger(lpc) && lpc > 0)) {
  usageFail(import.meta.url, `--labels-per-class must be a positive integer, got "${lpc}"`);
}
const grids = values.grids?.split(";").map((g) => g.split(",").map(Number)) ??
  [[PROBE_DEFAULTS.l2].flat()];
if (grids.some((g) => g.some((v) => !(v >= 0)))) {
  usageFail(import.meta.url, `--grids must be numbers >= 0, got "${values.grids}"`);
}

await initBackend("wasm");
const { set } = await loadWindows({ dataset }, [], { labelPolicy: "drop-mixed" });
const kept = keptWindows({ windows: set.data, labels: set.labels, subjects: set.subjects });
const { classes, y } = encodeLabels(kept.labels);
const n = kept.labels.length;
const model = deserializeModel(await Deno.readFile(modelPath), modelPath).model;
const chans = model.config.encoder.stages.map((s) => s.channels);
const dim = 2 * chans.reduce((a, b) => a + b, 0) + model.embeddingDim;
const cache = `runs/probe-variants-${`${modelPath}-${dataset}`.replace(/\W+/g, "_")}.f32`;
let stages: Matrix;
try {
  stages = { data: new Float32Array((await Deno.readFile(cache)).buffer), count: n, dim };
  if (stages.data.length !== n * dim) throw new Error(`${cache}: not ${n} x ${dim}`);
} catch (e) {
  if (!(e instanceof Deno.errors.NotFound)) throw e;
  stages = await extractFeatures(model, kept.windows, { features: "stages" });
  await Deno.mkdir("runs", { recursive: true });
  await Deno.writeFile(cache, new Uint8Array(stages.data.buffer));
}
model.dispose();

/** Each raw axis's mean and SD over the window: `[n, 6]`. */
function inputStats(w: Float32Array): Matrix {
  const out = new Float32Array(n * 6);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < 3; a++) {
      let s = 0, s2 = 0;
      for (let t = 0; t < 300; t++) {
        const v = w[i * 900 + t * 3 + a];
        s += v;
        s2 += v * v;
      }
      out[i * 6 + a] = s / 300;
      out[i * 6 + 3 + a] = Math.sqrt(Math.max(s2 / 300 - (s / 300) ** 2, 0));
    }
  }
  return { data: out, count: n, dim: 6 };
}

/** Columns `[from, to)` of each part, side by side. */
function join(parts: [Matrix, number, number][]): Matrix {
  const width = parts.reduce((s, [, a, b]) => s + b - a, 0), out = new Float32Array(n * width);
  for (let i = 0; i < n; i++) {
    let o = i * width;
    for (const [m, a, b] of parts) {
      out.set(m.data.subarray(i * m.dim + a, i * m.dim + b), o);
      o += b - a;
    }
  }
  return { data: out, count: n, dim: width };
}
const offsets = chans.map((_, i) => 2 * chans.slice(0, i).reduce((a, b) => a + b, 0));
const stage = (i: number, what: "mean" | "sd" | "both"): [Matrix, number, number] => {
  const from = offsets[i] + (what === "sd" ? chans[i] : 0);
  return [stages, from, from + (what === "both" ? 2 : 1) * chans[i]];
};
const z: [Matrix, number, number] = [stages, dim - model.embeddingDim, dim];
const hc = handcraftedFeatures(kept.windows);
const all: [Matrix, number, number] = [stages, 0, dim];
const VARIANTS: Record<string, () => Matrix> = {
  stages: () => stages,
  handcrafted: () => hc,
  "stages+input": () => join([all, [inputStats(kept.windows), 0, 6]]),
  "late+z": () => join([stage(2, "both"), stage(3, "both"), stage(4, "both"), z]),
  "means+z": () => join([...chans.map((_, i) => stage(i, "mean")), z]),
  "stages+handcrafted": () => join([all, [hc, 0, hc.dim]]),
};
const wanted = values.variants?.split(",") ?? Object.keys(VARIANTS);
const unknown = wanted.filter((v) => !(v in VARIANTS));
if (unknown.length) usageFail(import.meta.url, `unknown variant(s) ${unknown.join(", ")}`);

const folds = subjectFolds(kept.subjects, { seed: 0 });
for (const name of wanted) {
  const f = VARIANTS[name]();
  for (const grid of grids) {
    const perSubject: number[] = [];
    for (const fold of folds) {
      const rows = foldIndices(kept.subjects, fold);
      const split = lpc === undefined ? rows : fewLabels(rows, y, lpc, fold.index);
      const probe = await trainFastProbe(f, y, classes.length, split, { l2: grid });
      const pred = probe.predict(f, split.test);
      const truth = Int32Array.from(split.test, (i) => y[i]);
      const scores = subjectScores(kept.subjects, split.test, truth, pred, classes.length, fold);
      perSubject.push(...scores.map((s) => s.macroF1)); // as cli/evaluate.ts scores
    }
    const mean = perSubject.reduce((a, b) => a + b, 0) / perSubject.length;
    console.log(
      `${dataset} labels ${lpc ?? "all"} ${name} (${f.dim} features) L2 ${grid.join(",")}: ` +
        `macro F1 ${mean.toFixed(3)}`,
    );
  }
}
