/**
 * **Deno-only** reader of the uniform layout (`<subject>/<recording>.csv[.gz]` with
 * `t,x,y,z,label`, and `index.csv`; see `uniform_index.ts`). Import through `lib/io/mod.ts`.
 *
 * @module
 */

import type { WindowStream } from "../data/types.ts";
import { adapterCsvOptions, type AdapterOptions, chainFiles } from "./dataset_files.ts";
import { type UniformFilter, type UniformRecording, uniformRecordings } from "./uniform_index.ts";

/** Options of the uniform adapter: windowing, and the subject and placement filters. */
export interface UniformOptions extends AdapterOptions, UniformFilter {
  /**
   * Only recordings at these placements (as `index.csv` names them); all when unset.
   * @default {undefined}
   */
  placements?: string[];
}

/**
 * Streams windows of a folder in the uniform layout (Deno only): `t` in seconds, values in g,
 * resampled by `t` to 30 Hz (gaps over `gapSeconds` split a recording); the label of each row
 * is its `label` cell (empty: unlabelled), the subject the index's. Windows never span two files.
 *
 * @param root The folder holding `index.csv` and the subject folders.
 * @param options Windowing, subject and placement filters.
 * @returns Window stream; `source` is the file as `index.csv` names it (`p1/a01_RA.csv.gz`).
 *
 * @example
 * ```ts ignore
 * import { readUniform } from "./uniform.ts";
 * for await (const w of readUniform("../shared/data/dsads", { placements: ["arm"] })) {
 *   console.log(w.subject, w.label);
 * }
 * ```
 */
export function readUniform(root: string, options: UniformOptions = {}): WindowStream {
  let bySource: Promise<Map<string, UniformRecording>> | null = null;
  const recordings = () => uniformRecordings(root, options);
  return chainFiles(root, async () => {
    const rows = await recordings();
    bySource = Promise.resolve(new Map(rows.map((r) => [r.file, r])));
    return rows.map((r) => r.file);
  }, async (file) => {
    const r = (await bySource!).get(file)!;
    return {
      ...adapterCsvOptions(options),
      units: "g",
      timeUnit: "s",
      header: true,
      delimiter: ",",
      columns: { timestamp: "t", x: "x", y: "y", z: "z", label: "label", subject: null },
      subject: r.subject,
    };
  }, options.skipBadFiles);
}
