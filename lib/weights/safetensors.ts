/**
 * Strict, dependency-free safetensors codec (F32, and F16 / BF16 widened to float32). Layout: an 8-byte little-endian
 * uint64 header length N, N bytes of UTF-8 JSON header, then the data buffer. Runs in
 * browsers and Deno alike: pure bytes, no runtime APIs, no tfjs.
 *
 * The decoder lives here; the encoder is in `safetensors_encode.ts` and the shared types and
 * helpers in `safetensors_format.ts`, all re-exported from this module.
 *
 * @module
 */

import {
  checkShape,
  isPlainObject,
  ITEM_SIZE,
  LITTLE_ENDIAN_HOST,
  MAX_HEADER,
  q,
  SafetensorsError,
  type SafetensorsTensor,
  type StoredDtype,
} from "./safetensors_format.ts";
import { bf16BitsToF32, f16BitsToF32 } from "./half_float.ts";

export {
  SafetensorsError,
  type SafetensorsTensor,
  type StoredDtype,
} from "./safetensors_format.ts";
export { encodeSafetensors } from "./safetensors_encode.ts";

/** Result of {@linkcode decodeSafetensors}. */
export interface DecodedSafetensors {
  /** Tensors by name, in header order. */
  tensors: Map<string, SafetensorsTensor>;
  /** The `__metadata__` string map (empty when absent). */
  metadata: Record<string, string>;
}

/** Options for {@linkcode decodeSafetensors}. */
export interface DecodeSafetensorsOptions {
  /** Name of the file or URL being decoded; prefixed to every error message. */
  source?: string;
}

/** Reads `count` little-endian 16-bit words from `src` at `offset`. */
function readU16(src: Uint8Array, offset: number, count: number): Uint16Array {
  const out = new Uint16Array(count);
  const view = new DataView(src.buffer, src.byteOffset + offset, count * 2);
  for (let i = 0; i < count; i++) out[i] = view.getUint16(i * 2, true);
  return out;
}

/** Reads `count` values stored as `dtype` into a fresh Float32Array. */
function readValues(src: Uint8Array, offset: number, count: number, dtype: StoredDtype) {
  if (dtype === "F16") return f16BitsToF32(readU16(src, offset, count));
  if (dtype === "BF16") return bf16BitsToF32(readU16(src, offset, count));
  return readF32(src, offset, count);
}

/** Copies `count` little-endian u32 words from `src` at `offset` into a fresh Float32Array. */
function readF32(src: Uint8Array, offset: number, count: number): Float32Array {
  const out = new Float32Array(count);
  if (LITTLE_ENDIAN_HOST) {
    new Uint8Array(out.buffer).set(src.subarray(offset, offset + count * 4));
  } else {
    const view = new DataView(src.buffer, src.byteOffset + offset, count * 4);
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < count; i++) bits[i] = view.getUint32(i * 4, true);
  }
  return out;
}

/**
 * Decodes and strictly validates safetensors bytes. Every tensor is copied into a fresh,
 * aligned Float32Array (read little-endian), and the data buffer must be covered exactly and
 * contiguously by the tensors' `data_offsets`.
 *
 * @param bytes The complete file contents.
 * @param options `source` names the file in error messages.
 * @returns Tensors by name and the `__metadata__` map.
 * @throws {SafetensorsError} On any structural problem; the message names the source and the
 * tensor or field at fault.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const bytes = encodeSafetensors({ b: { dtype: "F32", shape: [], data: new Float32Array([7]) } }, {
 *   step: "3",
 * });
 * const { tensors, metadata } = decodeSafetensors(bytes, { source: "ckpt.safetensors" });
 * assert.equal(tensors.get("b")!.data[0], 7);
 * assert.deepEqual(metadata, { step: "3" });
 * assert.throws(() => decodeSafetensors(bytes.subarray(0, 4)), SafetensorsError);
 * ```
 */
