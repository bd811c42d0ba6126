import assert from "node:assert/strict";
import {
  decodeSafetensors,
  encodeSafetensors,
  SafetensorsError,
  type SafetensorsTensor,
} from "../lib/weights/safetensors.ts";

const f32 = (bits: number[]): Float32Array => new Float32Array(new Uint32Array(bits).buffer);
const bitsOf = (a: Float32Array): number[] =>
  Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

/** Builds a file byte by byte: u64 LE header length, the given JSON text, then data bytes. */
function handMade(json: string, data: Uint8Array = new Uint8Array(0), lenOverride?: bigint) {
  const header = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + header.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lenOverride ?? BigInt(header.length), true);
  out.set(header, 8);
  out.set(data, 8 + header.length);
  return out;
}

/** Little-endian float32 bytes written with DataView. */
function leFloats(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return out;
}

function expectError(
  fn: () => unknown,
  want: { tensor?: string; field?: string; includes: string[] },
): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SafetensorsError, `expected SafetensorsError, got ${e}`);
    assert.ok(e instanceof Error);
    for (const s of want.includes) assert.ok(e.message.includes(s), `${e.message} lacks ${s}`);
    if (want.tensor !== undefined) {
      assert.equal(e.tensor, want.tensor);
      assert.ok(e.message.includes(JSON.stringify(want.tensor)), e.message);
    }
    if (want.field !== undefined) assert.equal(e.field, want.field);
    return true;
  });
}

Deno.test("round trip is bit-exact for NaN payloads, -0, subnormals, infinities", () => {
  const special = [
    0x7fc00001, // quiet NaN with payload
    0x7f800001, // signalling NaN
    0xffa5a5a5, // negative NaN with payload
    0x80000000, // -0
    0x00000001, // smallest subnormal
    0x807fffff, // largest negative subnormal
    0x7f800000, // +Infinity
    0xff800000, // -Infinity
    0x3f800000, // 1
  ];
  const tensors = new Map<string, SafetensorsTensor>([
    ["z.special", { dtype: "F32", shape: [3, 3], data: f32(special) }],
    ["a.scalar", { dtype: "F32", shape: [], data: new Float32Array([Math.PI]) }],
    ["m.empty", { dtype: "F32", shape: [0, 4], data: new Float32Array(0) }],
    ["b.vec", { dtype: "F32", shape: [5], data: new Float32Array([1, -2, 3.5, 1e-30, 7]) }],
  ]);
  const bytes = encodeSafetensors(tensors, { step: "12", note: "ünïcode ✓" });
  // Decode from an odd (unaligned) byte offset of a larger buffer.
  const shifted = new Uint8Array(bytes.length + 3);
  shifted.set(bytes, 3);
  const decoded = decodeSafetensors(shifted.subarray(3));
  assert.deepEqual(decoded.metadata, { note: "ünïcode ✓", step: "12" });
  assert.deepEqual([...decoded.tensors.keys()].sort(), [...tensors.keys()].sort());
  for (const [name, t] of tensors) {
    const got = decoded.tensors.get(name)!;
    assert.equal(got.dtype, "F32");
    assert.deepEqual(got.shape, t.shape);
    assert.ok(got.data instanceof Float32Array);
    assert.equal(got.data.byteOffset, 0);
    assert.deepEqual(bitsOf(got.data), bitsOf(t.data), name);
  }
  // Record input, insertion order irrelevant: output is identical bytes.
  const reversed = Object.fromEntries([...tensors].reverse());
  assert.deepEqual(encodeSafetensors(reversed, { note: "ünïcode ✓", step: "12" }), bytes);
  assert.deepEqual(decodeSafetensors(encodeSafetensors({})).tensors.size, 0);
});

Deno.test("reads an independent hand-made file", () => {
  const json = '  {"w" : { "shape":[2, 2] ,"data_offsets" : [ 4, 20 ], "dtype": "F32"},' +
    ' "__metadata__": {"format":"pt"},  "b": {"data_offsets":[0,4],"dtype":"F32","shape":[1]}}   ';
  const bytes = handMade(json, leFloats([0.5, 1, -2, 3.25, 1e-3]));
  const { tensors, metadata } = decodeSafetensors(bytes);
  assert.deepEqual(metadata, { format: "pt" });
  assert.deepEqual(tensors.get("b"), { dtype: "F32", shape: [1], data: new Float32Array([0.5]) });
  assert.deepEqual(tensors.get("w")!.shape, [2, 2]);
  assert.deepEqual(Array.from(tensors.get("w")!.data), [1, -2, 3.25, Math.fround(1e-3)]);
});

