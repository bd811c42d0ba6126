/**
 * Strict, dependency-free safetensors codec (F32 only). Layout: an 8-byte little-endian
 * uint64 header length N, N bytes of UTF-8 JSON header, then the data buffer. Runs in
 * browsers and Deno alike: pure bytes, no runtime APIs, no tfjs.
 *
 * @module
 */

/** A single F32 tensor: row-major data whose length equals the product of `shape`. */
export interface SafetensorsTensor {
  /** Element type; only `"F32"` is supported. */
  dtype: "F32";
  /** Dimensions (non-negative integers); `[]` is a scalar. */
  shape: number[];
  /** Row-major element data. */
  data: Float32Array;
}

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

// deno-fmt-ignore
const ITEM_SIZE: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4, I64: 8, U64: 8, F64: 8,
};
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const MAX_HEADER = 100_000_000;
const q = (s: string): string => JSON.stringify(s);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Element count of a validated shape, or an error string. */
function checkShape(shape: unknown): number | string {
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
 * Encodes F32 tensors (and optional string metadata) as safetensors bytes. Output is
 * deterministic: tensors and metadata keys are sorted by name, the header is space-padded so
 * the data buffer starts at an 8-byte aligned offset, and values are written little-endian
 * bit-exactly (NaN payloads, -0 and subnormals are preserved).
 *
 * @param tensors Tensors by name, as a record or a Map.
 * @param metadata Optional `__metadata__` map; every value must be a string.
 * @returns The encoded file bytes.
 * @throws {SafetensorsError} On a shape/data length mismatch, non-F32 dtype, bad name or metadata.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
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
    if (t?.dtype !== "F32") fail(`dtype ${String(t?.dtype)} not supported, expected F32`, "dtype");
    if (!(t.data instanceof Float32Array)) fail("data must be a Float32Array", "data");
    const shapeCheck = checkShape(t.shape);
    const n = typeof shapeCheck === "string" ? fail(`shape ${shapeCheck}`, "shape") : shapeCheck;
    if (n !== t.data.length) {
      fail(
        `shape ${JSON.stringify(t.shape)} has ${n} elements but data has ${t.data.length}`,
        "shape",
      );
    }
    header[name] = { dtype: "F32", shape: [...t.shape], data_offsets: [offset, offset + n * 4] };
    offset += n * 4;
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
  if (n > BigInt(bytes.length - 8)) {
    fail(`truncated: header says ${n} bytes but file has ${bytes.length - 8} after the prefix`, {
      field: "header_length",
    });
  }
  const headerLen = Number(n);
  if (headerLen > MAX_HEADER) fail(`header of ${headerLen} bytes is too large`);
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

  const spans: { name: string; begin: number; end: number; shape: number[]; count: number }[] = [];
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
    if (e.dtype !== "F32") {
      const known = Object.hasOwn(ITEM_SIZE, e.dtype as string) ? "" : "unknown ";
      fail(`${known}dtype ${e.dtype} not supported, expected F32`, at("dtype"));
    }
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
    const expected = (count as number) * 4;
    if (end - begin !== expected) {
      fail(
        `data_offsets [${begin}, ${end}] span ${end - begin} bytes but shape ` +
          `${JSON.stringify(e.shape)} x 4 bytes needs ${expected}`,
        at("data_offsets"),
      );
    }
    if (end > dataLen) {
      fail(
        `truncated data: data_offsets [${begin}, ${end}] exceed data buffer of ${dataLen} bytes`,
        at("data_offsets"),
      );
    }
    spans.push({ name, begin, end, shape: [...(e.shape as number[])], count: count as number });
  }

  const sorted = [...spans].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const s of sorted) {
    if (s.begin !== cursor) {
      const what = s.begin < cursor ? "overlaps the previous tensor" : "leaves a gap";
      fail(`data_offsets [${s.begin}, ${s.end}] ${what} (expected begin ${cursor})`, {
        tensor: s.name,
        field: "data_offsets",
      });
    }
    cursor = s.end;
  }
  if (cursor !== dataLen) {
    fail(`data buffer has ${dataLen - cursor} trailing bytes not covered by any tensor`, {
      field: "data_offsets",
    });
  }

  const tensors = new Map<string, SafetensorsTensor>();
  for (const s of spans) {
    tensors.set(s.name, {
      dtype: "F32",
      shape: s.shape,
      data: readF32(bytes, dataStart + s.begin, s.count),
    });
  }
  return { tensors, metadata };
}
