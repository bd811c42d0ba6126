/**
 * The pipeline face of the library, as transformers.js and tfjs-models users know it: one call
 * loads a pretrained model (and a shipped or given classifier), then a raw recording at any rate
 * and in any units goes in and embeddings or labels come out, each with its start time in seconds
 * from the recording's start. Resampling and windowing are the data layer's (`recording.ts`).
 * Browser-safe: no `Deno.*`; files are read as `loadPretrained` reads them.
 *
 * @module
 */
import type { Embeddings, FlowFM } from "../model/flowfm.ts";
import { readSource } from "../weights/load.ts";
import {
  loadPretrained,
  type LoadPretrainedOptions,
  type PretrainedName,
  pretrainedUrl,
} from "../weights/pretrained.ts";
import type { Classifier, Predictions } from "./classifier.ts";
import { CLASSIFY_DEFAULTS } from "./defaults.ts";
import { classifierKind, loadClassifier } from "./load_classifier.ts";
import { type Recording, recordingWindows } from "./recording.ts";

/**
 * Classifiers shipped in `weights/` beside a pretrained model, by name: `uci-hapt`, the six
 * uci-hapt activities (LAYING, SITTING, STANDING, WALKING, WALKING_DOWNSTAIRS,
 * WALKING_UPSTAIRS) for a phone worn at the waist; `umafall-wrist`, UMAFall's 12 daily activities
 * for a device on the wrist; both on the `small` model (their card: `weights/README.md`).
 */
export const SHIPPED_CLASSIFIERS = {
  "uci-hapt": { model: "small", file: "flowfm-small.uci-hapt.classifier.safetensors" },
  "umafall-wrist": { model: "small", file: "flowfm-small.umafall-wrist.classifier.safetensors" },
} as const satisfies Record<string, { model: PretrainedName; file: string }>;

/** Name of a shipped classifier; see {@link SHIPPED_CLASSIFIERS}. */
export type ShippedClassifierName = keyof typeof SHIPPED_CLASSIFIERS;

/** Options of {@link loadPipeline}. */
export interface PipelineLoadOptions extends LoadPretrainedOptions {
  /**
   * A shipped classifier's name (see {@link SHIPPED_CLASSIFIERS}), or a classifier file's bytes
   * (from `cli/fit.ts` or `classifier.serialize()`); without one the pipeline only embeds.
   */
  classifier?: ShippedClassifierName | Uint8Array;
}

/** Options of {@link Pipeline.embed} and {@link Pipeline.predict}. */
export interface PipelineOptions {
  /**
   * Seconds between window starts (windows are the model's, 10 s).
   * @default {5}
   */
  hopSeconds?: number;
  /**
   * Windows per encoder forward pass.
   * @default {64}
   */
  batchSize?: number;
  /**
   * {@link Pipeline.embed} only: `"z"` (the embedding) or `"stages"` (every encoder stage's
   * statistics, then `z`).
   * @default {"z"}
   */
  features?: "z" | "stages";
}

/** Embeddings of a recording's windows and their start times. */
export interface RecordingEmbeddings extends Embeddings {
  /** Start of each window, in seconds from the recording's first sample. */
  starts: number[];
}

/** Labels of a recording's windows and their start times. */
export interface RecordingPredictions extends Predictions {
  /** Start of each window, in seconds from the recording's first sample. */
  starts: number[];
}

/** A model, and optionally a classifier, that take raw recordings. Build one with {@link loadPipeline}. */
export class Pipeline {
  #model: FlowFM | null;
  #classifier: Classifier | null;

  /**
   * Wraps a model and a classifier; both become the pipeline's, freed by `dispose()`.
   *
   * @param model The model that embeds (and that a probe classifier runs on).
   * @param classifier The classifier, or `null` for a pipeline that only embeds.
   * @example Embed a recording in g at 100 Hz with a model of your own
   * ```ts
   * import assert from "node:assert/strict";
   * import { FlowFM, initBackend, Pipeline, presetConfig } from "../../mod.ts";
   * await initBackend("cpu");
   * const pipe = new Pipeline(new FlowFM(presetConfig("tiny")));
   * const samples = Array.from({ length: 2000 }, (_, i) => [0, Math.sin(i / 10), 1]); // 20 s
   * const { count, starts } = await pipe.embed({ samples, rate: 100, units: "g" });
   * assert.ok(count === 3 && starts[2] === 10);
   * pipe.dispose();
   * ```
   */
  constructor(model: FlowFM, classifier: Classifier | null = null) {
    this.#model = model;
    this.#classifier = classifier;
  }

  /** The classifier's class names (empty without a classifier). */
  get classes(): string[] {
    return this.#classifier?.classes.slice() ?? [];
  }

