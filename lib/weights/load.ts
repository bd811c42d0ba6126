/**
 * Loading a model from a path, a URL or bytes, with `fetch` (works for `file:`, `http:` and
 * `https:` URLs in Deno and in browsers).
 *
 * @module
 */
import type { FlowFM } from "../model/flowfm.ts";
import { deserializeModel } from "./model_file.ts";

/** Where a model comes from: a path, a URL, or the file's bytes. */
export type ModelSource = string | URL | Uint8Array | ArrayBuffer;

/** Options for {@link loadModel} and {@link readSource}. */
export interface LoadOptions {
  /** Cancels reading a path or URL; the promise then rejects with an error naming the source. */
  signal?: AbortSignal;
  /**
   * Most milliseconds that reading a path or URL (answer and body) may take before it is
   * given up with an error naming the source; `0` waits forever. Bytes need no time.
   * @default {60000}
   */
  timeoutMs?: number;
}

/**
 * URL of a path or URL string: absolute URLs as they are, relative paths against the page
 * (browsers) or the working directory (Deno, Node). Outside a browser a path is escaped like
 * `pathToFileURL` does: `%`, `#` and `?` in a file name are part of the name.
 *
 * @param source A path or URL.
 * @returns The URL.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sourceUrl } from "./load.ts";
 * assert.equal(sourceUrl("https://example.org/m.safetensors").host, "example.org");
 * assert.equal(sourceUrl("/tmp/m.safetensors").protocol, "file:");
 * assert.equal(sourceUrl("/tmp/m%41 #1.safetensors").pathname, "/tmp/m%2541%20%231.safetensors");
 * ```
 */
