/**
 * **Deno-only** file helpers: atomic writes, existence checks, opening (gzip) data files as
 * streams and source fingerprints. Everything in the library that touches `Deno.*` lives under
 * `lib/io/`; the rest of `lib/` stays browser-safe.
 *
 * @module
 */

import { type CsvReaderOptions, readCsvWindows } from "../data/csv_reader.ts";
import type { WindowStream } from "../data/types.ts";

/** Size and modification time of one source file, for cache invalidation. */
export interface SourceFile {
  /** Path as given. */
  path: string;
  /** Size in bytes. */
  size: number;
  /** Modification time in ms since the epoch (0 when unknown). */
  mtime: number;
}

/**
 * Opens a file as a byte stream (Deno only). Gzip content is decompressed later by the
 * readers, which detect the magic bytes.
 *
 * @param path File path.
 * @returns The file's bytes as a stream (closed when fully read or cancelled).
 *
 * @example
 * ```ts ignore
 * import { openDataFile } from "./files.ts";
 * const stream = await openDataFile("walk.csv.gz");
 * ```
 */
export async function openDataFile(path: string): Promise<ReadableStream<Uint8Array>> {
  const file = await Deno.open(path, { read: true });
  return file.readable;
}

/**
 * Reads a CSV (or CSV.gz) file as a window stream (Deno only); `source` defaults to the
 * path so that errors name the file.
 *
 * @param path File path.
 * @param options Reader options.
 * @returns The window stream.
 *
 * @example
 * ```ts ignore
 * import { readCsvFile } from "./files.ts";
 * for await (const w of readCsvFile("walk.csv", { units: "m/s^2" })) console.log(w.start);
 * ```
 */
export function readCsvFile(path: string, options: CsvReaderOptions = {}): WindowStream {
  // Opened lazily so that a missing file surfaces while iterating, like other errors.
  return readCsvWindows(() => openDataFile(path), { source: path, ...options });
}

/**
 * Size and mtime of each file (Deno only).
 *
 * @param paths Files.
 * @returns One record per file, in the given order.
 *
 * @example
 * ```ts ignore
 * import { sourceFingerprint } from "./files.ts";
 * const fp = await sourceFingerprint(["a.csv"]);
 * ```
 */
export async function sourceFingerprint(paths: readonly string[]): Promise<SourceFile[]> {
  return await Promise.all(paths.map(async (path) => {
    const st = await Deno.stat(path);
    return { path, size: st.size, mtime: st.mtime?.getTime() ?? 0 };
  }));
}

/**
 * Writes a file atomically: a uniquely named temporary file beside the target, then a rename
 * over it, so a reader never sees half a file and a crash leaves the old file intact.
 * Parent directories are created.
 *
 * @param path Target file.
 * @param data Bytes or text.
 * @returns Resolves when the file is in place.
 *
 * @example
 * ```ts ignore
 * import { atomicWrite } from "./files.ts";
 * await atomicWrite("runs/x/log.jsonl", "");
 * ```
 */
export async function atomicWrite(path: string, data: Uint8Array | string): Promise<void> {
  const slash = path.lastIndexOf("/");
  if (slash > 0) await Deno.mkdir(path.slice(0, slash), { recursive: true });
  const tmp = `${path}.${crypto.randomUUID()}.tmp`;
  try {
    if (typeof data === "string") await Deno.writeTextFile(tmp, data);
    else await Deno.writeFile(tmp, data);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}

/**
 * True when a path exists; other errors (a missing permission, say) are thrown.
 *
 * @param path File or directory.
 * @returns Whether it exists.
 *
 * @example
 * ```ts ignore
 * import { exists } from "./files.ts";
 * if (await exists("runs/x/checkpoint.safetensors")) console.log("resumable");
 * ```
 */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}
