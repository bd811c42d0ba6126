/**
 * Deterministic safetensors encoder (F32, F16, BF16); the decoder lives in `safetensors.ts`.
 *
 * @module
 */

import {
  checkShape,
  isPlainObject,
  LITTLE_ENDIAN_HOST,
  q,
  SafetensorsError,
  type SafetensorsTensor,
} from "./safetensors_format.ts";
import { f32ToBf16Bits, f32ToF16Bits } from "./half_float.ts";

/**
 * Encodes float32 tensors and optional string metadata as safetensors bytes. Each tensor is
 * stored as its `dtype` says: F32 bit-exactly (NaN payloads, -0 and subnormals preserved), or
 * F16 / BF16 rounded to the nearest value (ties to even). Output is deterministic: tensors and
 * metadata keys are sorted by name, the header is space-padded so the data buffer starts at an
 * 8-byte aligned offset, and values are written little-endian.
 *
 * @param tensors Tensors by name, as a record or a Map.
 * @param metadata Optional `__metadata__` map; every value must be a string.
 * @returns The encoded file bytes.
 * @throws {SafetensorsError} On a shape/data length mismatch, a dtype other than F32/F16/BF16, a bad
 *   name or metadata.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeSafetensors } from "./safetensors.ts";
 * const bytes = encodeSafetensors({ w: { dtype: "F32", shape: [2], data: new Float32Array([1, 2]) } });
 * const { tensors } = decodeSafetensors(bytes);
 * assert.deepEqual(Array.from(tensors.get("w")!.data), [1, 2]);
 * ```
 */
export function encodeSafetensors(
  tensors: Record<string, SafetensorsTensor> | Map<string, SafetensorsTensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  const entries = [...(tensors instanceof Map ? tensors.entries() : Object.entries(tensors))];
  const raw: RawTensor[] = entries.map(([name, t]) => {
    const fail = (msg: string, field?: string): never => {
      throw new SafetensorsError(`safetensors: tensor ${q(name)}: ${msg}`, { tensor: name, field });
    };
    if (t?.dtype !== "F32" && t?.dtype !== "F16" && t?.dtype !== "BF16") {
      fail(`dtype ${String(t?.dtype)} not supported, expected F32, F16 or BF16`, "dtype");
    }
    if (!(t.data instanceof Float32Array)) fail("data must be a Float32Array", "data");
    const shapeCheck = checkShape(t.shape);
    const n = typeof shapeCheck === "string" ? fail(`shape ${shapeCheck}`, "shape") : shapeCheck;
    if (n !== t.data.length) {
      fail(
        `shape ${JSON.stringify(t.shape)} has ${n} elements but data has ${t.data.length}`,
        "shape",
      );
    }
    if (t.dtype === "F32") return { name, dtype: "F32", shape: t.shape, data: t.data };
    const bits = t.dtype === "F16" ? f32ToF16Bits(t.data) : f32ToBf16Bits(t.data);
    return { name, dtype: t.dtype, shape: t.shape, data: bits };
  });
  return encodeRawSafetensors(raw, metadata);
}

/** One tensor of {@link encodeRawSafetensors}: its values already in the stored type. */
export interface RawTensor {
  /** Tensor name. */
  name: string;
  /** Stored dtype: the float ones, or the integer ones of window packs. */
  dtype: "F32" | "F16" | "BF16" | "U8" | "I16" | "I32";
  /** Shape. */
  shape: readonly number[];
  /** Values: Float32Array for F32, 16-bit patterns for F16 / BF16, else the integer array. */
  data: Float32Array | Uint16Array | Int16Array | Int32Array | Uint8Array;
}

const RAW_SIZE = { F32: 4, F16: 2, BF16: 2, U8: 1, I16: 2, I32: 4 } as const;

/**
 * Encodes tensors whose values are already in their stored type, with the layout of
 * {@link encodeSafetensors} (sorted names, sorted metadata keys, a space-padded header, values
 * little-endian). {@link encodeSafetensors} goes through it; `cli/pack.ts` writes its integer
 * tensors with it.
 *
 * @param tensors The tensors, in any order.
 * @param metadata Optional `__metadata__` map; every value must be a string.
 * @returns The encoded file bytes.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeRawSafetensors } from "./safetensors_encode.ts";
 * const bytes = encodeRawSafetensors([
 *   { name: "ids", dtype: "I32", shape: [2], data: new Int32Array([7, -1]) },
 * ]);
 * const view = new DataView(bytes.buffer);
 * const n = Number(view.getBigUint64(0, true));
 * assert.equal(view.getInt32(8 + n + 4, true), -1);
 * ```
 */
export function encodeRawSafetensors(
  tensors: readonly RawTensor[],
  metadata?: Record<string, string>,
): Uint8Array {
  const entries = [...tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    if (!isPlainObject(metadata)) {
      throw new SafetensorsError("safetensors: metadata must be an object of strings", {
        field: "__metadata__",
      });
    }
    const meta: Record<string, string> = {};
    for (const key of Object.keys(metadata).sort()) {
      const v: unknown = metadata[key];
      if (typeof v !== "string") {
        throw new SafetensorsError(
          `safetensors: metadata value for ${q(key)} must be a string, got ${typeof v}`,
          { field: `__metadata__.${key}` },
        );
      }
      meta[key] = v;
    }
    header.__metadata__ = meta;
  }
  let offset = 0;
  const seen = new Set<string>();
  for (const t of entries) {
    const name = t.name;
    if (typeof name !== "string" || name === "" || name === "__metadata__" || seen.has(name)) {
      throw new SafetensorsError(
        `safetensors: tensor ${q(String(name))}: invalid or repeated name`,
        {
          tensor: name,
        },
      );
    }
    const size = RAW_SIZE[t.dtype];
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (size === undefined || n !== t.data.length) {
      throw new SafetensorsError(
        `safetensors: tensor ${
          q(name)
        }: dtype ${t.dtype} with shape [${t.shape}] does not fit ${t.data.length} values`,
        { tensor: name },
      );
    }
    seen.add(name);
    header[name] = {
      dtype: t.dtype,
      shape: [...t.shape],
      data_offsets: [offset, offset + n * size],
    };
    offset += n * size;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLen = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLen + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  let pos = 8 + headerLen;
  for (const t of entries) {
    const d = t.data;
    if (LITTLE_ENDIAN_HOST || d.BYTES_PER_ELEMENT === 1) {
      out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), pos);
    } else {
      for (let i = 0; i < d.length; i++) {
        if (d.BYTES_PER_ELEMENT === 2) view.setUint16(pos + 2 * i, d[i] & 0xffff, true);
        else if (d instanceof Float32Array) {
          // through the bits, so NaN payloads survive
          view.setUint32(pos + 4 * i, new Uint32Array(d.buffer, d.byteOffset, d.length)[i], true);
        } else view.setInt32(pos + 4 * i, d[i], true);
      }
    }
    pos += d.byteLength;
  }
  return out;
}
