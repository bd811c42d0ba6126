/**
 * Probe classifier files: one safetensors file with the probe's weights (`probe.w` `[dim, classes]`,
 * `probe.b` `[classes]`) and feature standardisation (`features.mean`, `features.sd`, `[dim]`), and
 * in `__metadata__`: `format: "flowfm-classifier"`, `version`, `classes` (JSON array), `window`
 * (length, channels, sampleRate, clip), `encoder_sha256` (see `encoderDigest`), `fit` and `features`
 * (what the probe reads: `z`, `stages` or `z+handcrafted`; absent in older files, meaning `z`).
 * A fine-tuned classifier's file (`finetuned_classifier.ts`) has the same `format` with `kind`
 * `finetuned`; `loadClassifier` (`load_classifier.ts`) reads both.
 *
 * @module
 */
import type { FlowFM } from "../model/flowfm.ts";
import { decodeSafetensors, encodeSafetensors } from "../weights/safetensors.ts";
import type { SafetensorsTensor } from "../weights/safetensors.ts";
import { CLASSIFIER_FORMAT as FORMAT, WeightsError } from "../weights/model_file.ts";
import { LinearProbe } from "../train/linear_probe.ts";
import type { ClassifierWindow } from "./classifier.ts";
import { checkEncoder } from "./encoder_digest.ts";
import { featureDim, FEATURES, type Features } from "./features.ts";

/** How a probe classifier was fitted. */
export interface ClassifierFit {
  /** Labelled windows per class. */
  counts: Record<string, number>;
  /** Accuracy on all labelled windows it was fitted on (training and validation). */
  trainingAccuracy: number;
  /** Chosen L2 strength of the probe. */
  l2: number;
  /** Probe iteration whose weights were kept. */
  iteration: number;
  /** The probe's solver (absent in files written before it was recorded: `adam`). */
  solver?: "adam" | "lbfgs";
}

/** What a probe classifier file holds (an `ActivityClassifier` has all of it). */
export interface ProbeFileParts {
  /** Standardisation and linear layer. */
  probe: LinearProbe;
  /** Class names, one per probe output. */
  classes: string[];
  /** Window geometry of the encoder. */
  window: ClassifierWindow;
  /** Digest of the encoder weights it was fitted on (`encoderDigest`). */
  encoderSha256: string;
  /** How it was fitted. */
  fit: ClassifierFit;
  /** What the probe reads. */
  features: Features;
}

const VERSION = "1";
const TENSORS = ["features.mean", "features.sd", "probe.b", "probe.w"];

/**
 * Serialises a probe classifier to the bytes of one safetensors file (any classifier:
 * `classifier.serialize()`).
 *
 * @param classifier The probe classifier (or its parts).
 * @returns The file's bytes (deterministic).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FlowFM, initBackend, presetConfig } from "../../mod.ts";
 * import { fitClassifier } from "./probe_classifier.ts";
 * import { loadClassifier } from "./load_classifier.ts";
 * import { serializeClassifier } from "./probe_file.ts";
 * await initBackend("cpu");
 * const model = new FlowFM(presetConfig("tiny"));
 * const windows = new Float32Array(6 * 900).map((_, i) => Math.sin(i / (1 + (i / 900 | 0) % 2)));
 * const c = await fitClassifier(model, windows, [..."ababab"], { probe: { maxIterations: 10 } });
 * const loaded = await loadClassifier(serializeClassifier(c), "demo.safetensors", model);
 * assert.deepEqual((await loaded.predict(windows)).labels, (await c.predict(windows)).labels);
 * model.dispose();
 * ```
 */
export function serializeClassifier(classifier: ProbeFileParts): Uint8Array {
  const { probe, classes } = classifier;
  const dim = probe.mean.length, k = classes.length;
  const t = (shape: number[], data: Float32Array): SafetensorsTensor => ({
    dtype: "F32",
    shape,
    data,
  });
  return encodeSafetensors({
    "features.mean": t([dim], probe.mean),
    "features.sd": t([dim], probe.sd),
    "probe.w": t([dim, k], probe.w),
    "probe.b": t([k], probe.b),
  }, {
    format: FORMAT,
    version: VERSION,
    classes: JSON.stringify(classes),
    window: JSON.stringify(classifier.window),
    encoder_sha256: classifier.encoderSha256,
    fit: JSON.stringify(classifier.fit),
    features: classifier.features,
  });
}

