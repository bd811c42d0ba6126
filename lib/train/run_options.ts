/**
 * The options, hooks and result records of `train` (in `./run.ts`).
 *
 * @module
 */
import type { EarlierData, RunConfig, RunState } from "./checkpoint.ts";
import type { AugmentOptions } from "./augment.ts";
import type { TimeSampling } from "../flow/path.ts";
import type { BalanceMode } from "./batches.ts";

/** Windows to train on: `count` windows `[count, 300, 3]`, row-major, in g (a `WindowSet` fits). */
export interface TrainWindows {
  /** The values, `count * 900` of them. */
  data: Float32Array;
  /** Number of windows. */
  count: number;
  /** Start of each window in seconds from the start of its recording (for `randomCrops`). */
  starts?: ArrayLike<number>;
  /** Recording of each window (for `randomCrops`). */
  sources?: readonly (string | null)[];
  /**
   * Group (>= 0) of each window for `balance`: `balanceGroups` of lib/train/batches.ts makes them
   * from each window's data set and placement.
   */
  groups?: ArrayLike<number>;
}

/** Settings of `train`. With `resume`, a setting left out keeps the checkpoint's value. */
export interface TrainOptions {
  /**
   * Steps of the whole run, counted from step 0 (with `resume`: extends or shortens the run).
   * @default {60} (with `resume`: the checkpoint's)
   */
  steps?: number;
  /**
   * Passes over the windows; when given it sets `steps` (a partial last batch is dropped).
   * @default {undefined}
   */
  epochs?: number;
  /**
   * Windows per step (at most the number of windows).
   * @default {32}
   */
  batch?: number;
  /**
   * Adam learning rate.
   * @default {5e-4}
   */
  lr?: number;
  /**
   * Global gradient-norm clip; `0` disables clipping.
   * @default {1}
   */
  clipNorm?: number;
  /**
   * Feed the encoder an augmented view of each window: `true` gives a small rotation (<= 10 deg,
   * random axis) and scaling (±10 %); an object sets the ranges, the rotation axis (`"gravity"`:
   * about the window's mean acceleration) and signed axis permutations (`lib/train/augment.ts`);
   * `false`: the encoder sees the very window the generator rebuilds.
   * @default {{ permuteAxes: true, jitter: 0.05 }} (the recipe ablation's choice: small rotation
   * and scaling, signed axis permutations and 0.05 g Gaussian jitter)
   */
  augment?: boolean | AugmentOptions;
  /**
   * How flow times are drawn: `uniform`, `logit-normal` (favours the middle) or
   * `logit-normal-noise` (more weight near the noise end). DDPM ignores it.
   * @default {"uniform"}
   */
  timeSampling?: TimeSampling;
  /**
   * Random crops: each drawn window is shifted by a random offset (up to the window hop) into its
   * recording, so every epoch sees new windows (`lib/train/crops.ts`). Needs `starts` and
   * `sources` in the windows (a `WindowSet` has them).
   * @default {false}
   */
  randomCrops?: boolean;
  /**
   * Cross-view in time: the encoder sees another crop of each window's stretch of recording,
   * shifted forward by a random offset up to the window hop (5 s on the default grid; with
   * `randomCrops` the target moves too, so the shift is up to ±hop). The generator rebuilds the
   * window itself. Needs `starts` and `sources`; a window without a successor is its own view.
   * @default {false}
   */
  shiftedView?: boolean;
  /**
   * Draw each step's windows with replacement, in proportion to their motion (the SD of `|a|`,
   * floored at 0.01 g), as SSL-Wearables does, instead of epoch-wise permutations.
   * @default {false}
   */
  motionWeighted?: boolean;
  /**
   * Balanced sampling: with a mode other than `"none"`, each step draws its windows with
   * replacement, every group (the windows' `groups`: data sets, placements or both) at the same
   * rate (with `:sqrt`, at a rate in proportion to the square root of the group's window count),
   * and windows uniformly within a group; seeded by the run's seed and the step. Needs
   * `groups`; not with `motionWeighted`.
   * @default {"none"}
   */
  balance?: BalanceMode;
  /**
   * Decay of an exponential moving average of the encoder weights (`lib/train/ema.ts`), in
   * [0, 1); `0` keeps none. With an average, the final checkpoint holds it (as
   * `optimizer.ema.*`) and at the end of the run it replaces the model's encoder weights.
   * @default {0}
   */
  emaDecay?: number;
  /**
   * The command-line arguments that selected the data, kept in checkpoints (`RunConfig.dataArgs`)
   * so that a resumed run can reload the same data.
   * @default {undefined} (with `resume`: the checkpoint's)
   */
  dataArgs?: string[];
  /**
   * The data of earlier parts of the run (`RunConfig.earlierData`), kept in checkpoints so that
   * a run resumed on other data still names the data it started on.
   * @default {undefined} (with `resume`: the checkpoint's)
   */
  earlierData?: EarlierData[];
  /**
   * Seed of noise, times, augmentations and batch order.
   * @default {model.config.seed}
   */
  seed?: number;
  /**
   * Accumulate gradients over micro-batches of this many windows; `0` = the whole batch at once.
   * @default {0}
   */
  microBatch?: number;
  /**
   * Emit a checkpoint through `onCheckpoint` every this many steps (and always at the end).
   * @default {20}
   */
  checkpointEvery?: number;
  /**
   * Data-parallel workers, each a Web Worker with a model replica on the active backend, each
   * computing the gradients of its shard of every batch; `1` trains in this thread. Batch-norm
   * statistics are then per shard; a resume with another count continues, not bit-identically.
   * @default {undefined} navigator.hardwareConcurrency on the wasm backend, else 1
   */
  workers?: number;
  /**
   * Run state from `loadCheckpoint`, to continue that run (train the model it returned).
   * @default {undefined}
   */
  resume?: RunState;
}

