/**
 * The training loop: seeded batches, {@link Trainer} steps, periodic checkpoints, a clean stop on
 * an `AbortSignal`, and exact resumption from a checkpoint (same weights, bit for bit, as a run
 * that was never interrupted, on the same backend). Files are the caller's business: the loop
 * hands out checkpoint bytes and step records through hooks.
 *
 * @module
 */
import { gatherWindows } from "../data/window_set.ts";
import { WINDOW_VALUES } from "../data/types.ts";
import type { FlowFM } from "../model/flowfm.ts";
import { Rng } from "../random.ts";
import {
  BALANCE_MODES,
  balancedBatchIndices,
  batchIndices,
  type BatchSchedule,
  groupMembers,
  motionCumulative,
  stepsForEpochs,
  weightedBatchIndices,
} from "./batches.ts";
import { cropPartners, gatherCrops } from "./crops.ts";
import { EMA_PREFIX, EncoderEma } from "./ema.ts";
import { encodeCheckpoint, type RunConfig, type RunState } from "./checkpoint.ts";
import type { TrainHooks, TrainOptions, TrainResult, TrainWindows } from "./run_options.ts";
import { TRAIN_DEFAULTS } from "./defaults.ts";
import * as tf from "@tensorflow/tfjs-core";
import type { BackendName } from "../runtime/backend.ts";
import { DataParallelTrainer } from "./data_parallel.ts";
import { defaultWorkers } from "./train_worker_slot.ts";
import { Trainer } from "./trainer.ts";
import { AUGMENT_RANGES, isAugmentOptions } from "./augment.ts";

/** Added to the run's seed for the crops of the shifted view, so they differ from the targets'. */
const VIEW_SEED_OFFSET = 0x5eed;

/** What the loop needs of a trainer: {@link Trainer} or {@link DataParallelTrainer}. */
type StepTrainer = Pick<Trainer, "steps" | "optimizer" | "rng" | "dispose"> & {
  step(batch: Float32Array, source?: Float32Array): ReturnType<Trainer["step"]>;
};

export type {
  TrainHooks,
  TrainOptions,
  TrainResult,
  TrainStart,
  TrainStepRecord,
  TrainWindows,
} from "./run_options.ts";

function check(name: string, v: number | undefined, min: number, integer = true): void {
  if (v !== undefined && !(Number.isFinite(v) && v >= min && (!integer || Number.isInteger(v)))) {
    throw new RangeError(
      `train: options.${name} must be ${integer ? "an integer" : "a number"} >= ${min}, got ${v}`,
    );
  }
}

/** The run's schedule and settings: the options', else the checkpoint's, else the defaults. */
function resolve(model: FlowFM, w: TrainWindows, o: TrainOptions) {
  for (const k of ["steps", "epochs", "checkpointEvery"] as const) check(k, o[k], 1);
  check("batch", o.batch, 2);
  check("microBatch", o.microBatch, 0);
  check("workers", o.workers, 1);
  check("seed", o.seed, -(2 ** 53));
  check("lr", o.lr, 0, false);
  check("clipNorm", o.clipNorm, 0, false);
  if (o.emaDecay !== undefined && !(o.emaDecay >= 0 && o.emaDecay < 1)) {
    throw new RangeError(`train: options.emaDecay must be in [0, 1), got ${o.emaDecay}`);
  }
  if (o.balance !== undefined && !BALANCE_MODES.includes(o.balance)) {
    throw new RangeError(`train: options.balance must be one of ${BALANCE_MODES.join(", ")}`);
  }
  if (typeof o.augment === "object" && o.augment !== null && !isAugmentOptions(o.augment)) {
    throw new RangeError(
      `train: options.augment must hold ${AUGMENT_RANGES}, got ${JSON.stringify(o.augment)}`,
    );
  }
  if (!(Number.isInteger(w.count) && w.data.length === w.count * WINDOW_VALUES)) {
    throw new RangeError(
      `train: windows hold ${w.data.length} values, expected count (${w.count}) * ${WINDOW_VALUES}`,
    );
  }
  if (w.count < 2) throw new Error(`need at least 2 windows to train, the data gave ${w.count}`);
  const r = o.resume, D = TRAIN_DEFAULTS;
  const batch = o.batch ?? r?.schedule.batch ?? D.batch;
  const schedule: BatchSchedule = {
    batch,
    seed: o.seed ?? r?.schedule.seed ?? model.config.seed,
    totalSteps: o.epochs !== undefined
      ? stepsForEpochs(o.epochs, w.count, batch)
      : o.steps ?? r?.schedule.totalSteps ?? D.steps,
    windows: r?.schedule.windows ?? w.count,
  };
  if (r && schedule.totalSteps < r.step) {
    throw new RangeError(
      `train: the run is to end at step ${schedule.totalSteps}, before the step of the ` +
        `checkpoint it resumes (${r.step}); give more steps or epochs`,
    );
  }
  const config: RunConfig = {
    preset: model.config.preset,
    lr: o.lr ?? r?.config.lr ?? D.lr,
    clipNorm: o.clipNorm ?? r?.config.clipNorm ?? D.clipNorm,
    augment: o.augment ?? r?.config.augment ?? D.augment,
    timeSampling: o.timeSampling ?? r?.config.timeSampling ?? D.timeSampling,
    randomCrops: o.randomCrops ?? r?.config.randomCrops ?? D.randomCrops,
    shiftedView: o.shiftedView ?? r?.config.shiftedView ?? D.shiftedView,
    motionWeighted: o.motionWeighted ?? r?.config.motionWeighted ?? D.motionWeighted,
    balance: o.balance ?? r?.config.balance ?? D.balance,
    emaDecay: o.emaDecay ?? r?.config.emaDecay ?? D.emaDecay,
    objective: model.config.objective,
  };
  const dataArgs = o.dataArgs ?? r?.config.dataArgs;
  if (dataArgs) config.dataArgs = dataArgs;
  const earlierData = o.earlierData ?? r?.config.earlierData;
  if (earlierData?.length) config.earlierData = earlierData;
  return { schedule, config };
}

