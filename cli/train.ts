// deno run -A cli/train.ts [options] [FILE.csv ...]
// Pretrains FlowFM (joint encoder + flow-matching generator) on accelerometer windows.
import { presetConfig, type PresetName } from "../lib/model/config.ts";
import { gatherWindows } from "../lib/data/window_set.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { Rng } from "../lib/random.ts";
import { Trainer } from "../lib/train/trainer.ts";
import { deserializeModel, serializeModel } from "../lib/weights/model_file.ts";
import type { SafetensorsTensor } from "../lib/weights/safetensors.ts";
import { atomicWrite, exists } from "../lib/io/mod.ts";
import {
  backendFlag,
  choiceFlag,
  numberFlag,
  parseFlags,
  Progress,
  runMain,
  startBackend,
  UsageError,
} from "./_common.ts";
import { DATA_HELP, DATA_OPTIONS, loadWindows, reportData } from "./_data.ts";
import { lineChart } from "./_svg.ts";

const HELP = `Usage: deno run -A cli/train.ts [options] [FILE.csv ...]

Pretrains a FlowFM model. With no arguments it trains the small preset for 60 steps on the
bundled sp-sw-har excerpt (a few minutes on a 2-core CPU).

Model and optimisation:
  --preset NAME             base | small | tiny (default small)
  --objective NAME          fm (FlowFM) | ddpm (the diffusion baseline: epsilon prediction, T = 1000)
  --steps N                 optimisation steps (default 60, or --epochs)
  --epochs N                passes over the windows (overrides --steps)
  --batch N                 windows per step (default 32)
  --micro-batch N           accumulate gradients over micro-batches of N windows (saves memory;
                            wasm has a 2 GB heap: use 16 for the base preset)
  --lr X                    Adam learning rate (default 5e-4)
  --clip-norm X             global gradient-norm clip, 0 = off (default 1)
  --augment                 encoder sees a view with a small rotation (<= 10 deg) and scaling (±10 %)
  --seed N                  seed of weights, noise and batch order (default 0)
  --backend NAME            auto | webgpu | wasm | cpu (default auto)

Output:
  --out DIR                 output folder (default runs/flowfm)
  --checkpoint-every N      write a checkpoint every N steps (default 20)
  --resume                  continue from DIR/checkpoint.safetensors (weights, optimizer, RNG, step);
                            with --steps or --epochs, extend the run to that length

${DATA_HELP}

Writes DIR/model.safetensors, DIR/checkpoint.safetensors, DIR/log.jsonl and DIR/loss.svg.
Minimal permissions: --allow-read=.,DATA --allow-write=DIR,.cache (see README).`;

