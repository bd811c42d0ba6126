/**
 * What the probe heads of {@link evaluate} fit on: `z` (the embedding users get from `encode`),
 * multi-scale stage features, or `z` beside the handcrafted features.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { FlowFM } from "../model/flowfm.ts";
import { encoderStageFeatures } from "../model/encoder.ts";
import { HANDCRAFTED_FEATURE_NAMES, handcraftedFeatures } from "./handcrafted.ts";
import { readWindows, type WindowsInput } from "../model/windows.ts";
import type { FeatureMatrix } from "./linear_probe.ts";

/**
 * Feature sets a probe can fit on:
 * - `z`: the embedding (`FlowFM.encode`);
 * - `stages`: every encoder stage's output averaged over time and its SD over time, then `z`;
 * - `z+handcrafted`: `z` followed by the handcrafted features (does `z` add to them?).
 */
export const PROBE_FEATURES = ["z", "stages", "z+handcrafted"] as const;

/** One of {@link PROBE_FEATURES}. */
export type ProbeFeatures = typeof PROBE_FEATURES[number];

/**
 * Computes a probe's features for windows, in batches, with the encoder's running statistics.
 *
 * @param model The model whose encoder gives the features.
 * @param windows Row-major `[n, 300, 3]` windows in g, clipped.
 * @param kind Which features; see {@link PROBE_FEATURES}.
 * @param batchSize Windows per forward pass.
 * @returns `[n, dim]` features.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FlowFM, initBackend, presetConfig } from "../../mod.ts";
 * import { probeFeatures } from "./probe_features.ts";
 * await initBackend("cpu");
 * const model = new FlowFM(presetConfig("tiny"));
 * const f = await probeFeatures(model, new Float32Array(3 * 900), "z+handcrafted");
 * assert.equal(f.count, 3);
 * assert.ok(f.dim > 32);
 * model.dispose();
 * ```
 */
export async function probeFeatures(
  model: FlowFM,
  windows: Float32Array,
  kind: ProbeFeatures = "z",
  batchSize = 64,
): Promise<FeatureMatrix> {
  if (!PROBE_FEATURES.includes(kind)) {
    throw new Error(`probeFeatures: unknown kind "${kind}" (${PROBE_FEATURES.join(", ")})`);
  }
  const { windowLength: len, channels } = model.config;
  const count = windows.length / (len * channels);
  if (!Number.isInteger(count)) {
    throw new Error(
      `probeFeatures: ${windows.length} values are not whole [${len}, ${channels}] windows`,
    );
  }
  if (kind === "z") return await model.encode(windows, { batchSize });
  if (kind === "z+handcrafted") {
    return joinColumns(await model.encode(windows, { batchSize }), handcraftedFeatures(windows));
  }
  const dim = probeFeatureDim(model, "stages"), data = new Float32Array(count * dim);
  for (let i = 0; i < count; i += batchSize) {
    const n = Math.min(batchSize, count - i);
    const f = tf.tidy(() => {
      const x = tf.tensor3d(windows.subarray(i * len * channels, (i + n) * len * channels), [
        n,
        len,
        channels,
      ]);
      return encoderStageFeatures(model.params, model.config.encoder, x);
    });
    try {
      data.set(await f.data(), i * dim);
    } finally {
      f.dispose();
    }
  }
  return { data, count, dim };
}

/** A progress callback for long feature computations (e.g. a CLI's progress line). */
export interface FeatureProgress {
  /** Called after each chunk of windows is encoded, with the windows done and in all. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Features of windows in any form `FlowFM.encode` takes (validated and clipped as it does them).
 *
 * @param model The model whose encoder gives the features.
 * @param windows `[n, 300, 3]` windows in g at 30 Hz: flat, nested or a tensor.
 * @param kind Which features; see {@link PROBE_FEATURES}.
 * @param batchSize Windows per forward pass.
 * @param caller Names the caller in errors about the windows.
 * @param onProgress Called after every 4 batches (see {@link FeatureProgress}); the features
 *   are the same with or without it.
 * @returns `[n, dim]` features.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FlowFM, initBackend, presetConfig } from "../../mod.ts";
 * import { probeFeatureDim, windowFeatures } from "./probe_features.ts";
 * await initBackend("cpu");
 * const model = new FlowFM(presetConfig("tiny"));
 * const f = await windowFeatures(model, [new Array(300).fill([0, 0, 1])], "stages");
 * assert.equal(f.dim, probeFeatureDim(model, "stages"));
 * model.dispose();
 * ```
 */
export async function windowFeatures(
  model: FlowFM,
  windows: WindowsInput,
  kind: ProbeFeatures = "z",
  batchSize = 64,
  caller = "windowFeatures",
  onProgress?: FeatureProgress["onProgress"],
): Promise<FeatureMatrix> {
  if (kind === "z" && !onProgress) return await model.encode(windows, { batchSize });
  const { data, count } = await readWindows(windows, model.windowSpec(caller));
  if (!onProgress) return await probeFeatures(model, data, kind, batchSize);
  const per = data.length / Math.max(count, 1), step = 4 * batchSize;
  const dim = probeFeatureDim(model, kind), out = new Float32Array(count * dim);
  for (let i = 0; i < count; i += step) {
    const n = Math.min(step, count - i);
    const f = await probeFeatures(model, data.subarray(i * per, (i + n) * per), kind, batchSize);
    out.set(f.data, i * dim);
    onProgress(i + n, count);
  }
  return { data: out, count, dim };
}

/**
 * Width of a model's features of one kind.
 *
 * @param model The model.
 * @param kind Which features; see {@link PROBE_FEATURES}.
 * @returns Columns of the feature matrix.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FlowFM, initBackend, presetConfig } from "../../mod.ts";
 * import { probeFeatureDim } from "./probe_features.ts";
 * await initBackend("cpu");
 * const model = new FlowFM(presetConfig("tiny"));
 * assert.equal(probeFeatureDim(model, "z"), model.embeddingDim);
 * model.dispose();
 * ```
 */
export function probeFeatureDim(model: FlowFM, kind: ProbeFeatures): number {
  const z = model.embeddingDim;
  if (kind === "z+handcrafted") return z + HANDCRAFTED_FEATURE_NAMES.length;
  if (kind === "stages") {
    return 2 * model.config.encoder.stages.reduce((n, s) => n + s.channels, 0) + z;
  }
  return z;
}

/** `[a | b]` row by row. */
function joinColumns(a: FeatureMatrix, b: FeatureMatrix): FeatureMatrix {
  const dim = a.dim + b.dim, data = new Float32Array(a.count * dim);
  for (let i = 0; i < a.count; i++) {
    data.set(a.data.subarray(i * a.dim, (i + 1) * a.dim), i * dim);
    data.set(b.data.subarray(i * b.dim, (i + 1) * b.dim), i * dim + a.dim);
  }
  return { data, count: a.count, dim };
}
