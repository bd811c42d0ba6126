/**
 * **Deno-only** pieces shared by the dataset adapters (`uci_hapt.ts`, `sp_sw_har.ts`): the
 * dataset names and options, listing a dataset's signal files, and chaining per-file CSV
 * streams. Import through `lib/io/mod.ts`.
 *
 * @module
 */

import { DataError } from "../data/errors.ts";
import { type CsvReaderOptions, readCsvWindows } from "../data/csv_reader.ts";
import { type AccelWindow, addStats, emptyStats, type WindowStream } from "../data/types.ts";
import type { LabelPolicy } from "../data/windower.ts";
import { exists, openDataFile } from "./files.ts";

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
 * import { datasetFiles } from "./dataset_files.ts";
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
 * Chains per-file streams, summing stats; too-short files are counted and skipped.
 *
 * @param root Dataset root the file paths are relative to.
 * @param files Lists the files (called when iteration starts).
 * @param optionsFor Reader options of one file.
 * @returns One window stream over all files.
 */
export function chainFiles(
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
