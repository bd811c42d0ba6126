/**
 * **Deno-only** adapter for sp-sw-har (Matey-Sanz et al. 2023):
 * `DATA/sNN/sNN_EE_{sp,sw}.csv[.gz]` (m/s^2, ms timestamps, ~100 Hz, label column), plus the
 * bundled excerpt's location and recommended options. Import through `lib/io/mod.ts`.
 *
 * @module
 */

import type { WindowStream } from "../data/types.ts";
import {
  adapterCsvOptions,
  chainFiles,
  datasetFiles,
  SPSW_FILE,
  type SpSwHarOptions,
} from "./dataset_files.ts";

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
 * import { readSpSwHar } from "./sp_sw_har.ts";
 * const s = readSpSwHar("fixtures/sp-sw-har-excerpt", { devices: ["sw"] });
 * ```
 */
export function readSpSwHar(root: string, options: SpSwHarOptions = {}): WindowStream {
  return chainFiles(
    root,
    () => datasetFiles("sp-sw-har", root, options),
    (file) =>
      Promise.resolve({
        ...adapterCsvOptions(options),
        units: "m/s^2",
        timeUnit: "ms",
        columns: { x: "x_acc", y: "y_acc", z: "z_acc", timestamp: "timestamp", label: "label" },
        subject: SPSW_FILE.exec(file.slice(file.lastIndexOf("/") + 1))![1],
      }),
    options.skipBadFiles,
  );
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
 * import { loadDataset, SP_SW_HAR_EXCERPT_OPTIONS, spSwHarExcerptRoot } from "./mod.ts";
 * const ds = await loadDataset("sp-sw-har", spSwHarExcerptRoot(), SP_SW_HAR_EXCERPT_OPTIONS);
 * ```
 */
export function spSwHarExcerptRoot(): string {
  const url = new URL("../../fixtures/sp-sw-har-excerpt", import.meta.url);
  const path = decodeURIComponent(url.pathname);
  return /^\/[A-Za-z]:/.test(path) ? path.slice(1) : path;
}
