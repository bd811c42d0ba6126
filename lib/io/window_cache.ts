/**
 * **Deno-only** on-disk window cache: decoded windows stored under a content key (options and
 * source fingerprints), written atomically, rebuilt when stale or unreadable.
 *
 * @module
 */
import { cacheKey, decodeWindowCache, encodeWindowCache } from "../data/cache_format.ts";
import type { WindowSet } from "../data/window_set.ts";
import { atomicWrite } from "./files.ts";

/**
 * Loads a cache file if it exists and its header key equals `key` (Deno only).
 *
 * @param path Cache file.
 * @param key Expected key.
 * @returns The windows, or null when missing, stale or unreadable (a corrupt file, e.g. one
 *   whose checksum does not match, is also named in a warning on stderr).
 *
 * @example
 * ```ts ignore
 * import { loadWindowCache } from "./window_cache.ts";
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
  } catch (e) {
    console.error(`warning: window cache ${(e as Error).message}; rebuilding it`);
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
 * import { saveWindowCache } from "./window_cache.ts";
 * await saveWindowCache(".cache/x.ffmwin", set, "abc");
 * ```
 */
export async function saveWindowCache(
  path: string,
  set: WindowSet,
  key: string,
  info: unknown = null,
): Promise<void> {
  await atomicWrite(path, encodeWindowCache(set, key, info));
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
 * import { cachedWindowSet } from "./window_cache.ts";
 * import { sourceFingerprint } from "./files.ts";
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
