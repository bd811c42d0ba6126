// deno run -A cli/train.ts [options] [FILE.csv ...]: a thin shell over train() (lib/train/run.ts).
import { OBJECTIVE_NAMES, PRESET_NAMES, presetConfig } from "../lib/model/config.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { TRAIN_DEFAULTS as D } from "../lib/train/defaults.ts";
import { train, type TrainOptions, type TrainStepRecord } from "../lib/train/run.ts";
import { loadCheckpoint } from "../lib/train/checkpoint.ts";
import { serializeModel } from "../lib/weights/model_file.ts";
import { atomicWrite, exists } from "../lib/io/mod.ts";
import * as cli from "./_common.ts";
import { DATA_HELP, DATA_OPTIONS, loadWindows, reportData } from "./_data.ts";
import { lineChart } from "./_svg.ts";

const HELP = `Usage: deno run -A cli/train.ts [options] [FILE.csv ...]

Pretrains a FlowFM model. With no arguments it trains the ${D.preset} preset for ${D.steps} steps on the
bundled sp-sw-har excerpt (a few minutes on a 2-core CPU).

Model and optimisation:
  --preset NAME             ${PRESET_NAMES.join(" | ")} (default ${D.preset})
  --objective NAME          fm (FlowFM) | ddpm (the diffusion baseline: epsilon prediction, T = 1000)
  --steps N                 optimisation steps (default ${D.steps}, or --epochs)
  --epochs N                passes over the windows (overrides --steps)
  --batch N                 windows per step (default ${D.batch})
  --micro-batch N           accumulate gradients over micro-batches of N windows (saves memory;
                            wasm has a 2 GB heap: use 16 for the base preset)
  --lr X                    Adam learning rate (default ${D.lr.toExponential()})
  --clip-norm X             global gradient-norm clip, 0 = off (default ${D.clipNorm})
  --augment                 encoder sees a view with a small rotation (<= 10 deg) and scaling (±10 %)
  --seed N                  seed of weights, noise and batch order (default ${D.seed})
  --backend NAME            ${cli.BACKENDS.join(" | ")} (default auto)
  --workers N               data-parallel workers (default: every core on wasm, else 1)

Output:
  --out DIR                 output folder (default runs/flowfm)
  --checkpoint-every N      write a checkpoint every N steps (default ${D.checkpointEvery})
  --resume                  continue from DIR/checkpoint.safetensors (weights, optimizer, RNG, step);
                            with --steps or --epochs, extend the run to that length

${DATA_HELP}

Writes DIR/model.safetensors, DIR/checkpoint.safetensors, DIR/log.jsonl and DIR/loss.svg.
Ctrl-C (or SIGTERM) stops after the current step, writes a checkpoint and prints how to resume.
Minimal permissions: --allow-read=.,DATA --allow-write=DIR,.cache (see README).`;

const str = { type: "string" } as const, bool = { type: "boolean" } as const;
const STRINGS =
  "preset objective steps epochs batch micro-batch lr clip-norm seed backend out workers";
const OPTIONS = {
  ...DATA_OPTIONS,
  ...Object.fromEntries(`${STRINGS} checkpoint-every`.split(" ").map((k) => [k, str])),
  augment: bool,
  resume: bool,
  help: { type: "boolean", short: "h" },
} as const;
const CHART = { xLabel: "step", yLabel: "loss (log scale)", logY: true };

