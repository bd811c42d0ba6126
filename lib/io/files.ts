/**
 * **Deno-only** file helpers of the data layer: opening (gzip) files as streams, source
 * fingerprints, the atomic on-disk window cache, and the dataset adapters (`uci-hapt`,
 * `sp-sw-har`), which take a root directory.
 *
 * This module uses `Deno.*` and is deliberately not re-exported from `lib/data/mod.ts`
 * (which stays browser-safe); import it as `lib/data/fs.ts`.
 *
 * @module
 */

import { cacheKey, decodeWindowCache, encodeWindowCache } from "../data/cache_format.ts";
import { type CsvReaderOptions, readCsvWindows } from "../data/csv_reader.ts";
import type { WindowStream } from "../data/types.ts";
import type { WindowSet } from "../data/window_set.ts";

export {
  type AdapterOptions,
  datasetFiles,
  type DatasetName,
  loadDataset,
  type LoadDatasetOptions,
  type LoadedDataset,
  readSpSwHar,
  readUciHapt,
  SP_SW_HAR_EXCERPT_OPTIONS,
  spSwHarExcerptRoot,
  type SpSwHarOptions,
} from "./datasets.ts";

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
 * Loads a cache file if it exists and its header key equals `key` (Deno only).
 *
 * @param path Cache file.
 * @param key Expected key.
 * @returns The windows, or null when missing, stale or unreadable.
 *
 * @example
 * ```ts ignore
 * import { loadWindowCache } from "./files.ts";
 * const set = await loadWindowCache(".cache/x.ffmwin", "abc");
 * ```
 */
export async function loadWindowCache(path: string, key: string): Promise<WindowSet | null> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
  try {
    const c = decodeWindowCache(bytes, path);
    return c.key === key ? c.set : null;
  } catch {
    return null;
  }
}

/**
 * Writes a cache file atomically: a temporary file in the same directory, then a rename
 * (Deno only). Parent directories are created.
 *
 * @param path Cache file.
 * @param set Windows to store.
 * @param key Cache key stored in the header.
 * @param info Extra JSON for the header.
 * @returns Resolves when the file is in place.
 *
 * @example
 * ```ts ignore
 * import { saveWindowCache } from "./files.ts";
 * await saveWindowCache(".cache/x.ffmwin", set, "abc");
 * ```
 */
export async function saveWindowCache(
  path: string,
  set: WindowSet,
  key: string,
  info: unknown = null,
): Promise<void> {
  const slash = path.lastIndexOf("/");
  if (slash > 0) await Deno.mkdir(path.slice(0, slash), { recursive: true });
  const tmp = `${path}.${crypto.randomUUID()}.tmp`;
  try {
    await Deno.writeFile(tmp, encodeWindowCache(set, key, info));
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}

/**
 * Returns the cached window set for `keyParts`, or builds it with `build` and caches it
 * (Deno only). The key is the SHA-256 of `keyParts` (put options and the source
 * fingerprint in it).
 *
 * @param path Cache file.
 * @param keyParts JSON value identifying the content.
 * @param build Produces the set on a miss.
 * @returns The set and whether it came from the cache.
 *
 * @example
 * ```ts ignore
 * import { cachedWindowSet, sourceFingerprint } from "./files.ts";
 * const { set, fromCache } = await cachedWindowSet(".cache/w.ffmwin", {
 *   options: {},
 *   files: await sourceFingerprint(["a.csv"]),
 * }, build);
 * ```
 */
export async function cachedWindowSet(
  path: string,
  keyParts: unknown,
  build: () => Promise<WindowSet>,
): Promise<{ set: WindowSet; fromCache: boolean }> {
  const key = await cacheKey(keyParts);
  const hit = await loadWindowCache(path, key);
  if (hit) return { set: hit, fromCache: true };
  const set = await build();
  await saveWindowCache(path, set, key, keyParts);
  return { set, fromCache: false };
}
