/**
 * **Deno-only** adapters for the two real datasets, reading from a root directory:
 *
 * - `uci-hapt`: UCI HAPT raw data, `RawData/acc_expNN_userMM.txt[.gz]` (x y z in g, 50 Hz,
 *   no timestamps) with `RawData/labels.txt` (exp, user, activity id, start, end; 1-based
 *   inclusive sample numbers) and `activity_labels.txt`. Unlabelled stretches give windows
 *   with label null.
 * - `sp-sw-har`: Matey-Sanz et al. 2023, `DATA/sNN/sNN_EE_{sp,sw}.csv[.gz]` (m/s^2, ms
 *   timestamps, ~100 Hz, label column).
 *
 * This module holds {@linkcode loadDataset}, which loads either through the window cache; the
 * adapters live in `uci_hapt.ts` and `sp_sw_har.ts`, the shared pieces in `dataset_files.ts`.
 * Import through `lib/io/mod.ts`.
 *
 * @module
 */

import type { WindowSet } from "../data/window_set.ts";
import { collectWindows } from "../data/window_set.ts";
import { datasetFiles, type DatasetName, type SpSwHarOptions } from "./dataset_files.ts";
import { sourceFingerprint } from "./files.ts";
import { readSpSwHar } from "./sp_sw_har.ts";
import { readUciHapt } from "./uci_hapt.ts";
import { cachedWindowSet } from "./window_cache.ts";

/** Options of {@linkcode loadDataset}. */
export interface LoadDatasetOptions extends SpSwHarOptions {
  /**
   * Cache folder; the cache file is `<cacheDir>/<name>.ffmwin`. null disables caching.
   * @default {".cache/flowfm-data"}
   */
  cacheDir?: string | null;
}

/** A loaded dataset: all windows plus whether they came from the cache. */
export interface LoadedDataset extends WindowSet {
  /** True when read from the window cache. */
  fromCache: boolean;
}

/**
 * Loads a whole dataset into memory, through the binary window cache (Deno only). The
 * cache is rebuilt when the files (names, sizes, mtimes) or the options change.
 *
 * @param name Dataset.
 * @param root Dataset root.
 * @param options Windowing, filters and cache folder.
 * @returns All windows with stats.
 *
 * @example
 * ```ts ignore
 * import { loadDataset } from "./mod.ts";
 * const ds = await loadDataset("sp-sw-har", "fixtures/sp-sw-har-excerpt", { overlapSeconds: 8 });
 * console.log(ds.count, ds.stats.dropped);
 * ```
 */
export async function loadDataset(
  name: DatasetName,
  root: string,
  options: LoadDatasetOptions = {},
): Promise<LoadedDataset> {
  const { cacheDir = ".cache/flowfm-data", ...rest } = options;
  const build = () =>
    collectWindows(name === "uci-hapt" ? readUciHapt(root, rest) : readSpSwHar(root, rest));
  if (cacheDir === null) return { ...(await build()), fromCache: false };
  const files = await datasetFiles(name, root, rest);
  const extra = name === "uci-hapt" ? ["RawData/labels.txt", "activity_labels.txt"] : [];
  const fp = await sourceFingerprint([...files, ...extra].map((f) => `${root}/${f}`));
  const { set, fromCache } = await cachedWindowSet(
    `${cacheDir}/${name}.ffmwin`,
    { adapter: name, version: 1, options: rest, files: fp },
    build,
  );
  return { ...set, fromCache };
}
