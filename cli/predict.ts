// deno run -A cli/predict.ts [--weights MODEL] --classifier FILE [options] [--dataset NAME | FILE.csv ...]
// Predicts an activity label for every 10 s window with a classifier from cli/fit.ts; writes a CSV
// (one row per window) and, with --svg, a timeline of the predicted labels per source file.
import type { Classifier, Predictions } from "../lib/classify/classifier.ts";
import { classifierKind, loadClassifier } from "../lib/classify/load_classifier.ts";
import { D } from "./_classify.ts";
import { atomicWrite } from "../lib/io/mod.ts";
import {
  backendFlag,
  BACKENDS,
  checkWritable,
  choiceList,
  DENO,
  numberFlag,
  parseFlags,
  Progress,
  refuseOutputOverInput,
  runMain,
  startBackend,
  UsageError,
} from "./_common.ts";
import { loadModelFlag, WEIGHTS_DEFAULT_HELP, WEIGHTS_TIMEOUT_HELP } from "./_weights.ts";
import {
  announceData,
  DATA_HELP,
  DATA_OPTIONS,
  loadWindows,
  reportData,
  requireWindows,
} from "./_data.ts";
import { timelineSvg } from "./_timeline_svg.ts";
import { placementLines, trainingDataOf } from "./_classifier_data.ts";

const HELP =
  `Usage: ${DENO} run -A cli/predict.ts [--weights FILE] --classifier FILE [options] [FILE.csv ...]

Predicts the activity of every 10 s window with a classifier from cli/fit.ts. The classifier
only runs with the encoder it was fitted on (checked by the SHA-256 of the encoder weights).

  --weights FILE            model.safetensors the classifier was fitted on (not with a
                            fine-tuned classifier, which carries its encoder);
                            ${WEIGHTS_DEFAULT_HELP}
${WEIGHTS_TIMEOUT_HELP}
  --classifier FILE         classifier.safetensors from cli/fit.ts (required), or a shipped one:
                            weights/flowfm-small.uci-hapt.classifier.safetensors (waist),
                            weights/flowfm-small.umafall-wrist.classifier.safetensors (wrist);
                            the output names the placement a classifier is for
  --out FILE                output CSV (default predictions.csv)
  --svg FILE                also draw a timeline of predicted labels per source file
  --batch N                 windows per forward pass (default ${D.batchSize})
  --backend NAME            ${choiceList(BACKENDS)} (default auto)

${DATA_HELP}

Output columns: source,subject,start_s,label,probability (of the predicted label).
Minimal permissions: --allow-read=.,WEIGHTS,CLASSIFIER,OUT[,SVG][,DATA]
  --allow-write=OUT[,SVG],.cache (OUT's and SVG's folders; see README).`;

