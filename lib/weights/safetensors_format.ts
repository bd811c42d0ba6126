/**
 * Shared pieces of the safetensors codec: the tensor type, the error class and the
 * dtype/shape helpers used by both the decoder (`safetensors.ts`) and the encoder
 * (`safetensors_encode.ts`). Pure bytes, no runtime APIs, no tfjs.
 *
 * @module
 */

/** Storage types the codec reads and writes; values are always computed in float32. */
export type StoredDtype = "F32" | "F16" | "BF16";

/**
 * One tensor: row-major float32 data whose length equals the product of `shape`, and the type it
 * is (or is to be) stored as. Decoding widens F16 and BF16 to float32 exactly; encoding as F16 or
 * BF16 rounds to the nearest value (ties to even).
 */
export interface SafetensorsTensor {
  /** Storage type: `"F32"`, or 16-bit `"F16"` / `"BF16"` (half the bytes). */
  dtype: StoredDtype;
  /** Dimensions (non-negative integers); `[]` is a scalar. */
  shape: number[];
  /** Row-major element data. */
  data: Float32Array;
}

/**
 * Error thrown for any malformed safetensors input or invalid encoder argument.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const err = new SafetensorsError("bad", { tensor: "w", field: "shape" });
 * assert.equal(err.name, "SafetensorsError");
 * assert.equal(err.tensor, "w");
 * ```
 */
export class SafetensorsError extends Error {
  /** Name of the tensor at fault, when there is one. */
  readonly tensor?: string;
  /** Header field at fault (e.g. `"dtype"`, `"data_offsets"`, `"__metadata__"`). */
  readonly field?: string;
  /**
   * Creates the error.
   *
   * @param message Full error message.
   * @param where Optional tensor name and field at fault.
   */
  constructor(message: string, where: { tensor?: string; field?: string } = {}) {
    super(message);
    this.name = "SafetensorsError";
    if (where.tensor !== undefined) this.tensor = where.tensor;
    if (where.field !== undefined) this.field = where.field;
  }
}

/** Byte size of every safetensors dtype (only F32 is decoded). */
// deno-fmt-ignore
export const ITEM_SIZE: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4, I64: 8, U64: 8, F64: 8,
};
/** Whether this host stores numbers little-endian (fast copy path). */
export const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
/** Largest accepted JSON header, in bytes. */
export const MAX_HEADER = 100_000_000;
/** Quotes a name for an error message. */
export const q = (s: string): string => JSON.stringify(s);

/** Whether `v` is a non-null, non-array object. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Element count of a validated shape, or an error string. */
export function checkShape(shape: unknown): number | string {
  if (!Array.isArray(shape)) return "must be an array of integers";
  let n = 1;
  for (const d of shape) {
    if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0) {
      return `dimension ${JSON.stringify(d)} is not a non-negative integer`;
    }
    n *= d;
    if (!Number.isSafeInteger(n * 4)) return "element count overflows";
  }
  return n;
}
