/**
 * The probe kind of {@link Classifier}: a frozen FlowFM encoder and a linear probe on its
 * features (standardised with the training windows' mean and SD, as `trainLinearProbe` does). It
 * remembers the SHA-256 of the encoder weights it was fitted on and refuses to predict with any
 * other encoder. Its file format is `probe_file.ts`. Browser-safe: no `Deno.*`.
 *
 * @module
 */
import type { FlowFM } from "../model/flowfm.ts";
import type { WindowsInput } from "../model/windows.ts";
import type { LinearProbe, ProbeOptions } from "../train/linear_probe.ts";
import { trainProbe } from "../train/fast_probe.ts";
import type { Classifier, ClassifierWindow, Predictions, PredictOptions } from "./classifier.ts";
import { fromLogits } from "./classifier.ts";
import { CLASSIFY_DEFAULTS } from "./defaults.ts";
import { checkEncoder, encoderDigest } from "./encoder_digest.ts";
import { extractFeatures, type FeatureOptions, type Features } from "./features.ts";
import { encodeLabels, stratifiedSplit } from "./labels.ts";
import { type ClassifierFit, serializeClassifier } from "./probe_file.ts";

/** Options of {@link fitClassifier} (`onProgress`: after each chunk of windows encoded). */
export interface ClassifierOptions extends Pick<FeatureOptions, "onProgress"> {
  /**
   * Linear-probe hyper-parameters (solver, L2 grid, learning rate, iterations, class weighting).
   * @default {{}}
   */
  probe?: ProbeOptions;
  /**
   * Share of each class's labelled windows held out for early stopping and the L2 choice
   * (0: fit on all windows with the first L2 value and no early stopping).
   * @default {0.2}
   */
  validationFraction?: number;
  /**
   * Seed of the stratified validation split.
   * @default {0}
   */
  seed?: number;
  /**
   * Windows per encoder forward pass.
   * @default {64}
   */
  batchSize?: number;
  /**
   * What the probe fits on: `z`, `stages` (each encoder stage's mean and SD over time, then `z`)
   * or `z+handcrafted`; see `FEATURES`. The classifier file records it.
   * @default {"z"}
   */
  features?: Features;
}

/**
 * A linear probe on a frozen FlowFM encoder, the `"probe"` kind of {@link Classifier}. Build one
 * with {@link fitClassifier} or `loadClassifier`.
 */
export class ActivityClassifier implements Classifier {
  #model: FlowFM | null;
  /** Always `"probe"`. */
  readonly kind = "probe" as const;

  /**
   * Wraps a fitted probe (use {@link fitClassifier} or `loadClassifier` instead).
   *
   * @param model The encoder it predicts with (not owned: the caller disposes it).
   * @param probe Standardisation and linear layer on `z`.
   * @param classes Class names, one per probe output.
   * @param window Window geometry of the encoder.
   * @param encoderSha256 Digest of the encoder weights it was fitted on.
   * @param fit How it was fitted.
   * @param source Names the classifier (its file) in error messages.
   * @param features What the probe reads (`z`, `stages` or `z+handcrafted`).
   */
  constructor(
    model: FlowFM,
    readonly probe: LinearProbe,
    readonly classes: string[],
    readonly window: ClassifierWindow,
    readonly encoderSha256: string,
    readonly fit: ClassifierFit,
    readonly source = "classifier",
    readonly features: Features = CLASSIFY_DEFAULTS.features,
  ) {
    this.#model = model;
  }

  /**
   * Predicts the class of each window. Fails when the model's encoder weights are not the ones
   * the classifier was fitted on.
   *
   * @param windows `[n, 300, 3]` windows in g at 30 Hz (flat, nested or a tensor).
   * @param options Batch size.
   * @returns Labels, probabilities `[n, classes]` and the class names.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { FlowFM, initBackend, presetConfig } from "../../mod.ts";
   * import { fitClassifier } from "./probe_classifier.ts";
   * await initBackend("cpu");
   * const model = new FlowFM(presetConfig("tiny"));
   * const windows = new Float32Array(4 * 900).map((_, i) => (i % 2 ? 1 : -1) * (i % 5));
   * const c = await fitClassifier(model, windows, ["a", "b", "a", "b"], { validationFraction: 0 });
   * const { probabilities } = await c.predict(windows, { batchSize: 2 });
   * assert.equal(probabilities.length, 4 * 2);
   * model.dispose();
   * ```
   */
  async predict(windows: WindowsInput, options: PredictOptions = {}): Promise<Predictions> {
    const model = this.#model;
    if (!model) throw new Error(`${this.source}: predict after dispose()`);
    await checkEncoder(model, this.encoderSha256, this.source);
    const { batchSize = CLASSIFY_DEFAULTS.batchSize } = options;
    const f = await extractFeatures(model, windows, {
      features: this.features,
      batchSize,
      caller: "predict",
    });
    return fromLogits(this.probe.logits(f), this.classes);
  }

