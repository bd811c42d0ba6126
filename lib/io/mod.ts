/**
 * **Deno-only** input and output: atomic writes, data files as streams, the on-disk window cache
 * and the dataset adapters (`uci-hapt`, `sp-sw-har`, `sisfall`, `fallalld`, and the uniform layout
 * of `dsads`, `umafall`, `motionsense`, `smartfallmm`, `ter_har` and users' own folders). This is the one
 * place in the library that uses `Deno.*`; `cli/`, `bench/` and the tests import it, the
 * browser-safe modules never do.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exists } from "./mod.ts";
 * assert.equal(await exists("no/such/file"), false);
 * ```
 *
 * @module
 */
export * from "./files.ts";
export * from "./window_cache.ts";
export {
  type AdapterOptions,
  datasetFiles,
  type DatasetListing,
  type DatasetOptions,
  FALLALLD_PLACEMENTS,
  type FallAllDOptions,
  type FallAllDPlacement,
  listDataset,
  type SpSwHarOptions,
} from "./dataset_files.ts";
export * from "./dataset_names.ts";
export * from "./uniform_index.ts";
export * from "./uniform.ts";
export * from "./duplicates.ts";
export * from "./uci_hapt.ts";
export * from "./sp_sw_har.ts";
export * from "./sisfall.ts";
export * from "./fallalld.ts";
export * from "./datasets.ts";
export * from "./dataset_list.ts";
export * from "./dataset_meta.ts";
