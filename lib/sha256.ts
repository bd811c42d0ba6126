/**
 * SHA-256 as lowercase hex through Web Crypto (Deno, browsers, Node): the one digest helper for
 * weights checksums, encoder digests and window-cache keys.
 *
 * @module
 */

/**
 * Lowercase hex SHA-256 of some bytes.
 *
 * @param bytes The bytes.
 * @returns 64 hex digits.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sha256Hex } from "./sha256.ts";
 * assert.equal((await sha256Hex(new Uint8Array())).slice(0, 8), "e3b0c442");
 * ```
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
