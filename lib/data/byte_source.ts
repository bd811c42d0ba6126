/**
 * Byte input handling: accepts streams, byte arrays or strings, transparently gunzips
 * gzip input (by magic bytes, every member of a multi-member file) with fflate's streaming
 * decoder, and splits text into lines at constant memory.
 *
 * @module
 */

import { concat, gunzip, nativeThenFflate } from "./gunzip.ts";

/** Input accepted by the readers: a byte stream, bytes, or already decoded text. */
export type DataInput = ReadableStream<Uint8Array> | Uint8Array | string;

/**
 * Returns true when `bytes` starts with the gzip magic number (0x1f 0x8b).
 *
 * @param bytes Leading bytes.
 * @returns Whether the data is gzip-compressed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isGzip } from "./byte_source.ts";
 * assert(isGzip(new Uint8Array([0x1f, 0x8b, 8])));
 * assert(!isGzip(new TextEncoder().encode("x,y,z")));
 * ```
 */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function fromBytes(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (bytes.length > 0) controller.enqueue(bytes);
      controller.close();
    },
  });
}

/**
 * Turns any {@linkcode DataInput} into a byte stream, decompressing gzip data when its
 * first bytes are the gzip magic number (so `.gz` files need no flag).
 *
 * @param input Stream, bytes or text.
 * @param reopen Opens a stream input again from its start: with it (and for bytes), gzip is
 *   inflated natively and only a multi-member or damaged file goes on with the slower
 *   streaming decoder; without it a gzip stream is read by the streaming decoder throughout.
 * @returns A stream of the (decompressed) bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toByteStream } from "./byte_source.ts";
 * const gz = new Blob([new TextEncoder().encode("a\nb\n")])
 *   .stream()
 *   .pipeThrough(new CompressionStream("gzip"));
 * const text = await new Response(await toByteStream(gz)).text();
 * assert(text === "a\nb\n");
 * ```
 */
export async function toByteStream(
  input: DataInput,
  reopen?: () => Promise<DataInput>,
): Promise<ReadableStream<Uint8Array>> {
  if (typeof input === "string") return fromBytes(new TextEncoder().encode(input));
  if (input instanceof Uint8Array) {
    if (!isGzip(input)) return fromBytes(input);
    return nativeThenFflate(fromBytes(input), () => Promise.resolve(fromBytes(input)));
  }
  if (reopen) {
    const head = await sniff(input);
    if (!isGzip(head.first)) return head.stream;
    return nativeThenFflate(head.stream, async () => {
      const again = await reopen();
      if (typeof again === "string") return fromBytes(new TextEncoder().encode(again));
      return again instanceof Uint8Array ? fromBytes(again) : again;
    });
  }
  const head = await sniff(input);
  return isGzip(head.first) ? gunzip(head.stream) : head.stream;
}

/** The first bytes of a stream (at least two, to tell gzip) and the whole stream again. */
async function sniff(
  input: ReadableStream<Uint8Array>,
): Promise<{ first: Uint8Array; stream: ReadableStream<Uint8Array> }> {
  const reader = input.getReader();
  // Read until at least two bytes are known (or the stream ends) to sniff gzip.
  const head: Uint8Array[] = [];
  let headLen = 0;
  while (headLen < 2) {
    const { value, done } = await reader.read();
    if (done) break;
    if (value.length === 0) continue;
    head.push(value);
    headLen += value.length;
  }
  const first = head.length === 1 ? head[0] : concat(head, headLen);
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      if (first.length > 0) controller.enqueue(first);
    },
    async pull(controller) {
      const { value, done } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
  return { first, stream };
}

/**
 * Splits a byte stream (UTF-8) into lines, yielding them in chunks (one array per decoded
 * chunk) so that memory use does not depend on the input size. Line endings `\n` and
 * `\r\n` are handled; a trailing empty line is not reported.
 *
 * @param bytes UTF-8 byte stream.
 * @returns Async iterator of line arrays.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lineChunks, toByteStream } from "./byte_source.ts";
 * const lines: string[] = [];
 * for await (const chunk of lineChunks(await toByteStream("a,b\r\n1,2\n"))) lines.push(...chunk);
 * assert(lines.join("|") === "a,b|1,2");
 * ```
 */
export async function* lineChunks(
  bytes: ReadableStream<Uint8Array>,
): AsyncGenerator<string[], void, undefined> {
  let rest = "";
  const text = bytes.pipeThrough(new TextDecoderStream());
  for await (const chunk of text) {
    const parts = (rest + chunk).split("\n");
    rest = parts.pop() ?? "";
    if (parts.length > 0) yield stripCr(parts);
  }
  if (rest.length > 0) yield stripCr([rest]);
}

function stripCr(lines: string[]): string[] {
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l.length > 0 && l.charCodeAt(l.length - 1) === 13) lines[i] = l.slice(0, -1);
  }
  return lines;
}
