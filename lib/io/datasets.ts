/**
 * **Deno-only** loading of the public data sets by name, reading from a root directory:
 *
 * - `uci-hapt`: UCI HAPT raw data, `RawData/acc_expNN_userMM.txt[.gz]` (x y z in g, 50 Hz,
 *   no timestamps) with `RawData/labels.txt` (exp, user, activity id, start, end; 1-based
 *   inclusive sample numbers) and `activity_labels.txt`. Unlabelled stretches give windows
 *   with label null.
 * - `sp-sw-har`: Matey-Sanz et al. 2023, `DATA/sNN/sNN_EE_{sp,sw}.csv[.gz]` (m/s^2, ms
 *   timestamps, ~100 Hz, label column).
 * - `sisfall`: SisFall, `SA01/D01_SA01_R01.csv.gz` (raw bits, 50 Hz, waist); labels are
 *   activity codes (`D01`-`D19`, falls `F01`-`F15`).
 * - `fallalld`: FallAllD, `S01/S01_D2_A013_T01_A.csv.gz` (raw bits, 59.5 Hz; neck, wrist or
 *   waist); labels are activity codes (`A001`-`A044`, falls `A101`-`A135`).
 *
 * This module holds {@linkcode loadDataset}, which loads any of them through the window cache,
 * and {@linkcode parseDatasetList} for lists such as `uci-hapt,fallalld:wrist`; the adapters
 * live in `uci_hapt.ts`, `sp_sw_har.ts`, `sisfall.ts` and `fallalld.ts`, the shared pieces in
 * `dataset_files.ts`. Import through `lib/io/mod.ts`.
 *
 * @module
 */

import type { WindowStream } from "../data/types.ts";
import type { WindowSet } from "../data/window_set.ts";
import { collectWindows } from "../data/window_set.ts";
import {
  DATASET_NAMES,
  type DatasetName,
  type DatasetOptions,
  type FallAllDPlacement,
  listDataset,
} from "./dataset_files.ts";
import { parsePlacements, readFallAllD } from "./fallalld.ts";
import { sourceFingerprint } from "./files.ts";
import { readSisFall } from "./sisfall.ts";
import { readSpSwHar } from "./sp_sw_har.ts";
import { readUciHapt } from "./uci_hapt.ts";
import { cachedWindowSet } from "./window_cache.ts";

/** Options of {@linkcode loadDataset}. */
export interface LoadDatasetOptions extends DatasetOptions {
  /**
   * Cache folder; the cache file is `<cacheDir>/<name>.ffmwin` (`fallalld-wrist.ffmwin` and
   * the like with a placement filter; `-unlabelled` added with `labelPolicy: "ignore"`). null
   * disables caching.
   * @default {".cache/flowfm-data"}
   */
  cacheDir?: string | null;
  /**
   * Cache file name without `.ffmwin`, for sets that must not share the data set's cache
   * (e.g. the bundled excerpt).
   * @default {name, with the placements for FallAllD}
   */
  cacheName?: string;
}

/** A loaded dataset: all windows plus whether they came from the cache. */
export interface LoadedDataset extends WindowSet {
  /** True when read from the window cache. */
  fromCache: boolean;
  /** The cache file read or written (absent without a cache), so that errors can name it. */
  cacheFile?: string;
  /** Files left out on purpose and why (e.g. SisFall's upstream duplicate), one per line. */
  notes: string[];
}

const READERS: Record<DatasetName, (root: string, o: DatasetOptions) => WindowStream> = {
  "uci-hapt": readUciHapt,
  "sp-sw-har": readSpSwHar,
  "sisfall": readSisFall,
  "fallalld": readFallAllD,
};

