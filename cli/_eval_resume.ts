// cli/evaluate.ts's finished folds, kept in OUT/folds.partial.json after each fold so that a
// killed evaluation, run again with the same command, trains only the folds it had not finished
// (every fold is seeded on its own: the report is the uninterrupted run's). The file records the
// settings that decide the results (the model's and the data's SHA-256, seed, folds, labels per
// class, task, features, probe, fine-tuning, backend); a run with other settings refuses it.
import type { FoldRecord } from "../lib/eval/results.ts";
import { atomicWrite } from "../lib/io/mod.ts";
import { createHash } from "node:crypto";

/** The file in OUT that holds the finished folds until the report is written. */
export const PARTIAL_FILE = "folds.partial.json";
const FORMAT = "flowfm-eval-folds";

/**
 * SHA-256 of the evaluated data: the windows' bytes, then each window's label and subject (after
 * --task), so that a rerun on other windows, labels or subjects does not take the folds.
 */
export function dataDigest(
  windows: Float32Array,
  labels: readonly (string | null)[],
  subjects: readonly (string | null)[],
): string {
  // streamed, so the windows are not copied (about 160 MB for DSADS); the same digest as one buffer
  return createHash("sha256")
    .update(new Uint8Array(windows.buffer, windows.byteOffset, windows.byteLength))
    .update(JSON.stringify([labels, subjects]))
    .digest("hex");
}

/**
 * The finished folds in `OUT/folds.partial.json` ([] when there is none). A file written with
 * other settings is an error naming the first setting that differs, and the file.
 */
export async function readFinished(
  out: string,
  settings: Record<string, unknown>,
): Promise<FoldRecord[]> {
  const path = `${out}/${PARTIAL_FILE}`;
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  let file: { format?: unknown; settings?: Record<string, unknown>; folds?: FoldRecord[] };
  try {
    file = JSON.parse(text, (_, v) => (v === null ? NaN : v)); // NaN is written as null
  } catch (e) {
    throw new Error(`${path}: not JSON (${(e as Error).message}); delete it to start over`);
  }
  if (file.format !== FORMAT || !Array.isArray(file.folds) || !file.settings) {
    throw new Error(`${path}: not a ${FORMAT} file; delete it to start over`);
  }
  const keys = new Set([...Object.keys(settings), ...Object.keys(file.settings)]);
  for (const k of keys) {
    const was = JSON.stringify(file.settings[k]), now = JSON.stringify(settings[k]);
    if (was !== now) {
      throw new Error(
        `${path} holds the finished folds of an evaluation with other settings (${k}: ${was} ` +
          `there, ${now} now); delete it to start over, or give another --out`,
      );
    }
  }
  return file.folds;
}

/**
 * A function that adds one finished fold to `OUT/folds.partial.json` (rewritten atomically, with
 * the folds before it), for `evaluate`'s `onFold`.
 */
export function foldKeeper(
  out: string,
  settings: Record<string, unknown>,
  finished: readonly FoldRecord[],
): (record: FoldRecord) => Promise<void> {
  const folds = [...finished];
  return async (record) => {
    folds.push(record);
    await Deno.mkdir(out, { recursive: true });
    await atomicWrite(
      `${out}/${PARTIAL_FILE}`,
      JSON.stringify({ format: FORMAT, settings, folds }) + "\n",
    );
  };
}

/** Removes `OUT/folds.partial.json` once the report is written. */
export async function removeFinished(out: string): Promise<void> {
  await Deno.remove(`${out}/${PARTIAL_FILE}`).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
}
