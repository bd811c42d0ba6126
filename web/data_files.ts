// The demo page's data reading, without the DOM (tested in tests/faults_web_test.ts): several
// CSV files read into one window set, and a summary that says what was dropped and why.
import {
  collectWindows,
  concatSets,
  type CsvReaderOptions,
  readCsvWindows,
  WINDOW_SAMPLES,
  type WindowSet,
} from "../lib/data/mod.ts";

/** A file the page was given: its name and bytes. */
export interface DataFile {
  /** File name, for messages and window sources. */
  name: string;
  /** Its bytes (CSV, or CSV.gz). */
  bytes: Uint8Array;
}

/** Windows of several files, their description and the reader's warnings. */
export interface ReadFiles {
  /** Windows of every file, in order. */
  set: WindowSet;
  /** `a.csv`, or `3 files (a.csv, b.csv, c.csv)`. */
  name: string;
  /** Warnings of the reader (units, gravity), each naming its file. */
  warnings: string[];
}

/**
 * Reads every file (not only the first of several dropped together) into one window set;
 * an error names the file. Warnings are collected, not only logged to the console.
 *
 * @param files The files.
 * @param options Reader options for every file (`source` is each file's name).
 * @returns The windows, a description and the warnings.
 */
export async function readDataFiles(
  files: readonly DataFile[],
  options: CsvReaderOptions = {},
): Promise<ReadFiles> {
  if (files.length === 0) throw new Error("no file given");
  const warnings: string[] = [];
  const sets: WindowSet[] = [];
  for (const f of files) {
    sets.push(
      await collectWindows(
        readCsvWindows(f.bytes, {
          ...options,
          source: f.name,
          onWarning: (m) => warnings.push(m),
        }),
      ),
    );
  }
  const names = files.map((f) => f.name);
  const name = files.length === 1
    ? names[0]
    : `${files.length} files (${names.slice(0, 5).join(", ")}${files.length > 5 ? ", …" : ""})`;
  return { set: concatSets(sets), name, warnings };
}

/**
 * What the page says about data beside the window count: rows read and skipped (duplicate
 * timestamps), windows dropped by reason (NaN, two labels), gaps and clipped samples; empty
 * parts are left out.
 *
 * @param set The windows.
 * @returns One line.
 */
export function dataSummary(set: WindowSet): string {
  const st = set.stats;
  const parts = [`${set.count} windows from ${st.rows} rows`];
  const dropped: string[] = [];
  if (st.dropped.nan) dropped.push(`${st.dropped.nan} with NaN`);
  if (st.dropped.mixedLabel) dropped.push(`${st.dropped.mixedLabel} spanning two labels`);
  if (dropped.length) parts.push(`windows dropped: ${dropped.join(", ")}`);
  if (st.duplicateRows) parts.push(`${st.duplicateRows} rows with a repeated timestamp skipped`);
  if (st.skippedRows) parts.push(`${st.skippedRows} bad rows skipped`);
  if (st.gaps) parts.push(`${st.gaps} gap(s) longer than 1 s split recordings`);
  if (st.shortSegments) {
    parts.push(`${st.shortSegments} recording(s) or piece(s) too short for one window`);
  }
  const clipped = st.clippedSamples ?? 0;
  if (clipped) {
    const pct = (100 * clipped) / Math.max(1, st.windows * WINDOW_SAMPLES);
    parts.push(`${clipped} samples (${pct.toFixed(1)} %) clipped at ±3 g`);
  }
  return parts.join("; ");
}
