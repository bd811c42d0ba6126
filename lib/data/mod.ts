/**
 * FlowFM data ingestion (browser-safe): read accelerometer CSV (plain or gzip, as a stream
 * at constant memory), convert to g, resample to 30 Hz by linear interpolation, split at
 * gaps, and cut clipped 10 s windows (300 x 3, float32) with drop statistics; pack
 * windows into [n, 300, 3] batches; encode/decode the binary window cache.
 *
 * Nothing here uses `Deno.*`. File access, the on-disk cache and the dataset adapters
 * (`uci-hapt`, `sp-sw-har`) live in the Deno-only `lib/io/mod.ts`.
 *
 * @example Windows from CSV text
 * ```ts
 * import assert from "node:assert/strict";
 * import { collectWindows, readCsvWindows } from "./mod.ts";
 * let csv = "t,x,y,z\n";
 * for (let i = 0; i < 1500; i++) csv += `${(i / 50).toFixed(2)},0,0,1\n`;
 * const set = await collectWindows(readCsvWindows(csv));
 * assert(set.count === 5 && set.data.length === 5 * 900);
 * ```
 *
 * @module
 */

export * from "./types.ts";
export * from "./errors.ts";
export * from "./units.ts";
export * from "./timestamps.ts";
export * from "./columns.ts";
export * from "./byte_source.ts";
export * from "./resampler.ts";
export * from "./windower.ts";
export * from "./csv_reader.ts";
export * from "./window_set.ts";
export * from "./cache_format.ts";
