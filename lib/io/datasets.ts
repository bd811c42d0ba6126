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
 * Import through `lib/io/mod.ts`.
 *
 * @module
 */

import { DataError } from "../data/errors.ts";
import { type CsvReaderOptions, readCsvWindows } from "../data/csv_reader.ts";
import { type AccelWindow, addStats, emptyStats, type WindowStream } from "../data/types.ts";
import { collectWindows, type WindowSet } from "../data/window_set.ts";
import type { LabelPolicy } from "../data/windower.ts";
import { exists, openDataFile, sourceFingerprint } from "./files.ts";
import { cachedWindowSet } from "./window_cache.ts";

/** Supported dataset names. */
export type DatasetName = "uci-hapt" | "sp-sw-har";

/** Options shared by the dataset adapters. */
export interface AdapterOptions {
  /**
   * Overlap of consecutive 10 s windows in seconds.
   * @default {5}
   */
  overlapSeconds?: number;
  /**
   * Gap threshold in seconds.
   * @default {1}
   */
  gapSeconds?: number;
  /**
   * Clip level in g.
   * @default {3}
   */
  clipG?: number;
  /**
   * Label policy for windows spanning several labels.
   * @default {"drop-mixed"}
   */
  labelPolicy?: LabelPolicy;
  /**
   * Skip malformed rows instead of failing.
   * @default {false}
   */
  skipBadRows?: boolean;
  /**
   * Only these subject ids (`"user01"` for HAPT, `"s01"` for sp-sw-har); all when unset.
   * @default {undefined}
   */
  subjects?: string[];
}

/** Options of the sp-sw-har adapter. */
export interface SpSwHarOptions extends AdapterOptions {
  /**
   * Devices to read: watch `sw` and/or phone `sp`.
   * @default {["sw", "sp"]}
   */
  devices?: ("sw" | "sp")[];
}

async function listDir(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  return names.sort();
}

const HAPT_FILE = /^acc_exp(\d+)_user(\d+)\.txt(\.gz)?$/;
const SPSW_FILE = /^(s\d+)_(\d+)_(sp|sw)\.csv(\.gz)?$/;

/**
 * Lists the signal files of a dataset, relative to `root`, sorted.
 *
 * @param name Dataset.
 * @param root Dataset root (for sp-sw-har the folder holding `DATA/`, or `DATA/` itself).
 * @param options Subject / device filters.
 * @returns Relative paths.
 *
 * @example
 * ```ts ignore
 * import { datasetFiles } from "./datasets.ts";
 * const files = await datasetFiles("sp-sw-har", "fixtures/sp-sw-har-excerpt");
 * ```
 */
export async function datasetFiles(
  name: DatasetName,
  root: string,
  options: SpSwHarOptions = {},
): Promise<string[]> {
  const subjects = options.subjects ? new Set(options.subjects) : null;
  if (name === "uci-hapt") {
    return (await listDir(`${root}/RawData`)).filter((f) => {
      const m = HAPT_FILE.exec(f);
      return m && (!subjects || subjects.has(`user${m[2]}`));
    }).map((f) => `RawData/${f}`);
  }
  const data = (await exists(`${root}/DATA`)) ? "DATA/" : "";
  const devices = new Set(options.devices ?? ["sw", "sp"]);
  const out: string[] = [];
  for (const sub of await listDir(`${root}/${data}`.replace(/\/$/, ""))) {
    if (!/^s\d+$/.test(sub) || (subjects && !subjects.has(sub))) continue;
    for (const f of await listDir(`${root}/${data}${sub}`)) {
      const m = SPSW_FILE.exec(f);
      if (m && devices.has(m[3] as "sp" | "sw")) out.push(`${data}${sub}/${f}`);
    }
  }
  return out;
}

function common(o: AdapterOptions): CsvReaderOptions {
  return {
    overlapSeconds: o.overlapSeconds,
    gapSeconds: o.gapSeconds,
    clipG: o.clipG,
    labelPolicy: o.labelPolicy,
    skipBadRows: o.skipBadRows,
  };
}

/** Chains per-file streams, summing stats; too-short files are counted and skipped. */
function chain(
  root: string,
  files: () => Promise<string[]>,
  optionsFor: (file: string) => Promise<CsvReaderOptions>,
): WindowStream {
  const stats = emptyStats();
  return {
    stats,
    async *[Symbol.asyncIterator](): AsyncGenerator<AccelWindow> {
      for (const file of await files()) {
        const s = readCsvWindows(() => openDataFile(`${root}/${file}`), {
          source: file,
          ...(await optionsFor(file)),
        });
        try {
          yield* s;
        } catch (e) {
          if (!(e instanceof DataError && e.code === "too-short")) throw e;
          stats.skippedFiles++;
        }
        addStats(stats, s.stats);
      }
    },
  };
}

interface HaptLabels {
  /** Activity id to name. */
  names: Map<number, string>;
  /** Experiment id to sorted [start, end, activity] ranges. */
  byExp: Map<number, number[][]>;
}

