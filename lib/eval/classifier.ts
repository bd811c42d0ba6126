/**
 * From embeddings to labels: an activity classifier made of a frozen FlowFM encoder and a linear
 * probe on its representation `z` (standardised with the training windows' mean and SD, as
 * {@link trainLinearProbe} does). A classifier remembers the SHA-256 of the encoder weights it was
 * fitted on and refuses to predict with any other encoder. Saving and loading are in
 * `classifier_file.ts`. Browser-safe: no `Deno.*`, hashing with Web Crypto.
 *
 * @module
 */
import type { FlowFM } from "../model/flowfm.ts";
import type { WindowsInput } from "../model/windows.ts";
import { sha256Hex } from "../sha256.ts";
import { stratifiedSplit } from "./few_labels.ts";
import { encodeLabels } from "./labels.ts";
import { type LinearProbe, type ProbeOptions, trainLinearProbe } from "./linear_probe.ts";
import { type FeatureProgress, type ProbeFeatures, windowFeatures } from "./probe_features.ts";

/** Options of {@link fitClassifier} (`onProgress`: after each chunk of windows encoded). */
export interface ClassifierOptions extends FeatureProgress {
  /**
   * Linear-probe hyper-parameters (L2 grid, learning rate, iterations, class weighting).
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
   * or `z+handcrafted`; see `PROBE_FEATURES`. The classifier file records it.
   * @default {"z"}
   */
  features?: ProbeFeatures;
}

/** Options of {@link ActivityClassifier.predict}. */
export interface PredictOptions {
  /**
   * Windows per encoder forward pass.
   * @default {64}
   */
  batchSize?: number;
}

/** The window geometry a classifier expects (the encoder's). */
export interface ClassifierWindow {
  /** Samples per window. */
  length: number;
  /** Values per sample. */
  channels: number;
  /** Samples per second. */
  sampleRate: number;
  /** Inputs are clipped to `±clip` g. */
  clip: number;
}

/** How a classifier was fitted. */
export interface ClassifierFit {
  /** Labelled windows per class. */
  counts: Record<string, number>;
  /** Accuracy on all labelled windows it was fitted on (training and validation). */
  trainingAccuracy: number;
  /** Chosen L2 strength of the probe. */
  l2: number;
  /** Probe iteration whose weights were kept. */
  iteration: number;
}

/** What {@link ActivityClassifier.predict} returns. */
export interface Predictions {
  /** Predicted class of each window. */
  labels: string[];
  /** Class probabilities (softmax), row-major `[windows, classes]`. */
  probabilities: Float32Array;
  /** Class names; column `c` of `probabilities` is `classes[c]`. */
  classes: string[];
}

const short = (digest: string) => digest.slice(0, 12);

/**
 * SHA-256 (hex) of a model's encoder weights: every `encoder.*` tensor (BN statistics included),
 * in name order, as its name, shape and little-endian float32 values. The same weights give the
 * same digest whichever file (model, checkpoint) they were loaded from.
 *
 * @param model The model.
 * @returns 64 hex digits.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FlowFM, initBackend, presetConfig } from "../../mod.ts";
 * import { encoderDigest } from "./classifier.ts";
 * await initBackend("cpu");
 * const a = new FlowFM(presetConfig("tiny", { seed: 1 }));
 * const b = new FlowFM(presetConfig("tiny", { seed: 2 }));
 * assert.match(await encoderDigest(a), /^[0-9a-f]{64}$/);
 * assert.notEqual(await encoderDigest(a), await encoderDigest(b));
 * a.dispose(); b.dispose();
 * ```
 */
export async function encoderDigest(model: FlowFM): Promise<string> {
  if (isDisposed(model)) throw new Error("the model was disposed; load it again");
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  for (const name of [...model.params.vars.keys()].filter((n) => n.startsWith("encoder.")).sort()) {
    const v = model.params.vars.get(name)!;
    parts.push(enc.encode(`${name}[${v.shape.join(",")}]\n`));
    const values = await v.data() as Float32Array;
    const bytes = new Uint8Array(values.length * 4), view = new DataView(bytes.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
    parts.push(bytes);
  }
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) all.set(p, (at += p.length) - p.length);
  return await sha256Hex(all);
}

/** A disposed model has no variables left (`Params.dispose` clears them). */
const isDisposed = (model: FlowFM) => model.params.vars.size === 0;

/**
 * Fails when `model`'s encoder is not the one a classifier was fitted on.
 *
 * @param model The encoder offered.
 * @param expected The classifier's digest.
 * @param source Names the classifier in the message.
 * @returns Nothing; resolves when the digests match.
 */
export async function checkEncoder(
  model: FlowFM,
  expected: string,
  source: string,
): Promise<void> {
  if (isDisposed(model)) throw new Error(`${source}: the model was disposed; load it again`);
  const actual = await encoderDigest(model);
  if (actual !== expected) {
    throw new Error(
      `${source}: the classifier was fitted on another encoder (encoder weights SHA-256 ` +
        `${short(expected)}…, this model's ${short(actual)}…); use the model it was fitted ` +
        `with, or fit the classifier again on this one`,
    );
  }
}

/** A linear probe on a frozen FlowFM encoder. Build one with {@link fitClassifier}. */
export class ActivityClassifier {
  #model: FlowFM | null;

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
    readonly features: ProbeFeatures = "z",
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
   * import { fitClassifier } from "./classifier.ts";
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
    const batch = options.batchSize ?? 64;
    const z = await windowFeatures(model, windows, this.features, batch, "predict");
    const k = this.classes.length, logits = this.probe.logits(z);
    const probabilities = new Float32Array(logits.length), labels: string[] = [];
    for (let i = 0; i < z.count; i++) {
      const row = logits.subarray(i * k, (i + 1) * k);
      let best = 0;
      for (let c = 1; c < k; c++) if (row[c] > row[best]) best = c;
      let sum = 0;
      for (let c = 0; c < k; c++) sum += Math.exp(row[c] - row[best]);
      for (let c = 0; c < k; c++) probabilities[i * k + c] = Math.exp(row[c] - row[best]) / sum;
      labels.push(this.classes[best]);
    }
    return { labels, probabilities, classes: this.classes.slice() };
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
 * import { fitClassifier } from "./classifier.ts";
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
  const fraction = options.validationFraction ?? 0.2;
  if (!(fraction >= 0 && fraction < 1)) {
    throw new Error(`fitClassifier: validationFraction must be in [0, 1), got ${fraction}`);
  }
  const { features: kind = "z", batchSize: batch = 64, onProgress } = options;
  const z = await windowFeatures(model, windows, kind, batch, "fitClassifier", onProgress);
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
  const parts = stratifiedSplit(y, rows, classes.length, fraction, options.seed ?? 0);
  const probe = await trainLinearProbe(z, y, classes.length, parts, options.probe ?? {});
  const predicted = probe.predict(z, Int32Array.from(rows));
  const counts: Record<string, number> = Object.fromEntries(classes.map((c) => [c, 0]));
  for (const r of rows) counts[classes[y[r]]]++;
  const fit: ClassifierFit = {
    counts,
    trainingAccuracy: predicted.filter((p, i) => p === y[rows[i]]).length / rows.length,
    l2: probe.fit.l2,
    iteration: probe.fit.iteration,
  };
  const { length, channels, sampleRate, clip } = model.windowSpec("fitClassifier");
  const window = { length, channels, sampleRate, clip };
  const digest = await encoderDigest(model);
  return new ActivityClassifier(model, probe, classes, window, digest, fit, "classifier", kind);
}
