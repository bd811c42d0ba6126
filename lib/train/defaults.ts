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

/**
 * Default training settings (nanoGPT style: one block, one line per setting).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TRAIN_DEFAULTS } from "./defaults.ts";
 * assert.equal(TRAIN_DEFAULTS.lr, 5e-4);
 * assert.equal(TRAIN_DEFAULTS.preset, "small");
 * ```
 */
export const TRAIN_DEFAULTS = {
  lr: 5e-4, // Adam learning rate
  clipNorm: 1, // global gradient-norm clip; 0 turns clipping off
  batch: 32, // windows per optimisation step
  microBatch: 0, // accumulate gradients over micro-batches of this many windows; 0 = whole batch
  steps: 60, // optimisation steps of a run (unless epochs are given)
  checkpointEvery: 20, // emit a checkpoint every this many steps
  // Encoder view: rotation <= 10 deg, scaling ±10 %, axes permuted and sign-flipped at random,
  // 0.05 g jitter; the best transfer in the README's recipe ablation (two seeds: 0.576 against 0.521
  // without a view).
  augment: { permuteAxes: true, jitter: 0.05 } as boolean | AugmentOptions,
  timeSampling: "uniform" as TimeSampling, // flow times: uniform | logit-normal | logit-normal-noise
  emaDecay: 0, // EMA of the encoder weights (e.g. 0.999) stored in the model file; 0 = off
  randomCrops: false, // windows shifted by a random offset into their recording each epoch
  motionWeighted: false, // windows drawn in proportion to their motion (SD of |a|), as SSL-Wearables
  balance: "none" as BalanceMode, // equal shares per group: none | dataset | placement | dataset+placement
  shiftedView: false, // encoder sees a crop shifted by up to the window hop (cross-view in time)
  seed: 0, // seed of weights, noise, times, augmentations and batch order
  preset: "small" as PresetName, // model size of a new run: base | small | compact | tiny
  objective: "fm" as Objective, // fm (flow matching) | ddpm (the diffusion baseline)
} as const;