export function sourceUrl(source: string): URL {
  if (/^[a-z][a-z0-9+.-]+:/i.test(source)) return new URL(source); // already a URL
  const loc = (globalThis as { location?: { href: string } }).location;
  if (loc) return new URL(source, loc.href);
  // Deno and Node without a location: a file path, resolved against the working directory.
  // Feature-detected (no `node:` import), so browser bundles carry nothing Node-only.
  const path = source.replace(/\\/g, "/");
  if (path.startsWith("/")) return new URL(`file://${escapePath(path)}`);
  if (/^[a-z]:\//i.test(path)) return new URL(`file:///${escapePath(path)}`); // C:/...
  const proc = (globalThis as { process?: { cwd?: () => string } }).process;
  if (typeof proc?.cwd !== "function") {
    throw new Error(`${source}: a relative path needs a page location or a working directory`);
  }
  const base = proc.cwd().replace(/\\/g, "/");
  const dir = `file://${base.startsWith("/") ? "" : "/"}${escapePath(base)}/`;
  return new URL(escapePath(path), dir);
}

/**
 * A file path with each segment percent-encoded (as `pathToFileURL` does), so that `%`, `#`,
 * `?` and other URL-special characters in a name stay part of the name (`m%41.safetensors` is
 * not `mA.safetensors`, `copy#1.safetensors` is not `copy`). Slashes separate segments.
 */
function escapePath(path: string): string {
  return path.split("/").map((seg) => /^[a-z]:$/i.test(seg) ? seg : encodeURIComponent(seg))
    .join("/");
}

function isNodeWithoutDeno(): boolean {
  const g = globalThis as { Deno?: unknown; process?: { versions?: { node?: string } } };
  return g.Deno === undefined && typeof g.process?.versions?.node === "string";
}

function isPermissionError(e: unknown): boolean {
  const name = (e as Error)?.name ?? "";
  return name === "NotCapable" || name === "PermissionDenied" ||
    /permission|requires read access/i.test(String(e));
}

/**
 * Fetches the bytes of a model source.
 *
 * @param source Path, URL or bytes.
 * @param options A signal to cancel, and a timeout (60 s unless given).
 * @returns The bytes and a name for messages.
 * @throws Error naming the source when it cannot be read, times out or is aborted.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readSource } from "./load.ts";
 * const { bytes } = await readSource(new Uint8Array([1, 2]));
 * assert(bytes.length === 2);
 * ```
 */
export async function readSource(
  source: ModelSource,
  options: LoadOptions = {},
): Promise<{ bytes: Uint8Array; name: string }> {
  const { signal, timeoutMs = 60_000 } = options;
  if (!(timeoutMs >= 0)) throw new Error(`loadModel: timeoutMs must be >= 0, got ${timeoutMs}`);
  if (source instanceof Uint8Array) return { bytes: source, name: "weights bytes" };
  if (source instanceof ArrayBuffer) {
    return { bytes: new Uint8Array(source), name: "weights bytes" };
  }
  const url = source instanceof URL ? source : sourceUrl(source);
  const name = url.protocol === "file:" ? decodeURIComponent(url.pathname) : url.href;
  const ctl = new AbortController();
  let timedOut = false;
  const timer = timeoutMs > 0 && Number.isFinite(timeoutMs)
    ? setTimeout(() => (timedOut = true, ctl.abort()), timeoutMs)
    : undefined;
  const onAbort = () => ctl.abort();
  signal?.addEventListener("abort", onAbort, { once: true });
  if (signal?.aborted) ctl.abort();
  let httpFailure = false;
  try {
    if (url.protocol === "file:" && isNodeWithoutDeno()) {
      // Node's fetch does not read file: URLs; node:fs does. The specifier is built at run time
      // so that browser bundles never see a Node-only import.
      const fs = await import(["node", "fs/promises"].join(":")) as {
        readFile(path: URL, options: { signal: AbortSignal }): Promise<Uint8Array>;
      };
      return { bytes: new Uint8Array(await fs.readFile(url, { signal: ctl.signal })), name };
    }
    const res = await fetch(url, { signal: ctl.signal });
    if (!res.ok) {
      await res.body?.cancel();
      httpFailure = true;
      throw new Error(`${name}: fetch failed with HTTP ${res.status} ${res.statusText}`);
    }
    return { bytes: new Uint8Array(await res.arrayBuffer()), name };
  } catch (e) {
    if (httpFailure) throw e;
    if (timedOut) {
      throw new Error(`${name}: no complete answer within ${timeoutMs} ms; gave up (timeoutMs)`);
    }
    if (signal?.aborted) {
      const why = signal.reason instanceof Error ? signal.reason.message : String(signal.reason);
      throw new Error(`${name}: loading was aborted (${why})`);
    }
    if (isPermissionError(e)) {
      throw new Error(
        `${name}: no permission to read it; run Deno with --allow-read=${name}` +
          (url.protocol.startsWith("http") ? ` or --allow-net=${url.host}` : ""),
      );
    }
    const why = (e as Error).message; // Deno's fetch of a file: URL, or Node's ENOENT
    if (/No such file|^ENOENT/.test(why)) throw new Error(`${name}: no such file`);
    throw new Error(`${name}: could not be read: ${why}`);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}

/**
 * Loads a FlowFM model (or the model inside a training checkpoint) and validates it fully.
 *
 * @param source A path (relative to the working directory), a `file:`/`http:`/`https:` URL, or bytes.
 * @param options `signal` to cancel, `timeoutMs` to give up on a path or URL (default 60 s).
 * @returns The model; call `model.dispose()` when done.
 * @throws Error naming the file and the tensor or field at fault.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FlowFM, initBackend, loadModel, presetConfig, serializeModel } from "../../mod.ts";
 * await initBackend("cpu");
 * const original = new FlowFM(presetConfig("tiny"));
 * const model = await loadModel(await serializeModel(original));
 * assert(model.embeddingDim === 32);
 * original.dispose(); model.dispose();
 * ```
 */
export async function loadModel(
  source: ModelSource,
  options: LoadOptions = {},
): Promise<FlowFM> {
  const { bytes, name } = await readSource(source, options);
  return deserializeModel(bytes, name).model;
}
