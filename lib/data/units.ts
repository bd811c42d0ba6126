/**
 * Acceleration units: parsing of unit names and auto-detection from the signal.
 *
 * @module
 */

import { STANDARD_GRAVITY } from "./types.ts";

/** A supported acceleration unit. */
export type AccelUnit = "g" | "m/s^2";

const ALIASES: Record<string, AccelUnit> = {
  "g": "g",
  "m/s^2": "m/s^2",
  "m/s2": "m/s^2",
  "m/s²": "m/s^2",
  "ms2": "m/s^2",
  "mps2": "m/s^2",
  "ms^-2": "m/s^2",
  "m s^-2": "m/s^2",
};

/**
 * Normalises a unit name (case-insensitive, aliases such as `m/s2`, `mps2`).
 *
 * @param name Unit name.
 * @returns The canonical unit, or null when unknown.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseUnit } from "./units.ts";
 * assert(parseUnit("M/S2") === "m/s^2");
 * assert(parseUnit("furlongs") === null);
 * ```
 */
export function parseUnit(name: string): AccelUnit | null {
  return ALIASES[name.trim().toLowerCase()] ?? null;
}

/**
 * Factor that converts a value in `unit` to g.
 *
 * @param unit Source unit.
 * @returns Multiplier to g.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toGFactor } from "./units.ts";
 * assert(Math.abs(9.80665 * toGFactor("m/s^2") - 1) < 1e-12);
 * ```
 */
export function toGFactor(unit: AccelUnit): number {
  return unit === "g" ? 1 : 1 / STANDARD_GRAVITY;
}

/**
 * Guesses the unit from the median vector norm of the samples: about 1 means g, about 9.8
 * means m/s^2. Samples with a NaN are ignored.
 *
 * @param xs X values.
 * @param ys Y values.
 * @param zs Z values.
 * @returns The detected unit, or null when the median norm is in neither band
 *   ([0.3, 3] for g, [3, 30] for m/s^2) or there are no finite samples.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { detectUnit } from "./units.ts";
 * assert(detectUnit([0, 0.1], [0, 0], [1, 0.98]) === "g");
 * assert(detectUnit([0, 1], [0, 0], [9.8, 9.7]) === "m/s^2");
 * ```
 */
export function detectUnit(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  zs: ArrayLike<number>,
): AccelUnit | null {
  const norms: number[] = [];
  for (let i = 0; i < xs.length; i++) {
    const n = Math.hypot(xs[i], ys[i], zs[i]);
    if (Number.isFinite(n)) norms.push(n);
  }
  if (norms.length === 0) return null;
  norms.sort((a, b) => a - b);
  const median = norms[norms.length >> 1];
  if (median >= 0.3 && median < 3) return "g";
  if (median >= 3 && median <= 30) return "m/s^2";
  return null;
}
