/**
 * The one defaults block of classification and evaluation: what `fitClassifier`,
 * `fitFinetunedClassifier`, `evaluate`, the pipeline and the `fit`, `predict` and `evaluate`
 * commands (and their `--help`) use where an option is left out. Pretraining's are
 * `TRAIN_DEFAULTS`. Each value is written once: the probe's and fine-tuning's in
 * `lib/train/downstream_defaults.ts`, beside the code that trains them, gathered here.
 *
 * @module
 */
import { FINETUNE_DEFAULTS, PROBE_DEFAULTS } from "../train/downstream_defaults.ts";

/**
 * Defaults of classification and evaluation.
 *
 * - `features`: what a probe reads (`z`; see `FEATURES`);
 * - `batchSize`: windows per encoder forward pass;
 * - `validationFraction`: share of each class held out for early stopping and the L2 choice;
 * - `seed`: seed of that split (and of fine-tuning's head, batch order and augmentation);
 * - `hopSeconds`: seconds between window starts when a recording is cut into windows;
 * - `probe`: the linear probe's L2 grid, tolerance, Adam learning rate and iterations;
 * - `finetune`: fine-tuning's learning rate, epochs, patience, batch size and head width.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CLASSIFY_DEFAULTS } from "./defaults.ts";
 * assert.equal(CLASSIFY_DEFAULTS.features, "z");
 * assert.equal(CLASSIFY_DEFAULTS.probe.lr, 0.02);
 * assert.equal(CLASSIFY_DEFAULTS.finetune.lr, 1e-4);
 * ```
 */
export const CLASSIFY_DEFAULTS = {
  features: "z",
  batchSize: 64,
  validationFraction: 0.2,
  seed: 0,
  hopSeconds: 5,
  probe: PROBE_DEFAULTS,
  finetune: FINETUNE_DEFAULTS,
} as const;

/** The type of {@link CLASSIFY_DEFAULTS}. */
export type ClassifyDefaults = typeof CLASSIFY_DEFAULTS;
