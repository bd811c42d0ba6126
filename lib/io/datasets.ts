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
 * - `dsads`, `umafall`, `motionsense`, `smartfallmm`, `ter_har`, and a user's own folder: the
 *   uniform layout (`uniform.ts`): `<subject>/<recording>.csv.gz` with `t,x,y,z,label` and an
 *   `index.csv` naming each recording's subject, label and placement.
 *
 * This module holds {@linkcode loadDataset}, which loads any of them through the window cache;
 * `dataset_list.ts` parses lists such as `uci-hapt,fallalld:wrist,dsads:arm,./my-data`, and
 * `dataset_meta.ts` loads a list with each window's data set, subject and placement as integers.
 * The adapters live in `uci_hapt.ts`, `sp_sw_har.ts`, `sisfall.ts`, `fallalld.ts` and
 * `uniform.ts`, the shared pieces in `dataset_files.ts`. Import through `lib/io/mod.ts`.
 *
 * @module
 */

import type { WindowStream } from "../data/types.ts";
import type { WindowSet } from "../data/window_set.ts";
import { collectWindows } from "../data/window_set.ts";
import { sha256Hex } from "../sha256.ts";
import { type DatasetOptions, type FallAllDOptions, listDataset } from "./dataset_files.ts";
import {
  DATASET_NAMES,
  DATASET_PLACEMENTS,
  type DatasetKind,
  type DatasetName,
  FOLDER_DATASET,
  isUniformDataset,
} from "./dataset_names.ts";
import { fallAllDPlacement, readFallAllD } from "./fallalld.ts";
import { sourceFingerprint } from "./files.ts";
import { readSisFall } from "./sisfall.ts";
import { readSpSwHar } from "./sp_sw_har.ts";
import { readUciHapt } from "./uci_hapt.ts";
import { readUniform } from "./uniform.ts";
import { readUniformIndex, type UniformRecording } from "./uniform_index.ts";
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
   * @default {name, with the placements when filtered}
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
  /** Where the device of each window was worn (`wrist`, `waist`, ...; null when unknown). */
  placements: (string | null)[];
}

const READERS: Record<DatasetName, (root: string, o: DatasetOptions) => WindowStream> = {
  "uci-hapt": readUciHapt,
  "sp-sw-har": readSpSwHar,
  "sisfall": readSisFall,
  "fallalld": (root, o) => readFallAllD(root, o as FallAllDOptions),
  "dsads": readUniform,
  "umafall": readUniform,
  "motionsense": readUniform,
  "smartfallmm": readUniform,
  "ter_har": readUniform,
};

/** The placement of each window, from its source file and (uniform layout) the index. */
function windowPlacements(
  name: DatasetKind,
  sources: readonly string[],
  index: UniformRecording[] | null,
): (string | null)[] {
  if (index) {
    const by = new Map(index.map((r) => [r.file, r.placement || null]));
    return sources.map((s) => by.get(s) ?? null);
  }
  if (name === "fallalld") return sources.map((s) => fallAllDPlacement(s));
  if (name === "sp-sw-har") {
    return sources.map((s) => /_sw\.csv/.test(s) ? "wrist" : /_sp\.csv/.test(s) ? "pocket" : null);
  }
  const only = DATASET_PLACEMENTS[name as DatasetName];
  return sources.map(() => only?.length === 1 ? only[0] : null);
}

/**
 * Loads a whole dataset into memory, through the binary window cache (Deno only). The
 * cache is rebuilt when the files (names, sizes, mtimes) or the options change; a placement
 * filter is part of both the cache file's name and its key.
 *
 * @param name Dataset, or `"folder"` for a folder in the uniform layout.
 * @param root Dataset root.
 * @param options Windowing, filters and cache folder.
 * @returns All windows with stats, placements and notes on files left out.
 * @throws {RangeError} On a placement the data set does not have.
 *
 * @example
 * ```ts ignore
 * import { loadDataset } from "./mod.ts";
 * const ds = await loadDataset("fallalld", "../shared/data/fallalld", { placements: ["wrist"] });
 * console.log(ds.count, ds.stats.dropped, ds.notes);
 * ```
 */
export async function loadDataset(
  name: DatasetKind,
  root: string,
  options: LoadDatasetOptions = {},
): Promise<LoadedDataset> {
  const { cacheDir = ".cache/flowfm-data", cacheName, ...rest } = options;
  const folder = name === FOLDER_DATASET;
  if (!folder && !READERS[name]) {
    throw new RangeError(`unknown dataset "${name}" (use ${DATASET_NAMES.join(", ")})`);
  }
  const uniform = folder || isUniformDataset(name);
  const index = uniform ? await readUniformIndex(root) : null;
  if (rest.placements) {
    const known = index
      ? [...new Set(index.map((r) => r.placement))].sort()
      : DATASET_PLACEMENTS[name as DatasetName];
    const bad = rest.placements.filter((p) => !known.includes(p));
    if (bad.length > 0) {
      const what = folder ? `${root}/index.csv` : name;
      throw new RangeError(
        `${what} has no placement ${bad.map((p) => `"${p}"`).join(", ")} (it has ${
          known.join(", ")
        })`,
      );
    }
  }
  const reader = folder ? readUniform : READERS[name as DatasetName];
  const listing = folder ? "dsads" : name; // any uniform name lists a folder the same way
  const { files, notes } = await listDataset(listing as DatasetName, root, rest);
  const build = () => collectWindows(reader(root, rest));
  const done = (set: WindowSet, fromCache: boolean, cacheFile?: string): LoadedDataset => ({
    ...set,
    fromCache,
    ...(cacheFile ? { cacheFile } : {}),
    notes,
    placements: windowPlacements(name, set.sources, index),
  });
  if (cacheDir === null) return done(await build(), false);
  const extra = name === "uci-hapt"
    ? ["RawData/labels.txt", "activity_labels.txt"]
    : uniform
    ? ["index.csv"]
    : [];
  const fp = await sourceFingerprint([...files, ...extra].map((f) => `${root}/${f}`));
  const places = rest.placements ? `-${rest.placements.join("-")}` : "";
  // Pretraining reads windows without labels (every window kept), evaluation with them: two sets,
  // two files, so that switching between training and evaluating does not rebuild the cache.
  const unlabelled = rest.labelPolicy === "ignore" ? "-unlabelled" : "";
  const base = folder ? await folderCacheName(root) : name;
  const cacheFile = `${cacheDir}/${cacheName ?? `${base}${places}${unlabelled}`}.ffmwin`;
  const { set, fromCache } = await cachedWindowSet(
    cacheFile,
    { adapter: folder ? "uniform" : name, version: 1, options: rest, files: fp },
    build,
  );
  return done(set, fromCache, cacheFile);
}

/** `folder-<basename>-<8 hex of the path>`: a cache name per user folder. */
async function folderCacheName(root: string): Promise<string> {
  const base = root.replace(/\/+$/, "").split("/").pop()!.replace(/[^A-Za-z0-9_.-]/g, "_");
  const hash = (await sha256Hex(new TextEncoder().encode(root))).slice(0, 8);
  return `folder-${base || "root"}-${hash}`;
}
