/**
 * Timestamp formats (seconds, milliseconds, microseconds, nanoseconds, ISO 8601): parsing and
 * auto-detection.
 *
 * @module
 */

/** A timestamp format: seconds, milliseconds, microseconds, nanoseconds or ISO 8601 text. */
export type TimeUnit = "s" | "ms" | "us" | "ns" | "iso";

/**
 * Parses one timestamp to seconds.
 *
 * @param text The field text.
 * @param unit The format.
 * @returns Seconds (epoch seconds for ISO), or NaN when unparsable.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseTimestamp } from "./timestamps.ts";
 * assert(parseTimestamp("1500", "ms") === 1.5);
 * assert(parseTimestamp("1970-01-01T00:00:02Z", "iso") === 2);
 * assert(Number.isNaN(parseTimestamp("abc", "s")));
 * ```
 */
export function parseTimestamp(text: string, unit: TimeUnit): number {
  if (unit === "iso") {
    const ms = Date.parse(text.trim());
    return ms / 1000;
  }
  const trimmed = text.trim();
  if (trimmed === "") return NaN;
  const v = Number(trimmed);
  return unit === "s" ? v : unit === "ms" ? v / 1000 : unit === "us" ? v / 1e6 : v / 1e9;
}

/**
 * Detects the timestamp format from leading samples. Non-numeric text that `Date.parse`
 * accepts is ISO. Epoch times are told by magnitude (today is about 1.7e9 s): numbers of at
 * least 1e17 are epoch nanoseconds, [1e14, 1e17) microseconds, [1e11, 1e14) milliseconds and
 * [1e8, 1e11) seconds. Smaller (relative) times are told by their median step, for sample rates
 * from 1 Hz to 1 kHz: below 1 seconds, [1, 1000) milliseconds, [1000, 1e6) microseconds and
 * from 1e6 nanoseconds.
 *
 * @param samples Leading timestamp fields (at least one).
 * @returns The detected format, or null when the fields are neither numbers nor dates.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { detectTimeUnit } from "./timestamps.ts";
 * assert(detectTimeUnit(["1657533977810", "1657533977819"]) === "ms");
 * assert(detectTimeUnit(["0", "0.02", "0.04"]) === "s");
 * assert(detectTimeUnit(["0", "20", "40"]) === "ms");
 * assert(detectTimeUnit(["1657533977810000000", "1657533977830000000"]) === "ns");
 * assert(detectTimeUnit(["0", "20000000", "40000000"]) === "ns");
 * assert(detectTimeUnit(["0", "20000", "40000"]) === "us");
 * assert(detectTimeUnit(["2024-01-01T10:00:00.000Z"]) === "iso");
 * ```
 */
export function detectTimeUnit(samples: readonly string[]): TimeUnit | null {
  if (samples.length === 0) return null;
  const first = samples[0].trim();
  if (first === "" || Number.isNaN(Number(first))) {
    return Number.isNaN(Date.parse(first)) ? null : "iso";
  }
  const values = samples.map((s) => Number(s)).filter((v) => Number.isFinite(v));
  if (values.length === 0) return null;
  const v0 = Math.abs(values[0]);
  if (v0 >= 1e17) return "ns";
  if (v0 >= 1e14) return "us";
  if (v0 >= 1e11) return "ms";
  if (v0 >= 1e8) return "s";
  const steps: number[] = [];
  for (let i = 1; i < values.length; i++) {
    const d = values[i] - values[i - 1];
    if (d > 0) steps.push(d);
  }
  if (steps.length === 0) return "s";
  steps.sort((a, b) => a - b);
  const step = steps[steps.length >> 1];
  return step < 1 ? "s" : step < 1e3 ? "ms" : step < 1e6 ? "us" : "ns";
}
