/**
 * Binary window cache format (browser-safe encode/decode) and cache keys.
 *
 * Layout (little-endian): 8-byte magic `FFMWIN01`, u32 header length H, H bytes of UTF-8
 * JSON header (`key`, `count`, geometry, string tables, stats, `info`), zero padding to a
 * multiple of 8, then float32 window data [count, 300, 3], float64 start times, and int32
 * indices into the label, subject and source tables (-1 = null). The header's `crc32` is the
 * CRC-32 of everything after the padding; a file whose payload does not match is rejected.
 *
 * @module
 */

import { sha256Hex } from "../sha256.ts";
import { DataError } from "./errors.ts";
import { CHANNELS, WINDOW_SAMPLES, WINDOW_VALUES, type WindowStats } from "./types.ts";
import type { WindowSet } from "./window_set.ts";

const MAGIC = "FFMWIN01";

interface Header {
  key: string;
  count: number;
  windowSamples: number;
  channels: number;
  labels: string[];
  subjects: string[];
  sources: string[];
  stats: WindowStats;
  info: unknown;
  crc32?: number;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE) of `bytes`, continuing from `crc` (0 to start). */
function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

const asBytes = (a: Float32Array | Float64Array | Int32Array) =>
  new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function table(values: readonly (string | null)[]): { names: string[]; idx: Int32Array } {
  const names: string[] = [];
  const map = new Map<string, number>();
  const idx = new Int32Array(values.length);
  values.forEach((v, i) => {
    if (v === null) idx[i] = -1;
    else {
      let j = map.get(v);
      if (j === undefined) {
        j = names.push(v) - 1;
        map.set(v, j);
      }
      idx[i] = j;
    }
  });
  return { names, idx };
}

function assertLittleEndian(): void {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
    throw new Error("window cache needs a little-endian platform");
  }
}

/**
 * Serialises a window set with its cache key.
 *
 * @param set The windows.
 * @param key Cache key (see {@linkcode cacheKey}).
 * @param info Extra JSON stored in the header (e.g. the source fingerprint).
 * @returns The file bytes.
 *
 * @example Round trip
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeWindowCache, encodeWindowCache } from "./cache_format.ts";
 * import { emptyStats } from "./types.ts";
 * const set = {
 *   count: 1, data: new Float32Array(900).fill(0.5), starts: new Float64Array([12]),
 *   labels: ["walk"], subjects: [null], sources: ["a.csv"], stats: emptyStats(),
 * };
 * const back = decodeWindowCache(encodeWindowCache(set, "k1"));
 * assert(back.key === "k1" && back.set.labels[0] === "walk" && back.set.data[899] === 0.5);
 * ```
 */
export function encodeWindowCache(set: WindowSet, key: string, info: unknown = null): Uint8Array {
  assertLittleEndian();
  const l = table(set.labels);
  const s = table(set.subjects);
  const src = table(set.sources);
  const n = set.count;
  const parts = [
    set.data.subarray(0, n * WINDOW_VALUES),
    set.starts.subarray(0, n),
    l.idx,
    s.idx,
    src.idx,
  ];
  const crc = parts.reduce((c, a) => crc32(asBytes(a), c), 0);
  const header: Header = {
    key,
    count: set.count,
    windowSamples: WINDOW_SAMPLES,
    channels: CHANNELS,
    labels: l.names,
    subjects: s.names,
    sources: src.names,
    stats: set.stats,
    info,
    crc32: crc,
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const dataOff = Math.ceil((12 + json.length) / 8) * 8;
  const total = dataOff + n * WINDOW_VALUES * 4 + n * 8 + n * 12;
  const out = new Uint8Array(total);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  let o = dataOff;
  for (const a of parts) {
    out.set(asBytes(a), o);
    o += a.byteLength;
  }
  return out;
}

/**
 * Parses a window cache file.
 *
 * @param bytes File contents.
 * @param file Name used in errors.
 * @returns The stored key, extra info and windows.
 * @throws {DataError} `bad-cache` when the bytes are not a valid cache file or the payload
 *   does not match the header's checksum.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeWindowCache } from "./cache_format.ts";
 * try {
 *   decodeWindowCache(new Uint8Array(4));
 * } catch (e) {
 *   assert((e as Error).name === "DataError");
 * }
 * ```
 */
export function decodeWindowCache(
  bytes: Uint8Array,
  file = "<cache>",
): { key: string; info: unknown; set: WindowSet } {
  assertLittleEndian();
  const bad = (why: string) => new DataError("bad-cache", why, { file });
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) {
    throw bad("not a window cache file");
  }
  const hlen = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
  if (12 + hlen > bytes.length) throw bad("truncated header");
  let h: Header;
  try {
    h = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + hlen)));
  } catch {
    throw bad("corrupt header");
  }
  if (h.windowSamples !== WINDOW_SAMPLES || h.channels !== CHANNELS) throw bad("other geometry");
  const n = h.count;
  const dataOff = Math.ceil((12 + hlen) / 8) * 8;
  if (bytes.length !== dataOff + n * WINDOW_VALUES * 4 + n * 20) throw bad("size mismatch");
  const body = bytes.slice(dataOff); // aligned copy
  if (h.crc32 === undefined) throw bad("no checksum (cache written by an older version)");
  if (crc32(body) !== h.crc32) throw bad("checksum mismatch (the file is corrupt)");
  const data = new Float32Array(body.buffer, 0, n * WINDOW_VALUES);
  let o = n * WINDOW_VALUES * 4;
  const starts = new Float64Array(body.buffer, o, n);
  o += n * 8;
  const idx = (names: string[]) => {
    const a = new Int32Array(body.buffer, o, n);
    o += n * 4;
    return Array.from(a, (i) => (i < 0 ? null : names[i]));
  };
  const labels = idx(h.labels);
  const subjects = idx(h.subjects);
  const sources = idx(h.sources).map((s) => s ?? "");
  return {
    key: h.key,
    info: h.info,
    set: { count: n, data, starts, labels, subjects, sources, stats: h.stats },
  };
}

function stable(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stable);
  if (v && typeof v === "object") {
    return Object.fromEntries(
      Object.keys(v).sort().map((k) => [k, stable((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

/**
 * SHA-256 (hex) of a JSON value with sorted object keys, for cache invalidation: pass the
 * options and the source fingerprint (file names, sizes, mtimes).
 *
 * @param parts Any JSON-serialisable value.
 * @returns 64 hex digits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cacheKey } from "./cache_format.ts";
 * const a = await cacheKey({ b: 1, a: [2] });
 * const b = await cacheKey({ a: [2], b: 1 });
 * assert(a === b && a.length === 64);
 * ```
 */
export async function cacheKey(parts: unknown): Promise<string> {
  return await sha256Hex(
    new TextEncoder().encode(JSON.stringify(stable({ format: MAGIC, parts }))),
  );
}
