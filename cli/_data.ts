// Where CLI commands get windows from: CSV files, a named data set adapter, or the bundled excerpt.
import { collectWindows, concatSets } from "../lib/data/window_set.ts";
import type { WindowSet } from "../lib/data/window_set.ts";
import {
  coverageHours,
  type DatasetName,
  type DatasetSpec,
  loadDataset,
  loadDatasets,
  type LoadedDataset,
  parseDatasetList,
  readCsvFile,
  SP_SW_HAR_EXCERPT_OPTIONS,
  spSwHarExcerptRoot,
  type WindowMeta,
} from "../lib/io/mod.ts";
import { WINDOW_SAMPLES } from "../lib/data/types.ts";
import { balanceGroups, type BalanceMode } from "../lib/train/batches.ts";
import type { TrainWindows } from "../lib/train/run_options.ts";
import type { LabelPolicy } from "../lib/data/windower.ts";
import { parseFlags, UsageError } from "./_common.ts";
import { DataError } from "../lib/data/errors.ts";

/** Flags shared by every command that reads windows. */
export const DATA_OPTIONS = {
  dataset: { type: "string" },
  "data-root": { type: "string" },
  units: { type: "string" },
  "trust-units": { type: "boolean" },
  rate: { type: "string" },
  "time-column": { type: "string" },
  overlap: { type: "string" },
  "skip-bad-rows": { type: "boolean" },
  "skip-bad-files": { type: "boolean" },
  "no-cache": { type: "boolean" },
} as const;

/** Help text for {@link DATA_OPTIONS}. */
export const DATA_HELP =
  `Data (CSV files as arguments, or --dataset; default: the bundled sp-sw-har excerpt; fit and
predict: the bundled labelled excerpt, fixtures/umafall-wrist-excerpt):
  FILE.csv[.gz] ...         CSV recordings: timestamp (s, ms, us, ns or ISO), x, y, z [, label,
                            subject]; header-less: see docs/faults.md
  --dataset NAME[,NAME]     uci-hapt | sp-sw-har | sisfall | fallalld | dsads | umafall |
                            motionsense | smartfallmm | ter_har | DIR (a folder in the uniform
                            layout: SUBJECT/REC.csv.gz with t,x,y,z,label and index.csv; see README),
                            each with an optional placement filter NAME:PLACE (PLACE a placement
                            or a list: fallalld:wrist,waist, dsads:arm+leg, ./mine:wrist), e.g.
                            --dataset uci-hapt,sisfall,fallalld:wrist,dsads:arm,smartfallmm:wrist.
                            Placements: uci-hapt, sisfall waist; sp-sw-har pocket (sp), wrist (sw);
                            fallalld neck, wrist, waist; dsads torso, arm, leg; umafall pocket,
                            wrist, chest, waist, ankle; motionsense pocket; smartfallmm wrist, hip,
                            pocket; ter_har wrist
  --data-root DIR           root of a single --dataset (default ../shared/data/NAME)
  --units U                 g | m/s^2 | auto (CSV files; default auto); a median vector norm that
                            contradicts U (> 4 read as g, < 4 read as m/s^2) is an error
  --trust-units             make that contradiction a warning and read the data as --units says
  --rate HZ                 sample rate of CSV files without a timestamp column
  --time-column NAME        the CSV header's time column, when its name is not one the reader
                            knows (t, time, timestamp, epoch_ms, ...); s, ms, us, ns or ISO
                            are told from the values
  --overlap S               window overlap in seconds (default 5; 9.5 for the bundled excerpt)
  --skip-bad-rows           skip malformed CSV rows (counted) instead of failing
  --skip-bad-files          skip a file that is unreadable, corrupt or too short (named on
                            stderr) instead of failing
  --no-cache                do not read or write the window cache (.cache/flowfm-data)`;

/**
 * The data selection of a command line as arguments (data flags, then CSV files), to store in a
 * checkpoint so that a resume reloads the same data.
 */
export function dataArgs(values: Record<string, unknown>, files: string[]): string[] {
  const out: string[] = [];
  for (const [name, spec] of Object.entries(DATA_OPTIONS)) {
    const v = values[name];
    if (v === undefined || v === false) continue;
    out.push(`--${name}`, ...(spec.type === "string" ? [String(v)] : []));
  }
  return [...out, ...files];
}

/**
 * The data a resumed run trains on: the flags and files given now, or, when none are, those the
 * checkpoint recorded (said on stderr). Data given now that differs from the recorded data is
 * used, with a warning.
 */