async function main(): Promise<void> {
  const { values, positionals } = cli.parseFlags(Deno.args, OPTIONS);
  if (values.help) return console.log(HELP);
  const out = (values.out as string | undefined) ?? "runs/flowfm";
  const ckptPath = `${out}/checkpoint.safetensors`, modelPath = `${out}/model.safetensors`;
  const logPath = `${out}/log.jsonl`;
  const num = (name: string, fallback: number, min?: number, integer = true) =>
    cli.numberFlag(values, name, fallback, { min, integer });
  const given = (name: string) => values[name] === undefined ? undefined : num(name, 0, 1);
  cli.backendFlag(values); // fail fast on a bad flag, before reading data
  if (values.resume && !(await exists(ckptPath))) {
    throw new cli.UsageError(`--resume: no checkpoint at ${ckptPath}`);
  }
  // With --resume, only the length of the run may change; other settings come from the checkpoint.
  const opts: TrainOptions = {
    steps: given("steps"),
    epochs: given("epochs"),
    microBatch: num("micro-batch", D.microBatch, 0),
    workers: given("workers"),
    checkpointEvery: num("checkpoint-every", D.checkpointEvery, 1),
    ...(values.resume ? {} : {
      batch: num("batch", D.batch, 2),
      seed: num("seed", D.seed),
      lr: num("lr", D.lr, 0, false),
      clipNorm: num("clip-norm", D.clipNorm, 0, false),
      augment: values.augment === true,
    }),
  };
  const preset = cli.choiceFlag(values, "preset", PRESET_NAMES, D.preset);
  const objective = cli.choiceFlag(values, "objective", OBJECTIVE_NAMES, D.objective);
  const { set, description } = await loadWindows(values, positionals, { labelPolicy: "ignore" });
  reportData(set, description);
  await cli.startBackend(values);
  const loaded = values.resume ? loadCheckpoint(await Deno.readFile(ckptPath), ckptPath) : null;
  const model = loaded?.model ?? new FlowFM(presetConfig(preset, { seed: opts.seed, objective }));
  opts.resume = loaded?.state;
  const was = loaded?.state.schedule.windows ?? set.count;
  if (set.count !== was) {
    console.error(`warning: the data now has ${set.count} windows, the run started with ${was}`);
  }
  const ac = new AbortController(); // Ctrl-C: checkpoint and stop after this step; twice: quit
  const stop = (sig: Deno.Signal) => () => ac.signal.aborted ? Deno.exit(130) : ac.abort(sig);
  Deno.addSignalListener("SIGINT", stop("SIGINT"));
  if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", stop("SIGTERM"));
  const log: TrainStepRecord[] = [], enc = new TextEncoder();
  let logFile: Deno.FsFile | undefined, progress: cli.Progress | undefined;
  const result = await train(model, set, opts, {
    signal: ac.signal,
    onStart: async ({ startStep, totalSteps, workers }) => {
      if (values.resume) console.error(`resuming at step ${startStep} of ${totalSteps}`);
      console.error(`training with ${workers} worker${workers > 1 ? "s" : " (this thread)"}`);
      await Deno.mkdir(out, { recursive: true });
      // On resume keep the log up to the checkpoint; steps after it are about to be redone.
      const old = values.resume && (await exists(logPath)) ? await Deno.readTextFile(logPath) : "";
      const kept = old.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
      log.push(...kept.filter((r) => r.step <= startStep));
      await atomicWrite(logPath, log.map((r) => JSON.stringify(r) + "\n").join(""));
      logFile = await Deno.open(logPath, { append: true });
      progress = new cli.Progress(totalSteps, startStep);
    },
    onStep: async (r) => {
      log.push(r);
      await logFile!.write(enc.encode(JSON.stringify(r) + "\n"));
      progress!.update(r.step, `loss ${r.loss.toFixed(4)} | ${r.windowsPerSec.toFixed(1)} win/s`);
    },
    onCheckpoint: async (bytes) => {
      await atomicWrite(ckptPath, bytes);
      const points = log.map((r): [number, number] => [r.step, r.loss]);
      const title = `${model.config.objective} ${model.config.preset} training loss`;
      const series = [{ name: "flow-matching loss", color: "#1f77b4", points }];
      await atomicWrite(`${out}/loss.svg`, lineChart(series, { ...CHART, title }));
    },
  });
  logFile?.close();
  if (result.stopped) {
    console.error(`\n${ac.signal.reason}: stopped at step ${result.steps}, wrote ${ckptPath}`);
    console.log(
      `resume: ${
        cli.shellCommand("cli/train.ts", [...Deno.args.filter((a) => a !== "--resume"), "--resume"])
      }`,
    );
    Deno.exit(ac.signal.reason === "SIGTERM" ? 143 : 130);
  }
  await atomicWrite(modelPath, await serializeModel(model, { step: result.steps }));
  const last = log.slice(-10).map((r) => r.loss), n = Math.max(1, last.length);
  const mean = (last.reduce((a, b) => a + b, 0) / n).toFixed(4);
  console.error(`done: ${result.steps} steps, final loss ${mean} (mean of last ${last.length})`);
  console.log(`weights: ${modelPath}
sample from them: deno run -A cli/sample.ts --weights ${modelPath} --count 8 --out ${out}/samples
encode windows:   deno run -A cli/encode.ts --weights ${modelPath} --out ${out}/embeddings.csv`);
  model.dispose();
}

if (import.meta.main) await cli.runMain(main, HELP);
