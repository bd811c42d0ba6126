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
  const entries = [...(tensors instanceof Map ? tensors.entries() : Object.entries(tensors))]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
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
  for (const [name, t] of entries) {
    const fail = (msg: string, field?: string): never => {
      throw new SafetensorsError(`safetensors: tensor ${q(name)}: ${msg}`, { tensor: name, field });
    };
    if (typeof name !== "string" || name === "" || name === "__metadata__") {
      fail("invalid tensor name");
    }
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
    const size = t.dtype === "F32" ? 4 : 2;
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
  for (const [, t] of entries) {
    if (t.dtype !== "F32") {
      const bits = t.dtype === "F16" ? f32ToF16Bits(t.data) : f32ToBf16Bits(t.data);
      for (let i = 0; i < bits.length; i++) view.setUint16(pos + i * 2, bits[i], true);
      pos += bits.length * 2;
      continue;
    }
    if (LITTLE_ENDIAN_HOST) {
      out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), pos);
    } else {
      const bits = new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length);
      for (let i = 0; i < bits.length; i++) view.setUint32(pos + i * 4, bits[i], true);
    }
    pos += t.data.byteLength;
  }
  return out;
}