/**
 * Loads a whole dataset into memory, through the binary window cache (Deno only). The
 * cache is rebuilt when the files (names, sizes, mtimes) or the options change.
 *
 * @param name Dataset.
 * @param root Dataset root.
 * @param options Windowing, filters and cache folder.
 * @returns All windows with stats and notes on files left out.
 *
 * @example
 * ```ts ignore
 * import { loadDataset } from "./mod.ts";
 * const ds = await loadDataset("fallalld", "../shared/data/fallalld", { placements: ["wrist"] });
 * console.log(ds.count, ds.stats.dropped, ds.notes);
 * ```
 */
export async function loadDataset(
  name: DatasetName,
  root: string,
  options: LoadDatasetOptions = {},
): Promise<LoadedDataset> {
  const { cacheDir = ".cache/flowfm-data", cacheName, ...rest } = options;
  const reader = READERS[name];
  if (!reader) throw new RangeError(`unknown dataset "${name}" (use ${DATASET_NAMES.join(", ")})`);
  const { files, notes } = await listDataset(name, root, rest);
  const build = () => collectWindows(reader(root, rest));
  if (cacheDir === null) return { ...(await build()), fromCache: false, notes };
  const extra = name === "uci-hapt" ? ["RawData/labels.txt", "activity_labels.txt"] : [];
  const fp = await sourceFingerprint([...files, ...extra].map((f) => `${root}/${f}`));
  const places = name === "fallalld" && rest.placements ? `-${rest.placements.join("-")}` : "";
  // Pretraining reads windows without labels (every window kept), evaluation with them: two sets,
  // two files, so that switching between training and evaluating does not rebuild the cache.
  const unlabelled = rest.labelPolicy === "ignore" ? "-unlabelled" : "";
  const cacheFile = `${cacheDir}/${cacheName ?? `${name}${places}${unlabelled}`}.ffmwin`;
  const { set, fromCache } = await cachedWindowSet(
    cacheFile,
    { adapter: name, version: 1, options: rest, files: fp },
    build,
  );
  return { ...set, fromCache, cacheFile, notes };
}

/** One entry of a data set list: a name and, for FallAllD, the placements to read. */
export interface DatasetSpec {
  /** Dataset name. */
  name: DatasetName;
  /** FallAllD logger placements (all when unset). */
  placements?: FallAllDPlacement[];
}

/**
 * Parses a comma-separated data set list as the CLI's `--dataset` takes it: names, and
 * `fallalld:PLACEMENT` with `neck`, `wrist`, `waist` or several joined by `+` or `,`
 * (`fallalld:wrist,waist` reads both: a bare placement name after a `fallalld:` entry
 * extends it).
 *
 * @param text E.g. `"uci-hapt,sisfall,fallalld:wrist"`.
 * @returns One spec per data set, in order.
 * @throws {RangeError} On an unknown name or placement, or a placement on another data set.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseDatasetList } from "./datasets.ts";
 * assert.deepEqual(parseDatasetList("uci-hapt,fallalld:wrist,waist"), [
 *   { name: "uci-hapt" },
 *   { name: "fallalld", placements: ["wrist", "waist"] },
 * ]);
 * ```
 */
export function parseDatasetList(text: string): DatasetSpec[] {
  const out: DatasetSpec[] = [];
  for (const raw of text.split(",")) {
    const token = raw.trim();
    const last = out[out.length - 1];
    if (last?.placements && !token.includes(":") && !DATASET_NAMES.includes(token as DatasetName)) {
      for (const p of parsePlacements(token)) {
        if (!last.placements.includes(p)) last.placements.push(p);
      }
      continue;
    }
    const colon = token.indexOf(":");
    const name = (colon < 0 ? token : token.slice(0, colon)) as DatasetName;
    if (!DATASET_NAMES.includes(name)) {
      throw new RangeError(`unknown dataset "${token}" (use ${DATASET_NAMES.join(", ")})`);
    }
    if (colon < 0) out.push({ name });
    else if (name !== "fallalld") {
      throw new RangeError(`"${token}": only fallalld takes a placement (fallalld:wrist)`);
    } else out.push({ name, placements: parsePlacements(token.slice(colon + 1)) });
  }
  return out;
}
