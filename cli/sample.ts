// deno run -A cli/sample.ts [--weights FILE] [options] [FILE.csv ...]
// Generates windows with a trained FlowFM model, conditioned on the representations of real
// reference windows, and plots real against generated windows per axis.
import { gatherWindows } from "../lib/data/window_set.ts";
import { Rng } from "../lib/random.ts";
import { OBJECTIVE_NAMES, OBJECTIVES, SAMPLE_METHODS } from "../lib/flow/objective.ts";
import { atomicWrite } from "../lib/io/mod.ts";
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
} from "./_common.ts";
import { loadModelFlag, WEIGHTS_DEFAULT_HELP, WEIGHTS_TIMEOUT_HELP } from "./_weights.ts";
import { DATA_HELP, DATA_OPTIONS, loadWindows, reportData, requireWindows } from "./_data.ts";
import { grid, lineChart } from "./_svg.ts";

const METHOD_HELP = OBJECTIVE_NAMES.map((o) => {
  const spec = OBJECTIVES[o];
  const fixed = spec.methods.filter((m) => spec.stepsTaken(m, 1) !== 1)
    .map((m) => `; ${m} runs all ${spec.stepsTaken(m, 1)} steps`).join("");
  return `${o} models: ${choiceList(spec.methods)} (default ${spec.defaultMethod}${fixed})`;
}).join("\n                            ");
const STEPS_HELP = OBJECTIVE_NAMES.map((o) => `${OBJECTIVES[o].defaultSteps} for ${o}`).join(", ");

const HELP = `Usage: ${DENO} run -A cli/sample.ts [--weights FILE] [options] [FILE.csv ...]

Encodes reference windows and generates new windows from their representations
(representation-conditional generation, i.e. reconstruction from noise).

  --weights FILE            model.safetensors (or checkpoint.safetensors) from cli/train.ts;
                            ${WEIGHTS_DEFAULT_HELP}
${WEIGHTS_TIMEOUT_HELP}
  --count N                 reference windows to use, drawn at random (default 8)
  --method NAME             ${METHOD_HELP}
  --objective NAME          ${
  choiceList(OBJECTIVE_NAMES)
}: check that the weights were trained with this objective
  --steps N                 solver steps (default ${STEPS_HELP})
  --seed N                  seed of the reference choice and the starting noise (default 0)
  --backend NAME            ${choiceList(BACKENDS)} (default auto)
  --out DIR                 output folder (default runs/samples)

${DATA_HELP}

Writes DIR/generated.csv and DIR/real.csv (window,t,x,y,z; t in s, values in g) and DIR/compare.svg.
Minimal permissions: --allow-read=.,WEIGHTS,OUT[,DATA] --allow-write=OUT,.cache (OUT: DIR; see README).`;

const OPTIONS = {
  ...DATA_OPTIONS,
  weights: { type: "string" },
  "weights-timeout": { type: "string" },
  count: { type: "string" },
  method: { type: "string" },
  objective: { type: "string" },
  steps: { type: "string" },
  seed: { type: "string" },
  backend: { type: "string" },
  out: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

function toCsv(data: Float32Array, count: number, len: number, rate: number): string {
  const rows = ["window,t,x,y,z"];
  for (let w = 0; w < count; w++) {
    for (let s = 0; s < len; s++) {
      const o = (w * len + s) * 3;
      rows.push(
        `${w},${(s / rate).toFixed(4)},${data[o].toFixed(5)},${data[o + 1].toFixed(5)},${
          data[o + 2].toFixed(5)
        }`,
      );
    }
  }
  return rows.join("\n") + "\n";
}

async function main(): Promise<void> {
  const { values, positionals } = parseFlags(Deno.args, OPTIONS);
  if (values.help) return console.log(HELP);
  const count = numberFlag(values, "count", 8, { min: 1, integer: true });
  const stepsFlag = values.steps === undefined
    ? undefined
    : numberFlag(values, "steps", 10, { min: 1, integer: true });
  const seed = numberFlag(values, "seed", 0, { integer: true });
  const methodFlag = values.method === undefined
    ? undefined
    : choiceFlag(values, "method", SAMPLE_METHODS, OBJECTIVES.fm.defaultMethod);
  if (values.objective !== undefined) choiceFlag(values, "objective", OBJECTIVE_NAMES, "fm");
  backendFlag(values); // fail fast on a bad --backend, before reading data
  const out = (values.out as string | undefined) ?? "runs/samples";

  const { set, description } = await loadWindows(values, positionals, { labelPolicy: "ignore" });
  reportData(set, description);
  requireWindows(set, description, "labels are ignored here, so no window was dropped for them");
  await startBackend(values);
  const { model, name: weightsName } = await loadModelFlag(values);
  const spec = OBJECTIVES[model.config.objective];
  if (values.objective !== undefined && values.objective !== model.config.objective) {
    throw new UsageError(
      `--objective ${values.objective}: ${weightsName} was trained with ${model.config.objective}`,
    );
  }
  const method = methodFlag ?? spec.defaultMethod;
  if (!spec.methods.includes(method)) {
    throw new UsageError(
      `--method ${method} does not apply to a ${spec.name} model; use ${choiceList(spec.methods)}`,
    );
  }
  const steps = spec.stepsTaken(method, stepsFlag ?? spec.defaultSteps);
  const n = Math.min(count, set.count);
  const pick = new Rng(seed).permutation(set.count).subarray(0, n);
  const real = gatherWindows(set.data, pick);
  console.error(`generating ${n} windows from ${description} with ${method}, ${steps} steps`);
  const progress = new Progress(n);
  const gen = await model.sample({
    windows: real,
    method,
    steps,
    seed,
    batchSize: 16,
    onProgress: (d) => progress.update(d, "windows"),
  });
  await Deno.mkdir(out, { recursive: true });
  const { sampleRate: rate, windowLength: len, channels: ch } = model.config;
  await atomicWrite(`${out}/generated.csv`, toCsv(gen.data, n, len, rate));
  await atomicWrite(`${out}/real.csv`, toCsv(real, n, len, rate));
  const shown = Math.min(n, 4), charts: string[] = [];
  for (let axis = 0; axis < ch; axis++) {
    for (let w = 0; w < shown; w++) {
      const series = (d: Float32Array): [number, number][] =>
        Array.from({ length: len }, (_, s) => [s / rate, d[(w * len + s) * ch + axis]]);
      charts.push(
        lineChart([{ name: "real", color: "#1f77b4", points: series(real) }, {
          name: "generated",
          color: "#ff7f0e",
          points: series(gen.data),
        }], {
          title: `window ${w}, axis ${"xyz"[axis]}`,
          xLabel: "time (s)",
          yLabel: "g",
          width: 360,
          height: 220,
        }),
      );
    }
  }
  await atomicWrite(
    `${out}/compare.svg`,
    grid(charts, shown, 360, 220, `real vs generated (${method}, ${steps} steps)`),
  );
  console.log(`wrote ${out}/generated.csv, ${out}/real.csv and ${out}/compare.svg`);
  model.dispose();
}

if (import.meta.main) await runMain(main, HELP);