export function resumeData(
  values: Record<string, unknown>,
  files: string[],
  recorded: string[] | undefined,
): { values: Record<string, unknown>; files: string[] } {
  const given = dataArgs(values, files);
  if (!recorded) return { values, files };
  if (given.length === 0) {
    console.error(
      `resume: training on the run's data: ${recorded.join(" ") || "(the bundled excerpt)"}`,
    );
    const parsed = parseFlags(recorded, DATA_OPTIONS);
    return { values: { ...values, ...parsed.values }, files: parsed.positionals };
  }
  if (given.join("\0") !== recorded.join("\0")) {
    console.error(
      `warning: the run started on other data: ${recorded.join(" ") || "(the bundled excerpt)"}`,
    );
  }
  return { values, files };
}

/**
 * Pretraining windows (labels ignored) as the flags say, or for a resumed run as its checkpoint
 * recorded ({@link resumeData}); with the data arguments to record in the new checkpoints.
 */
export async function loadTrainingData(
  values: Record<string, unknown>,
  files: string[],
  resumed?: { config: { dataArgs?: string[] } },
): Promise<LoadedWindows & { args: string[] }> {
  const data = resumed ? resumeData(values, files, resumed.config.dataArgs) : { values, files };
  const loaded = await loadWindows(data.values, data.files, { labelPolicy: "ignore" });
  return { ...loaded, args: dataArgs(data.values, data.files) };
}

/**
 * {@link loadTrainingData} with its data summary printed, and the windows to train on, each with
 * its group for balanced sampling ({@link balanceGroups} of its data set and placement).
 */
export async function trainingWindows(
  values: Record<string, unknown>,
  files: string[],
  resumed: { config: { dataArgs?: string[] } } | undefined,
  balance: BalanceMode,
): Promise<LoadedWindows & { args: string[]; windows: TrainWindows }> {
  const d = await loadTrainingData(values, files, resumed);
  reportData(d.set, d.description, d.meta);
  return { ...d, windows: { ...d.set, groups: balanceGroups(d.meta, balance) } };
}

/** Windows as the flags say, a one-line description, and each window's data set and placement. */
export interface LoadedWindows {
  /** The windows (with several data sets, subjects read `<data set>/<subject>`). */
  set: WindowSet;
  /** One line saying where they came from. */
  description: string;
  /** Data set, subject and placement of each window (CSV files: one set, placement unknown). */
  meta: WindowMeta;
}

/** Metadata of windows that all come from one source named `name`. */
function singleMeta(set: WindowSet, name: string, placement: string | null): WindowMeta {
  const subjectNames = [...new Set(set.subjects.filter((s): s is string => s !== null))].sort();
  const at = new Map(subjectNames.map((s, i) => [s, i]));
  return {
    datasetIndex: new Int32Array(set.count),
    subjectIndex: Int32Array.from(set.subjects, (s) => (s === null ? -1 : at.get(s)!)),
    placementIndex: new Int32Array(set.count).fill(placement === null ? -1 : 0),
    datasetNames: [name],
    subjectNames,
    placementNames: placement === null ? [] : [placement],
  };
}

/**
 * Says on stderr which data is about to be read (`reading data: 2 CSV file(s)…`), for commands
 * that would otherwise be silent until {@link reportData}.
 */
export function announceData(
  values: Record<string, unknown>,
  files: readonly string[],
  labelledDefault = false,
): void {
  const what = files.length > 0
    ? `${files.length} CSV file(s)`
    : values.dataset
    ? `--dataset ${values.dataset}`
    : labelledDefault
    ? LABELLED_EXCERPT_NAME
    : "the bundled sp-sw-har excerpt";
  console.error(`reading data: ${what}…`);
}

/**
 * The bundled labelled excerpt (`fixtures/umafall-wrist-excerpt`, CC BY 4.0): 40 UMAFall wrist
 * recordings of 5 activities by 4 subjects, in the uniform layout; the default data of the
 * commands that need labels (cli/fit.ts) and of cli/predict.ts.
 */
export const LABELLED_EXCERPT = decodeURIComponent(
  new URL("../fixtures/umafall-wrist-excerpt", import.meta.url).pathname,
).replace(/^\/([A-Za-z]:)/, "$1");

/** How {@link announceData} and the help texts name the labelled excerpt. */
export const LABELLED_EXCERPT_NAME = "the bundled labelled excerpt (UMAFall wrist, 5 activities)";

