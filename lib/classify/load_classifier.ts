/**
 * One loader for every classifier file: it reads `__metadata__.kind` and returns a probe bound to
 * the model it is given, or a fine-tuned classifier with the encoder it carries.
 *
 * @module
 */
import type { FlowFM } from "../model/flowfm.ts";
import { CLASSIFIER_FORMAT, WeightsError } from "../weights/model_file.ts";
import { decodeSafetensors } from "../weights/safetensors.ts";
import type { Classifier, ClassifierKind } from "./classifier.ts";
import { loadFinetunedClassifier } from "./finetuned_classifier.ts";
import { ActivityClassifier } from "./probe_classifier.ts";
import { decodeProbeFile } from "./probe_file.ts";

/**
 * The kind of classifier a file holds, from its metadata alone (no model needed).
 *
 * @param bytes A classifier file's bytes.
 * @param source The file's name, for error messages.
 * @returns `"finetuned"` when the file carries its own encoder, else `"probe"`.
 * @throws WeightsError or SafetensorsError naming the file when it is not a classifier file.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { classifierKind } from "./load_classifier.ts";
 * const file = await Deno.readFile(new URL("../../weights/flowfm-small.uci-hapt.classifier.safetensors", import.meta.url));
 * assert.equal(classifierKind(file), "probe");
 * assert.throws(() => classifierKind(new Uint8Array(4), "x.bin"), /x\.bin/);
 * ```
 */
export function classifierKind(bytes: Uint8Array, source = "classifier"): ClassifierKind {
  const { metadata } = decodeSafetensors(bytes, { source });
  if (metadata.format !== CLASSIFIER_FORMAT) {
    throw new WeightsError(
      source,
      `__metadata__.format is ${
        JSON.stringify(metadata.format)
      }, expected "${CLASSIFIER_FORMAT}" (not a FlowFM classifier file)`,
    );
  }
  return metadata.kind === "finetuned" ? "finetuned" : "probe";
}

/**
 * Reads a classifier file of either kind. A probe runs on the encoder it was fitted on, so it
 * needs `model` (checked by the SHA-256 of its encoder weights, and not owned: the caller
 * disposes it); a fine-tuned classifier carries its encoder, so it takes no `model`. Everything
 * is validated; errors name the file.
 *
 * @param bytes The file's bytes (from `classifier.serialize()` or `cli/fit.ts`).
 * @param source The file's name, for error messages.
 * @param model The encoder a probe predicts with; leave it out for a fine-tuned classifier.
 * @returns The classifier; `dispose()` it when done.
 * @throws WeightsError or SafetensorsError naming the file and the field or tensor at fault, an
 *   Error saying the probe was fitted on another encoder, or that `model` is missing or not
 *   wanted.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initBackend, loadPretrained } from "../../mod.ts";
 * import { loadClassifier } from "./load_classifier.ts";
 * await initBackend("cpu");
 * const model = await loadPretrained("small");
 * const url = new URL("../../weights/flowfm-small.uci-hapt.classifier.safetensors", import.meta.url);
 * const classifier = await loadClassifier(await Deno.readFile(url), "uci-hapt", model);
 * assert.equal(classifier.kind, "probe");
 * const { labels } = await classifier.predict(new Float32Array(900).map((_, i) => i % 3 === 0 ? 1 : 0));
 * assert.equal(labels.length, 1);
 * classifier.dispose();
 * model.dispose();
 * ```
 */
export async function loadClassifier(
  bytes: Uint8Array,
  source = "classifier",
  model?: FlowFM,
): Promise<Classifier> {
  if (classifierKind(bytes, source) === "finetuned") {
    if (model) {
      throw new Error(
        `${source}: a fine-tuned classifier carries its own encoder; load it without a model`,
      );
    }
    return loadFinetunedClassifier(bytes, source);
  }
  if (!model) {
    throw new Error(
      `${source}: a probe classifier runs on the model it was fitted on; pass that model ` +
        "(loadClassifier(bytes, source, model))",
    );
  }
  const p = await decodeProbeFile(bytes, source, model);
  return new ActivityClassifier(
    model,
    p.probe,
    p.classes,
    p.window,
    p.encoderSha256,
    p.fit,
    source,
    p.features,
  );
}
