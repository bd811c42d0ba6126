/**
 * The names of the data sets the adapters read, where each was worn, and the name of a user's
 * folder in the uniform layout. Pure constants; import through `lib/io/mod.ts`.
 *
 * @module
 */

/** The public data sets in the uniform layout (`uniform.ts`). */
export type UniformDatasetName = "dsads" | "umafall" | "motionsense" | "smartfallmm" | "ter_har";

/** The uniform-layout data sets of `../shared/data`, in the order the CLI lists them. */
export const UNIFORM_DATASET_NAMES: readonly UniformDatasetName[] = Object.freeze<
  UniformDatasetName[]
>(["dsads", "umafall", "motionsense", "smartfallmm", "ter_har"]);

/** Supported dataset names. */
export type DatasetName = "uci-hapt" | "sp-sw-har" | "sisfall" | "fallalld" | UniformDatasetName;

/** All supported dataset names, in the order the CLI lists them. */
export const DATASET_NAMES: readonly DatasetName[] = Object.freeze<DatasetName[]>([
  "uci-hapt",
  "sp-sw-har",
  "sisfall",
  "fallalld",
  ...UNIFORM_DATASET_NAMES,
]);

/**
 * Where each data set's devices were worn, as a placement filter (`dsads:arm`) names them: from
 * SOURCES.md and the data sets' READMEs. sp-sw-har: the watch `sw` is `wrist`, the phone `sp`
 * `pocket` (its `executions_info.csv` gives the phone's orientation front / back, normal or
 * inverted, in a trouser pocket, as the data article describes).
 */
export const DATASET_PLACEMENTS: Readonly<Record<DatasetName, readonly string[]>> = Object.freeze({
  "uci-hapt": ["waist"],
  "sp-sw-har": ["pocket", "wrist"],
  "sisfall": ["waist"],
  "fallalld": ["neck", "wrist", "waist"],
  "dsads": ["torso", "arm", "leg"],
  "umafall": ["pocket", "wrist", "chest", "waist", "ankle"],
  "motionsense": ["pocket"],
  "smartfallmm": ["wrist", "hip", "pocket"],
  "ter_har": ["wrist"],
});

/**
 * Whether a data set name is one of the uniform-layout sets.
 *
 * @param name A data set name.
 * @returns True for `dsads`, `umafall`, `motionsense`, `smartfallmm` and `ter_har`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isUniformDataset } from "./dataset_names.ts";
 * assert.ok(isUniformDataset("dsads") && !isUniformDataset("sisfall"));
 * ```
 */
export function isUniformDataset(name: string): name is UniformDatasetName {
  return (UNIFORM_DATASET_NAMES as readonly string[]).includes(name);
}

/** The name a user's folder in the uniform layout has in a data set list. */
export const FOLDER_DATASET = "folder";

/** A data set as `loadDataset` takes it: a public set's name, or `"folder"`. */
export type DatasetKind = DatasetName | typeof FOLDER_DATASET;
