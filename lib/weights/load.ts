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

async function toUrl(source: string): Promise<URL> {
  if (/^[a-z][a-z0-9+.-]+:/i.test(source)) return new URL(source); // already a URL
  const loc = (globalThis as { location?: { href: string } }).location;
  if (loc) return new URL(source, loc.href);
  // Deno and Node without a location: resolve against the working directory.
  const { cwd } = await import("node:process");
  const base = cwd().replace(/\\/g, "/");
  return new URL(source, `file://${base.startsWith("/") ? "" : "/"}${base}/`);
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
 * @returns The bytes and a name for messages.
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
): Promise<{ bytes: Uint8Array; name: string }> {
  if (source instanceof Uint8Array) return { bytes: source, name: "weights bytes" };
  if (source instanceof ArrayBuffer) {
    return { bytes: new Uint8Array(source), name: "weights bytes" };
  }
  const url = source instanceof URL ? source : await toUrl(source);
  const name = url.protocol === "file:" ? decodeURIComponent(url.pathname) : url.href;
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    if (isPermissionError(e)) {
      throw new Error(
        `${name}: no permission to read it; run Deno with --allow-read=${name}` +
          (url.protocol.startsWith("http") ? ` or --allow-net=${url.host}` : ""),
      );
    }
    throw new Error(`${name}: could not be read: ${(e as Error).message}`);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`${name}: fetch failed with HTTP ${res.status} ${res.statusText}`);
  }
  return { bytes: new Uint8Array(await res.arrayBuffer()), name };
}

/**
 * Loads a FlowFM model (or the model inside a training checkpoint) and validates it fully.
 *
 * @param source A path (relative to the working directory), a `file:`/`http:`/`https:` URL, or bytes.
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
export async function loadModel(source: ModelSource): Promise<FlowFM> {
  const { bytes, name } = await readSource(source);
  return deserializeModel(bytes, name).model;
}
