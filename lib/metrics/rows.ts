/**
 * Shape and value checks shared by the metrics: a flat array read as rows of a fixed width
 * (embeddings `n x dim`, or windows `[n, 300, 3]` flattened to `n x 900`).
 *
 * @module
 */

/** A flat array of numbers that the metrics accept (read in float64 internally). */
export type NumericArray = Float32Array | Float64Array;

/**
 * Checks that `data` holds whole rows of `width` finite numbers and returns the row count.
 *
 * @param fn Name of the calling function, for the error message.
 * @param name Name of the argument, for the error message.
 * @param data The flat, row-major values.
 * @param width Values per row.
 * @param minRows Fewest rows accepted.
 * @returns The number of rows, `data.length / width`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rowCount } from "./rows.ts";
 * assert(rowCount("f", "a", new Float32Array(6), 3, 1) === 2);
 * ```
 */
export function rowCount(
  fn: string,
  name: string,
  data: NumericArray,
  width: number,
  minRows: number,
): number {
  if (!(data instanceof Float32Array || data instanceof Float64Array)) {
    const got = (data as unknown)?.constructor?.name ?? typeof data;
    throw new TypeError(`${fn}: ${name} must be a Float32Array or Float64Array, got ${got}`);
  }
  if (!Number.isInteger(width) || width < 1) {
    throw new RangeError(`${fn}: row width must be a positive integer, got ${width}`);
  }
  if (data.length % width !== 0) {
    throw new RangeError(
      `${fn}: ${name} has length ${data.length}, not a multiple of the row width ${width}`,
    );
  }
  const n = data.length / width;
  if (n < minRows) {
    throw new RangeError(
      `${fn}: ${name} needs at least ${minRows} row(s) of width ${width}, got length ${data.length} (${n} row(s))`,
    );
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      const r = Math.floor(i / width);
      throw new RangeError(
        `${fn}: ${name}[${i}] is ${data[i]} (row ${r}, column ${i - r * width} of ${n} x ${width})`,
      );
    }
  }
  return n;
}
