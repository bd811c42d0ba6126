/**
 * What a probe classifier reads from a window (the `features` option, everywhere): `z` (the
 * embedding users get from `encode`), every encoder stage's statistics, or `z` beside the
 * handcrafted features. All of it comes through `FlowFM.encode`, which checks, clips and batches.
 *
 * @module
 */
import type { FlowFM } from "../model/flowfm.ts";
import type { Embeddings } from "../model/flowfm.ts";
import { readWindows, type WindowsInput } from "../model/windows.ts";
import { CLASSIFY_DEFAULTS } from "./defaults.ts";
import { HANDCRAFTED_FEATURE_NAMES, handcraftedFeatures } from "./handcrafted.ts";

/**
 * Feature sets a probe can fit on:
 * - `z`: the embedding (`FlowFM.encode`);
 * - `stages`: every encoder stage's output averaged over time and its SD over time, then `z`
 *   (`encode(windows, { features: "stages" })`);
 * - `z+handcrafted`: `z` followed by the handcrafted features (does `z` add to them?).
 */
export const FEATURES = ["z", "stages", "z+handcrafted"] as const;

/** One of {@link FEATURES}. */
export type Features = typeof FEATURES[number];

/** Options of {@link extractFeatures}. */
export interface FeatureOptions {
  /**
   * Which features; see {@link FEATURES}.
   * @default {"z"}
   */
  features?: Features;
  /**
   * Windows per encoder forward pass.
   * @default {64}
   */
  batchSize?: number;
  /** Names the caller in errors about the windows. */
  caller?: string;
  /** Called after every 4 batches with the windows done and in all (a CLI's progress line). */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Throws unless `features` is one of {@link FEATURES}, naming the field and the value received.
 *
 * @param features The value to check.
 * @param field Names the option or flag in the message.
 * @returns The value, typed.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkFeatures } from "./features.ts";
 * assert.equal(checkFeatures("stages"), "stages");
 * assert.throws(() => checkFeatures("zz"), /features must be one of z, stages, z\+handcrafted, got "zz"/);
 * ```
 */
export function checkFeatures(features: unknown, field = "features"): Features {
  if (!FEATURES.includes(features as Features)) {
    throw new Error(
      `${field} must be one of ${FEATURES.join(", ")}, got ${JSON.stringify(features)}`,
    );
  }
  return features as Features;
}

/**
 * The features of windows in any form `FlowFM.encode` takes (validated and clipped as it does
 * them), computed by `encode` in batches with the encoder's running statistics.
 *
 * @param model The model whose encoder gives the features.
 * @param windows `[n, 300, 3]` windows in g at 30 Hz: flat, nested or a tensor.
 * @param options Which features, batch size, progress callback.
 * @returns `[n, dim]` features.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FlowFM, initBackend, presetConfig } from "../../mod.ts";
 * import { extractFeatures, featureDim } from "./features.ts";
 * await initBackend("cpu");
 * const model = new FlowFM(presetConfig("tiny"));
 * const f = await extractFeatures(model, [new Array(300).fill([0, 0, 1])], { features: "stages" });
 * assert.equal(f.dim, featureDim(model, "stages"));
 * const h = await extractFeatures(model, new Float32Array(3 * 900), { features: "z+handcrafted" });
 * assert.equal(h.count, 3);
 * model.dispose();
 * ```
 */
export async function extractFeatures(
  model: FlowFM,
  windows: WindowsInput,
  options: FeatureOptions = {},
): Promise<Embeddings> {
  const { batchSize = CLASSIFY_DEFAULTS.batchSize, caller = "extractFeatures", onProgress } =
    options;
  const features = checkFeatures(
    options.features ?? CLASSIFY_DEFAULTS.features,
    `${caller}: features`,
  );
  const encodeAs = features === "stages" ? "stages" : "z";
  // Checked here, so errors name the caller; encode's own check of the flat windows then passes.
  const { data, count } = await readWindows(windows, model.windowSpec(caller));
  const per = data.length / Math.max(count, 1), step = onProgress ? 4 * batchSize : count;
  const dim = featureDim(model, features), out = new Float32Array(count * dim);
  for (let i = 0; i < count; i += step) {
    const n = Math.min(step, count - i), part = data.subarray(i * per, (i + n) * per);
    const f = await model.encode(part, { batchSize, features: encodeAs });
    if (features !== "z+handcrafted") out.set(f.data, i * dim);
    else joinColumns(f, handcraftedFeatures(part), out, i);
    onProgress?.(i + n, count);
  }
  return { data: out, count, dim };
}

/**
 * Width of a model's features of one kind.
 *
 * @param model The model.
 * @param features Which features; see {@link FEATURES}.
 * @returns Columns of the feature matrix.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FlowFM, initBackend, presetConfig } from "../../mod.ts";
 * import { featureDim } from "./features.ts";
 * await initBackend("cpu");
 * const model = new FlowFM(presetConfig("tiny"));
 * assert.equal(featureDim(model, "z"), model.embeddingDim);
 * model.dispose();
 * ```
 */
export function featureDim(model: FlowFM, features: Features): number {
  const z = model.embeddingDim;
  if (features === "z+handcrafted") return z + HANDCRAFTED_FEATURE_NAMES.length;
  if (features === "stages") {
    return 2 * model.config.encoder.stages.reduce((n, s) => n + s.channels, 0) + z;
  }
  return z;
}

/** Writes `[a | b]` row by row into `out`, from row `at`. */
function joinColumns(a: Embeddings, b: Embeddings, out: Float32Array, at: number): void {
  const dim = a.dim + b.dim;
  for (let i = 0; i < a.count; i++) {
    out.set(a.data.subarray(i * a.dim, (i + 1) * a.dim), (at + i) * dim);
    out.set(b.data.subarray(i * b.dim, (i + 1) * b.dim), (at + i) * dim + a.dim);
  }
}
