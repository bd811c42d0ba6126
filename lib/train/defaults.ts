/**
 * The training defaults, in one place: the library (`Trainer`, `Adam`, `train`) and
 * `cli/train.ts` (its flags and help text) all read them from here.
 *
 * @module
 */
import type { Objective, PresetName } from "../model/config.ts";
import type { TimeSampling } from "../flow/path.ts";
import type { AugmentOptions } from "./augment.ts";
import type { BalanceMode } from "./batches.ts";
import RAW from "./defaults.json" with { type: "json" };

/**
 * Default training settings (nanoGPT style: one block, one line per setting), read from
 * `./defaults.json`, the one file that this library and the PyTorch twin (`python/flowfm_torch`)
 * both read, so no default is written twice:
 * - `lr`: Adam learning rate; `adam`: its betas and epsilon (the update is
 *   `p -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)`, as tfjs's Adam);
 * - `clipNorm`: global gradient-norm clip, 0 turns clipping off;
 * - `batch`: windows per optimisation step; `microBatch`: accumulate gradients over micro-batches of
 *   this many windows, 0 = whole batch;
 * - `steps`: optimisation steps of a run (unless epochs are given); `checkpointEvery`: emit a
 *   checkpoint every this many steps;
 * - `augment`: the encoder's view: rotation <= 10 deg, scaling ±10 %, axes permuted and sign-flipped
 *   at random, 0.05 g jitter (the best transfer in the recipe ablation, `docs/ablations.md`);
 * - `timeSampling`: flow times, uniform | logit-normal | logit-normal-noise;
 * - `emaDecay`: EMA of the encoder weights stored in the model file, 0 = off;
 * - `randomCrops`: windows shifted by a random offset into their recording each epoch;
 * - `motionWeighted`: windows drawn in proportion to their motion (SD of |a|), as SSL-Wearables;
 * - `balance`: equal shares per group, none | dataset | placement | dataset+placement, or shares in
 *   proportion to the square root of each group's size (`dataset:sqrt`, ...);
 * - `shiftedView`: the encoder sees a crop shifted by up to the window hop (cross-view in time);
 * - `seed`: seed of weights, noise, times, augmentations and batch order;
 * - `preset`: model size of a new run, base | small | compact | tiny;
 * - `objective`: fm (flow matching) | ddpm (the diffusion baseline).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TRAIN_DEFAULTS } from "./defaults.ts";
 * assert.equal(TRAIN_DEFAULTS.lr, 5e-4);
 * assert.equal(TRAIN_DEFAULTS.preset, "small");
 * ```
 */
export const TRAIN_DEFAULTS: Readonly<TrainDefaults> = Object.freeze({
  ...RAW,
  augment: RAW.augment as boolean | AugmentOptions,
  timeSampling: RAW.timeSampling as TimeSampling,
  preset: RAW.preset as PresetName,
  objective: RAW.objective as Objective,
  balance: RAW.balance as BalanceMode,
});

/** The type of {@link TRAIN_DEFAULTS}. */
export interface TrainDefaults {
  /** Adam learning rate. */
  lr: number;
  /** Global gradient-norm clip; 0 = off. */
  clipNorm: number;
  /** Windows per optimisation step. */
  batch: number;
  /** Micro-batch size; 0 = whole batch. */
  microBatch: number;
  /** Steps of a run. */
  steps: number;
  /** Checkpoint interval in steps. */
  checkpointEvery: number;
  /** The encoder's view, or a boolean (true = the default view, false = none). */
  augment: boolean | AugmentOptions;
  /** How flow times are drawn. */
  timeSampling: TimeSampling;
  /** EMA decay of the encoder weights; 0 = off. */
  emaDecay: number;
  /** Random crops each epoch. */
  randomCrops: boolean;
  /** Motion-weighted sampling. */
  motionWeighted: boolean;
  /** Equal shares per group of windows. */
  balance: BalanceMode;
  /** Time-shifted encoder view. */
  shiftedView: boolean;
  /** Seed of the run. */
  seed: number;
  /** Model size of a new run. */
  preset: PresetName;
  /** Training objective. */
  objective: Objective;
  /** Adam's betas and epsilon. */
  adam: { beta1: number; beta2: number; eps: number };
}
