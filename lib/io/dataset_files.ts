/**
 * **Deno-only** pieces shared by the dataset adapters (`uci_hapt.ts`, `sp_sw_har.ts`, `sisfall.ts`,
 * `fallalld.ts`, `uniform.ts`): options, listing a dataset's signal files, and chaining per-file
 * CSV streams. Import through `lib/io/mod.ts`.
 * @module
 */

import { DataError } from "../data/errors.ts";
import { type CsvReaderOptions, readCsvWindows } from "../data/csv_reader.ts";
import { type AccelWindow, addStats, emptyStats, type WindowStream } from "../data/types.ts";
import type { LabelPolicy } from "../data/windower.ts";
import { exists, openDataFile } from "./files.ts";
import { dropKnownDuplicates, SISFALL_DUPLICATES } from "./duplicates.ts";
import { uniformRecordings } from "./uniform_index.ts";
import { type DatasetName, isUniformDataset } from "./dataset_names.ts";
export * from "./dataset_names.ts";

/** Where a FallAllD logger was worn: `D1` neck, `D2` wrist, `D3` waist. */
export type FallAllDPlacement = "neck" | "wrist" | "waist";

/** FallAllD placements by device number (`D1`, `D2`, `D3` in the file names). */
export const FALLALLD_PLACEMENTS: readonly FallAllDPlacement[] = Object.freeze<
  FallAllDPlacement[]
>(["neck", "wrist", "waist"]);

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
   * Skip a file that cannot be read or parsed (a warning on stderr names it and says why;
   * counted in `skippedFiles`) instead of failing.
   * @default {false}
   */
  skipBadFiles?: boolean;
  /**
   * Only these subject ids (`"user01"` for HAPT, `"s01"` for sp-sw-har, `"SA01"` for
   * SisFall, `"S01"` for FallAllD); all when unset.
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

/** Options of the FallAllD adapter. */
export interface FallAllDOptions extends AdapterOptions {
  /**
   * Logger placements to read (`neck` = D1, `wrist` = D2, `waist` = D3).
   * @default {["neck", "wrist", "waist"]}
   */
  placements?: FallAllDPlacement[];
}

/** Options of any adapter: the shared ones plus each data set's own filters. */
export interface DatasetOptions extends SpSwHarOptions {
  /**
   * Placements to read, as `DATASET_PLACEMENTS` or a folder's `index.csv` names them (sp-sw-har:
   * `wrist` = `sw`, `pocket` = `sp`); all when unset. @default {undefined}
   */
  placements?: string[];
}

/** A data set's signal files plus notes on files deliberately left out. */
export interface DatasetListing {
  /** Paths relative to the root, sorted. */
  files: string[];
  /** One line per file left out and why (e.g. a byte-identical duplicate). */
  notes: string[];
}

/** Sorted entry names of a directory. */
async function listDir(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  return names.sort();
}

/** UCI HAPT signal file name: experiment, user, optional gzip. */
export const HAPT_FILE = /^acc_exp(\d+)_user(\d+)\.txt(\.gz)?$/;
/** sp-sw-har signal file name: subject, execution, device, optional gzip. */
export const SPSW_FILE = /^(s\d+)_(\d+)_(sp|sw)\.csv(\.gz)?$/;
/** SisFall trial file name: activity code, subject, trial, optional gzip. */
export const SISFALL_FILE = /^([DF]\d\d)_(S[AE]\d\d)_R(\d+)\.csv(\.gz)?$/;
/** FallAllD accelerometer file name: subject, device 1-3, activity, trial, optional gzip. */
export const FALLALLD_FILE = /^(S\d\d)_D([123])_(A\d{3})_T(\d+)_A\.csv(\.gz)?$/;

/** Files `dir/<sub>/<file>` for subject folders matching `folder` and files matching `keep`. */
async function subjectFiles(
  root: string,
  folder: RegExp,
  subjects: Set<string> | null,
  keep: (file: string, sub: string) => boolean,
): Promise<string[]> {
  const out: string[] = [];
  for (const sub of await listDir(root)) {
    if (!folder.test(sub) || (subjects && !subjects.has(sub))) continue;
    for (const f of await listDir(`${root}/${sub}`)) if (keep(f, sub)) out.push(`${sub}/${f}`);
  }
  return out;
}

/**
 * Lists the signal files of a dataset, relative to `root`, sorted, with notes on files left
 * out (SisFall's `D02_SA01_R01`, byte-identical to `D01_SA01_R01` upstream).
 *
 * @param name Dataset.
 * @param root Dataset root (for sp-sw-har the folder holding `DATA/`, or `DATA/` itself).
 * @param options Subject / device / placement filters.
 * @returns Relative paths and notes.
 *
 * @example
 * ```ts ignore
 * import { listDataset } from "./dataset_files.ts";
 * const { files, notes } = await listDataset("sisfall", "../shared/data/sisfall");
 * ```
 */