/** The trainer's current run state (moments copied out of the backend). */
async function snapshot(
  t: StepTrainer,
  schedule: BatchSchedule,
  config: RunConfig,
  ema: EncoderEma | null,
): Promise<RunState> {
  const moments = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [k, v] of t.optimizer.state()) {
    moments.set(k, { shape: v.shape.slice(), data: new Float32Array(await v.data()) });
  }
  for (const [k, v] of (await ema?.state()) ?? []) moments.set(k, v);
  return { step: t.steps, rng: t.rng.state(), moments, schedule, config };
}

/**
 * Trains `model` in place on `windows` until `totalSteps`: step `s` uses the windows the seeded
 * schedule gives it, a checkpoint is emitted every `checkpointEvery` steps and at the end, and
 * an aborted `signal` ends the run after the current step with a final checkpoint.
 *
 * @param model The model to train (with `resume`: the one `loadCheckpoint` returned).
 * @param windows The training windows.
 * @param options Run settings.
 * @param hooks Progress, checkpoint and stop hooks.
 * @returns Steps taken, final loss and throughput.
 * @throws TrainingDivergedError when the loss or gradients stop being finite.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FlowFM, initBackend, presetConfig } from "../../mod.ts";
 * import { loadCheckpoint } from "./checkpoint.ts";
 * import { train } from "./run.ts";
 * await initBackend("cpu");
 * const windows = { data: new Float32Array(8 * 900).map((_, i) => Math.sin(i / 9)), count: 8 };
 * const model = new FlowFM(presetConfig("tiny"));
 * let saved: Uint8Array = new Uint8Array();
 * const r = await train(model, windows, { steps: 2, batch: 4 }, {
 *   onCheckpoint: (bytes) => { saved = bytes; },
 * });
 * assert.equal(r.steps, 2);
 * model.dispose();
 * const resumed = loadCheckpoint(saved, "memory");
 * const more = await train(resumed.model, windows, { steps: 3, resume: resumed.state });
 * assert.equal(more.steps, 3);
 * resumed.model.dispose();
 * ```
 */
