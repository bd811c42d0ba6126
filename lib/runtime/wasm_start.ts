/**
 * The start of tfjs-backend-wasm: where its three `.wasm` files are read from (browsers: next to
 * the script; Deno and Node: the npm package; a bundle on Node: next to the bundle), and an error
 * that names the place when they are not there.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

/** File names of tfjs-backend-wasm's three binaries: the keys of a `wasmPaths` map. */
export type WasmBinaryName =
  | "tfjs-backend-wasm.wasm"
  | "tfjs-backend-wasm-simd.wasm"
  | "tfjs-backend-wasm-threaded-simd.wasm";

/** True in Deno and Node, which load tfjs's CommonJS builds from the npm packages. */
export function isNodeLike(): boolean {
  const proc = (globalThis as { process?: { versions?: { node?: unknown } } }).process;
  return typeof proc?.versions?.node === "string";
}

/**
 * The default `wasmPaths`: in browsers the directory of the script that contains this module (a
 * bundle's own URL); in Deno and Node none, as tfjs-backend-wasm finds its npm package's files
 * (on Node, from a bundle: the bundle's directory, see {@link withNodeDirname}).
 */
function defaultWasmPaths(): string | undefined {
  if (isNodeLike()) return undefined;
  try {
    return new URL("./", import.meta.url).href;
  } catch {
    return undefined;
  }
}

/** Node, not Deno (which has `process.versions.node` too). */
const isNode = () => isNodeLike() && !("Deno" in globalThis);

/** This module's directory as a file path (on Node from a bundle: the bundle's directory). */
function moduleDir(): string {
  const p = decodeURIComponent(new URL(".", import.meta.url).pathname).replace(/\/$/, "");
  return /^\/[A-Za-z]:/.test(p) ? p.slice(1) : p; // "/C:/x" on Windows
}

/**
 * Runs `f` with a global `__dirname` (this module's directory) on Node when there is none:
 * tfjs-backend-wasm's loader reads `__dirname` on Node to find its `.wasm` files, and a bundle
 * for Node is an ES module, which has none. So from a bundle the files are read next to it;
 * unbundled, the loader keeps its own module's `__dirname` (the npm package). Removed afterwards.
 */
async function withNodeDirname<T>(f: () => Promise<T>): Promise<T> {
  const g = globalThis as { __dirname?: string };
  if (!isNode() || g.__dirname !== undefined) return await f();
  g.__dirname = moduleDir();
  try {
    return await f();
  } finally {
    delete g.__dirname;
  }
}

/**
 * Starts tfjs-backend-wasm, as the active backend, with its `.wasm` files at `wasmPaths` (see
 * `BackendOptions.wasmPaths`; unset, the default place); the error names where it looked.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { startWasm } from "./wasm_start.ts";
 * await startWasm();
 * assert.equal(tf.getBackend(), "wasm");
 * ```
 */
export async function startWasm(
  wasmPaths?: string | Record<WasmBinaryName, string>,
): Promise<void> {
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  const paths = wasmPaths ?? defaultWasmPaths();
  const where = paths !== undefined
    ? JSON.stringify(paths)
    : isNode()
    ? `${moduleDir()} (next to a bundle) or the tfjs-backend-wasm npm package`
    : "the tfjs-backend-wasm npm package";
  try {
    // Has no effect once wasm started; throws after a failed start.
    if (paths !== undefined) wasm.setWasmPaths(paths);
    const started = await withNodeDirname(() => tf.setBackend("wasm"));
    if (!started) throw new Error("tfjs-backend-wasm did not start");
  } catch (e) {
    const msg = (e as Error).message;
    const why = /already initialized/.test(msg) ? "an earlier start failed in this process" : msg;
    throw new Error(
      `backend wasm failed to initialise (${why}): looked for its .wasm files ` +
        `at ${where}; serve tfjs-backend-wasm.wasm, tfjs-backend-wasm-simd.wasm and ` +
        "tfjs-backend-wasm-threaded-simd.wasm there, or set initBackend's wasmPaths option",
    );
  }
}
