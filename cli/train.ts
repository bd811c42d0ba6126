// deno run -A cli/train.ts [options] [FILE.csv ...]: a thin shell over train() (lib/train/run.ts).
import { OBJECTIVE_NAMES, PRESET_NAMES } from "../lib/model/config.ts";
import { TRAIN_DEFAULTS as D } from "../lib/train/defaults.ts";
import { train, type TrainStepRecord } from "../lib/train/run.ts";
import { loadCheckpoint } from "../lib/train/checkpoint.ts";
import { serializeModel } from "../lib/weights/model_file.ts";
import { atomicWrite, exists } from "../lib/io/mod.ts";
import * as cli from "./_common.ts";
import { DATA_HELP, DATA_OPTIONS, trainingWindows } from "./_data.ts";
import { lineChart } from "./_svg.ts";
import * as run from "./_run.ts";
import { newModel, RECIPE_HELP, RECIPE_OPTIONS } from "./_recipe.ts";

const HELP = `Usage: ${cli.DENO} run -A cli/train.ts [options] [FILE.csv ...]

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
  --seed N                  seed of weights, noise and batch order (default ${D.seed})
  --backend NAME            ${cli.BACKENDS.join(" | ")} (default auto)
  --workers N               data-parallel workers (default: every core on wasm, else 1)

Output:
  --out DIR                 output folder (default runs/flowfm)
  --checkpoint-every N      write a checkpoint every N steps (default ${D.checkpointEvery})
  --resume                  continue from DIR/checkpoint.safetensors (weights, optimizer, RNG, step,
                            and the run's data unless data is given);
                            --steps/--epochs (extend the run), --lr, --micro-batch, --workers and
                            --checkpoint-every apply; other settings must match the checkpoint's
  --overwrite               replace the earlier run in DIR (else a new run there is an error)

${RECIPE_HELP}

${DATA_HELP}

Writes DIR/model.safetensors, DIR/checkpoint.safetensors, DIR/log.jsonl and DIR/loss.svg.
One run per DIR at a time (DIR/train.lock); temporary files of killed writes there are removed.
Ctrl-C (or SIGTERM) stops after the current step, writes a checkpoint and prints how to resume.
Minimal permissions: --allow-read=.,OUT[,DATA] --allow-write=OUT,.cache (OUT: DIR; see README).`;
const str = { type: "string" } as const, bool = { type: "boolean" } as const;
const STRINGS =
  "preset objective steps epochs batch micro-batch lr clip-norm seed backend out workers";
const OPTIONS = {
  ...DATA_OPTIONS,
  ...Object.fromEntries(`${STRINGS} checkpoint-every`.split(" ").map((k) => [k, str])),
  ...RECIPE_OPTIONS,
  resume: bool,
  overwrite: bool,
  help: { type: "boolean", short: "h" },
} as const;
const CHART = { xLabel: "step", yLabel: "loss (log scale)", logY: true };

async function main(): Promise<void> {
  const { values, positionals } = cli.parseFlags(Deno.args, OPTIONS);
  if (values.help) return console.log(HELP);
  const out = (values.out as string | undefined) ?? "runs/flowfm";
  const ckptPath = `${out}/checkpoint.safetensors`, modelPath = `${out}/model.safetensors`;
  const logPath = `${out}/log.jsonl`;
  const preset = cli.choiceFlag(values, "preset", PRESET_NAMES, D.preset);
  const objective = cli.choiceFlag(values, "objective", OBJECTIVE_NAMES, D.objective);
  await run.checkRunFolder(out, values, positionals); // flags; no earlier run replaced in silence
  // Ctrl-C: checkpoint and stop after this step; twice, or before training: quit (lock released).
  const ac = new AbortController(), code = (sig: Deno.Signal) => sig === "SIGTERM" ? 143 : 130;
  let training = false;
  const stop = (sig: Deno.Signal) => () =>
    !training || ac.signal.aborted ? Deno.exit(code(sig)) : ac.abort(sig);
  Deno.addSignalListener("SIGINT", stop("SIGINT"));
  if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", stop("SIGTERM"));
  const release = await run.lockFolder(out); // one run per folder, released at exit
  globalThis.addEventListener("unload", release);
  await run.removeLeftovers(out, values.overwrite === true); // and the earlier run's files
  await cli.startBackend(values);
  const loaded = values.resume ? loadCheckpoint(await Deno.readFile(ckptPath), ckptPath) : null;
  const opts = run.runOptions(values, loaded ? { ...loaded, path: ckptPath } : undefined);
  const balance = opts.balance ?? loaded?.state.config.balance ?? D.balance;
  const data = await trainingWindows(values, positionals, loaded?.state, balance), set = data.set;
  [opts.dataArgs, opts.earlierData] = [data.args, run.earlierDataFor(loaded?.state, data.args)];
  const model = loaded?.model ?? newModel(preset, objective, opts.seed!, values);
  opts.resume = loaded?.state;
  const was = loaded?.state.schedule.windows ?? set.count;
  if (set.count !== was) {
    console.error(`warning: the data now has ${set.count} windows, the run started with ${was}`);
  }
  const log: TrainStepRecord[] = [], enc = new TextEncoder(), watch = new run.DivergenceWatch();
  let logFile: Deno.FsFile | undefined, progress: cli.Progress | undefined;
  const result = await train(model, data.windows, opts, {
    signal: ac.signal,
    onStart: async ({ startStep, totalSteps, workers }) => {
      training = true;
      if (values.resume) console.error(`resuming at step ${startStep} of ${totalSteps}`);
      console.error(`training with ${workers} worker${workers > 1 ? "s" : " (this thread)"}`);
      // On resume keep the log up to the checkpoint; steps after it are about to be redone.
      const old = values.resume && (await exists(logPath)) ? await Deno.readTextFile(logPath) : "";
      const kept = old.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
      log.push(...kept.filter((r) => r.step <= startStep));
      for (const r of log) watch.update(r.step, r.loss);
      await atomicWrite(logPath, log.map((r) => JSON.stringify(r) + "\n").join(""));
      logFile = await Deno.open(logPath, { append: true });
      progress = new cli.Progress(totalSteps, startStep);
    },
    onStep: async (r) => {
      log.push(r);
      const warning = watch.update(r.step, r.loss);
      if (warning) console.error(warning);
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
    Deno.exit(code(ac.signal.reason));
  }
  const recipeJson = JSON.stringify({ ...result.config, data: data.description });
  await atomicWrite(
    modelPath,
    await serializeModel(model, { step: result.steps, metadata: { training: recipeJson } }),
  );
  const last = log.slice(-10).map((r) => r.loss), n = Math.max(1, last.length);
  const mean = (last.reduce((a, b) => a + b, 0) / n).toFixed(4);
  console.error(`done: ${result.steps} steps, final loss ${mean} (mean of last ${last.length})`);
  console.log(`weights: ${modelPath}
sample from them: ${cli.DENO} run -A cli/sample.ts --weights ${modelPath} --count 8 --out ${out}/samples
encode windows:   ${cli.DENO} run -A cli/encode.ts --weights ${modelPath} --out ${out}/embeddings.csv`);
  model.dispose();
}

if (import.meta.main) await cli.runMain(main, HELP);