async function haptLabels(root: string): Promise<HaptLabels> {
  const names = new Map<number, string>();
  for (const l of (await Deno.readTextFile(`${root}/activity_labels.txt`)).split("\n")) {
    const [id, name] = l.trim().split(/\s+/);
    if (id && name) names.set(Number(id), name);
  }
  const byExp = new Map<number, number[][]>();
  const text = await Deno.readTextFile(`${root}/RawData/labels.txt`);
  text.split("\n").forEach((l, i) => {
    if (l.trim() === "") return;
    const v = l.trim().split(/\s+/).map(Number);
    if (v.length !== 5 || v.some((n) => !Number.isInteger(n)) || !names.has(v[2])) {
      throw new DataError("malformed-row", "expected: exp user activity start end", {
        file: `${root}/RawData/labels.txt`,
        line: i + 1,
      });
    }
    const list = byExp.get(v[0]) ?? [];
    list.push([v[3], v[4], v[2]]);
    byExp.set(v[0], list);
  });
  for (const list of byExp.values()) list.sort((a, b) => a[0] - b[0]);
  return { names, byExp };
}

/**
 * Streams windows of the UCI HAPT raw accelerometer data (Deno only). Rows are placed at
 * i / 50 s; sample numbers in `labels.txt` are 1-based and inclusive; unlabelled stretches
 * give label null.
 *
 * @param root Folder holding `RawData/` and `activity_labels.txt`.
 * @param options Windowing and filters.
 * @returns Window stream; `source` is `RawData/acc_expNN_userMM.txt.gz`, subject `userMM`.
 *
 * @example
 * ```ts ignore
 * import { readUciHapt } from "./datasets.ts";
 * for await (const w of readUciHapt("/data/uci-hapt")) console.log(w.label);
 * ```
 */
export function readUciHapt(root: string, options: AdapterOptions = {}): WindowStream {
  let labels: Promise<HaptLabels> | null = null;
  return chain(root, () => datasetFiles("uci-hapt", root, options), async (file) => {
    labels ??= haptLabels(root);
    const { names, byExp } = await labels;
    const m = HAPT_FILE.exec(file.slice(file.lastIndexOf("/") + 1))!;
    const ranges = byExp.get(Number(m[1])) ?? [];
    return {
      ...common(options),
      units: "g",
      sampleRate: 50,
      header: false,
      delimiter: " ",
      columns: { x: 0, y: 1, z: 2 },
      subject: `user${m[2]}`,
      rowLabel: (row: number) => {
        const sample = row + 1; // labels.txt counts samples from 1, ends inclusive
        let lo = 0;
        let hi = ranges.length - 1;
        while (lo <= hi) {
          const mid = (lo + hi) >> 1;
          const r = ranges[mid];
          if (sample < r[0]) hi = mid - 1;
          else if (sample > r[1]) lo = mid + 1;
          else return names.get(r[2]) ?? null;
        }
        return null;
      },
    };
  });
}

/**
 * Streams windows of the sp-sw-har dataset (Deno only): m/s^2 converted to g, ms
 * timestamps resampled from ~100 Hz to 30 Hz.
 *
 * @param root Folder holding `DATA/` (or `DATA/` itself), e.g. the bundled excerpt
 *   `fixtures/sp-sw-har-excerpt`.
 * @param options Windowing, devices and subject filters.
 * @returns Window stream; `source` is `DATA/sNN/sNN_EE_sw.csv.gz`, subject `sNN`.
 *
 * @example
 * ```ts ignore
 * import { readSpSwHar } from "./datasets.ts";
 * const s = readSpSwHar("fixtures/sp-sw-har-excerpt", { devices: ["sw"] });
 * ```
 */
export function readSpSwHar(root: string, options: SpSwHarOptions = {}): WindowStream {
  return chain(root, () => datasetFiles("sp-sw-har", root, options), (file) =>
    Promise.resolve({
      ...common(options),
      units: "m/s^2",
      timeUnit: "ms",
      columns: { x: "x_acc", y: "y_acc", z: "z_acc", timestamp: "timestamp", label: "label" },
      subject: SPSW_FILE.exec(file.slice(file.lastIndexOf("/") + 1))![1],
    }));
}

/**
 * Recommended options for self-supervised pretraining on the bundled excerpt
 * (`fixtures/sp-sw-har-excerpt`, 24 watch recordings of 10-15 s): majority labels (each
 * execution changes activity every few seconds) and 9.5 s overlap, giving 138 windows.
 */
export const SP_SW_HAR_EXCERPT_OPTIONS: Readonly<SpSwHarOptions> = Object.freeze<SpSwHarOptions>({
  labelPolicy: "majority",
  overlapSeconds: 9.5,
  devices: ["sw"],
});

/**
 * Path of the bundled sp-sw-har excerpt (`fixtures/sp-sw-har-excerpt`), resolved from this
 * module's location; only meaningful in a source checkout (fixtures are not published).
 *
 * @returns Absolute file-system path of the excerpt root.
 *
 * @example
 * ```ts ignore
 * import { loadDataset, SP_SW_HAR_EXCERPT_OPTIONS, spSwHarExcerptRoot } from "./datasets.ts";
 * const ds = await loadDataset("sp-sw-har", spSwHarExcerptRoot(), SP_SW_HAR_EXCERPT_OPTIONS);
 * ```
 */
export function spSwHarExcerptRoot(): string {
  const url = new URL("../../fixtures/sp-sw-har-excerpt", import.meta.url);
  const path = decodeURIComponent(url.pathname);
  return /^\/[A-Za-z]:/.test(path) ? path.slice(1) : path;
}

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
 * import { loadDataset } from "./datasets.ts";
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
