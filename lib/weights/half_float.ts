/**
 * IEEE 754 half precision (F16) and bfloat16 (BF16) conversions, for safetensors files that store
 * weights in 16 bits: F32 is computed, F16 or BF16 may be stored. Pure functions on typed arrays.
 *
 * @module
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * Rounds float32 values to the nearest float16 (ties to even), as bit patterns. Values beyond the
 * float16 range become ±Infinity, tiny values subnormals or ±0; NaN stays NaN.
 *
 * @param values Float32 values.
 * @returns One 16-bit pattern per value.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { f16BitsToF32, f32ToF16Bits } from "./half_float.ts";
 * const bits = f32ToF16Bits(new Float32Array([1, -2, 65504, 1e6]));
 * assert.deepEqual([...bits], [0x3c00, 0xc000, 0x7bff, 0x7c00]);
 * assert.deepEqual([...f16BitsToF32(bits)], [1, -2, 65504, Infinity]);
 * ```
 */
export function f32ToF16Bits(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    f32[0] = values[i];
    const x = u32[0];
    const sign = (x >>> 16) & 0x8000;
    const exp = (x >>> 23) & 0xff;
    let mant = x & 0x7fffff;
    if (exp === 0xff) { // Inf or NaN (keep NaN quiet and non-zero)
      out[i] = sign | 0x7c00 | (mant ? 0x200 | (mant >>> 13) : 0);
      continue;
    }
    const e = exp - 127 + 15;
    if (e >= 0x1f) {
      out[i] = sign | 0x7c00; // overflow
    } else if (e <= 0) { // subnormal or zero in float16
      if (e < -10) {
        out[i] = sign;
        continue;
      }
      mant |= 0x800000; // implicit leading one
      const shift = 14 - e;
      const half = 1 << (shift - 1);
      const rest = mant & ((1 << shift) - 1);
      let m = mant >>> shift;
      if (rest > half || (rest === half && (m & 1))) m++;
      out[i] = sign | m; // a carry into the exponent field gives the smallest normal, as it should
    } else {
      let h = sign | (e << 10) | (mant >>> 13);
      const rest = mant & 0x1fff;
      if (rest > 0x1000 || (rest === 0x1000 && (h & 1))) h++; // may carry into the exponent: fine
      out[i] = h;
    }
  }
  return out;
}

/**
 * Widens float16 bit patterns to float32 (exact).
 *
 * @param bits 16-bit patterns.
 * @returns The values.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { f16BitsToF32 } from "./half_float.ts";
 * const v = f16BitsToF32(new Uint16Array([0x3c00, 0x0001, 0xfc00, 0x7e00]));
 * assert.deepEqual([...v.subarray(0, 3)], [1, 2 ** -24, -Infinity]);
 * assert.ok(Number.isNaN(v[3]));
 * ```
 */
export function f16BitsToF32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i];
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >>> 10) & 0x1f, mant = h & 0x3ff;
    out[i] = exp === 0
      ? sign * mant * 2 ** -24
      : exp === 0x1f
      ? (mant ? NaN : sign * Infinity)
      : sign * (1 + mant / 1024) * 2 ** (exp - 15);
  }
  return out;
}

/**
 * Rounds float32 values to the nearest bfloat16 (ties to even), as bit patterns; NaN stays NaN.
 *
 * @param values Float32 values.
 * @returns One 16-bit pattern per value.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { f32ToBf16Bits } from "./half_float.ts";
 * assert.deepEqual([...f32ToBf16Bits(new Float32Array([1, -2, Math.PI]))], [0x3f80, 0xc000, 0x4049]);
 * ```
 */
export function f32ToBf16Bits(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    f32[0] = values[i];
    const x = u32[0];
    if ((x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff)) {
      out[i] = (x >>> 16) | 0x40; // NaN: keep it a (quiet) NaN
      continue;
    }
    out[i] = (x + 0x7fff + ((x >>> 16) & 1)) >>> 16;
  }
  return out;
}

/**
 * Widens bfloat16 bit patterns (the upper half of a float32) to float32 (exact).
 *
 * @param bits 16-bit patterns.
 * @returns The values.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bf16BitsToF32 } from "./half_float.ts";
 * assert.deepEqual([...bf16BitsToF32(new Uint16Array([0x3f80, 0xc000]))], [1, -2]);
 * ```
 */
export function bf16BitsToF32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  const words = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) words[i] = bits[i] << 16;
  return out;
}