export async function train(
  model: FlowFM,
  windows: TrainWindows,
  options: TrainOptions = {},
  hooks: TrainHooks = {},
): Promise<TrainResult> {
  const { schedule, config } = resolve(model, windows, options);
  for (const f of ["randomCrops", "shiftedView"] as const) {
    if (config[f] && (!windows.starts || !windows.sources)) {
      throw new Error(`train: ${f} needs the windows' starts and sources (a WindowSet)`);
    }
  }
  const balanced = config.balance && config.balance !== "none";
  if (balanced && config.motionWeighted) {
    throw new Error("train: balance and motionWeighted are two samplers; choose one");
  }
  if (balanced && windows.groups?.length !== windows.count) {
    throw new Error(
      `train: balance "${config.balance}" needs a group per window (windows.groups; ` +
        `balanceGroups of lib/train/batches.ts), got ${windows.groups?.length ?? "none"}`,
    );
  }
  const members = balanced ? groupMembers(windows.groups!) : null;
  const sqrtRates = config.balance?.endsWith(":sqrt") ? "sqrt" : undefined;
  const every = options.checkpointEvery ?? TRAIN_DEFAULTS.checkpointEvery;
  const settings = {
    lr: config.lr,
    clipNorm: config.clipNorm,
    augment: config.augment === true ? {} : config.augment || null,
    timeSampling: config.timeSampling,
    seed: schedule.seed,
    microBatch: options.microBatch ?? TRAIN_DEFAULTS.microBatch,
  };
  const workers = options.workers ?? defaultWorkers();
  const trainer: StepTrainer = workers > 1
    ? await DataParallelTrainer.create(model, {
      ...settings,
      workers,
      backend: tf.getBackend() as BackendName,
    })
    : new Trainer(model, settings);
  const stored = options.resume?.moments;
  const ema = config.emaDecay ? new EncoderEma(model, config.emaDecay, stored) : null;
  try {
    if (options.resume) {
      const adam = new Map([...stored!].filter(([k]) => !k.startsWith(EMA_PREFIX)));
      trainer.optimizer.load(adam, options.resume.step);
      trainer.rng = Rng.fromState(options.resume.rng);
    }
    const batch = Math.min(schedule.batch, windows.count), total = schedule.totalSteps;
    const { sampleRate, windowLength } = model.config;
    const partners = config.randomCrops || config.shiftedView
      ? cropPartners(windows.starts!, windows.sources!, sampleRate, windowLength)
      : null;
    await hooks.onStart?.({ startStep: trainer.steps, totalSteps: total, batch, workers });
    let saved = -1;
    const emit = async () => {
      if (!hooks.onCheckpoint || saved === trainer.steps) return;
      saved = trainer.steps;
      const bytes = await encodeCheckpoint(model, await snapshot(trainer, schedule, config, ema));
      await hooks.onCheckpoint(bytes, trainer.steps);
    };
    const t0 = performance.now(), xb = new Float32Array(batch * WINDOW_VALUES), last: number[] = [];
    const { channels: ch } = model.config;
    const motion = config.motionWeighted ? motionCumulative(windows.data, windows.count, ch) : null;
    const vb = config.shiftedView ? new Float32Array(batch * WINDOW_VALUES) : undefined;
    let seen = 0, stopped = false;
    while (trainer.steps < total) {
      // Let timers and signal handlers (e.g. Ctrl-C) run between steps.
      if (hooks.signal) await new Promise((done) => setTimeout(done, 0));
      if (hooks.signal?.aborted) {
        stopped = true;
        break;
      }
      const indices = members
        ? balancedBatchIndices(trainer.steps, members, batch, schedule.seed, sqrtRates)
        : motion
        ? weightedBatchIndices(trainer.steps, motion, batch, schedule.seed)
        : batchIndices(trainer.steps, windows.count, batch, schedule.seed);
      const crop = (seed: number, out: Float32Array) =>
        gatherCrops(windows.data, indices, partners!, WINDOW_VALUES, ch, trainer.steps, seed, out);
      // The encoder's view: another crop of the same stretch of recording.
      if (partners && vb) crop(schedule.seed + VIEW_SEED_OFFSET, vb);
      if (partners && config.randomCrops) {
        crop(schedule.seed, xb);
      } else gatherWindows(windows.data, indices, xb);
      const r = await trainer.step(xb, vb);
      ema?.update(model, r.step);
      seen += batch;
      last.push(r.loss);
      if (last.length > 10) last.shift();
      const elapsedSec = (performance.now() - t0) / 1000;
      const { step, loss, gradNorm } = r;
      await hooks.onStep?.({ step, loss, gradNorm, windowsPerSec: seen / elapsedSec, elapsedSec });
      if (r.step % every === 0 && r.step < total) await emit();
    }
    await emit();
    if (ema && !stopped) ema.assignTo(model); // the model (file) gets the averaged encoder
    return {
      config,
      steps: trainer.steps,
      finalLoss: last.length ? last.reduce((a, b) => a + b, 0) / last.length : NaN,
      finalLossSteps: last.length,
      windowsSeen: seen,
      seconds: (performance.now() - t0) / 1000,
      stopped,
    };
  } finally {
    trainer.dispose();
    ema?.dispose();
  }
}