const OPTIONS = {
  ...DATA_OPTIONS,
  preset: { type: "string" },
  objective: { type: "string" },
  steps: { type: "string" },
  epochs: { type: "string" },
  batch: { type: "string" },
  "micro-batch": { type: "string" },
  lr: { type: "string" },
  "clip-norm": { type: "string" },
  augment: { type: "boolean" },
  seed: { type: "string" },
  backend: { type: "string" },
  out: { type: "string" },
  "checkpoint-every": { type: "string" },
  resume: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Settings saved in the checkpoint, so --resume continues the same run. */
interface RunState {
  preset: PresetName;
  totalSteps: number;
  batch: number;
  lr: number;
  clipNorm: number;
  augment: boolean;
  seed: number;
  windows: number;
  rng: number[];
}

/** Indices of the windows of step `s` (0-based): a fresh seeded permutation each epoch. */
function batchIndices(s: number, n: number, batch: number, seed: number): Int32Array {
  const perEpoch = Math.floor(n / batch);
  const epoch = Math.floor(s / perEpoch), pos = s % perEpoch;
  const perm = new Rng(seed * 7919 + epoch + 1).permutation(n);
  return perm.subarray(pos * batch, (pos + 1) * batch);
}

async function main(): Promise<void> {
  const { values, positionals } = parseFlags(Deno.args, OPTIONS);
  if (values.help) return console.log(HELP);
  const out = (values.out as string | undefined) ?? "runs/flowfm";
  const ckptPath = `${out}/checkpoint.safetensors`;
  const every = numberFlag(values, "checkpoint-every", 20, { min: 1, integer: true });
  backendFlag(values); // fail fast on a bad --backend, before reading data
  const microBatch = numberFlag(values, "micro-batch", 0, { min: 0, integer: true });

  const { set, description } = await loadWindows(values, positionals, { labelPolicy: "ignore" });
  reportData(set, description);
  await startBackend(values);

  let model: FlowFM, trainer: Trainer, state: RunState;
  if (values.resume) {
    if (!(await exists(ckptPath))) throw new UsageError(`--resume: no checkpoint at ${ckptPath}`);
    const loaded = deserializeModel(await Deno.readFile(ckptPath), ckptPath);
    if (loaded.kind !== "checkpoint") {
      throw new Error(`${ckptPath} is a model file, not a checkpoint`);
    }
    state = JSON.parse(loaded.extras.metadata.trainer ?? "null") as RunState;
    if (!state) throw new Error(`${ckptPath}: __metadata__.trainer is missing`);
    model = loaded.model;
    trainer = new Trainer(model, {
      lr: state.lr,
      clipNorm: state.clipNorm,
      augment: state.augment ? {} : null,
      microBatch,
    });
    const moments = new Map(
      [...loaded.extras.tensors].map(([k, t]) => [k, { shape: t.shape, data: t.data }]),
    );
    trainer.optimizer.load(moments, model.config.step);
    trainer.rng = Rng.fromState(state.rng);
    if (set.count !== state.windows) {
      console.error(
        `warning: the data now has ${set.count} windows, the run started with ${state.windows}`,
      );
    }
    // --steps / --epochs on resume extend (or shorten) the run; other settings come from the checkpoint.
    if (values.epochs !== undefined) {
      const epochs = numberFlag(values, "epochs", 1, { min: 1, integer: true });
      state.totalSteps = epochs * Math.floor(set.count / Math.min(state.batch, set.count));
    } else if (values.steps !== undefined) {
      state.totalSteps = numberFlag(values, "steps", 60, { min: 1, integer: true });
    }
    console.error(`resuming at step ${trainer.steps} of ${state.totalSteps}`);
  } else {
    const preset = choiceFlag(values, "preset", ["base", "small", "tiny"] as const, "small");
    const batch = numberFlag(values, "batch", 32, { min: 2, integer: true });
    const seed = numberFlag(values, "seed", 0, { integer: true });
    const epochs = values.epochs === undefined
      ? 0
      : numberFlag(values, "epochs", 1, { min: 1, integer: true });
    const totalSteps = epochs > 0
      ? epochs * Math.floor(set.count / Math.min(batch, set.count))
      : numberFlag(values, "steps", 60, { min: 1, integer: true });
    state = {
      preset,
      totalSteps,
      batch,
      lr: numberFlag(values, "lr", 5e-4, { min: 0 }),
      clipNorm: numberFlag(values, "clip-norm", 1, { min: 0 }),
      augment: values.augment === true,
      seed,
      windows: set.count,
      rng: [],
    };
    const objective = choiceFlag(values, "objective", ["fm", "ddpm"] as const, "fm");
    model = new FlowFM(presetConfig(preset, { seed, objective }));
    trainer = new Trainer(model, {
      lr: state.lr,
      clipNorm: state.clipNorm,
      augment: state.augment ? {} : null,
      seed,
      microBatch,
    });
  }
  const batch = Math.min(state.batch, set.count);
  if (set.count < 2) {
    throw new Error(`need at least 2 windows to train, the data gave ${set.count}`);
  }
  await Deno.mkdir(out, { recursive: true });

  const logPath = `${out}/log.jsonl`;
  const log: { step: number; loss: number }[] = [];
  if (values.resume && (await exists(logPath))) {
    // Keep the log up to the checkpoint; steps after it are about to be redone.
    const kept = (await Deno.readTextFile(logPath)).split("\n").filter((l) => l.trim())
      .map((l) => JSON.parse(l)).filter((r) => r.step <= trainer.steps);
    log.push(...kept);
    await atomicWrite(logPath, kept.map((r) => JSON.stringify(r) + "\n").join(""));
  } else await atomicWrite(logPath, "");
  const logFile = await Deno.open(logPath, { append: true });

  const save = async () => {
    const tensors = new Map<string, SafetensorsTensor>();
    for (const [k, v] of trainer.optimizer.state()) {
      tensors.set(k, { dtype: "F32", shape: v.shape, data: new Float32Array(await v.data()) });
    }
    const meta = { trainer: JSON.stringify({ ...state, rng: trainer.rng.state() }) };
    await atomicWrite(
      ckptPath,
      await serializeModel(model, { step: trainer.steps, checkpoint: { tensors, metadata: meta } }),
    );
    await atomicWrite(
      `${out}/loss.svg`,
      lineChart([{
        name: "flow-matching loss",
        color: "#1f77b4",
        points: log.map((r) => [r.step, r.loss]),
      }], {
        title: `${model.config.objective} ${state.preset} training loss`,
        xLabel: "step",
        yLabel: "loss (log scale)",
        logY: true,
      }),
    );
  };

  const progress = new Progress(state.totalSteps, trainer.steps);
  const t0 = performance.now();
  let windowsSeen = 0;
  const xb = new Float32Array(batch * 900);
  while (trainer.steps < state.totalSteps) {
    const idx = batchIndices(trainer.steps, set.count, batch, state.seed);
    gatherWindows(set.data, idx, xb);
    const r = await trainer.step(xb);
    windowsSeen += batch;
    const secs = (performance.now() - t0) / 1000;
    const rec = {
      step: r.step,
      loss: r.loss,
      gradNorm: r.gradNorm,
      windowsPerSec: windowsSeen / secs,
      elapsedSec: secs,
    };
    log.push(rec);
    await logFile.write(new TextEncoder().encode(JSON.stringify(rec) + "\n"));
    progress.update(r.step, `loss ${r.loss.toFixed(4)} | ${rec.windowsPerSec.toFixed(1)} win/s`);
    if (r.step % every === 0 && r.step < state.totalSteps) await save();
  }
  logFile.close();
  await save();
  await atomicWrite(
    `${out}/model.safetensors`,
    await serializeModel(model, { step: trainer.steps }),
  );
  const last = log.slice(-Math.min(10, log.length));
  const meanLoss = last.reduce((a, r) => a + r.loss, 0) / Math.max(1, last.length);
  console.error(
    `done: ${trainer.steps} steps, final loss ${meanLoss.toFixed(4)} (mean of last ${last.length})`,
  );
  console.log(`weights: ${out}/model.safetensors
sample from them: deno run -A cli/sample.ts --weights ${out}/model.safetensors --count 8 --out ${out}/samples
encode windows:   deno run -A cli/encode.ts --weights ${out}/model.safetensors --out ${out}/embeddings.csv`);
  trainer.dispose();
  model.dispose();
}

if (import.meta.main) await runMain(main, HELP);
