/**
 * **Deno-only** adapter for FallAllD (Saleh & Le Bouquin Jeannès, IEEE DataPort 2020), in the
 * compact layout of `../shared/data/fallalld`: subject folders `S01..S15/`, one file per trial
 * and logger `S<SS>_D<d>_A<AAA>_T<TT>_A.csv[.gz]` (`D1` neck, `D2` wrist, `D3` waist) with
 * header `x,y,z`, the LSM9DS1 accelerometer in raw bits (g = bits × 0.000244) at 59.5 Hz and
 * no timestamp column. Import through `lib/io/mod.ts`.
 *
 * @module
 */

import type { WindowStream } from "../data/types.ts";
import {
  chainFiles,
  datasetFiles,
  FALLALLD_FILE,
  FALLALLD_PLACEMENTS,
  type FallAllDOptions,
  type FallAllDPlacement,
  rawCountsCsvOptions,
} from "./dataset_files.ts";

/** FallAllD sample rate of the compact derivative (Hz). */
export const FALLALLD_RATE_HZ = 59.5;
/** g per raw LSM9DS1 bit in FallAllD (±8 g, 0.244 mg/LSB). */
export const FALLALLD_G_PER_BIT = 0.000244;

/**
 * The logger placement of a FallAllD window, from its `source` (the file name).
 *
 * @param source A window's `source`, e.g. `S01/S01_D2_A013_T01_A.csv.gz`.
 * @returns `"neck"`, `"wrist"` or `"waist"`, or null when it is not a FallAllD file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fallAllDPlacement } from "./fallalld.ts";
 * assert.equal(fallAllDPlacement("S01/S01_D2_A013_T01_A.csv.gz"), "wrist");
 * assert.equal(fallAllDPlacement("SA01/D01_SA01_R01.csv.gz"), null);
 * ```
 */
export function fallAllDPlacement(source: string): FallAllDPlacement | null {
  const m = FALLALLD_FILE.exec(source.slice(source.lastIndexOf("/") + 1));
  return m ? FALLALLD_PLACEMENTS[Number(m[2]) - 1] : null;
}

/**
 * Parses a placement list such as `"wrist"` or `"wrist,waist"` (also `+` between names).
 *
 * @param text Placement names.
 * @returns The placements, in the order given, without repeats.
 * @throws {RangeError} On an unknown or empty name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parsePlacements } from "./fallalld.ts";
 * assert.deepEqual(parsePlacements("wrist+waist"), ["wrist", "waist"]);
 * ```
 */
export function parsePlacements(text: string): FallAllDPlacement[] {
  const out: FallAllDPlacement[] = [];
  for (const raw of text.split(/[,+]/)) {
    const p = raw.trim() as FallAllDPlacement;
    if (!FALLALLD_PLACEMENTS.includes(p)) {
      throw new RangeError(
        `unknown FallAllD placement "${raw}" (use ${FALLALLD_PLACEMENTS.join(", ")})`,
      );
    }
    if (!out.includes(p)) out.push(p);
  }
  return out;
}

/**
 * Streams windows of FallAllD (Deno only): raw bits converted to g, rows placed at i / 59.5 s
 * and resampled to 30 Hz; every window of a trial is labelled with its activity code
 * (`A001`-`A044`, falls `A101`-`A135`). Windows never span two files (a 20 s trial gives
 * 3 windows at 5 s overlap). The placement is in `source` ({@linkcode fallAllDPlacement}).
 *
 * @param root Folder holding the subject folders.
 * @param options Windowing, subject (`"S01"`, ...) and placement filters.
 * @returns Window stream; `source` is `S01/S01_D2_A013_T01_A.csv.gz`, subject `S01`.
 *
 * @example
 * ```ts ignore
 * import { readFallAllD } from "./fallalld.ts";
 * const wrist = readFallAllD("../shared/data/fallalld", { placements: ["wrist"] });
 * ```
 */
export function readFallAllD(root: string, options: FallAllDOptions = {}): WindowStream {
  return chainFiles(root, () => datasetFiles("fallalld", root, options), (file) => {
    const slash = file.lastIndexOf("/");
    const m = FALLALLD_FILE.exec(file.slice(slash + 1))!;
    return Promise.resolve(
      rawCountsCsvOptions(options, FALLALLD_G_PER_BIT, FALLALLD_RATE_HZ, m[1], m[3]),
    );
  }, options.skipBadFiles);
}
