/**
 * The fine-tuned kind of `Classifier`: a fine-tuned encoder and its MLP head (`z -> hidden -> ReLU -> classes`):
 * all encoder layers are trained on the labelled windows, with early stopping on a stratified
 * validation share, as the evaluation protocol's `finetune` head does. Unlike the linear probe of
 * `classifier.ts` it carries its own encoder, so its file holds the whole fine-tuned model (the
 * generator unchanged) plus the head: `__metadata__.format` `flowfm-classifier`, `version` `2`,
 * `kind` `finetuned`, with `config`, `classes`, `window` and `fit`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { FlowFM } from "../model/flowfm.ts";
import type { Params } from "../model/params.ts";
import { readWindows, type WindowsInput } from "../model/windows.ts";
import { decodeSafetensors, encodeSafetensors } from "../weights/safetensors.ts";
import type { SafetensorsTensor } from "../weights/safetensors.ts";
import {
  CLASSIFIER_FORMAT,
  deserializeModel,
  serializeModel,
  WeightsError,
} from "../weights/model_file.ts";
import { fineTune, type FinetuneOptions } from "../train/finetune.ts";
import { finetuneStore, HEAD_PARAMS, headForward } from "../train/finetune_head.ts";
import { Rng } from "../random.ts";
import type { Classifier, ClassifierWindow, Predictions, PredictOptions } from "./classifier.ts";
import { CLASSIFY_DEFAULTS } from "./defaults.ts";
import { encodeLabels, stratifiedSplit } from "./labels.ts";

/** How a fine-tuned classifier was fitted. */
export interface FinetunedFit {
  /** Labelled windows per class. */
  counts: Record<string, number>;
  /** Epoch whose weights were kept. */
  bestEpoch: number;
  /** Epochs run. */
  epochs: number;
  /** Validation loss at the best epoch. */
  valLoss: number;
}

/** Options of {@link fitFinetunedClassifier}. */
export interface FinetunedClassifierOptions extends Omit<FinetuneOptions, "keep"> {
  /**
   * Share of each class's windows held out for early stopping (`CLASSIFY_DEFAULTS`).
   * @default {0.2}
   */
  validationFraction?: number;
}

/**
 * A fine-tuned encoder with its head, the `"finetuned"` kind of `Classifier`. Build one with
 * {@link fitFinetunedClassifier} or `loadClassifier`.
 */
export class FinetunedClassifier implements Classifier {
  #model: FlowFM | null;
  #head: Params;
  /** Always `"finetuned"`. */
  readonly kind = "finetuned" as const;
  /** The head reads the fine-tuned encoder's `z`. */
  readonly features = "z" as const;

  /**
   * Wraps a fine-tuned model and head (use {@link fitFinetunedClassifier} or
   * {@link loadFinetunedClassifier}); both become the classifier's, freed by `dispose()`.
   *
   * @param model The fine-tuned model.
   * @param head A store holding the `head.*` variables.
   * @param classes Class names, one per head output.
   * @param fit How it was fitted.
   * @param source Names the classifier in error messages.
   */
  constructor(
    model: FlowFM,
    head: Params,
    readonly classes: string[],
    readonly fit: FinetunedFit,
    readonly source = "classifier",
  ) {
    this.#model = model;
    this.#head = head;
  }

  /** The window geometry it expects. */
  get window(): ClassifierWindow {
    const { length, channels, sampleRate, clip } = this.#live().windowSpec("classifier");
    return { length, channels, sampleRate, clip };
  }

  #live(): FlowFM {
    if (!this.#model) throw new Error(`${this.source}: used after dispose()`);
    return this.#model;
  }

