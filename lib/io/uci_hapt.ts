/**
 * **Deno-only** adapter for UCI HAPT raw data: `RawData/acc_expNN_userMM.txt[.gz]` (x y z in
 * g, 50 Hz, no timestamps) with `RawData/labels.txt` (exp, user, activity id, start, end;
 * 1-based inclusive sample numbers) and `activity_labels.txt`. Unlabelled stretches give
 * windows with label null. Import through `lib/io/mod.ts`.
 *
 * @module
 */

import { DataError } from "../data/errors.ts";
import type { WindowStream } from "../data/types.ts";
import {
  adapterCsvOptions,
  type AdapterOptions,
  chainFiles,
  datasetFiles,
  HAPT_FILE,
} from "./dataset_files.ts";

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
 * import { readUciHapt } from "./uci_hapt.ts";
 * for await (const w of readUciHapt("/data/uci-hapt")) console.log(w.label);
 * ```
 */
export function readUciHapt(root: string, options: AdapterOptions = {}): WindowStream {
  let labels: Promise<HaptLabels> | null = null;
  return chainFiles(root, () => datasetFiles("uci-hapt", root, options), async (file) => {
    labels ??= haptLabels(root);
    const { names, byExp } = await labels;
    const m = HAPT_FILE.exec(file.slice(file.lastIndexOf("/") + 1))!;
    const ranges = byExp.get(Number(m[1])) ?? [];
    return {
      ...adapterCsvOptions(options),
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
  }, options.skipBadFiles);
}