export function decodeSafetensors(
  bytes: Uint8Array,
  options: DecodeSafetensorsOptions = {},
): DecodedSafetensors {
  const src = options.source ?? "safetensors";
  const fail = (msg: string, where: { tensor?: string; field?: string } = {}): never => {
    const who = where.tensor !== undefined ? `tensor ${q(where.tensor)}: ` : "";
    throw new SafetensorsError(`${src}: ${who}${msg}`, where);
  };
  if (!(bytes instanceof Uint8Array)) fail("input must be a Uint8Array");
  if (bytes.length < 8) {
    fail(`file is ${bytes.length} bytes, shorter than the 8-byte header length`, {
      field: "header_length",
    });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  // A real header is a JSON object ("{...}") of plausible length; random bytes give neither.
  const noJson = bytes.length > 8 && bytes[8] !== 0x7b;
  if (n < 2n || n > BigInt(MAX_HEADER) || (noJson && n > BigInt(bytes.length - 8))) {
    fail(
      `not a safetensors file: its first 8 bytes give a header length of ${n}` +
        (noJson ? ` and no JSON header ("{") follows` : ""),
      { field: "header_length" },
    );
  }
  if (n > BigInt(bytes.length - 8)) {
    fail(`truncated: header says ${n} bytes but file has ${bytes.length - 8} after the prefix`, {
      field: "header_length",
    });
  }
  const headerLen = Number(n);
  let parsed: unknown;
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerLen));
    parsed = JSON.parse(text);
  } catch (e) {
    fail(`header is not valid UTF-8 JSON (${(e as Error).message})`, { field: "header" });
  }
  if (!isPlainObject(parsed)) fail("header is not a JSON object", { field: "header" });
  const header = parsed as Record<string, unknown>;
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;

  const metadata: Record<string, string> = {};
  if (Object.hasOwn(header, "__metadata__")) {
    const meta = header.__metadata__;
    if (!isPlainObject(meta)) fail("__metadata__ is not an object", { field: "__metadata__" });
    for (const [k, v] of Object.entries(meta as Record<string, unknown>)) {
      if (typeof v !== "string") {
        fail(`__metadata__ value for ${q(k)} is not a string`, { field: `__metadata__.${k}` });
      }
      metadata[k] = v as string;
    }
  }

  const spans: {
    name: string;
    begin: number;
    end: number;
    shape: number[];
    count: number;
    dtype: StoredDtype;
  }[] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const at = (field: string) => ({ tensor: name, field });
    if (!isPlainObject(entry)) fail("entry is not an object", { tensor: name });
    const e = entry as Record<string, unknown>;
    for (const key of ["dtype", "shape", "data_offsets"]) {
      if (!Object.hasOwn(e, key)) fail(`missing ${q(key)}`, at(key));
    }
    for (const key of Object.keys(e)) {
      if (key !== "dtype" && key !== "shape" && key !== "data_offsets") {
        fail(`unexpected field ${q(key)}`, at(key));
      }
    }
    if (typeof e.dtype !== "string") fail("dtype is not a string", at("dtype"));
    if (e.dtype !== "F32" && e.dtype !== "F16" && e.dtype !== "BF16") {
      const known = Object.hasOwn(ITEM_SIZE, e.dtype as string) ? "" : "unknown ";
      fail(`${known}dtype ${e.dtype} not supported, expected F32, F16 or BF16`, at("dtype"));
    }
    const dtype = e.dtype as StoredDtype, size = dtype === "F32" ? 4 : 2;
    const count = checkShape(e.shape);
    if (typeof count === "string") fail(`shape ${count}`, at("shape"));
    const offs = e.data_offsets;
    if (
      !Array.isArray(offs) || offs.length !== 2 ||
      !offs.every((o) => typeof o === "number" && Number.isSafeInteger(o) && o >= 0)
    ) {
      fail("data_offsets must be [begin, end] non-negative integers", at("data_offsets"));
    }
    const [begin, end] = offs as number[];
    if (end < begin) fail(`data_offsets [${begin}, ${end}] end before begin`, at("data_offsets"));
    const expected = (count as number) * size;
    if (end - begin !== expected) {
      fail(
        `data_offsets [${begin}, ${end}] span ${end - begin} bytes but shape ` +
          `${JSON.stringify(e.shape)} x ${size} bytes (${dtype}) needs ${expected}`,
        at("data_offsets"),
      );
    }
    if (end > dataLen) {
      fail(
        `truncated data: data_offsets [${begin}, ${end}] exceed data buffer of ${dataLen} bytes`,
        at("data_offsets"),
      );
    }
    spans.push({
      name,
      begin,
      end,
      shape: [...(e.shape as number[])],
      count: count as number,
      dtype,
    });
  }

  const sorted = [...spans].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0, prev = "";
  for (const s of sorted) {
    if (s.begin !== cursor) {
      const after = prev ? ` after tensor ${q(prev)}` : " at the start of the data";
      const what = s.begin < cursor
        ? `overlaps tensor ${q(prev)} (a tensor listed twice, or wrong offsets?)`
        : `leaves a gap of ${s.begin - cursor} bytes${after} (a tensor missing from the ` +
          `header?)`;
      fail(`data_offsets [${s.begin}, ${s.end}] ${what} (expected begin ${cursor})`, {
        tensor: s.name,
        field: "data_offsets",
      });
    }
    cursor = s.end;
    prev = s.name;
  }
  if (cursor !== dataLen) {
    const after = prev ? ` after the last tensor ${q(prev)}` : "";
    fail(`data buffer has ${dataLen - cursor} trailing bytes${after} not covered by any tensor`, {
      field: "data_offsets",
    });
  }

  const tensors = new Map<string, SafetensorsTensor>();
  for (const s of spans) {
    tensors.set(s.name, {
      dtype: s.dtype,
      shape: s.shape,
      data: readValues(bytes, dataStart + s.begin, s.count, s.dtype),
    });
  }
  return { tensors, metadata };
}