/** Loads windows as the flags say; returns them with a one-line description. */
export async function loadWindows(
  values: Record<string, unknown>,
  files: string[],
  extra: { labelPolicy?: LabelPolicy; labelledDefault?: boolean } = {},
): Promise<LoadedWindows> {
  const labelPolicy = extra.labelPolicy;
  const overlap = values.overlap === undefined ? undefined : Number(values.overlap);
  if (overlap !== undefined && !(overlap >= 0 && overlap < 10)) {
    throw new UsageError(`--overlap must be in [0, 10) seconds, got "${values.overlap}"`);
  }
  const skipBadRows = values["skip-bad-rows"] === true;
  const cacheDir = values["no-cache"] ? null : undefined;
  if (files.length > 0) {
    if (values.dataset) throw new UsageError("give CSV files or --dataset, not both");
    const rate = values.rate === undefined ? undefined : Number(values.rate);
    if (rate !== undefined && !(rate > 0)) {
      throw new UsageError(`--rate must be > 0 Hz, got "${values.rate}"`);
    }
    const sets: WindowSet[] = [];
    const skipped: string[] = [];
    for (const f of files) {
      let set: WindowSet;
      try {
        set = await collectWindows(
          readCsvFile(f, {
            units: values.units as string | undefined,
            trustUnits: values["trust-units"] === true,
            sampleRate: rate,
            ...(values["time-column"] !== undefined
              ? { columns: { timestamp: String(values["time-column"]) } }
              : {}),
            overlapSeconds: overlap,
            skipBadRows,
            labelPolicy,
          }),
        );
      } catch (e) {
        if (!(values["skip-bad-files"] === true && e instanceof DataError)) throw e;
        console.error(`warning: skipped file ${e.message}`);
        skipped.push(e.file);
        continue;
      }
      warnClipped(set, f);
      sets.push(set);
    }
    const set = concatSets(sets);
    set.stats.files += skipped.length; // read (or tried), as the data set adapters count
    set.stats.skippedFiles += skipped.length;
    const notes = skipped.length > 0 ? `; ${skippedNote(skipped)}` : "";
    return {
      set,
      description: `${files.length} CSV file(s)${notes}`,
      meta: singleMeta(set, "csv", null),
    };
  }
  const csvOnly = ["rate", "units", "trust-units", "time-column"].filter((k) =>
    values[k] !== undefined
  );
  if (csvOnly.length > 0) {
    throw new UsageError(
      `${csvOnly.map((k) => `--${k}`).join(", ")} appl${
        csvOnly.length > 1 ? "y" : "ies"
      } to CSV files; ${
        values.dataset ? "--dataset adapters" : "the bundled excerpt"
      } already know their sample rate and units`,
    );
  }
  let specs: DatasetSpec[] = [];
  try {
    if (values.dataset) specs = parseDatasetList(String(values.dataset));
  } catch (e) {
    throw new UsageError(`--dataset: ${(e as Error).message}`);
  }
  const bundledLabels = specs.length === 0 && extra.labelledDefault === true;
  if (bundledLabels) {
    specs = [{ name: "folder", root: LABELLED_EXCERPT }];
  } else if (specs.length === 0) {
    const set = await loadDataset("sp-sw-har", spSwHarExcerptRoot(), {
      ...SP_SW_HAR_EXCERPT_OPTIONS,
      ...(overlap !== undefined ? { overlapSeconds: overlap } : {}),
      cacheDir,
      cacheName: "sp-sw-har-excerpt",
    });
    return {
      set,
      description: "bundled sp-sw-har excerpt (CC BY 4.0, fixtures/sp-sw-har-excerpt)" +
        fromCacheNote(set),
      meta: singleMeta(set, "sp-sw-har-excerpt", "wrist"),
    };
  }
  if (specs.length > 1 && values["data-root"]) {
    throw new UsageError("--data-root applies to a single --dataset");
  }
  const dataRoot = values["data-root"] as string | undefined;
  let all;
  try {
    all = await loadDatasets(specs, {
      overlapSeconds: overlap,
      skipBadRows,
      ...(values["skip-bad-files"] === true ? { skipBadFiles: true } : {}),
      cacheDir,
      labelPolicy,
      rootOf: (name: DatasetName) => dataRoot ?? `../shared/data/${name}`,
    });
  } catch (e) {
    if (e instanceof RangeError) throw new UsageError(`--dataset: ${e.message}`);
    throw e;
  }
  const descriptions = all.parts.map(({ spec, label, root, set }) => {
    const what = spec.placements ? `${label} (${spec.placements.join(", ")})` : label;
    const counted = specs.length > 1 ? `: ${set.count} windows` : "";
    const notes = set.notes.length > 0
      ? `; ${set.notes.length} file(s) left out: ${set.notes.join("; ")}`
      : "";
    const at = spec.name === "folder" ? "" : ` at ${root}`;
    return `${what}${at}${fromCacheNote(set)}${counted}${notes}`;
  });
  const { parts: _parts, datasetIndex, subjectIndex, placementIndex, ...rest } = all;
  const { datasetNames, subjectNames, placementNames, ...set } = rest;
  // Two data sets may use the same subject ids (s01): keep them apart in evaluation's folds.
  if (specs.length > 1) set.subjects = Array.from(subjectIndex, (s) => subjectNames[s] ?? null);
  const meta = {
    datasetIndex,
    subjectIndex,
    placementIndex,
    datasetNames,
    subjectNames,
    placementNames,
  };
  const description = bundledLabels
    ? "bundled labelled excerpt (UMAFall wrist, CC BY 4.0, fixtures/umafall-wrist-excerpt)" +
      fromCacheNote(all.parts[0].set)
    : descriptions.join(" + ");
  return { set, description, meta };
}

