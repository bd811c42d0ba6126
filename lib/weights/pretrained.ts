/**
 * The pretrained models shipped with the module: `weights/flowfm-NAME.safetensors` beside a
 * `weights/flowfm-NAME.safetensors.sha256` checksum (the `sha256sum` format). They are resolved
 * relative to this module, so the same call works from a checkout (file URL), from JSR (https)
 * and in a browser page that serves the module's files; a bundle, whose `import.meta.url` is the
 * bundle's, passes `baseUrl` (the folder that holds the two files).
 *
 * @module
 */
import type { FlowFM } from "../model/flowfm.ts";
import { type LoadOptions, readSource, sourceUrl } from "./load.ts";
import { deserializeModel } from "./model_file.ts";
import { sha256Hex } from "../sha256.ts";

export { sha256Hex };

/** Every pretrained model shipped in `weights/`, by name. */
export const PRETRAINED_NAMES = ["small"] as const;

/** Name of a shipped pretrained model. */
export type PretrainedName = (typeof PRETRAINED_NAMES)[number];

/** Options of {@link loadPretrained}. */
export interface LoadPretrainedOptions extends LoadOptions {
  /**
   * Folder (URL or path ending in `/`) holding `flowfm-NAME.safetensors` and its `.sha256`.
   * @default {"the module's own weights/ folder"}
   */
  baseUrl?: string | URL;
}

/**
 * URL of a shipped model file.
 *
 * @param name Which model.
 * @param baseUrl Folder holding the weights; default the module's own `weights/`.
 * @returns The `.safetensors` URL (the checksum is the same URL plus `.sha256`).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pretrainedUrl } from "./pretrained.ts";
 * assert.match(pretrainedUrl("small").href, /weights\/flowfm-small\.safetensors$/);
 * assert.equal(pretrainedUrl("small", "https://example.org/w/").href, "https://example.org/w/flowfm-small.safetensors");
 * ```
 */
export function pretrainedUrl(name: PretrainedName, baseUrl?: string | URL): URL {
  if (!PRETRAINED_NAMES.includes(name)) {
    throw new Error(
      `no pretrained model "${name}"; shipped: ${PRETRAINED_NAMES.join(", ")}`,
    );
  }
  const base = baseUrl === undefined
    ? new URL("../../weights/", import.meta.url)
    : baseUrl instanceof URL
    ? baseUrl
    : sourceUrl(baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`);
  return new URL(`flowfm-${name}.safetensors`, base);
}

/**
 * Checks bytes against a `sha256sum` line (`HEX  NAME`); throws naming the file and both digests.
 *
 * @param bytes The file's bytes.
 * @param checksumText Text of the `.sha256` file.
 * @param name The file, for the error.
 * @returns The verified digest.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { verifySha256 } from "./pretrained.ts";
 * const empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
 * assert.equal(await verifySha256(new Uint8Array(), `${empty}  x.bin\n`, "x.bin"), empty);
 * await assert.rejects(verifySha256(new Uint8Array(1), `${empty}  x.bin\n`, "x.bin"), /checksum mismatch/);
 * ```
 */
export async function verifySha256(
  bytes: Uint8Array,
  checksumText: string,
  name: string,
): Promise<string> {
  const expected = checksumText.trim().split(/\s+/)[0]?.toLowerCase() ?? "";
  if (!/^[0-9a-f]{64}$/.test(expected)) {
    throw new Error(
      `${name}.sha256: expected 64 hex digits (sha256sum format), got "${
        checksumText.trim().slice(0, 80)
      }"`,
    );
  }
  const actual = await sha256Hex(bytes);
  if (actual !== expected) {
    throw new Error(
      `${name}: checksum mismatch: SHA-256 ${actual}, expected ${expected} (${name}.sha256); ` +
        "the file is damaged, truncated or replaced: fetch it again",
    );
  }
  return actual;
}

/**
 * Reads a shipped pretrained model file and verifies its SHA-256 against the checksum beside it,
 * without building the model (for callers that keep the bytes, e.g. to fine-tune copies).
 *
 * @param name Which model.
 * @param options `baseUrl` (where the files are served from), `signal`, `timeoutMs`.
 * @returns The verified bytes, the file's name (path or URL) and its SHA-256.
 * @example
 * ```ts ignore
 * import { readPretrained } from "./pretrained.ts";
 * const { bytes, sha256 } = await readPretrained("small");
 * ```
 */
export async function readPretrained(
  name: PretrainedName = "small",
  options: LoadPretrainedOptions = {},
): Promise<{ bytes: Uint8Array; name: string; sha256: string }> {
  const url = pretrainedUrl(name, options.baseUrl);
  const [file, sum] = await Promise.all([
    readSource(url, options),
    readSource(new URL(`${url.href}.sha256`), options),
  ]);
  const sha256 = await verifySha256(file.bytes, new TextDecoder().decode(sum.bytes), file.name);
  return { bytes: file.bytes, name: file.name, sha256 };
}

/**
 * Loads a shipped pretrained model (encoder and generator) in one line, after checking its
 * SHA-256 against the checksum file beside it. `weights/README.md` is its model card: data,
 * recipe, steps and measured downstream figures. Inputs are 10 s windows at 30 Hz, in g.
 *
 * @param name Which model.
 * @param options `baseUrl` (where the files are served from), `signal`, `timeoutMs`.
 * @returns The model; call `dispose()` when done.
 * @example
 * ```ts ignore
 * import { initBackend, loadPretrained } from "jsr:@flowfm/flowfm";
 * await initBackend("auto");
 * const model = await loadPretrained("small");
 * const z = await model.encode(new Float32Array(300 * 3)); // [1, 512]
 * model.dispose();
 * ```
 */
export async function loadPretrained(
  name: PretrainedName = "small",
  options: LoadPretrainedOptions = {},
): Promise<FlowFM> {
  const { bytes, name: file } = await readPretrained(name, options);
  return deserializeModel(bytes, file).model;
}
