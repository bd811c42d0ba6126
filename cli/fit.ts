// deno run -A cli/fit.ts [--weights MODEL] [--finetune] [options] [--dataset NAME | FILE.csv ...]
// Fits an activity classifier on labelled windows (a linear probe on the frozen encoder's z, or the
// fine-tuned encoder with an MLP head) and saves it as one safetensors file.
import { fitClassifier } from "../lib/classify/probe_classifier.ts";
import {
  type FinetunedClassifierOptions,
  fitFinetunedClassifier,
} from "../lib/classify/finetuned_classifier.ts";
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
import { atomicWrite } from "../lib/io/mod.ts";
import { isFallCode } from "../lib/io/sisfall.ts";
import {
  backendFlag,
  BACKENDS,
  checkOutput,
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
import { deserializeModel } from "../lib/weights/model_file.ts";
import { type TrainingData, withTrainingData } from "./_classifier_data.ts";
import type { WindowMeta } from "../lib/io/mod.ts";
import { announceData, DATA_HELP, DATA_OPTIONS, loadWindows, reportData } from "./_data.ts";

const HELP = `Usage: ${DENO} run -A cli/fit.ts [--weights FILE] [options] [FILE.csv ...]

Fits an activity classifier on labelled windows: a linear probe on the representation z of the
frozen encoder, or with --finetune the whole encoder and an MLP head (z -> 512 -> classes; the
file then carries the fine-tuned model). Windows whose samples carry two labels, and unlabelled
windows, are left out.

  --weights FILE            model.safetensors from cli/train.ts;
                            ${WEIGHTS_DEFAULT_HELP}
${WEIGHTS_TIMEOUT_HELP}
  --out FILE                classifier file (default classifier.safetensors)
  --validation F            share of each class held out for early stopping and the L2 choice
                            (default ${D.validationFraction}; 0 fits on everything without early stopping)
  --finetune                fine-tune all encoder layers with an MLP head instead of a probe
${FINETUNE_HELP}
  --workers N               fine-tuning: data-parallel workers (default: every core on wasm)
${PROBE_HELP}
${FEATURES_HELP}
                            (the file records it)
  --task NAME               activity (the labels as read, default) | adl (windows of falls left
                            out: SisFall F*, FallAllD A1*, UMAFall Fall_*, SmartFallMM *_fall)
  --seed N                  seed of the validation split (default ${D.seed})
  --batch N                 windows per forward pass (default ${D.batchSize})
  --backend NAME            ${choiceList(BACKENDS)} (default auto)

${DATA_HELP}

CSV files need a label column (label, activity, class or annotation).
Predict with: ${DENO} run -A cli/predict.ts [--weights FILE] --classifier OUT [data]
Minimal permissions: --allow-read=.,WEIGHTS,OUT[,DATA] --allow-write=OUT,.cache (OUT's folder;
see README).`;

const OPTIONS = {
  ...DATA_OPTIONS,
  weights: { type: "string" },
  "weights-timeout": { type: "string" },
  out: { type: "string" },
  validation: { type: "string" },
  finetune: { type: "boolean" },
  ...FINETUNE_OPTIONS,
  workers: { type: "string" },
  ...PROBE_OPTIONS,
  ...FEATURES_OPTIONS,
  task: { type: "string" },
  seed: { type: "string" },
  batch: { type: "string" },
  backend: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

async function main(): Promise<void> {
  const { values, positionals } = parseFlags(Deno.args, OPTIONS);
  if (values.help) return console.log(HELP);
  const validationFraction = numberFlag(values, "validation", D.validationFraction, { min: 0 });
  if (validationFraction >= 1) throw new UsageError("--validation must be in [0, 1)");
  const probe = probeFlags(values);
  const given = featuresFlag(values), features = given ?? D.features;
  if (values.finetune && given !== undefined) {
    throw new UsageError("--features applies to the probe, not to --finetune");
  }
  const task = choiceFlag(values, "task", ["activity", "adl"] as const, "activity");
  const seed = numberFlag(values, "seed", D.seed, { integer: true });
  const batchSize = numberFlag(values, "batch", D.batchSize, { min: 1, integer: true });
  // --finetune's flags, parsed before reading data so a bad one fails fast
  const finetune = values.finetune
    ? {
      ...finetuneFlags(values),
      workers: workersFlag(values),
    }
    : null;
  backendFlag(values); // fail fast on a bad --backend, before reading data
  const out = (values.out as string | undefined) ?? "classifier.safetensors";
  await checkOutput(out, [...positionals, values.weights as string | undefined]);
  if (values.weights !== undefined) console.error(`reading model ${values.weights}…`);
  const read = await readWeightsFlag(values); // before the data: a wrong --weights fails at once
  announceData(values, positionals, true);
  const { set, description, meta } = await loadWindows(values, positionals, {
    labelPolicy: "drop-mixed",
    labelledDefault: true,
  });
  reportData(set, description);
  if (task === "adl") set.labels = set.labels.map((l) => (isFallCode(l) ? null : l));
  const labelled = set.labels.filter((l) => l !== null).length;
  const training = trainingData(set.labels, description, meta);
  if (labelled === 0) {
    throw new Error(`no labelled windows in ${description}; CSV files need a label column`);
  }
  await startBackend(values);
  if (finetune) {
    return await fitFinetuned(read, set.data, set.labels, out, training, {
      validationFraction,
      seed,
      batchSize,
      ...finetune,
    });
  }
  const { model } = deserializeModel(read.bytes, read.name), weights = read.name;
  try {
    const t0 = performance.now();
    let progress: Progress | undefined;
    console.error(
      `encoding ${set.count} windows (${features} features), then fitting the linear probe ` +
        `with ${probe.solver} (at most ${probe.maxIterations} iterations per L2 value)…`,
    );
    const classifier = await fitClassifier(model, set.data, set.labels, {
      probe,
      validationFraction,
      seed,
      batchSize,
      features,
      onProgress: (done, total) => {
        progress ??= new Progress(total);
        const rate = done / ((performance.now() - t0) / 1000);
        progress.update(done, `windows encoded, ${rate.toFixed(1)} win/s`);
      },
    });
    const { fit, classes } = classifier;
    await atomicWrite(out, withTrainingData(await classifier.serialize(), training));
    const width = Math.max(5, ...classes.map((c) => c.length));
    console.log(`classes (${classes.length}), labelled windows:`);
    for (const c of classes) console.log(`  ${c.padEnd(width)}  ${fit.counts[c]}`);
    console.log(
      `training accuracy: ${(100 * fit.trainingAccuracy).toFixed(1)} % on ${labelled} windows ` +
        `(L2 ${fit.l2}, iteration ${fit.iteration}, ${
          ((performance.now() - t0) / 1000).toFixed(1)
        } s)`,
    );
    console.log(
      `encoder: ${weights}, ${features} features; the classifier records the encoder's SHA-256 ` +
        `${classifier.encoderSha256.slice(0, 12)}… (of its encoder.* tensors, not the file's ` +
        "checksum: cli/inspect.ts shows both)",
    );
    console.log(
      `for ${placementsText(training)} data (recorded in the file; predict warns on others)`,
    );
    console.log(`wrote ${out}`);
    classifier.dispose();
  } finally {
    model.dispose();
  }
}

/** --finetune: a copy of the model fine-tuned with a head, saved whole. */
async function fitFinetuned(
  { bytes, name }: { bytes: Uint8Array; name: string },
  windows: Float32Array,
  labels: readonly (string | null)[],
  out: string,
  training: TrainingData,
  options: Omit<FinetunedClassifierOptions, "onEpoch">,
): Promise<void> {
  const t0 = performance.now();
  const n = labels.filter((l) => l !== null).length;
  console.error(`fine-tuning ${name} on ${n} labelled windows (one line per epoch)…`);
  let epochSteps: number | undefined; // every epoch takes the same number of steps
  const classifier = await fitFinetunedClassifier(bytes, windows, labels, {
    ...options,
    onEpoch: (e) => {
      epochSteps = e.steps;
      console.error(
        `epoch ${e.epoch}: train ${e.trainLoss.toFixed(4)} val ${
          e.valLoss.toFixed(4)
        } (${e.steps} steps)`,
      );
    },
  });
  const short = epochSteps === undefined ? null : shortEpochsWarning("fine-tuning", epochSteps);
  if (short) console.error(short);
  try {
    await atomicWrite(out, withTrainingData(await classifier.serialize(), training));
    const { fit, classes } = classifier;
    console.log(
      `classes (${classes.length}): ${classes.map((c) => `${c} ${fit.counts[c]}`).join(", ")}`,
    );
    console.log(
      `fine-tuned ${name}: best epoch ${fit.bestEpoch} of ${fit.epochs} (validation loss ${
        fit.valLoss.toFixed(4)
      }, ${((performance.now() - t0) / 1000).toFixed(1)} s)`,
    );
    console.log(`wrote ${out} (it carries its fine-tuned encoder: predict needs no --weights)`);
  } finally {
    classifier.dispose();
  }
}

/** What the file records about its data: the description and the labelled windows' placements. */
function trainingData(
  labels: readonly (string | null)[],
  description: string,
  meta: WindowMeta,
): TrainingData {
  const seen = new Set<string>();
  labels.forEach((l, i) => {
    const p = meta.placementNames[meta.placementIndex[i]];
    if (l !== null && p !== undefined) seen.add(p);
  });
  const n = labels.filter((l) => l !== null).length;
  return { data: `${description}: ${n} labelled windows`, placements: [...seen].sort() };
}

const placementsText = (t: TrainingData) =>
  t.placements.length > 0 ? t.placements.join(", ") : "unknown placement (CSV files)";

if (import.meta.main) await runMain(main, HELP);
