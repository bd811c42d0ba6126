/**
 * Gzip decoding for the readers: the platform's `DecompressionStream` where it can (one member),
 * fflate's streaming decoder for multi-member files, with each member's trailer checked.
 *
 * @module
 */
import { Gunzip } from "fflate";

/** CRC-32 (IEEE, as gzip uses) lookup table. */
const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

function crc32(crc: number, bytes: Uint8Array): number {
  let c = ~crc;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 255] ^ (c >>> 8);
  return ~c >>> 0;
}

/**
 * Checks each gzip member's trailer (CRC-32 and length of its output), which the streaming
 * decoder does not: a truncated or corrupt file must fail, not read as shorter data.
 */
class MemberCheck {
  #crc = 0;
  #size = 0;
  #member = 1;
  /** The most recent compressed bytes; `#histStart` is the offset of the first. */
  #hist: Uint8Array = new Uint8Array(0);
  #histStart = 0;

  output(chunk: Uint8Array): void {
    this.#crc = crc32(this.#crc, chunk);
    this.#size = (this.#size + chunk.length) >>> 0;
  }

  input(chunk: Uint8Array): void {
    const keep = this.#hist.subarray(Math.max(0, this.#hist.length - 65536));
    this.#histStart += this.#hist.length - keep.length;
    this.#hist = concat([keep, chunk], keep.length + chunk.length);
  }

  /** The member whose trailer ends at stream offset `end` is complete: check its trailer. */
  end(end: number): void {
    const at = end - 8 - this.#histStart;
    if (at < 0) {
      throw new Error(`gzip member ${this.#member}: ends before its 8-byte trailer`);
    }
    const v = new DataView(this.#hist.buffer, this.#hist.byteOffset + at, 8);
    const crc = v.getUint32(0, true), size = v.getUint32(4, true);
    if (crc !== this.#crc || size !== this.#size) {
      throw new Error(
        `gzip member ${this.#member}: its trailer does not match its data (CRC-32 ` +
          `${this.#crc.toString(16)} vs ${crc.toString(16)}, ${this.#size} vs ${size} bytes): ` +
          "the file is truncated or corrupt",
      );
    }
    this.#crc = 0;
    this.#size = 0;
    this.#member++;
  }
}

/**
 * Gunzips a byte stream with fflate's streaming decoder: unlike `DecompressionStream`, it reads
 * every member of a multi-member file (`cat a.gz b.gz`, `bgzip`, `pigz` output), as `gzip -d`
 * does. Each member's CRC-32 and length are checked: a corrupt or truncated stream errors.
 */
export function gunzip(s: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const reader = s.getReader();
  const check = new MemberCheck();
  const ready: Uint8Array[] = [];
  let pos = 0;
  const gz = new Gunzip((chunk) => {
    check.output(chunk);
    if (chunk.length > 0) ready.push(chunk);
  });
  gz.onmember = (offset) => check.end(offset);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      while (ready.length === 0) {
        const { value, done } = await reader.read();
        try {
          if (done) {
            gz.push(new Uint8Array(0), true);
            check.end(pos);
          } else {
            check.input(value);
            pos += value.length;
            gz.push(value);
          }
        } catch (e) {
          throw new Error(`corrupt or truncated gzip data: ${(e as Error).message}`);
        }
        if (done) {
          for (const c of ready.splice(0)) controller.enqueue(c);
          controller.close();
          return;
        }
      }
      for (const c of ready.splice(0)) controller.enqueue(c);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

/**
 * Gunzips with the platform's `DecompressionStream` (fast, native), which reads one gzip member
 * only and fails on anything after it; on any failure it goes on with {@link gunzip} over the
 * source opened again, skipping the bytes already passed on (inflating is deterministic, so they
 * are the same). A multi-member file is then read whole at native speed up to the first member's
 * end; a corrupt or truncated one fails with gunzip's error.
 */
export function nativeThenFflate(
  compressed: ReadableStream<Uint8Array>,
  reopen: () => Promise<ReadableStream<Uint8Array>>,
): ReadableStream<Uint8Array> {
  const ds = new DecompressionStream("gzip") as unknown as ReadableWritablePair<
    Uint8Array,
    Uint8Array
  >;
  let reader = compressed.pipeThrough(ds).getReader();
  let native = true, passed = 0, skip = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        let r: ReadableStreamReadResult<Uint8Array>;
        try {
          r = await reader.read();
        } catch (e) {
          if (!native) throw e;
          native = false;
          reader.cancel().catch(() => {});
          reader = gunzip(await reopen()).getReader();
          skip = passed;
          continue;
        }
        if (r.done) return controller.close();
        let chunk = r.value;
        if (skip > 0) {
          const drop = Math.min(skip, chunk.length);
          skip -= drop;
          chunk = chunk.subarray(drop);
        }
        if (chunk.length === 0) continue;
        if (native) passed += chunk.length;
        controller.enqueue(chunk);
        return;
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

/** The `total` bytes of `parts`, joined. */
export function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