const OPTIONS = {
  ...DATA_OPTIONS,
  weights: { type: "string" },
  "weights-timeout": { type: "string" },
  classifier: { type: "string" },
  out: { type: "string" },
  svg: { type: "string" },
  batch: { type: "string" },
  backend: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

const csvField = (s: string | null) =>
  s === null ? "" : /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;

async function main(): Promise<void> {
  const { values, positionals } = parseFlags(Deno.args, OPTIONS);
  if (values.help) return console.log(HELP);
  if (!values.classifier) throw new UsageError("--classifier is required");
  const batchSize = numberFlag(values, "batch", D.batchSize, { min: 1, integer: true });
  backendFlag(values); // fail fast on a bad --backend, before reading data
  const out = (values.out as string | undefined) ?? "predictions.csv";
  const svg = values.svg as string | undefined;
  const inputs = [
    ...positionals,
    values.classifier as string,
    values.weights as string | undefined,
  ];
  await refuseOutputOverInput(out, inputs);
  if (svg !== undefined) await refuseOutputOverInput(svg, [...inputs, out], "--svg");
  const classifierFile = values.classifier as string;
  const classifierBytes = await Deno.readFile(classifierFile);
  announceData(values, positionals, true);
  const { set, description, meta } = await loadWindows(values, positionals, {
    labelPolicy: "ignore",
    labelledDefault: true,
  });
  reportData(set, description);
  requireWindows(set, description, "labels are ignored here, so no window was dropped for them");
  await startBackend(values);
  const finetuned = classifierKind(classifierBytes, classifierFile) === "finetuned";
  if (finetuned && values.weights !== undefined) {
    throw new UsageError(
      `${classifierFile} carries its own fine-tuned encoder: drop --weights`,
    );
  }
  if (values.weights !== undefined) console.error(`loading model ${values.weights}…`);
  const model = finetuned ? null : (await loadModelFlag(values)).model;
  try {
    const classifier = await loadClassifier(classifierBytes, classifierFile, model ?? undefined);
    const placements = placementLines(
      classifierFile,
      trainingDataOf(classifierBytes),
      [...new Set(meta.placementIndex)].map((i) => meta.placementNames[i] ?? ""),
    );
    if (placements.warning) console.error(placements.warning);
    await checkWritable(out); // before the encoding, not after it
    if (svg !== undefined) await checkWritable(svg, "--svg");
    console.error(`encoding and classifying ${set.count} windows…`);
    const p = await predictInChunks(classifier, set.data, set.count, batchSize);
    const k = p.classes.length;
    const rows = ["source,subject,start_s,label,probability"];
    const counts = new Map(p.classes.map((c) => [c, 0]));
    for (let i = 0; i < set.count; i++) {
      const c = p.classes.indexOf(p.labels[i]);
      counts.set(p.labels[i], counts.get(p.labels[i])! + 1);
      rows.push(
        [
          csvField(set.sources[i]),
          csvField(set.subjects[i]),
          set.starts[i].toFixed(3),
          csvField(p.labels[i]),
          p.probabilities[i * k + c].toFixed(4),
        ].join(","),
      );
    }
    await atomicWrite(out, rows.join("\n") + "\n");
    console.log(
      `predicted ${set.count} windows from ${description}: ` +
        [...counts].map(([c, n]) => `${c} ${n}`).join(", "),
    );
    console.log(placements.note);
    if (placements.warning) console.log(placements.warning);
    console.log(`wrote ${out}`);
    if (svg) {
      const windows = p.labels.map((label, i) => ({
        source: set.sources[i],
        start: set.starts[i],
        label,
      }));
      const { length, sampleRate } = classifier.window;
      const title = `Predicted labels (${classifierFile}) on ${description}`;
      await atomicWrite(
        svg,
        timelineSvg(windows, p.classes, { title, windowSeconds: length / sampleRate }),
      );
      console.log(`wrote ${svg}`);
    }
    classifier.dispose();
  } finally {
    model?.dispose();
  }
}

/**
 * `classifier.predict` over chunks of windows, with a progress line on stderr; each window's
 * prediction depends on that window only, so the chunks give the same result as one call.
 */
async function predictInChunks(
  classifier: Classifier,
  data: Float32Array,
  count: number,
  batchSize: number,
): Promise<Predictions> {
  const per = data.length / Math.max(count, 1), chunk = 4 * batchSize;
  const progress = new Progress(count), t0 = performance.now();
  const parts: Predictions[] = [];
  for (let i = 0; i < count; i += chunk) {
    const n = Math.min(chunk, count - i);
    parts.push(await classifier.predict(data.subarray(i * per, (i + n) * per), { batchSize }));
    const rate = (i + n) / ((performance.now() - t0) / 1000);
    progress.update(i + n, `windows, ${rate.toFixed(1)} win/s`);
  }
  const probabilities = new Float32Array(parts.reduce((s, p) => s + p.probabilities.length, 0));
  let at = 0;
  for (const p of parts) {
    probabilities.set(p.probabilities, at);
    at += p.probabilities.length;
  }
  return {
    labels: parts.flatMap((p) => p.labels),
    probabilities,
    classes: parts[0]?.classes ?? [],
  };
}

if (import.meta.main) await runMain(main, HELP);
