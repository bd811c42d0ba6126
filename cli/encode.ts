// deno run -A cli/encode.ts [--weights FILE] [options] [FILE.csv ...]
// Encodes 10 s windows into FlowFM embeddings, written as CSV with window start times and subjects.
import { atomicWrite } from "../lib/io/mod.ts";
import {
  backendFlag,
  BACKENDS,
  checkOutput,
  choiceList,
  DENO,
  numberFlag,
  parseFlags,
  Progress,
  runMain,
  startBackend,
} from "./_common.ts";
import { loadModelFlag, WEIGHTS_DEFAULT_HELP, WEIGHTS_TIMEOUT_HELP } from "./_weights.ts";
import { DATA_HELP, DATA_OPTIONS, loadWindows, reportData, requireWindows } from "./_data.ts";

const HELP = `Usage: ${DENO} run -A cli/encode.ts [--weights FILE] [options] [FILE.csv ...]

Encodes every 10 s window of the data into an embedding z.

  --weights FILE            model.safetensors from cli/train.ts;
                            ${WEIGHTS_DEFAULT_HELP}
${WEIGHTS_TIMEOUT_HELP}
  --batch N                 windows per forward pass (default 64)
  --backend NAME            ${choiceList(BACKENDS)} (default auto)
  --out FILE                output CSV (default embeddings.csv)
  --ignore-labels           keep windows that span two labels (label column left empty);
                            by default they are dropped

${DATA_HELP}

Output columns: source,subject,label,start_s,z0,...,z{d-1}.
Minimal permissions: --allow-read=.,WEIGHTS,OUT[,DATA] --allow-write=OUT,.cache (OUT: the folder of
the output file, where the atomic write puts its temporary file; see README).`;

const OPTIONS = {
  ...DATA_OPTIONS,
  weights: { type: "string" },
  "weights-timeout": { type: "string" },
  batch: { type: "string" },
  backend: { type: "string" },
  out: { type: "string" },
  "ignore-labels": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const csvField = (
  s: string | null,
) => (s === null ? "" : /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

async function main(): Promise<void> {
  const { values, positionals } = parseFlags(Deno.args, OPTIONS);
  if (values.help) return console.log(HELP);
  const batch = numberFlag(values, "batch", 64, { min: 1, integer: true });
  backendFlag(values); // fail fast on a bad --backend, before reading data
  const out = (values.out as string | undefined) ?? "embeddings.csv";
  await checkOutput(out, [...positionals, values.weights as string | undefined]);
  const { set, description } = await loadWindows(
    values,
    positionals,
    values["ignore-labels"] ? { labelPolicy: "ignore" } : {},
  );
  reportData(set, description);
  requireWindows(set, description, "windows spanning two labels are kept with --ignore-labels");
  await startBackend(values);
  const { model } = await loadModelFlag(values);
  const dim = model.embeddingDim;
  const per = model.config.windowLength * model.config.channels;
  const rows = [
    ["source", "subject", "label", "start_s", ...Array.from({ length: dim }, (_, j) => `z${j}`)]
      .join(","),
  ];
  const progress = new Progress(set.count);
  const t0 = performance.now();
  for (let i = 0; i < set.count; i += batch) {
    const n = Math.min(batch, set.count - i);
    const z = await model.encode(set.data.subarray(i * per, (i + n) * per), { batchSize: batch });
    for (let k = 0; k < n; k++) {
      const w = i + k;
      const zs = Array.from(z.data.subarray(k * dim, (k + 1) * dim), (v) => v.toPrecision(6));
      rows.push(
        [
          csvField(set.sources[w]),
          csvField(set.subjects[w]),
          csvField(set.labels[w]),
          set.starts[w].toFixed(3),
          ...zs,
        ].join(","),
      );
    }
    progress.update(i + n, `${((i + n) / ((performance.now() - t0) / 1000)).toFixed(1)} win/s`);
  }
  await atomicWrite(out, rows.join("\n") + "\n");
  console.log(`wrote ${set.count} embeddings (${dim}-d) from ${description} to ${out}`);
  model.dispose();
}

if (import.meta.main) await runMain(main, HELP);