function parseJson(text: string | undefined, field: string, fail: (m: string) => never): unknown {
  if (text === undefined) fail(`__metadata__.${field} is missing`);
  try {
    return JSON.parse(text!);
  } catch (e) {
    return fail(`__metadata__.${field} is not valid JSON (${(e as Error).message})`);
  }
}

/**
 * Reads a probe classifier file and checks it against the encoder it is to run on. Everything is
 * validated; errors name the file. Fails when `model`'s geometry or encoder weights (SHA-256)
 * differ from the ones the classifier was fitted with. `loadClassifier` is the public entry.
 *
 * @param bytes The file's bytes.
 * @param source The file's name, for error messages.
 * @param model The encoder to predict with.
 * @returns The file's parts.
 * @throws WeightsError or SafetensorsError naming the file and the field or tensor at fault, or
 *   an Error saying the classifier was fitted on another encoder.
 */
export async function decodeProbeFile(
  bytes: Uint8Array,
  source: string,
  model: FlowFM,
): Promise<ProbeFileParts> {
  const fail = (m: string): never => {
    throw new WeightsError(source, m);
  };
  const { tensors, metadata } = decodeSafetensors(bytes, { source });
  if (metadata.format !== FORMAT) {
    fail(
      `__metadata__.format is ${
        JSON.stringify(metadata.format)
      }, expected "${FORMAT}" (not a FlowFM classifier file)`,
    );
  }
  if (metadata.version !== VERSION) {
    fail(`__metadata__.version is ${JSON.stringify(metadata.version)}, expected "${VERSION}"`);
  }
  const classes = parseJson(metadata.classes, "classes", fail);
  if (
    !Array.isArray(classes) || classes.length < 2 || !classes.every((c) => typeof c === "string") ||
    new Set(classes).size !== classes.length
  ) {
    fail("__metadata__.classes must be a JSON array of at least 2 distinct strings");
  }
  const window = parseJson(metadata.window, "window", fail) as ClassifierWindow;
  const spec = model.windowSpec("loadClassifier");
  for (const key of ["length", "channels", "sampleRate", "clip"] as const) {
    if (typeof window?.[key] !== "number") fail(`__metadata__.window.${key} is not a number`);
    if (window[key] !== spec[key]) {
      fail(`window ${key} is ${window[key]}, the model's is ${spec[key]}`);
    }
  }
  const digest = metadata.encoder_sha256;
  if (!/^[0-9a-f]{64}$/.test(digest ?? "")) {
    fail("__metadata__.encoder_sha256 is not 64 hex digits");
  }
  const fit = parseJson(metadata.fit ?? "{}", "fit", fail) as ClassifierFit;
  const names = [...tensors.keys()].sort();
  if (names.join() !== TENSORS.join()) {
    fail(`tensors are [${names.join(", ")}], expected [${TENSORS.join(", ")}]`);
  }
  const features = (metadata.features ?? "z") as Features; // files before 2026-11-28: z
  if (!FEATURES.includes(features)) {
    fail(
      `__metadata__.features is ${JSON.stringify(features)}, expected ${FEATURES.join(", ")}`,
    );
  }
  const dim = featureDim(model, features), k = (classes as string[]).length;
  const shapes: Record<string, number[]> = {
    "features.mean": [dim],
    "features.sd": [dim],
    "probe.w": [dim, k],
    "probe.b": [k],
  };
  for (const [name, shape] of Object.entries(shapes)) {
    const t = tensors.get(name)!;
    if (t.shape.join() !== shape.join()) {
      fail(
        `tensor "${name}" has shape [${t.shape}], expected [${shape}] (${features} features of ${dim}, ${k} classes)`,
      );
    }
    const bad = t.data.findIndex((v) => !Number.isFinite(v) || (name === "features.sd" && v <= 0));
    if (bad >= 0) fail(`tensor "${name}" holds ${t.data[bad]} at index ${bad}`);
  }
  await checkEncoder(model, digest, source);
  const probe = new LinearProbe(
    tensors.get("features.mean")!.data,
    tensors.get("features.sd")!.data,
    tensors.get("probe.w")!.data,
    tensors.get("probe.b")!.data,
    { l2: fit.l2 ?? NaN, iteration: fit.iteration ?? 0, valLoss: NaN },
  );
  return { probe, classes: classes as string[], window, encoderSha256: digest!, fit, features };
}