  /**
   * Predicts the class of each window.
   *
   * @param windows `[n, 300, 3]` windows in g at 30 Hz (flat, nested or a tensor).
   * @param options Batch size.
   * @returns Labels, probabilities `[n, classes]` and the class names.
   */
  async predict(windows: WindowsInput, options: PredictOptions = {}): Promise<Predictions> {
    const model = this.#live(), batchSize = options.batchSize ?? CLASSIFY_DEFAULTS.batchSize;
    const { data, count } = await readWindows(windows, model.windowSpec("predict"));
    const { windowLength: len, channels: ch } = model.config, per = len * ch;
    const k = this.classes.length, probabilities = new Float32Array(count * k);
    for (let i = 0; i < count; i += batchSize) {
      const n = Math.min(batchSize, count - i);
      const p = tf.tidy(() =>
        tf.softmax(
          headForward(
            this.#head,
            model.embed(tf.tensor3d(data.subarray(i * per, (i + n) * per), [n, len, ch]), "eval"),
          ),
        )
      );
      probabilities.set(await p.data(), i * k);
      p.dispose();
    }
    const labels = Array.from({ length: count }, (_, i) => {
      let best = 0;
      for (let c = 1; c < k; c++) {
        if (probabilities[i * k + c] > probabilities[i * k + best]) best = c;
      }
      return this.classes[best];
    });
    return { labels, probabilities, classes: this.classes.slice() };
  }

