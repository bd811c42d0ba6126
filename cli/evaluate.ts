// deno run -A cli/evaluate.ts [--weights FILE | --random-init] [options] [FILE.csv ...]
// Downstream evaluation (SSL-Wearables protocol): subject-wise folds, linear probe, fine-tuning,
// from-scratch and handcrafted baselines; macro F1 per test subject, Cohen's kappa.
import { PRESET_NAMES, presetConfig } from "../lib/model/config.ts";
import { type EvalProgress, evaluate, HEAD_NAMES } from "../lib/eval/protocol.ts";
import {
  D,
  FEATURES_HELP,
  FEATURES_OPTIONS,
  featuresFlag,
  FINETUNE_HELP,
  FINETUNE_OPTIONS,
  finetuneFlags,
  PROBE_HELP,
  PROBE_OPTIONS,
  probeFlags,
  shortEpochsWarning,
} from "./_classify.ts";
import type { HeadName } from "../lib/eval/results.ts";
import { reportMarkdown } from "../lib/eval/report.ts";
import { confusionGridSvg } from "./_svg.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { deserializeModel, serializeModel } from "../lib/weights/model_file.ts";
import { atomicWrite } from "../lib/io/mod.ts";
import { sha256Hex } from "../lib/sha256.ts";
import {
  dataDigest,
  foldKeeper,
  PARTIAL_FILE,
  readFinished,
  removeFinished,
} from "./_eval_resume.ts";
import { isFallCode } from "../lib/io/sisfall.ts";
import { defaultWorkers } from "../lib/train/train_worker_slot.ts";
import {
  backendFlag,
  BACKENDS,
  choiceFlag,
  choiceList,
  DENO,
  numberFlag,
  parseFlags,
  Progress,
  runMain,
  startBackend,
  UsageError,
  workersFlag,
} from "./_common.ts";
import { readWeightsFlag, WEIGHTS_DEFAULT_HELP, WEIGHTS_TIMEOUT_HELP } from "./_weights.ts";
import { DATA_HELP, DATA_OPTIONS, loadWindows, reportData } from "./_data.ts";

/** The data set evaluated when no data is named (several labels, unlike the bundled excerpt). */
const DEFAULT_DATASET = "uci-hapt";
const DEFAULT_ROOT = `../shared/data/${DEFAULT_DATASET}`;
const TASKS = ["activity", "adl", "falls"] as const;

const HELP =
  `Usage: ${DENO} run -A cli/evaluate.ts [--weights FILE | --random-init] [options] [FILE.csv ...]

Evaluates a model on labelled windows with the SSL-Wearables protocol: subject-wise folds
(leave-one-subject-out for <= 10 subjects, else 5 seeded 80/20 splits; 12.5 % of the training
subjects for validation), macro F1 per test subject (mean ± SD) and Cohen's kappa. Windows
without a label or subject, and windows spanning two labels, are left out.

Model:
  --weights FILE            a FlowFM model or checkpoint (.safetensors);
                            ${WEIGHTS_DEFAULT_HELP}
${WEIGHTS_TIMEOUT_HELP}
  --random-init             a randomly initialised encoder instead (the "from scratch" baseline)
  --preset NAME             ${choiceList(PRESET_NAMES)}, with --random-init (default small)

Heads (all on the same folds):
  --heads LIST              comma-separated, default probe,finetune,handcrafted:
                              probe             logistic regression on the frozen embeddings
                              finetune          all encoder layers + MLP head (z -> 512 -> classes)
                              scratch-probe     probe on the same architecture, randomly initialised
                              scratch-finetune  fine-tuning of that random initialisation
                              handcrafted       logistic regression on handcrafted features
  --folds N                 number of subject folds (default: see above)
  --max-folds K             run only the first K folds (quick checks)
  --seed N                  seed of folds, heads and random initialisations (default 0)
  --labels-per-class N      low-label setting: per fold, at most N training (and N validation)
                            windows per class, seeded; the test subjects stay whole
  --task NAME               activity (the labels as read, default) | adl (the labels, windows
                            of falls left out: SisFall D01-D19, FallAllD A001-A044, UMAFall
                            ADL_*, SmartFallMM's non-falls) | falls (fall codes and labels of
                            those sets against every other activity)
${FINETUNE_HELP}
  --batch N                 fine-tuning: windows per step (default ${D.finetune.batchSize})
  --augment                 fine-tuning: small rotations (<= 10 deg), scaling (±10 %), jitter
  --workers N               fine-tuning: data-parallel workers, each computing the gradient of a
                            shard of every batch (default: every core on wasm, else 1)
${PROBE_HELP}
${FEATURES_HELP}
                            (probe and scratch-probe read them)
  --backend NAME            ${choiceList(BACKENDS)} (default auto)

Output:
  --out DIR                 output folder (default runs/eval)

${DATA_HELP}
Evaluation needs at least two labels, and the bundled excerpt has one: without CSV files or
--dataset, evaluate reads --dataset uci-hapt at --data-root (default ${DEFAULT_ROOT}).

Writes DIR/report.json (per fold, per subject, summary), DIR/report.md and DIR/confusion.svg.
Until then DIR/${PARTIAL_FILE} keeps every finished fold: after a kill, the same command resumes
(a run with other settings refuses the file).
Minimal permissions: --allow-read=.,WEIGHTS,OUT[,DATA] --allow-write=OUT,.cache (OUT: DIR; see README).`;