  /**
   * The classifier as one safetensors file (see `probe_file.ts`; the same bytes as
   * {@link serializeClassifier}).
   *
   * @returns The file's bytes (deterministic).
   */
  serialize(): Promise<Uint8Array> {
    return Promise.resolve(serializeClassifier(this));
  }

  /** Releases the classifier; it holds no tensors, and the model stays the caller's. */
  dispose(): void {
    this.#model = null;
  }
}

/**
 * Fits an activity classifier: encodes the windows with the frozen encoder and fits a linear
 * probe on `z`, or on the features `options.features` names (windows whose label is `null` are
 * left out).
 *
 * @param model The encoder (not owned; the classifier predicts with it).
 * @param windows `[n, 300, 3]` windows in g at 30 Hz.
 * @param labels Label of each window, or `null`.
 * @param options Probe hyper-parameters, validation share, seed, batch size.
 * @returns The classifier; save it with `serializeClassifier`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FlowFM, initBackend, presetConfig } from "../../mod.ts";
 * import { fitClassifier } from "./probe_classifier.ts";
 * await initBackend("cpu");
 * const model = new FlowFM(presetConfig("tiny"));
 * const windows = new Float32Array(8 * 900).map((_, i) => (i % 900 < 450 ? 1 : -1) * (i % 7));
 * const labels = ["sit", "walk", "sit", "walk", "sit", "walk", "sit", "walk"];
 * const classifier = await fitClassifier(model, windows, labels, { probe: { maxIterations: 20 } });
 * const { labels: predicted, classes } = await classifier.predict(windows.subarray(0, 1800));
 * assert.deepEqual(classes, ["sit", "walk"]);
 * assert.equal(predicted.length, 2);
 * classifier.dispose(); model.dispose();
 * ```
 */
export async function fitClassifier(
  model: FlowFM,
  windows: WindowsInput,
  labels: readonly (string | null)[],
  options: ClassifierOptions = {},
): Promise<ActivityClassifier> {
  const fraction = options.validationFraction ?? CLASSIFY_DEFAULTS.validationFraction;
  if (!(fraction >= 0 && fraction < 1)) {
    throw new Error(`fitClassifier: validationFraction must be in [0, 1), got ${fraction}`);
  }
  const { features = CLASSIFY_DEFAULTS.features, batchSize = CLASSIFY_DEFAULTS.batchSize } =
    options;
  const z = await extractFeatures(model, windows, {
    features,
    batchSize,
    caller: "fitClassifier",
    onProgress: options.onProgress,
  });
  if (labels.length !== z.count) {
    throw new Error(`fitClassifier: ${z.count} windows but ${labels.length} labels`);
  }
  const { classes, y } = encodeLabels(labels);
  if (classes.length < 2) {
    throw new Error(
      `fitClassifier: need labelled windows of at least 2 classes, got ${classes.length}` +
        (classes.length ? ` (${classes[0]})` : ""),
    );
  }
  const rows = [...y.keys()].filter((i) => y[i] >= 0);
  const seed = options.seed ?? CLASSIFY_DEFAULTS.seed;
  const parts = stratifiedSplit(y, rows, classes.length, fraction, seed);
  const probe = await trainProbe(z, y, classes.length, parts, options.probe ?? {});
  const predicted = probe.predict(z, Int32Array.from(rows));
  const counts: Record<string, number> = Object.fromEntries(classes.map((c) => [c, 0]));
  for (const r of rows) counts[classes[y[r]]]++;
  const fit: ClassifierFit = {
    counts,
    trainingAccuracy: predicted.filter((p, i) => p === y[rows[i]]).length / rows.length,
    l2: probe.fit.l2,
    iteration: probe.fit.iteration,
    solver: options.probe?.solver ?? CLASSIFY_DEFAULTS.probe.solver,
  };
  const { length, channels, sampleRate, clip } = model.windowSpec("fitClassifier");
  const window = { length, channels, sampleRate, clip };
  const digest = await encoderDigest(model);
  return new ActivityClassifier(model, probe, classes, window, digest, fit, "classifier", features);
}
