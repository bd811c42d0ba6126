/**
 * The defaults of downstream training, where the options leave them out: the linear probe's
 * (both solvers) and fine-tuning's. `CLASSIFY_DEFAULTS` (lib/classify/defaults.ts), the one
 * defaults block of classification and evaluation, holds these objects; pretraining's are
 * `TRAIN_DEFAULTS`.
 *
 * @module
 */

/**
 * The linear probe's defaults: the solver (`adam` or `lbfgs`), the L2 grid and convergence
 * tolerance of both solvers, Adam's learning rate and iterations, and L-BFGS's iterations per L2
 * value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PROBE_DEFAULTS } from "./downstream_defaults.ts";
 * assert.equal(PROBE_DEFAULTS.lr, 0.02);
 * ```
 */
export const PROBE_DEFAULTS = {
  solver: "adam",
  l2: [1e-4, 1e-3, 1e-2, 1e-1],
  tolerance: 1e-3,
  lr: 0.02,
  maxIterations: 500,
  lbfgsIterations: 200,
} as const;

/**
 * Fine-tuning's defaults: Adam's learning rate, most epochs, early-stopping patience, fewest
 * training windows per epoch (0: one pass), windows per step and the MLP head's width.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FINETUNE_DEFAULTS } from "./downstream_defaults.ts";
 * assert.equal(FINETUNE_DEFAULTS.lr, 1e-4);
 * ```
 */
export const FINETUNE_DEFAULTS = {
  lr: 1e-4,
  maxEpochs: 50,
  patience: 5,
  epochWindows: 0,
  batchSize: 64,
  hidden: 512,
} as const;