const OPTIONS = {
  ...DATA_OPTIONS,
  weights: { type: "string" },
  "weights-timeout": { type: "string" },
  "random-init": { type: "boolean" },
  preset: { type: "string" },
  heads: { type: "string" },
  folds: { type: "string" },
  "max-folds": { type: "string" },
  "labels-per-class": { type: "string" },
  task: { type: "string" },
  seed: { type: "string" },
  ...FINETUNE_OPTIONS,
  batch: { type: "string" },
  augment: { type: "boolean" },
  workers: { type: "string" },
  ...PROBE_OPTIONS,
  ...FEATURES_OPTIONS,
  backend: { type: "string" },
  out: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** Without CSV files or --dataset, picks uci-hapt (when present) and says so on stderr. */
async function defaultData(values: Record<string, unknown>, files: string[]): Promise<void> {
  if (files.length > 0 || values.dataset !== undefined) return;
  const root = (values["data-root"] as string | undefined) ?? DEFAULT_ROOT;
  const found = await Deno.stat(root).then((s) => s.isDirectory, () => false);
  if (!found) {
    throw new UsageError(
      `no data given and ${root} is not there: give labelled CSV files, or --dataset NAME ` +
        `(with --data-root DIR) holding at least two labels; the bundled excerpt has only one`,
    );
  }
  values.dataset = DEFAULT_DATASET;
  console.error(
    `no data given: evaluating on --dataset ${DEFAULT_DATASET} at ${root} ` +
      `(the bundled excerpt has one label, too few to evaluate)`,
  );
}

function parseHeads(raw: unknown): HeadName[] {
  const list = String(raw ?? "probe,finetune,handcrafted").split(",").map((h) => h.trim())
    .filter(Boolean);
  for (const h of list) {
    if (!HEAD_NAMES.includes(h as HeadName)) {
      throw new UsageError(`--heads: unknown head "${h}"; choose from ${HEAD_NAMES.join(", ")}`);
    }
  }
  if (!list.length) throw new UsageError("--heads: give at least one head");
  return [...new Set(list)] as HeadName[];
}

async function main(): Promise<void> {
  const { values, positionals } = parseFlags(Deno.args, OPTIONS);
  if (values.help) return console.log(HELP);
  const heads = parseHeads(values.heads);
  const seed = numberFlag(values, "seed", 0, { integer: true });
  const folds = values.folds === undefined
    ? undefined
    : numberFlag(values, "folds", 5, { min: 2, integer: true });
  const maxFolds = values["max-folds"] === undefined
    ? undefined
    : numberFlag(values, "max-folds", 1, { min: 1, integer: true });
  const finetune = {
    ...finetuneFlags(values),
    batchSize: numberFlag(values, "batch", D.finetune.batchSize, { min: 2, integer: true }),
    augment: values.augment ? { maxRotationDeg: 10, scale: 0.1, jitter: 0.01 } : null,
    workers: workersFlag(values),
  };
  const labelsPerClass = values["labels-per-class"] === undefined
    ? undefined
    : numberFlag(values, "labels-per-class", 10, { min: 1, integer: true });
  const task = choiceFlag(values, "task", TASKS, "activity");
  const features = featuresFlag(values) ?? D.features;
  const probe = probeFlags(values);
  backendFlag(values); // fail fast on a bad --backend, before reading data
  const out = (values.out as string | undefined) ?? "runs/eval";
  const weights = values.weights as string | undefined;
  const randomInit = values["random-init"] === true;
  if (weights && randomInit) throw new UsageError("give --weights or --random-init, not both");
  if (values.preset !== undefined && !randomInit) {
    throw new UsageError("--preset applies to --random-init (a weights file has its own)");
  }
  const needsModel = heads.some((h) => h !== "handcrafted");
  // --weights FILE, else the pretrained model; read before the data, so a wrong path fails at once
  const read = !randomInit && (needsModel || weights) ? await readWeightsFlag(values) : null;
  await defaultData(values, positionals);
  const { set, description, meta } = await loadWindows(values, positionals, {
    labelPolicy: "drop-mixed",
  });
  reportData(set, description, meta);
  const labels = task === "falls"
    ? set.labels.map((l) => (l === null ? null : isFallCode(l) ? "fall" : "adl"))
    : task === "adl"
    ? set.labels.map((l) => (isFallCode(l) ? null : l))
    : set.labels;
  const info = await startBackend(values);
  finetune.workers ??= defaultWorkers(); // recorded in the report: results depend on it
  if (heads.some((h) => h.endsWith("finetune"))) {
    const n = finetune.workers;
    console.error(`fine-tuning with ${n} worker${n > 1 ? "s" : " (this thread)"}`);
  }

  let bytes: Uint8Array | undefined, modelInfo: Record<string, unknown> = { source: "none" };
  if (randomInit) {
    const preset = choiceFlag(values, "preset", PRESET_NAMES, "small");
    const model = new FlowFM(presetConfig(preset, { seed }));
    bytes = await serializeModel(model);
    model.dispose();
    modelInfo = { source: "random-init", preset, seed };
  } else if (read) {
    bytes = read.bytes;
    const { model } = deserializeModel(bytes, read.name); // validates; errors name the file
    modelInfo = { source: read.name, preset: model.config.preset, step: model.config.step };
    model.dispose();
  }
  const modelName = modelInfo.source === "random-init"
    ? `${modelInfo.preset} (random init, seed ${seed})`
    : bytes
    ? `${modelInfo.source} (${modelInfo.preset}, step ${modelInfo.step})`
    : "handcrafted only";

  let progress: Progress | null = null, done = 0;
  const subjectF1 = new Map<string, number[]>(); // per head, every test subject so far
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const onProgress = (p: EvalProgress) => {
    const total = heads.length * p.folds;
    progress ??= new Progress(total);
    if (p.stage === "features") console.error(`${p.head}: computing features`);
    else if (p.stage === "epoch" && p.epoch) {
      const e = p.epoch;
      progress.update(
        done,
        `${p.head} fold ${p.fold + 1}/${p.folds} epoch ${e.epoch}: train ${
          e.trainLoss.toFixed(4)
        } val ${e.valLoss.toFixed(4)}`,
      );
    } else if (p.stage === "fold-done") {
      done++;
      // The report's table gives the mean over test subjects, so the progress line does too.
      const fold = p.subjectMacroF1 ?? [], seen = subjectF1.get(p.head) ?? [];
      subjectF1.set(p.head, seen.concat(fold));
      console.error(
        `${p.head} fold ${p.fold + 1}/${p.folds}: macro F1 ${mean(fold).toFixed(3)} (mean over ` +
          `its ${fold.length} test subject(s); ${mean(seen.concat(fold)).toFixed(3)} over the ` +
          `${seen.length + fold.length} so far)`,
      );
      progress.update(done, `${p.head} fold ${p.fold + 1}/${p.folds} done`);
    }
  };
  const t0 = performance.now();
  const settings = {
    seed,
    folds: folds ?? "default",
    maxFolds: maxFolds ?? null,
    labelsPerClass: labelsPerClass ?? null,
    task,
    probe,
    features,
    finetune,
  };
  // What decides the folds' results: a killed run, run again, takes the folds it finished.
  const decisive = {
    model: bytes ? await sha256Hex(bytes) : null,
    data: dataDigest(set.data, labels, set.subjects),
    backend: info.backend,
    ...settings,
  };
  const finished = await readFinished(out, decisive);
  if (finished.length) {
    console.error(`resuming: ${finished.length} finished fold(s) in ${out}/${PARTIAL_FILE}`);
  }
  const report = await evaluate(
    { windows: set.data, labels, subjects: set.subjects },
    {
      heads,
      model: bytes,
      seed,
      folds,
      maxFolds,
      labelsPerClass,
      probe,
      features,
      finetune,
      onProgress,
      finished,
      onFold: foldKeeper(out, decisive, finished),
    },
  );
  for (const h of report.heads.filter((h) => h.head.endsWith("finetune"))) {
    const capped = h.folds.filter((f) => f.fit.bestEpoch === finetune.maxEpochs).length;
    if (capped) {
      console.error(
        `warning: ${h.head}: in ${capped} of ${h.folds.length} folds the best epoch was the last ` +
          `(--epochs ${finetune.maxEpochs}); early stopping did not trigger, consider more epochs`,
      );
    }
    const short = shortEpochsWarning(h.head, Math.min(...h.folds.map((f) => f.fit.epochSteps)));
    if (short) console.error(short);
  }
  await Deno.mkdir(out, { recursive: true });
  const setting = [
    task === "falls" ? "falls vs activities of daily living" : "",
    task === "adl" ? "activities of daily living, falls left out" : "",
    labelsPerClass ? `${labelsPerClass} labels per class` : "",
    features !== D.features ? `probes on ${features} features` : "",
  ].filter(Boolean).join(", ");
  const title = `FlowFM evaluation: ${modelName} on ${description}${
    setting ? ` (${setting})` : ""
  }`;
  const json = {
    title,
    created: new Date().toISOString(),
    args: Deno.args,
    data: { description, windows: set.count, dropped: set.stats.dropped },
    model: modelInfo,
    backend: info.backend,
    settings: { heads, ...settings },
    seconds: (performance.now() - t0) / 1000,
    ...report,
  };
  await atomicWrite(`${out}/report.json`, JSON.stringify(json, null, 2) + "\n");
  const md = reportMarkdown(report, title);
  await atomicWrite(`${out}/report.md`, md);
  await atomicWrite(`${out}/confusion.svg`, confusionGridSvg(report, title));
  await removeFinished(out);
  console.log(md);
  console.error(`wrote ${out}/report.json, ${out}/report.md, ${out}/confusion.svg`);
}

if (import.meta.main) await runMain(main, HELP);