/** One step's record (what `cli/train.ts` writes to `log.jsonl`). */
export interface TrainStepRecord {
  /** Steps completed, including this one. */
  step: number;
  /** Loss before the update. */
  loss: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Windows per second since this call started. */
  windowsPerSec: number;
  /** Seconds since this call started. */
  elapsedSec: number;
}

/** The run as resolved, before its first step. */
export interface TrainStart {
  /** Steps already completed (non-zero when resuming). */
  startStep: number;
  /** Steps of the whole run. */
  totalSteps: number;
  /** Windows per step actually used. */
  batch: number;
  /** Data-parallel workers (1: this thread). */
  workers: number;
}

/** Callbacks and the stop signal of `train`; every hook may be async (it is awaited). */
export interface TrainHooks {
  /** Called once, before the first step. */
  onStart?: (start: TrainStart) => void | Promise<void>;
  /** Called after every step. */
  onStep?: (record: TrainStepRecord) => void | Promise<void>;
  /** Receives checkpoint bytes (for `loadCheckpoint`) and the step they hold. */
  onCheckpoint?: (bytes: Uint8Array, step: number) => void | Promise<void>;
  /** Stops the run after the current step; a final checkpoint is still emitted. */
  signal?: AbortSignal;
}

/** What `train` did. */
export interface TrainResult {
  /** Steps completed in all (including those before a resume). */
  steps: number;
  /** Mean loss of the last (up to) 10 steps of this call; `NaN` when it took none. */
  finalLoss: number;
  /** How many steps `finalLoss` averages. */
  finalLossSteps: number;
  /** Windows this call trained on. */
  windowsSeen: number;
  /** Seconds this call took. */
  seconds: number;
  /** True when `signal` stopped the run before `totalSteps`. */
  stopped: boolean;
  /** The run's settings as resolved (options, then a resumed checkpoint's, then defaults). */
  config: RunConfig;
}
