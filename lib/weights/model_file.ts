/**
 * Model files: safetensors with float32 tensors named as the model's parameters, and the full
 * {@link FlowFMConfig} in `__metadata__`, so a model rebuilds from the file alone. Training
 * checkpoints are the same format with `kind: "checkpoint"`, plus the optimizer's moments
 * (`optimizer.*` tensors) and the trainer's state in the metadata.
 *
 * Loading validates everything and never drops a mismatched key: a missing, extra, wrongly shaped
 * or non-finite tensor, an unknown format version or a bad config each fail with an error naming
 * the tensor or field.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { FlowFMConfig } from "../model/config.ts";
import { validateConfig } from "../model/validate_config.ts";
import { FlowFM } from "../model/flowfm.ts";
import {
  decodeSafetensors,
  encodeSafetensors,
  SafetensorsError,
  type SafetensorsTensor,
} from "./safetensors.ts";

/** Metadata keys written by this library. */
const FORMAT_KEY = "format";
const FORMAT_VALUE = "flowfm";
/** `__metadata__.format` of a classifier file (lib/classify), which holds no model to load here. */
export const CLASSIFIER_FORMAT = "flowfm-classifier";

/** What a weights file holds. */
export type WeightsKind = "model" | "checkpoint";

/** Extra content of a checkpoint. */
export interface CheckpointExtras {
  /** Tensors stored beside the model's (names must start with `optimizer.`). */
  tensors: Map<string, SafetensorsTensor>;
  /** Extra metadata (JSON strings), e.g. `trainer`. */
  metadata: Record<string, string>;
}

/** Error in a weights file; `field` or `tensor` names the part at fault. */
export class WeightsError extends Error {
  /**
   * Creates the error.
   *
   * @param source File name or description.
   * @param detail What is wrong.
   */
  constructor(source: string, detail: string) {
    super(`${source}: ${detail}`);
    this.name = "WeightsError";
  }
}

/**
 * Serialises a model (and, for checkpoints, extras) to safetensors bytes.
 *
 * @param model The model; its config is stored with `step` and `seed` as given.
 * @param options `step` to record, checkpoint extras, and `dtype`: how the weights are stored
 *   (`"F32"`, or `"F16"` for half the size; optimizer moments stay F32). Weights are always
 *   computed in float32; `metadata`: provenance strings (data, recipe, command) that `inspect`
 *   shows, under keys other than the reserved `format`, `kind` and `config`.
 * @returns The file's bytes.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FlowFM, initBackend, presetConfig, serializeModel } from "../../mod.ts";
 * await initBackend("cpu");
 * const model = new FlowFM(presetConfig("tiny"));
 * const bytes = await serializeModel(model);
 * assert(bytes.length > 1000);
 * model.dispose();
 * ```
 */
export async function serializeModel(
  model: FlowFM,
  options: {
    step?: number;
    checkpoint?: CheckpointExtras;
    dtype?: "F32" | "F16";
    metadata?: Record<string, string>;
  } = {},
): Promise<Uint8Array> {
  const config: FlowFMConfig = { ...model.config, step: options.step ?? model.config.step };
  const tensors = new Map<string, SafetensorsTensor>();
  for (const [name, v] of model.params.vars) {
    tensors.set(name, {
      dtype: options.dtype ?? "F32",
      shape: v.shape.slice(),
      data: new Float32Array(await v.data()),
    });
  }
  const metadata: Record<string, string> = {
    [FORMAT_KEY]: FORMAT_VALUE,
    kind: options.checkpoint ? "checkpoint" : "model",
    config: JSON.stringify(config),
  };
  const extra = { ...options.metadata, ...options.checkpoint?.metadata };
  for (const [k, v] of Object.entries(extra)) {
    if (k in metadata) throw new Error(`weights metadata key "${k}" is reserved`);
    metadata[k] = v;
  }
  if (options.checkpoint) {
    for (const [name, t] of options.checkpoint.tensors) {
      if (!name.startsWith("optimizer.")) {
        throw new Error(`checkpoint tensor "${name}" must start with "optimizer."`);
      }
      tensors.set(name, t);
    }
  }
  return encodeSafetensors(tensors, metadata);
}

/** A decoded weights file. */
export interface LoadedWeights {
  /** The rebuilt model, weights assigned. */
  model: FlowFM;
  /** `model` or `checkpoint`. */
  kind: WeightsKind;
  /** Checkpoint extras (empty for a model file). */
  extras: CheckpointExtras;
}

/**
 * Checks the `__metadata__` of a FlowFM weights file and returns its kind and configuration.
 *
 * @param metadata The safetensors metadata.
 * @param source File name or URL for error messages.
 * @returns The kind (`model` or `checkpoint`) and the validated config.
 * @throws WeightsError naming the metadata field at fault.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { presetConfig, readWeightsMetadata } from "../../mod.ts";
 * const md = { format: "flowfm", kind: "model", config: JSON.stringify(presetConfig("tiny")) };
 * assert(readWeightsMetadata(md, "demo").config.preset === "tiny");
 * ```
 */
