// deno run -A bench/probe_bench.ts [--source synthetic|dataset] [--windows 28000] [--classes 18]
//   [--dim 1504] [--dataset dsads] [--weights weights/flowfm-small.safetensors]
//   [--probe-features stages] [--solvers adam,lbfgs] [--seed 0] [--backend wasm]
//   [--features FILE (dataset source: reuse the features stored there, or store them there)]
// Times one linear-probe fold with the Adam probe (trainLinearProbe) and the fast probe
// (trainFastProbe, L-BFGS) on the same features and split, and prints one JSON line per solver
// (seconds, macro F1 on the fold's test rows, chosen L2, iterations) and one comparing them.
// Not a test: a measurement (issue 25: a 28k-window, 18-class fold must take under a minute on
// 2 cores, with scores within 0.005 of the Adam probe).
//   --source synthetic  Gaussian class clusters (--windows rows, --dim features, --classes
//                       classes, uneven class sizes), split 70 / 10 / 20 % by row.
//   --source dataset    real windows of --dataset (labels, subjects), a seeded sample of at most
//                       --windows of them, probe features of --weights (--probe-features), the
//                       first subject fold of the evaluation protocol.
import { scriptArgs } from "./_args.ts";
import { type BackendName, initBackend } from "../lib/runtime/backend.ts";
import { type FeatureMatrix, trainLinearProbe } from "../lib/train/linear_probe.ts";
import { trainFastProbe } from "../lib/train/fast_probe.ts";
import { confusionMatrix, macroF1 } from "../lib/eval/metrics.ts";
import { foldIndices, subjectFolds } from "../lib/eval/folds.ts";
import { keptWindows } from "../lib/eval/labels.ts";
import { encodeLabels } from "../lib/classify/labels.ts";
import { extractFeatures, FEATURES, type Features } from "../lib/classify/features.ts";
import { deserializeModel } from "../lib/weights/model_file.ts";
import { gatherWindows } from "../lib/data/window_set.ts";
import { loadDatasets, parseDatasetList } from "../lib/io/mod.ts";
import { Rng } from "../lib/random.ts";

const { values } = scriptArgs(import.meta.url, {
  source: { type: "string", default: "synthetic" },
  windows: { type: "string", default: "28000" },
  classes: { type: "string", default: "18" },
  dim: { type: "string", default: "1504" }, // stage features of the small preset
  dataset: { type: "string", default: "dsads" },
  weights: { type: "string", default: "weights/flowfm-small.safetensors" },
  "probe-features": { type: "string", default: "stages" },
  solvers: { type: "string", default: "adam,lbfgs" },
  seed: { type: "string", default: "0" },
  backend: { type: "string", default: "wasm" },
  features: { type: "string" }, // a file: read the features there, or write them there first
});
const seed = Number(values.seed), maxWindows = Number(values.windows);
const info = await initBackend(values.backend as BackendName);

/** Gaussian clusters: class c about (c + 1) times as frequent as class 0, overlapping. */
function synthetic(n: number, dim: number, k: number) {
  const rng = new Rng(seed + 1);
  const centres = Array.from({ length: k }, () => Array.from({ length: dim }, () => rng.normal()));
  const data = new Float32Array(n * dim), y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let c = Math.floor(rng.uniform() * k * (k + 1) / 2), j = 0;
    while (c > j) c -= ++j;
    y[i] = Math.min(k - 1, j);
    for (let f = 0; f < dim; f++) data[i * dim + f] = 0.15 * centres[y[i]][f] + rng.normal();
  }
  const rows = Int32Array.from({ length: n }, (_, i) => i);
  const a = Math.floor(0.7 * n), b = Math.floor(0.8 * n);
  const split = { train: rows.slice(0, a), val: rows.slice(a, b), test: rows.slice(b) };
  return { x: { data, count: n, dim } as FeatureMatrix, y, classes: k, split, what: "synthetic" };
}