/** ` (read from cache FILE)` when the windows came from the window cache, else "". */
const fromCacheNote = (set: LoadedDataset) =>
  set.fromCache && set.cacheFile ? ` (read from cache ${set.cacheFile})` : "";

/** Share (%) of window samples clipped at ±3 g. */
const clippedPercent = (set: WindowSet) =>
  (100 * (set.stats.clippedSamples ?? 0)) / Math.max(1, set.stats.windows * WINDOW_SAMPLES);

/**
 * `N file(s) skipped: a, b, c and N more`: the count and at most `show` names (each skipped file
 * has its own warning on stderr with the reason), so a report header stays one short line.
 */
export function skippedNote(files: readonly string[], show = 3): string {
  const more = files.length - show;
  return `${files.length} file(s) skipped: ${files.slice(0, show).join(", ")}` +
    (more > 0 ? ` and ${more} more (see the warnings)` : "");
}

/** Warns on stderr when more than 1 % of the window samples of `set` are clipped at ±3 g. */
function warnClipped(set: WindowSet, what: string): void {
  const pct = clippedPercent(set);
  if (pct > 1) {
    console.error(
      `warning: ${what}: ${pct.toFixed(1)} % of window samples are clipped at ±3 g ` +
        `(${set.stats.clippedSamples} of ${
          set.stats.windows * WINDOW_SAMPLES
        }); are the units right?`,
    );
  }
}

/** The data summary: files and rows read, rows skipped, gaps that split recordings, windows
 * dropped by reason, windows kept, samples clipped. */
export function dataSummary(set: WindowSet, description: string): string {
  const st = set.stats, slots = st.windows * WINDOW_SAMPLES, clipped = st.clippedSamples ?? 0;
  const backward = st.backwardRows ?? 0;
  return `data: ${set.count} windows kept from ${description}; ${st.files} file(s) and ` +
    `${st.rows} rows read; ${st.skippedFiles ?? 0} file(s) skipped; rows skipped: ` +
    `${st.skippedRows - backward} bad, ${st.duplicateRows ?? 0} duplicate timestamp, ` +
    `${backward} time going backwards; ${
      st.gaps ?? 0
    } gap(s) longer than 1 s split recordings (shorter gaps are interpolated); ` +
    `${droppedText(set)}; clipped at ±3 g: ${clipped} of ` +
    `${slots} window samples, ${clippedPercent(set).toFixed(2)} %`;
}

/** Windows dropped by reason, as text. */
function droppedText(set: WindowSet): string {
  const st = set.stats;
  return `windows dropped: ${st.dropped.nan} with NaN, ${st.dropped.mixedLabel} spanning two ` +
    `labels, ${st.shortSegments} recording(s) or segment(s) too short for one window`;
}

/** Hours covered by the windows, per data set and placement, as one line of text. */
export function hoursSummary(set: WindowSet, meta: WindowMeta): string {
  const rows = coverageHours({ ...set, ...meta });
  const total = rows.reduce((h, r) => h + r.hours, 0);
  const parts = rows.map((r) =>
    `${r.dataset} ${r.placement ?? "(placement unknown)"} ${
      r.hours.toFixed(2)
    } h (${r.windows} windows)`
  );
  return `hours by data set and placement: ${parts.join(", ")}; ${total.toFixed(2)} h in all`;
}

/** Prints {@link dataSummary} (and with `meta`, {@link hoursSummary}) on stderr; warns when more
 * than 1 % of the window samples are clipped. */
export function reportData(set: WindowSet, description: string, meta?: WindowMeta): void {
  console.error(dataSummary(set, description));
  if (meta) console.error(hoursSummary(set, meta));
  warnClipped(set, "all data");
}

/** Throws when `set` is empty, saying why (drops by reason) and which option helps. */
export function requireWindows(set: WindowSet, description: string, mixedHint: string): void {
  if (set.count > 0) return;
  const hints: string[] = [];
  if (set.stats.dropped.mixedLabel > 0) hints.push(mixedHint);
  if (set.stats.shortSegments > 0 || set.stats.skippedFiles > 0) {
    hints.push("recordings need at least 10 s without gaps");
  }
  throw new Error(
    `no windows in ${description} (${droppedText(set)})` +
      (hints.length ? `; ${hints.join("; ")}` : ""),
  );
}