export function readWeightsMetadata(
  metadata: Record<string, string>,
  source: string,
): { kind: WeightsKind; config: FlowFMConfig } {
  if (metadata[FORMAT_KEY] !== FORMAT_VALUE) {
    throw new WeightsError(
      source,
      `__metadata__.${FORMAT_KEY} is ${
        JSON.stringify(metadata[FORMAT_KEY])
      }, expected "${FORMAT_VALUE}" (${
        metadata[FORMAT_KEY] === CLASSIFIER_FORMAT
          ? "a classifier file, not a model: loadClassifier reads it, cli/predict.ts takes it as --classifier"
          : "not a FlowFM weights file"
      })`,
    );
  }
  const kind = metadata.kind as WeightsKind;
  if (kind !== "model" && kind !== "checkpoint") {
    throw new WeightsError(
      source,
      `__metadata__.kind is ${JSON.stringify(metadata.kind)}, expected "model" or "checkpoint"`,
    );
  }
  try {
    return { kind, config: validateConfig(JSON.parse(metadata.config ?? "null")) };
  } catch (e) {
    throw new WeightsError(source, `__metadata__.config: ${(e as Error).message}`);
  }
}

/**
 * Parses and validates a weights file and rebuilds the model from it.
 *
 * @param bytes The file's bytes.
 * @param source File name or URL for error messages.
 * @returns The model and, for checkpoints, the extras.
 * @throws WeightsError or SafetensorsError naming the field or tensor at fault.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { deserializeModel, FlowFM, initBackend, presetConfig, serializeModel } from "../../mod.ts";
 * await initBackend("cpu");
 * const a = new FlowFM(presetConfig("tiny"));
 * const { model } = deserializeModel(await serializeModel(a), "memory");
 * assert(model.config.preset === "tiny");
 * a.dispose(); model.dispose();
 * ```
 */
export function deserializeModel(bytes: Uint8Array, source = "weights"): LoadedWeights {
  let decoded: ReturnType<typeof decodeSafetensors>;
  try {
    decoded = decodeSafetensors(bytes, { source });
  } catch (e) {
    if (e instanceof SafetensorsError && e.field === "data_offsets") namedMismatch(bytes, source);
    throw e;
  }
  const { tensors, metadata } = decoded;
  const { kind, config } = readWeightsMetadata(metadata, source);
  const model = new FlowFM(config);
  try {
    const extras: CheckpointExtras = { tensors: new Map(), metadata: {} };
    for (const [name, t] of tensors) {
      if (model.params.vars.has(name)) continue;
      if (kind === "checkpoint" && name.startsWith("optimizer.")) extras.tensors.set(name, t);
      else {
        throw new WeightsError(
          source,
          `unexpected tensor "${name}": not a parameter of this ${config.preset} architecture`,
        );
      }
    }
    for (const [name, v] of model.params.vars) {
      const t = tensors.get(name);
      if (!t) throw new WeightsError(source, `missing tensor "${name}" (shape [${v.shape}])`);
      if (t.shape.join() !== v.shape.join()) {
        throw new WeightsError(
          source,
          `tensor "${name}" has shape [${t.shape}], the config expects [${v.shape}]`,
        );
      }
      const bad = t.data.findIndex((x) => !Number.isFinite(x));
      if (bad >= 0) {
        throw new WeightsError(source, `tensor "${name}" holds ${t.data[bad]} at index ${bad}`);
      }
      tf.tidy(() => v.assign(tf.tensor(t.data, t.shape)));
    }
    for (const [k, val] of Object.entries(metadata)) {
      if (![FORMAT_KEY, "kind", "config"].includes(k)) extras.metadata[k] = val;
    }
    return { model, kind, extras };
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/**
 * For a file whose data offsets leave a gap or overlap: the tensors the header lacks or adds
 * against its config's architecture, by name (a WeightsError), when the header and config can
 * be read; otherwise returns and the offset error stands.
 */
function namedMismatch(bytes: Uint8Array, source: string): void {
  let names: string[], config: FlowFMConfig;
  try {
    const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    names = Object.keys(header).filter((k) => k !== "__metadata__");
    config = validateConfig(JSON.parse(header.__metadata__.config));
  } catch {
    return;
  }
  const model = new FlowFM(config), expected = [...model.params.vars.keys()];
  model.dispose();
  const missing = expected.filter((k) => !names.includes(k));
  const extra = names.filter((k) => !expected.includes(k) && !k.startsWith("optimizer."));
  if (missing.length + extra.length === 0) return;
  const list = (what: string, ks: string[]) =>
    ks.length ? [`${what} ${ks.slice(0, 5).map((k) => `"${k}"`).join(", ")}`] : [];
  throw new WeightsError(
    source,
    [...list("missing tensor(s)", missing), ...list("unexpected tensor(s)", extra)].join("; ") +
      " (the header's data offsets do not fit together either)",
  );
}

export { SafetensorsError };
