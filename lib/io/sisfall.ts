/**
 * **Deno-only** adapter for SisFall (Sucerquia, López & Vargas-Bonilla, Sensors 2017), in the
 * compact layout of `../shared/data/sisfall`: subject folders `SA01..SA23/`, `SE01..SE15/`, one
 * file per trial `<CODE>_<SUBJECT>_R<TRIAL>.csv[.gz]` with header `x,y,z`, the waist-worn
 * ADXL345 in raw bits (±16 g at 13 bits: g = bits × 32 / 8192) at 50 Hz and no timestamp
 * column. Import through `lib/io/mod.ts`.
 *
 * @module
 */

import type { WindowStream } from "../data/types.ts";
import {
  type AdapterOptions,
  chainFiles,
  datasetFiles,
  rawCountsCsvOptions,
  SISFALL_FILE,
} from "./dataset_files.ts";

/** SisFall sample rate of the compact derivative (Hz). */
export const SISFALL_RATE_HZ = 50;
/** g per raw ADXL345 bit in SisFall (±16 g over 13 bits). */
export const SISFALL_G_PER_BIT: number = 32 / 8192;

/**
 * Whether an activity code of SisFall (`F01`-`F15`) or FallAllD (`A101`-`A135`), or a label of
 * UMAFall (`Fall_forwardFall`) or SmartFallMM (`front_fall`), is a fall; the other codes
 * (`D01`-`D19`, `A001`-`A044`) and labels (`ADL_Walking`, `walking`) are activities of daily living.
 *
 * @param label Activity code (a window's label).
 * @returns True for a fall code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isFallCode } from "./sisfall.ts";
 * assert.equal(isFallCode("F03"), true);
 * assert.equal(isFallCode("D01"), false);
 * assert.equal(isFallCode("A101"), true);
 * assert.equal(isFallCode("A044"), false);
 * assert.equal(isFallCode("Fall_lateralFall"), true);
 * assert.equal(isFallCode("back_fall"), true);
 * assert.equal(isFallCode("ADL_Walking"), false);
 * ```
 */
export function isFallCode(label: string | null): boolean {
  return label !== null && /^(F\d\d|A1\d\d|Fall_\w+|[a-z]+_fall)$/.test(label);
}

/**
 * Streams windows of SisFall (Deno only): raw bits converted to g, rows placed at i / 50 s
 * and resampled to 30 Hz; every window of a trial is labelled with its activity code
 * (`D01`-`D19`, falls `F01`-`F15`). Windows never span two files. The upstream duplicate
 * `SA01/D02_SA01_R01` (identical to `D01_SA01_R01`) is left out; {@linkcode listDataset}
 * reports it.
 *
 * @param root Folder holding the subject folders.
 * @param options Windowing and subject filter (`"SA01"`, `"SE06"`, ...).
 * @returns Window stream; `source` is `SA01/D01_SA01_R01.csv.gz`, subject the folder name.
 *
 * @example
 * ```ts ignore
 * import { readSisFall } from "./sisfall.ts";
 * for await (const w of readSisFall("../shared/data/sisfall")) console.log(w.label);
 * ```
 */
export function readSisFall(root: string, options: AdapterOptions = {}): WindowStream {
  return chainFiles(root, () => datasetFiles("sisfall", root, options), (file) => {
    const slash = file.lastIndexOf("/");
    const code = SISFALL_FILE.exec(file.slice(slash + 1))![1];
    return Promise.resolve(
      rawCountsCsvOptions(options, SISFALL_G_PER_BIT, SISFALL_RATE_HZ, file.slice(0, slash), code),
    );
  }, options.skipBadFiles);
}