  /** Frees the fine-tuned model and the head. */
  dispose(): void {
    if (!this.#model) return;
    for (const n of HEAD_PARAMS) this.#head.get(n).dispose();
    this.#model.dispose();
    this.#model = null;
  }

  /**
   * The classifier as one safetensors file: the fine-tuned model's tensors (as a model file
   * holds them) and `head.*`.
   *
   * @returns The file's bytes.
   */
  async serialize(): Promise<Uint8Array> {
    const model = this.#live();
    const { tensors, metadata } = decodeSafetensors(await serializeModel(model));
    for (const n of HEAD_PARAMS) {
      const v = this.#head.get(n);
      tensors.set(n, {
        dtype: "F32",
        shape: v.shape.slice(),
        data: new Float32Array(await v.data()),
      });
    }
    return encodeSafetensors(Object.fromEntries(tensors), {
      format: CLASSIFIER_FORMAT,
      version: "2",
      kind: "finetuned",
      config: metadata.config,
      classes: JSON.stringify(this.classes),
      window: JSON.stringify(this.window),
      fit: JSON.stringify(this.fit),
    });
  }
}

/**
 * Fine-tunes a copy of a model, with a new MLP head, on labelled windows (windows whose label is
 * `null` are left out) and returns it as a classifier.
 *
 * @param modelBytes A FlowFM model file's bytes (it is copied; the original is untouched).
 * @param windows `[n, 300, 3]` windows in g at 30 Hz, row-major.
 * @param labels Label of each window, or `null`.
 * @param options Fine-tuning settings and the validation share.
 * @returns The classifier; `dispose()` it when done.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FlowFM, initBackend, presetConfig, serializeModel } from "../../mod.ts";
 * import { fitFinetunedClassifier, loadFinetunedClassifier } from "./finetuned_classifier.ts";
 * await initBackend("cpu");
 * const bytes = await serializeModel(new FlowFM(presetConfig("tiny")));
 * const windows = new Float32Array(8 * 900).map((_, i) => (i % 900 < 450 ? 1 : -1) * (i % 7));
 * const c = await fitFinetunedClassifier(bytes, windows, [..."abababab"], { maxEpochs: 2, hidden: 8, workers: 1 });
 * const again = loadFinetunedClassifier(await c.serialize(), "c.safetensors");
 * assert.deepEqual((await again.predict(windows)).labels, (await c.predict(windows)).labels);
 * c.dispose(); again.dispose();
 * ```
 */
export async function fitFinetunedClassifier(
  modelBytes: Uint8Array,
  windows: Float32Array,
  labels: readonly (string | null)[],
  options: FinetunedClassifierOptions = {},
): Promise<FinetunedClassifier> {
  const fraction = options.validationFraction ?? CLASSIFY_DEFAULTS.validationFraction;
  if (!(fraction >= 0 && fraction < 1)) {
    throw new Error(
      `fitFinetunedClassifier: validationFraction must be in [0, 1), got ${fraction}`,
    );
  }
  const { classes, y } = encodeLabels(labels);
  if (classes.length < 2) {
    throw new Error(
      `fitFinetunedClassifier: need labelled windows of at least 2 classes, got ${classes.length}`,
    );
  }
  const rows = [...y.keys()].filter((i) => y[i] >= 0);
  const seed = options.seed ?? CLASSIFY_DEFAULTS.seed;
  const { train, val } = stratifiedSplit(y, rows, classes.length, fraction, seed);
  const { validationFraction: _, ...rest } = options;
  const r = await fineTune(modelBytes, windows, y, classes.length, {
    train,
    val,
    test: new Int32Array(0),
  }, { ...rest, keep: true });
  const counts: Record<string, number> = Object.fromEntries(classes.map((c) => [c, 0]));
  for (const i of rows) counts[classes[y[i]]]++;
  const fit = { counts, bestEpoch: r.bestEpoch, epochs: r.history.length, valLoss: r.valLoss };
  return new FinetunedClassifier(r.kept!.model, r.kept!.store, classes, fit);
}

/**
 * Reads a fine-tuned classifier file ({@link FinetunedClassifier.serialize}). Everything is
 * validated; errors name the file.
 *
 * @param bytes The file's bytes.
 * @param source The file's name, for error messages.
 * @returns The classifier (it owns its model; `dispose()` it).
 */
export function loadFinetunedClassifier(bytes: Uint8Array, source: string): FinetunedClassifier {
  const { tensors, metadata } = decodeSafetensors(bytes, { source });
  if (metadata.format !== CLASSIFIER_FORMAT || metadata.kind !== "finetuned") {
    throw new WeightsError(source, "not a fine-tuned FlowFM classifier file");
  }
  const classes = JSON.parse(metadata.classes ?? "null");
  if (!Array.isArray(classes) || classes.length < 2) {
    throw new WeightsError(source, "__metadata__.classes must list at least 2 classes");
  }
  const head = new Map<string, SafetensorsTensor>();
  for (const n of HEAD_PARAMS) {
    const t = tensors.get(n);
    if (!t) throw new WeightsError(source, `missing tensor "${n}"`);
    head.set(n, t);
    tensors.delete(n);
  }
  const k = head.get("head.fc2.b")!.shape[0];
  if (k !== classes.length) {
    throw new WeightsError(source, `the head has ${k} outputs for ${classes.length} classes`);
  }
  const modelFile = encodeSafetensors(Object.fromEntries(tensors), {
    format: "flowfm",
    kind: "model",
    config: metadata.config,
  });
  const model = deserializeModel(modelFile, source).model;
  const hidden = head.get("head.fc1.w")!.shape[1];
  const store = finetuneStore(model, new Rng(0), hidden, k); // then overwritten from the file
  try {
    for (const [n, t] of head) {
      const v = store.get(n);
      if (t.shape.join() !== v.shape.join()) {
        throw new WeightsError(
          source,
          `tensor "${n}" has shape [${t.shape}], expected [${v.shape}]`,
        );
      }
      tf.tidy(() => v.assign(tf.tensor(t.data, t.shape)));
    }
  } catch (e) {
    for (const n of HEAD_PARAMS) store.get(n).dispose();
    model.dispose();
    throw e;
  }
  const fit = JSON.parse(metadata.fit ?? "{}") as FinetunedFit;
  return new FinetunedClassifier(model, store, classes, fit, source);
}

/**
 * Whether classifier file bytes hold a fine-tuned classifier (which carries its own encoder)
 * rather than a linear probe bound to a separate encoder.
 *
 * @param bytes A classifier file's bytes.
 * @returns True for a fine-tuned classifier; false otherwise (including unreadable bytes, which
 *   the loaders then report).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isFinetunedClassifier } from "./finetuned_classifier.ts";
 * assert.equal(isFinetunedClassifier(new Uint8Array(4)), false);
 * ```
 */
export function isFinetunedClassifier(bytes: Uint8Array): boolean {
  try {
    return decodeSafetensors(bytes).metadata.kind === "finetuned";
  } catch {
    return false;
  }
}