  /**
   * Embeddings of every window of a raw recording.
   *
   * @param recording Samples (x y z), their rate in Hz and their units (`g` or `m/s^2`).
   * @param options Hop, batch size and which features.
   * @returns One row per window, and each window's start in seconds.
   */
  async embed(recording: Recording, options: PipelineOptions = {}): Promise<RecordingEmbeddings> {
    const model = this.#live();
    const { data, starts } = this.#windows(model, recording, options);
    const { batchSize = CLASSIFY_DEFAULTS.batchSize, features = "z" } = options;
    const e = await model.encode(data, { batchSize, features });
    return { ...e, starts: [...starts] };
  }

  /**
   * The classifier's label for every window of a raw recording.
   *
   * @param recording Samples (x y z), their rate in Hz and their units (`g` or `m/s^2`).
   * @param options Hop and batch size.
   * @returns Labels, probabilities `[windows, classes]`, class names and start times in seconds.
   */
  async predict(
    recording: Recording,
    options: PipelineOptions = {},
  ): Promise<RecordingPredictions> {
    const model = this.#live();
    if (!this.#classifier) {
      throw new Error(
        "predict: this pipeline has no classifier; load it with loadPipeline(name, { classifier })",
      );
    }
    const { data, starts } = this.#windows(model, recording, options);
    const batchSize = options.batchSize ?? CLASSIFY_DEFAULTS.batchSize;
    const p = await this.#classifier.predict(data, { batchSize });
    return { ...p, starts: [...starts] };
  }

  /** Frees the model and the classifier; a second call does nothing. */
  dispose(): void {
    this.#classifier?.dispose();
    this.#model?.dispose();
    this.#classifier = this.#model = null;
  }

  #live(): FlowFM {
    if (!this.#model) throw new Error("pipeline: used after dispose()");
    return this.#model;
  }

  #windows(model: FlowFM, recording: Recording, options: PipelineOptions) {
    const { length, sampleRate, clip } = model.windowSpec("pipeline");
    const hopSeconds = options.hopSeconds ?? CLASSIFY_DEFAULTS.hopSeconds;
    return recordingWindows(recording, { length, sampleRate, clip, hopSeconds });
  }
}

/**
 * Loads a shipped pretrained model, and a classifier, as one pipeline that takes raw recordings
 * at any rate and in any units. The model's SHA-256 is checked against its checksum file, and a
 * probe classifier checks that it was fitted on this model's encoder.
 *
 * @param name Which pretrained model.
 * @param options `classifier` (a shipped name or a file's bytes), `baseUrl`, `signal`, `timeoutMs`.
 * @returns The pipeline; call `dispose()` when done.
 * @example Label a recording in m/s^2 at 50 Hz
 * ```ts
 * import assert from "node:assert/strict";
 * import { initBackend, loadPipeline } from "../../mod.ts";
 * await initBackend("cpu"); // or "auto"
 * const pipe = await loadPipeline("small", { classifier: "uci-hapt" });
 * // 30 s of a phone lying flat, in m/s^2 at 50 Hz: x y z interleaved (or [[x, y, z], ...]).
 * const samples = new Float32Array(1500 * 3).map((_, i) => (i % 3 === 2 ? 9.81 : 0.05));
 * const { labels, starts } = await pipe.predict({ samples, rate: 50, units: "m/s^2" });
 * assert.deepEqual(starts, [0, 5, 10, 15, 20]); // 10 s windows, 5 s apart
 * assert.equal(labels.length, 5);
 * const { dim, count } = await pipe.embed({ samples, rate: 50, units: "m/s^2" });
 * assert.ok(count === 5 && dim === 512);
 * pipe.dispose();
 * ```
 */
export async function loadPipeline(
  name: PretrainedName = "small",
  options: PipelineLoadOptions = {},
): Promise<Pipeline> {
  const { classifier, ...load } = options;
  let bytes: Uint8Array | null = null, source = "classifier";
  if (typeof classifier === "string") {
    const shipped = SHIPPED_CLASSIFIERS[classifier];
    if (!shipped) {
      throw new Error(
        `loadPipeline: options.classifier "${classifier}" is not shipped; shipped: ` +
          `${Object.keys(SHIPPED_CLASSIFIERS).join(", ")} (or pass a classifier file's bytes)`,
      );
    }
    if (shipped.model !== name) {
      throw new Error(
        `loadPipeline: the "${classifier}" classifier runs on the "${shipped.model}" model, not "${name}"`,
      );
    }
    const url = new URL(shipped.file, pretrainedUrl(name, load.baseUrl));
    ({ bytes, name: source } = await readSource(url, load));
  } else if (classifier !== undefined) {
    if (!(classifier instanceof Uint8Array)) {
      throw new Error(
        `loadPipeline: options.classifier must be a shipped name or a file's bytes, got ${typeof classifier}`,
      );
    }
    bytes = classifier;
  }
  const model = await loadPretrained(name, load);
  try {
    // A fine-tuned classifier carries its own encoder; the pretrained model still embeds.
    const own = bytes && classifierKind(bytes, source) === "finetuned";
    const c = bytes ? await loadClassifier(bytes, source, own ? undefined : model) : null;
    return new Pipeline(model, c);
  } catch (e) {
    model.dispose();
    throw e;
  }
}