Deno.test("encoder aligns data to 8 bytes and writes expected header offsets", () => {
  for (const name of ["a", "ab", "abc", "abcd", "abcdefg"]) {
    const bytes = encodeSafetensors({
      [name]: { dtype: "F32", shape: [3], data: new Float32Array([1, 2, 3]) },
      zz: { dtype: "F32", shape: [1, 2], data: new Float32Array([4, 5]) },
    }, { k: "v" });
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const n = Number(view.getBigUint64(0, true));
    assert.equal((8 + n) % 8, 0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    assert.match(text, /^\{.*\} *$/);
    const header = JSON.parse(text);
    assert.deepEqual(header.__metadata__, { k: "v" });
    assert.deepEqual(header[name], { dtype: "F32", shape: [3], data_offsets: [0, 12] });
    assert.deepEqual(header.zz, { dtype: "F32", shape: [1, 2], data_offsets: [12, 20] });
    assert.equal(bytes.length, 8 + n + 20);
    assert.equal(view.getFloat32(8 + n + 12, true), 4);
  }
});

Deno.test("encoder rejects bad shapes, dtypes and metadata", () => {
  expectError(
    () => encodeSafetensors({ w1: { dtype: "F32", shape: [2, 3], data: new Float32Array(5) } }),
    { tensor: "w1", field: "shape", includes: ["6", "5"] },
  );
  expectError(
    () => encodeSafetensors({ w: { dtype: "F32", shape: [-1], data: new Float32Array(1) } }),
    { tensor: "w", field: "shape", includes: ["-1"] },
  );
  expectError(
    // deno-lint-ignore no-explicit-any
    () => encodeSafetensors({ h: { dtype: "F64" as any, shape: [1], data: new Float32Array(1) } }),
    { tensor: "h", field: "dtype", includes: ["F64 not supported, expected F32, F16 or BF16"] },
  );
  expectError(
    // deno-lint-ignore no-explicit-any
    () => encodeSafetensors({}, { epoch: 3 as any }),
    { field: "__metadata__.epoch", includes: ['"epoch"', "string"] },
  );
});

const ok = '"dtype":"F32","shape":[2],"data_offsets":[0,8]';
const src = { source: "model.safetensors" };

Deno.test("decoder rejects malformed framing and headers", () => {
  expectError(() => decodeSafetensors(new Uint8Array(5), src), {
    field: "header_length",
    includes: ["model.safetensors", "5 bytes"],
  });
  expectError(() => decodeSafetensors(handMade("{}", new Uint8Array(0), 1000n), src), {
    includes: ["model.safetensors", "truncated: header says 1000 bytes but file has 2"],
  });
  expectError(() => decodeSafetensors(handMade("{}", new Uint8Array(0), 1n << 63n)), {
    includes: ["safetensors", "not a safetensors file", String(1n << 63n)],
  });
  // Random bytes: an implausible header length and no JSON object after it.
  const noise = new Uint8Array(64).map((_, i) => (i * 97 + 13) & 255);
  expectError(() => decodeSafetensors(noise, src), {
    field: "header_length",
    includes: ["model.safetensors: not a safetensors file", 'no JSON header ("{")'],
  });
  const badUtf8 = handMade('{"a":"xx"}');
  badUtf8[14] = 0xff;
  expectError(() => decodeSafetensors(badUtf8, src), {
    field: "header",
    includes: ["model.safetensors", "UTF-8 JSON"],
  });
  expectError(() => decodeSafetensors(handMade("{nope"), src), { includes: ["UTF-8 JSON"] });
  for (const json of ["[]", "null", "42", '"s"']) {
    expectError(() => decodeSafetensors(handMade(json), src), {
      field: "header",
      includes: ["not a JSON object"],
    });
  }
});

Deno.test("decoder rejects malformed tensor entries", () => {
  const data = leFloats([1, 2]);
  const cases: [string, string, string[]][] = [
    ['{"w": [1]}', "", ["not an object"]],
    ['{"w": {"shape":[2],"data_offsets":[0,8]}}', "dtype", ['missing "dtype"']],
    ['{"w": {"dtype":"F32","data_offsets":[0,8]}}', "shape", ['missing "shape"']],
    ['{"w": {"dtype":"F32","shape":[2]}}', "data_offsets", ['missing "data_offsets"']],
    [`{"w": {${ok},"extra":1}}`, "extra", ['"extra"']],
    ['{"w": {"dtype":32,"shape":[2],"data_offsets":[0,8]}}', "dtype", ["not a string"]],
    ['{"w": {"dtype":"F64","shape":[1],"data_offsets":[0,8]}}', "dtype", ["F64 not supported"]],
    ['{"w": {"dtype":"Q4","shape":[2],"data_offsets":[0,8]}}', "dtype", ["Q4 not supported"]],
    ['{"w": {"dtype":"F32","shape":"2","data_offsets":[0,8]}}', "shape", ["array"]],
    ['{"w": {"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}', "shape", ["-2"]],
    ['{"w": {"dtype":"F32","shape":[1.5],"data_offsets":[0,8]}}', "shape", ["1.5"]],
    ['{"w": {"dtype":"F32","shape":[2],"data_offsets":[0]}}', "data_offsets", ["[begin, end]"]],
    ['{"w": {"dtype":"F32","shape":[2],"data_offsets":[-8,0]}}', "data_offsets", ["integers"]],
    ['{"w": {"dtype":"F32","shape":[2],"data_offsets":[8,0]}}', "data_offsets", ["before"]],
    ['{"w": {"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', "data_offsets", ["12"]],
    ['{"w": {"dtype":"F32","shape":[4],"data_offsets":[0,16]}}', "data_offsets", ["truncated"]],
  ];
  for (const [json, field, includes] of cases) {
    expectError(() => decodeSafetensors(handMade(json, data), src), {
      tensor: "w",
      field: field || undefined,
      includes: ["model.safetensors", ...includes],
    });
  }
});

Deno.test("decoder rejects overlaps, gaps, trailing bytes and bad metadata", () => {
  const data = leFloats([1, 2, 3, 4]);
  expectError(
    () => decodeSafetensors(handMade(`{"a":{${ok}},"b":{${ok.replace("0,8", "4,12")}}}`, data)),
    { tensor: "b", field: "data_offsets", includes: ["overlaps"] },
  );
  const gap = `{"a":{${ok}},"b":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}}`;
  expectError(() => decodeSafetensors(handMade(gap, data)), {
    tensor: "b",
    field: "data_offsets",
    includes: ["gap"],
  });
  expectError(() => decodeSafetensors(handMade(`{"a":{${ok}}}`, data), src), {
    field: "data_offsets",
    includes: ["model.safetensors", "8 trailing bytes"],
  });
  for (const [meta, field] of [["[]", "__metadata__"], ['{"k":1}', "__metadata__.k"]]) {
    const json = `{"__metadata__":${meta},"a":{${ok.replace("[2]", "[4]").replace("8]", "16]")}}}`;
    expectError(() => decodeSafetensors(handMade(json, data), src), {
      field,
      includes: ["model.safetensors", "__metadata__"],
    });
  }
});

Deno.test("safetensors: F16 and BF16 from hand-made bytes widen exactly to float32", () => {
  // Header + little-endian data built by hand, as PyTorch would write them.
  const header = JSON.stringify({
    h: { dtype: "F16", shape: [5], data_offsets: [0, 10] },
    b: { dtype: "BF16", shape: [3], data_offsets: [10, 16] },
  });
  const json = new TextEncoder().encode(header);
  const bytes = new Uint8Array(8 + json.length + 16);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
  bytes.set(json, 8);
  const view = new DataView(bytes.buffer, 8 + json.length);
  [0x3c00, 0xc000, 0x7bff, 0x0001, 0x2e66].forEach((v, i) => view.setUint16(i * 2, v, true));
  [0x3f80, 0xc000, 0x4049].forEach((v, i) => view.setUint16(10 + i * 2, v, true));
  const { tensors } = decodeSafetensors(bytes, { source: "half.safetensors" });
  assert.equal(tensors.get("h")!.dtype, "F16");
  assert.deepEqual([...tensors.get("h")!.data], [1, -2, 65504, 2 ** -24, 0.0999755859375]);
  assert.deepEqual([...tensors.get("b")!.data], [1, -2, 3.140625]);
  // A span sized for F32 is rejected with the dtype named.
  const wrong = JSON.stringify({ h: { dtype: "F16", shape: [2], data_offsets: [0, 8] } });
  const wj = new TextEncoder().encode(wrong);
  const wb = new Uint8Array(8 + wj.length + 8);
  new DataView(wb.buffer).setBigUint64(0, BigInt(wj.length), true);
  wb.set(wj, 8);
  assert.throws(() => decodeSafetensors(wb, { source: "w.safetensors" }), /x 2 bytes \(F16\)/);
});

Deno.test("safetensors: F16 storage rounds to nearest and halves the data", () => {
  const data = new Float32Array([0.1, -3.14159, 1e-8, 70000, 0]);
  const f32 = encodeSafetensors({ w: { dtype: "F32", shape: [5], data } });
  const f16 = encodeSafetensors({ w: { dtype: "F16", shape: [5], data } });
  assert.equal(f32.length - f16.length >= 10 - 8, true); // 20 data bytes vs 10 (headers differ)
  const back = decodeSafetensors(f16).tensors.get("w")!;
  assert.equal(back.dtype, "F16");
  assert.deepEqual([...back.data], [0.0999755859375, -3.140625, 0, Infinity, 0]);
  const bf = decodeSafetensors(encodeSafetensors({ w: { dtype: "BF16", shape: [5], data } }));
  assert.ok(Math.abs(bf.tensors.get("w")!.data[1] + 3.140625) < 1e-6);
});