export async function listDataset(
  name: DatasetName,
  root: string,
  options: DatasetOptions = {},
): Promise<DatasetListing> {
  const subjects = options.subjects ? new Set(options.subjects) : null;
  if (isUniformDataset(name)) {
    return { files: (await uniformRecordings(root, options)).map((r) => r.file), notes: [] };
  }
  if (name === "uci-hapt") {
    const files = (await listDir(`${root}/RawData`)).filter((f) => {
      const m = HAPT_FILE.exec(f);
      return m && (!subjects || subjects.has(`user${m[2]}`));
    }).map((f) => `RawData/${f}`);
    return { files, notes: [] };
  }
  if (name === "sisfall") {
    const files = await subjectFiles(root, /^S[AE]\d\d$/, subjects, (f) => SISFALL_FILE.test(f));
    return await dropKnownDuplicates(root, files, SISFALL_DUPLICATES);
  }
  if (name === "fallalld") {
    const places = new Set(options.placements ?? FALLALLD_PLACEMENTS);
    const files = await subjectFiles(root, /^S\d\d$/, subjects, (f) => {
      const m = FALLALLD_FILE.exec(f);
      return m !== null && places.has(FALLALLD_PLACEMENTS[Number(m[2]) - 1]);
    });
    return { files, notes: [] };
  }
  const data = (await exists(`${root}/DATA`)) ? "DATA/" : "";
  const devices = new Set(options.devices ?? ["sw", "sp"]);
  const wanted = new Set(options.placements ?? ["wrist", "pocket"]); // sw: wrist, sp: pocket
  if (!wanted.has("wrist")) devices.delete("sw");
  if (!wanted.has("pocket")) devices.delete("sp");
  const files = await subjectFiles(
    `${root}/${data}`.replace(/\/$/, ""),
    /^s\d+$/,
    subjects,
    (f) => {
      const m = SPSW_FILE.exec(f);
      return m !== null && devices.has(m[3] as "sp" | "sw");
    },
  );
  return { files: files.map((f) => `${data}${f}`), notes: [] };
}

/**
 * Lists the signal files of a dataset, relative to `root`, sorted (the files of
 * {@linkcode listDataset}, without its notes).
 *
 * @param name Dataset.
 * @param root Dataset root (for sp-sw-har the folder holding `DATA/`, or `DATA/` itself).
 * @param options Subject / device / placement filters.
 * @returns Relative paths.
 *
 * @example
 * ```ts ignore
 * import { datasetFiles } from "./dataset_files.ts";
 * const files = await datasetFiles("sp-sw-har", "fixtures/sp-sw-har-excerpt");
 * ```
 */
export async function datasetFiles(
  name: DatasetName,
  root: string,
  options: DatasetOptions = {},
): Promise<string[]> {
  return (await listDataset(name, root, options)).files;
}

/**
 * The CSV reader options every adapter passes through unchanged.
 *
 * @param o Adapter options.
 * @returns The matching subset of {@linkcode CsvReaderOptions}.
 */
export function adapterCsvOptions(o: AdapterOptions): CsvReaderOptions {
  return {
    overlapSeconds: o.overlapSeconds,
    gapSeconds: o.gapSeconds,
    clipG: o.clipG,
    labelPolicy: o.labelPolicy,
    skipBadRows: o.skipBadRows,
  };
}

/**
 * Reader options for a headed `x,y,z` file of raw sensor counts without timestamps, as the
 * compact SisFall and FallAllD copies are: counts times `scale` are g, samples are placed by row
 * index at `rateHz`, and the whole file has one subject and one label.
 *
 * @param o Adapter options.
 * @param scale g per count.
 * @param rateHz Sample rate.
 * @param subject The file's subject.
 * @param label The file's activity code.
 * @returns Reader options.
 */
export function rawCountsCsvOptions(
  o: AdapterOptions,
  scale: number,
  rateHz: number,
  subject: string,
  label: string,
): CsvReaderOptions {
  return {
    ...adapterCsvOptions(o),
    units: "g",
    scale,
    sampleRate: rateHz,
    header: true,
    delimiter: ",",
    columns: { x: "x", y: "y", z: "z", timestamp: null, label: null, subject: null },
    subject,
    rowLabel: () => label,
  };
}

/**
 * Chains per-file streams, summing stats; too-short files are counted and skipped.
 *
 * @param root Dataset root the file paths are relative to.
 * @param files Lists the files (called when iteration starts).
 * @param optionsFor Reader options of one file.
 * @param skipBadFiles Also skip (with a warning naming it) a file that fails with any
 *   {@linkcode DataError}, not only a too-short one.
 * @returns One window stream over all files.
 */
export function chainFiles(
  root: string,
  files: () => Promise<string[]>,
  optionsFor: (file: string) => Promise<CsvReaderOptions>,
  skipBadFiles = false,
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
          if (!(e instanceof DataError && (skipBadFiles || e.code === "too-short"))) throw e;
          if (e.code !== "too-short") console.error(`warning: skipped file ${e.message}`);
          stats.skippedFiles++;
        }
        addStats(stats, s.stats);
      }
    },
  };
}
