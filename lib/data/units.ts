/**
 * Acceleration units: parsing of unit names and auto-detection from the signal.
 *
 * @module
 */

import { DataError } from "./errors.ts";
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
 * Median vector norm of the samples (samples with a NaN are ignored).
 *
 * @param xs X values.
 * @param ys Y values.
 * @param zs Z values.
 * @returns The median norm, or NaN when there are no finite samples.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { medianNorm } from "./units.ts";
 * assert.equal(medianNorm([3, 0, NaN], [4, 0, 0], [0, 1, 0]), 5);
 * ```
 */
export function medianNorm(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  zs: ArrayLike<number>,
): number {
  const norms: number[] = [];
  for (let i = 0; i < xs.length; i++) {
    const n = Math.hypot(xs[i], ys[i], zs[i]);
    if (Number.isFinite(n)) norms.push(n);
  }
  if (norms.length === 0) return NaN;
  norms.sort((a, b) => a - b);
  return norms[norms.length >> 1];
}

/**
 * Checks a median vector norm against the unit it was given in: above 4 does not look like g
 * (about 9.8 is m/s^2 read as g), below 4 does not look like m/s^2 with gravity in it (about 1
 * is g read as m/s^2; a smaller norm is also what gravity-removed data give, which FlowFM
 * cannot use: it expects raw acceleration, gravity included).
 *
 * @param unit The unit the data are read in.
 * @param median The median vector norm in that unit (after any scale).
 * @returns What is wrong, or null when the norm fits the unit (or is NaN).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unitMismatch } from "./units.ts";
 * assert.match(unitMismatch("g", 9.81)!, /median vector norm 9\.81 .*m\/s\^2/);
 * assert.equal(unitMismatch("m/s^2", 9.81), null);
 * assert.match(unitMismatch("m/s^2", 0.1)!, /0\.1 read as m\/s\^2/);
 * assert.match(unitMismatch("m/s^2", 1.02)!, /1\.02 read as m\/s\^2.*look like g/);
 * ```
 */
export function unitMismatch(unit: AccelUnit, median: number): string | null {
  const m = +median.toPrecision(3);
  if (unit === "g" && median > 4) {
    return `median vector norm ${m} read as g (at rest it is about 1 g): the data look like ` +
      `m/s^2 and would be clipped at 3 g; use units m/s^2 (or trust the units to go on)`;
  }
  if (unit === "m/s^2" && median < 4) {
    return `median vector norm ${m} read as m/s^2 (at rest it is about 9.8 m/s^2): the data ` +
      `look like g (use units g), or have gravity removed (FlowFM needs raw acceleration, ` +
      `gravity included); or trust the units to go on`;
  }
  return null;
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
  const median = medianNorm(xs, ys, zs);
  if (median >= 0.3 && median < 3) return "g";
  if (median >= 3 && median <= 30) return "m/s^2";
  return null;
}

/**
 * A hint for data that look gravity-removed: the mean acceleration vector of a recording with
 * gravity is about 1 g long (the device's orientation changes it slowly), and near 0 without.
 *
 * @param xs X values, in g.
 * @param ys Y values, in g.
 * @param zs Z values, in g.
 * @returns The hint when the mean vector is shorter than 0.3 g and the median norm below 0.6 g
 *   (the data move, but not with gravity's 1 g), else null.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gravityRemovedHint } from "./units.ts";
 * assert.equal(gravityRemovedHint([0, 0.1], [0, 0], [1, 0.98]), null);
 * // a wrist turning through every orientation: mean vector near 0, but every sample about 1 g
 * assert.equal(gravityRemovedHint([1, -1, 0, 0], [0, 0, 1, -1], [0, 0, 0, 0]), null);
 * assert.match(gravityRemovedHint([0.4, -0.4], [0.2, -0.2], [0.1, -0.1])!, /gravity removed/);
 * ```
 */
export function gravityRemovedHint(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  zs: ArrayLike<number>,
): string | null {
  let sx = 0, sy = 0, sz = 0, n = 0;
  for (let i = 0; i < xs.length; i++) {
    if (!(Number.isFinite(xs[i]) && Number.isFinite(ys[i]) && Number.isFinite(zs[i]))) continue;
    sx += xs[i];
    sy += ys[i];
    sz += zs[i];
    n++;
  }
  if (n === 0) return null;
  const mean = Math.hypot(sx / n, sy / n, sz / n), median = medianNorm(xs, ys, zs);
  // A wrist that turns a lot can average its gravity out (a short mean vector) while every sample
  // still reads about 1 g: the median norm tells the two apart.
  if (!(mean < 0.3 && median > 0 && median < 0.6)) return null;
  return `the mean acceleration vector is ${+mean.toPrecision(2)} g long (about 1 g with ` +
    `gravity): the data look like they have gravity removed; FlowFM expects raw acceleration, ` +
    `gravity included`;
}

/**
 * The units decision of the CSV reader over its first rows: with explicit units, a median norm
 * that contradicts them is a `unit-mismatch` DataError (a warning with `trustUnits`); with
 * `"auto"`, the detected unit's factor, or an `unknown-unit` DataError at `line`. Data that look
 * gravity-removed are warned about either way.
 *
 * @param xyz The x, y and z values of the first rows (after any scale).
 * @param options `units`, `trustUnits` and `source` (the file, for errors).
 * @param line The first row's line, for errors.
 * @param warn Receives warnings (without the file name).
 * @returns The factor to g that detection found, or null with explicit units (theirs applies).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unitFactor } from "./units.ts";
 * assert.equal(unitFactor([[0], [0], [9.8]], {}, 2, () => {}), 1 / 9.80665);
 * assert.throws(() => unitFactor([[0], [0], [1]], { units: "m/s^2" }, 2, () => {}), /read as m/);
 * ```
 */
export function unitFactor(
  xyz: number[][],
  options: { units?: string; trustUnits?: boolean; source?: string },
  line: number,
  warn: (message: string) => void,
): number | null {
  const [xs, ys, zs] = xyz, file = options.source ?? "<input>";
  const explicit = options.units !== undefined && options.units !== "auto";
  const unit = explicit ? parseUnit(options.units!)! : detectUnit(xs, ys, zs);
  if (!unit) {
    throw new DataError(
      "unknown-unit",
      "cannot detect units from the median vector norm; set units to g or m/s^2",
      { file, line },
    );
  }
  const bad = explicit ? unitMismatch(unit, medianNorm(xs, ys, zs)) : null;
  if (bad && !options.trustUnits) throw new DataError("unit-mismatch", bad, { file, line: 0 });
  if (bad) warn(`${bad} (units trusted)`);
  const g = toGFactor(unit), inG = (v: number[]) => v.map((x) => x * g);
  const hint = gravityRemovedHint(inG(xs), inG(ys), inG(zs));
  if (hint) warn(hint);
  return explicit ? null : g;
}
