/**
 * The protocol's heads on one fold: what a head trains on (features of the frozen model, of a
 * random one, or handcrafted; or the weights fine-tuning starts from) and its training on one
 * split. The one lib/eval file that calls lib/train (see tests/layout_test.ts).
 *
 * @module
 */
import { FlowFM } from "../model/flowfm.ts";
import { deserializeModel, serializeModel } from "../weights/model_file.ts";
import { type EpochRecord, fineTune, type FinetuneOptions } from "../train/finetune.ts";
import type { FeatureMatrix, ProbeOptions } from "../train/linear_probe.ts";
import { trainProbe } from "../train/fast_probe.ts";
import { CLASSIFY_DEFAULTS } from "../classify/defaults.ts";
import { extractFeatures, type Features } from "../classify/features.ts";
import { handcraftedFeatures } from "../classify/handcrafted.ts";
import type { HeadName } from "./results.ts";

/** What a head trains on: features `[n, dim]` (probes, handcrafted) or weights (fine-tuning). */
export type HeadInput = { features: FeatureMatrix } | { bytes: Uint8Array };

/** A copy of the model's architecture with fresh weights (seeded): the scratch baselines. */
async function scratchBytes(model: Uint8Array, seed: number): Promise<Uint8Array> {
  const loaded = deserializeModel(model, "model").model;
  const fresh = new FlowFM({ ...loaded.config, seed, step: 0 });
  loaded.dispose();
  try {
    return await serializeModel(fresh);
  } finally {
    fresh.dispose();
  }
}

/**
 * What `head` trains on, for windows `[n, 300, 3]`: `probe` and `scratch-probe` encode them
 * (`features`, batches of `encodeBatchSize`), `handcrafted` computes its features, the fine-tuning
 * heads take the model's weights (`scratch-*`: the same architecture, seeded fresh weights).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { headInput } from "./heads.ts";
 * const input = await headInput("handcrafted", new Float32Array(2 * 900), { seed: 0 });
 * assert("features" in input && input.features.count === 2);
 * ```
 */
export async function headInput(
  head: HeadName,
  windows: Float32Array,
  options: { model?: Uint8Array; seed: number; features?: Features; encodeBatchSize?: number },
): Promise<HeadInput> {
  if (head === "handcrafted") return { features: handcraftedFeatures(windows) };
  if (!options.model) throw new Error(`evaluate: head "${head}" needs model weights`);
  const bytes = head.startsWith("scratch")
    ? await scratchBytes(options.model, options.seed)
    : options.model;
  if (head.endsWith("finetune")) return { bytes };
  const model = deserializeModel(bytes, "model").model;
  try {
    return {
      features: await extractFeatures(model, windows, {
        features: options.features ?? CLASSIFY_DEFAULTS.features,
        batchSize: options.encodeBatchSize ?? CLASSIFY_DEFAULTS.batchSize,
      }),
    };
  } finally {
    model.dispose();
  }
}

/**
 * Trains a head on one split and predicts its test windows: the probe (`probe.solver`: Adam or
 * L-BFGS) on features, or fine-tuning (seeded with `seed`) from weights.
 *
 * @param input From {@link headInput}.
 * @param windows All windows, `[n, 300, 3]` (fine-tuning reads them).
 * @param y Class of each window, `[n]`.
 * @param classes Number of classes.
 * @param split Training, validation and test window indices.
 * @returns Test predictions, `[test]`, and what training chose (`fit`).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initBackend } from "../runtime/backend.ts";
 * import { trainHead } from "./heads.ts";
 * await initBackend("cpu");
 * const rows = Int32Array.from([0, 1, 2, 3]);
 * const features = { data: Float32Array.from([0, 0, 1, 1, 0, 0.1, 1, 0.9]), count: 4, dim: 2 };
 * const r = await trainHead({ features }, new Float32Array(0), Int32Array.from([0, 1, 0, 1]), 2,
 *   { train: rows, val: rows, test: rows }, { seed: 0, probe: { solver: "lbfgs" } });
 * assert.deepEqual([...r.pred], [0, 1, 0, 1]);
 * ```
 */
export async function trainHead(
  input: HeadInput,
  windows: Float32Array,
  y: Int32Array,
  classes: number,
  split: { train: Int32Array; val: Int32Array; test: Int32Array },
  options: {
    seed: number;
    probe?: ProbeOptions;
    finetune?: Omit<FinetuneOptions, "seed" | "onEpoch">;
    onEpoch?: (epoch: EpochRecord) => void;
  },
): Promise<{ pred: Int32Array; fit: Record<string, number> }> {
  if ("features" in input) {
    const probe = await trainProbe(input.features, y, classes, split, options.probe);
    return {
      pred: probe.predict(input.features, split.test),
      fit: { ...probe.fit, features: input.features.dim },
    };
  }
  const r = await fineTune(input.bytes, windows, y, classes, split, {
    ...options.finetune,
    seed: options.seed,
    onEpoch: options.onEpoch,
  });
  const fit = {
    bestEpoch: r.bestEpoch,
    epochs: r.history.length,
    epochSteps: r.history[0]?.steps ?? 0,
    valLoss: r.valLoss,
  };
  return { pred: r.predictions, fit };
}