/** Features, labels and split of `real()`, stored: `[header JSON length u32][header][features]`. */
async function cached(path: string | undefined, make: typeof real) {
  if (path) {
    try {
      const bytes = await Deno.readFile(path);
      const n = new DataView(bytes.buffer).getUint32(0, true);
      const h = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + n)));
      const data = new Float32Array(bytes.slice(4 + n).buffer);
      return {
        x: { data, count: h.count, dim: h.dim } as FeatureMatrix,
        y: Int32Array.from(h.y),
        classes: h.classes,
        split: {
          train: Int32Array.from(h.train),
          val: Int32Array.from(h.val),
          test: Int32Array.from(h.test),
        },
        what: `${h.what} (read from ${path})`,
      };
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  const r = await make();
  if (path) {
    const { x, y, classes, split, what } = r;
    const h = new TextEncoder().encode(JSON.stringify({
      count: x.count,
      dim: x.dim,
      y: [...y],
      classes,
      train: [...split.train],
      val: [...split.val],
      test: [...split.test],
      what,
    }));
    const pad = (4 - ((4 + h.length) % 4)) % 4;
    const out = new Uint8Array(4 + h.length + pad + x.data.byteLength);
    new DataView(out.buffer).setUint32(0, h.length + pad, true);
    out.set(h, 4), out.fill(32, 4 + h.length, 4 + h.length + pad);
    out.set(
      new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength),
      4 + h.length + pad,
    );
    await Deno.writeFile(path, out);
  }
  return r;
}

async function real() {
  const specs = parseDatasetList(values.dataset!);
  const set = await loadDatasets(specs, { labelPolicy: "drop-mixed" });
  const kept = keptWindows({ windows: set.data, labels: set.labels, subjects: set.subjects });
  let idx = Int32Array.from({ length: kept.labels.length }, (_, i) => i);
  if (idx.length > maxWindows) idx = new Rng(seed).permutation(idx.length).slice(0, maxWindows);
  idx.sort();
  const labels = Array.from(idx, (i) => kept.labels[i]);
  const subjects = Array.from(idx, (i) => kept.subjects[i]);
  const { classes, y } = encodeLabels(labels);
  const { model } = deserializeModel(await Deno.readFile(values.weights!), values.weights!);
  const t0 = performance.now();
  const x = await extractFeatures(model, gatherWindows(kept.windows, idx), {
    features: values["probe-features"] as Features,
    batchSize: 64,
  });
  const encodeSeconds = (performance.now() - t0) / 1000;
  model.dispose();
  const fold = subjectFolds(subjects, { seed })[0];
  const split = foldIndices(subjects, fold);
  const what = `${values.dataset}, ${values["probe-features"]} features of ${values.weights}`;
  return { x, y, classes: classes.length, split, what, encodeSeconds };
}

if (!FEATURES.includes(values["probe-features"] as Features)) {
  throw new Error(`--probe-features: one of ${FEATURES.join(", ")}`);
}
const data = values.source === "dataset"
  ? await cached(values.features, real)
  : synthetic(maxWindows, Number(values.dim), Number(values.classes));
const { x, y, classes, split } = data;
console.log(JSON.stringify({
  features: data.what,
  windows: x.count,
  dim: x.dim,
  classes,
  train: split.train.length,
  val: split.val.length,
  test: split.test.length,
  backend: info.backend,
  cores: navigator.hardwareConcurrency,
  ...("encodeSeconds" in data ? { encodeSeconds: data.encodeSeconds } : {}),
}));
const results: Record<string, { seconds: number; macroF1: number }> = {};
for (const solver of values.solvers!.split(",")) {
  const solve = solver === "lbfgs" ? trainFastProbe : trainLinearProbe;
  const t0 = performance.now();
  const probe = await solve(x, y, classes, split);
  const seconds = (performance.now() - t0) / 1000;
  const pred = probe.predict(x, split.test);
  const f1 = macroF1(confusionMatrix(Int32Array.from(split.test, (i) => y[i]), pred, classes));
  results[solver] = { seconds, macroF1: f1 };
  console.log(JSON.stringify({ solver, seconds, macroF1: f1, ...probe.fit }));
}
if (results.adam && results.lbfgs) {
  console.log(JSON.stringify({
    speedup: results.adam.seconds / results.lbfgs.seconds,
    macroF1Difference: results.lbfgs.macroF1 - results.adam.macroF1,
  }));
}
