/**
 * **Deno-only** loading of a data set list with each window's data set, subject and placement as
 * integers ({@linkcode loadDatasets}, for `cli/pack.ts`, balanced sampling and summaries), and the
 * hours of recording the windows cover per data set and placement. Import through
 * `lib/io/mod.ts`.
 *
 * @module
 */
import { concatSets, type WindowMeta, type WindowSet } from "../data/window_set.ts";

export type { WindowMeta };
import type { DatasetName } from "./dataset_names.ts";
import { datasetLabel, type DatasetSpec } from "./dataset_list.ts";
import { loadDataset, type LoadDatasetOptions, type LoadedDataset } from "./datasets.ts";
import { FOLDER_DATASET } from "./dataset_names.ts";

/** Options of {@linkcode loadDatasets}. */
export interface LoadDatasetsOptions extends LoadDatasetOptions {
  /**
   * The root of a public set that has no `root` in its spec.
   * @default {(name) => `../shared/data/${name}`}
   */
  rootOf?: (name: DatasetName) => string;
}

/** One data set of {@linkcode loadDatasets}: the spec, where it was read and what it gave. */
export interface LoadedPart {
  /** The spec as given. */
  spec: DatasetSpec;
  /** Its name in summaries and in `datasetNames` ({@linkcode datasetLabel}). */
  label: string;
  /** The folder read. */
  root: string;
  /** The loaded windows (the set's own copy; `MetaWindows` holds them all, concatenated). */
  set: LoadedDataset;
}

/**
 * Windows of several data sets, concatenated in spec order, with each window's data set,
 * subject and placement as integers into name tables (for `cli/pack.ts`, balanced sampling and
 * per-set summaries).
 */
export interface MetaWindows extends WindowSet, WindowMeta {
  /** The parts, one per spec. */
  parts: LoadedPart[];
}

/** Sorted distinct names and the index of each value (-1 for null). */
function indexed(values: readonly (string | null)[]): { names: string[]; index: Int32Array } {
  const names = [...new Set(values.filter((v): v is string => v !== null))].sort();
  const at = new Map(names.map((n, i) => [n, i]));
  return { names, index: Int32Array.from(values, (v) => (v === null ? -1 : at.get(v)!)) };
}

/**
 * Loads several data sets (Deno only) through the window cache and returns all windows with
 * their data set, subject and placement indices and the name tables.
 *
 * @param specs Data sets, e.g. from {@linkcode parseDatasetList}.
 * @param options Windowing, filters, cache folder and where public sets live.
 * @returns Windows plus per-window metadata; `subjects` of the set keep the data set's own ids.
 * @throws {RangeError} On an empty list, a folder spec without a root, or a bad placement.
 *
 * @example
 * ```ts ignore
 * import { loadDatasets, parseDatasetList } from "./mod.ts";
 * const w = await loadDatasets(parseDatasetList("dsads:arm,motionsense"), { labelPolicy: "ignore" });
 * console.log(w.count, w.datasetNames, w.placementNames, w.datasetIndex[0]);
 * ```
 */
export async function loadDatasets(
  specs: readonly DatasetSpec[],
  options: LoadDatasetsOptions = {},
): Promise<MetaWindows> {
  if (specs.length === 0) throw new RangeError("loadDatasets: no data sets given");
  const { rootOf = (n: DatasetName) => `../shared/data/${n}`, ...load } = options;
  const parts: LoadedPart[] = [];
  for (const spec of specs) {
    if (spec.name === FOLDER_DATASET && !spec.root) {
      throw new RangeError("loadDatasets: a folder spec needs its root");
    }
    const root = spec.root ?? rootOf(spec.name as DatasetName);
    const set = await loadDataset(spec.name, root, {
      ...load,
      ...(spec.placements ? { placements: spec.placements } : {}),
    });
    parts.push({ spec, label: datasetLabel(spec), root, set });
  }
  const all = concatSets(parts.map((p) => p.set));
  const labels = parts.map((p) => p.label);
  const datasetIndex = new Int32Array(all.count);
  const subjects: (string | null)[] = [], placements: (string | null)[] = [];
  let at = 0;
  parts.forEach((p, d) => {
    datasetIndex.fill(d, at, at + p.set.count);
    at += p.set.count;
    for (const s of p.set.subjects) subjects.push(s === null ? null : `${p.label}/${s}`);
    placements.push(...p.set.placements);
  });
  const subj = indexed(subjects), place = indexed(placements);
  return {
    ...all,
    datasetIndex,
    subjectIndex: subj.index,
    placementIndex: place.index,
    datasetNames: labels,
    subjectNames: subj.names,
    placementNames: place.names,
    parts,
  };
}

/** Hours of recording that windows cover, by data set and placement. */
export interface CoverageRow {
  /** Data set name. */
  dataset: string;
  /** Placement (null: unknown). */
  placement: string | null;
  /** Windows. */
  windows: number;
  /** Hours covered by the windows (overlaps counted once). */
  hours: number;
}

/**
 * Hours of recording covered by the windows, per data set and placement: each window counts its
 * 10 s, less the overlap with the previous window of the same recording (windows of a recording
 * come in order), so 5 s overlaps are not counted twice.
 *
 * @param w Windows with metadata (from {@linkcode loadDatasets}).
 * @param windowSeconds Length of a window in seconds.
 * @returns One row per data set and placement, in data set order, then by placement.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { coverageHours } from "./dataset_meta.ts";
 * const rows = coverageHours({
 *   count: 3, starts: Float64Array.of(0, 5, 0), sources: ["a", "a", "b"],
 *   datasetIndex: Int32Array.of(0, 0, 0), placementIndex: Int32Array.of(0, 0, -1),
 *   datasetNames: ["mine"], placementNames: ["wrist"],
 * });
 * assert.deepEqual(rows.map((r) => [r.placement, r.windows, r.hours * 3600]), [
 *   ["wrist", 2, 15],
 *   [null, 1, 10],
 * ]);
 * ```
 */
export function coverageHours(
  w: Pick<
    MetaWindows,
    | "count"
    | "starts"
    | "sources"
    | "datasetIndex"
    | "placementIndex"
    | "datasetNames"
    | "placementNames"
  >,
  windowSeconds = 10,
): CoverageRow[] {
  const P = w.placementNames.length + 1; // the last slot is "unknown"
  const secs = new Float64Array(w.datasetNames.length * P);
  const counts = new Int32Array(w.datasetNames.length * P);
  for (let i = 0; i < w.count; i++) {
    const p = w.placementIndex[i] < 0 ? P - 1 : w.placementIndex[i];
    const k = w.datasetIndex[i] * P + p;
    const prev = i > 0 && w.sources[i - 1] === w.sources[i] &&
        w.datasetIndex[i - 1] === w.datasetIndex[i]
      ? w.starts[i] - w.starts[i - 1]
      : Infinity;
    secs[k] += prev >= 0 ? Math.min(windowSeconds, prev) : windowSeconds;
    counts[k]++;
  }
  const rows: CoverageRow[] = [];
  w.datasetNames.forEach((dataset, d) => {
    for (let p = 0; p < P; p++) {
      const k = d * P + p;
      if (counts[k] === 0) continue;
      const placement = p < P - 1 ? w.placementNames[p] : null;
      rows.push({ dataset, placement, windows: counts[k], hours: secs[k] / 3600 });
    }
  });
  return rows;
}
