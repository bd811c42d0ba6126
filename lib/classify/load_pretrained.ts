/**
 * `loadPretrained` as `mod.ts` exports it: the shipped model, or, given a classifier, a pipeline
 * around it (tfjs-models' face: one call to something with `predict` and `dispose`). The
 * model-only form is `lib/weights/pretrained.ts`'s, which the layers below use.
 *
 * @module
 */
import type { FlowFM } from "../model/flowfm.ts";
import {
  loadPretrained as loadPretrainedModel,
  type LoadPretrainedOptions,
  type PretrainedName,
} from "../weights/pretrained.ts";
import { loadPipeline, type Pipeline, type PipelineLoadOptions } from "./pipeline.ts";

/** {@link loadPretrained}'s options with a classifier: a pipeline comes back. */
export type PretrainedPipelineOptions = PipelineLoadOptions & {
  classifier: NonNullable<PipelineLoadOptions["classifier"]>;
};

/**
 * Loads a shipped pretrained model in one line (its SHA-256 checked against the file beside it;
 * card: `weights/README.md`). With `options.classifier` (a name of `SHIPPED_CLASSIFIERS`, such as
 * `"uci-hapt"` for the waist or `"umafall-wrist"` for the wrist, or a classifier file's bytes) it
 * returns a {@link Pipeline} instead, which labels raw recordings at any rate and in any units.
 *
 * @param name Which model.
 * @param options `classifier`, `baseUrl` (where the files are served from), `signal`, `timeoutMs`.
 * @returns The model or the pipeline; call `dispose()` when done.
 * @example A pipeline in one line
 * ```ts
 * import assert from "node:assert/strict";
 * import { initBackend, loadPretrained } from "../../mod.ts";
 * await initBackend("cpu"); // or "auto"
 * const pipe = await loadPretrained("small", { classifier: "uci-hapt" });
 * const samples = new Float32Array(20 * 30 * 3).map((_, i) => (i % 3 === 2 ? 1 : 0)); // 20 s, g
 * const { labels, starts } = await pipe.predict({ samples, rate: 30, units: "g" });
 * assert.deepEqual(starts, [0, 5, 10]);
 * assert.equal(labels.length, 3);
 * pipe.dispose();
 * const model = await loadPretrained("small"); // the model alone
 * assert.equal(model.config.preset, "small");
 * model.dispose();
 * ```
 */
export function loadPretrained(
  name: PretrainedName,
  options: PretrainedPipelineOptions,
): Promise<Pipeline>;
/**
 * Loads a shipped pretrained model (encoder and generator) in one line.
 *
 * @param name Which model.
 * @param options `baseUrl`, `signal`, `timeoutMs`.
 * @returns The model; call `dispose()` when done.
 */
export function loadPretrained(
  name?: PretrainedName,
  options?: LoadPretrainedOptions,
): Promise<FlowFM>;
export function loadPretrained(
  name: PretrainedName = "small",
  options: PipelineLoadOptions = {},
): Promise<FlowFM | Pipeline> {
  return options.classifier === undefined
    ? loadPretrainedModel(name, options)
    : loadPipeline(name, options);
}
