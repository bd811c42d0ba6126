/**
 * Backend selection: WebGPU on a real GPU, tfjs-backend-wasm (SIMD) on CPU-only machines.
 *
 * Backends are registered lazily (dynamic import) when {@link initBackend} runs, so importing
 * this module has no side effects. The library never prints; callers (the CLI) decide whether to
 * show {@link BackendInfo}.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

/**
 * Every backend name {@link initBackend} accepts, `auto` first: `auto` picks for the machine,
 * `webgpu`, `wasm` and `cpu` force one. CLI choice lists and help text use this list.
 */
export const BACKEND_NAMES = ["auto", "webgpu", "wasm", "cpu"] as const;

/** Name of a backend that {@link initBackend} accepts. `auto` picks for the machine. */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** Description of the WebGPU adapter that was found, if any. */
export interface AdapterInfo {
  /** Adapter vendor string, e.g. `"nvidia"`; may be empty. */
  vendor: string;
  /** Adapter architecture string; may be empty. */
  architecture: string;
  /** Human-readable adapter description, e.g. `"llvmpipe (LLVM 15.0.6, 256 bits)"`. */
  description: string;
  /** True for a software adapter (Mesa llvmpipe/lavapipe, SwiftShader). */
  isFallbackAdapter: boolean;
}

/** What {@link initBackend} chose, and why. */
export interface BackendInfo {
  /** The tfjs backend now active. */
  backend: "webgpu" | "wasm" | "cpu";
  /** What was asked for. */
  requested: BackendName;
  /** The WebGPU adapter seen (null when `navigator.gpu` is missing or gave no adapter). */
  adapter: AdapterInfo | null;
  /** One line saying why this backend was chosen. */
  reason: string;
}

/** File names of tfjs-backend-wasm's three binaries: the keys of a `wasmPaths` map. */
export type WasmBinaryName =
  | "tfjs-backend-wasm.wasm"
  | "tfjs-backend-wasm-simd.wasm"
  | "tfjs-backend-wasm-threaded-simd.wasm";

/** Options for {@link initBackend}. */
export interface BackendOptions {
  /**
   * Where tfjs-backend-wasm fetches its `.wasm` files (passed to its `setWasmPaths`): a directory
   * URL ending in `/` that serves all three {@link WasmBinaryName} files, or a map from each file
   * name to its URL. Unset, browsers look next to the script that contains this module (for a
   * bundle such as `web/flowfm.js`, `web/`), not next to the page as tfjs-backend-wasm alone
   * would; Deno and Node read the files from the installed npm package. Only the first start of
   * the wasm backend in a page or process uses it.
   * @default {undefined}
   */
  wasmPaths?: string | Record<WasmBinaryName, string>;
}

const SOFTWARE_ADAPTER = /llvmpipe|lavapipe|swiftshader|software|softpipe/i;

interface GpuAdapterLike {
  info?: {
    vendor?: string;
    architecture?: string;
    description?: string;
    device?: string;
    isFallbackAdapter?: boolean;
  };
  isFallbackAdapter?: boolean;
  requestDevice(desc?: unknown): Promise<unknown>;
  features: { has(name: string): boolean };
  limits: Record<string, number>;
}

async function requestAdapter(): Promise<GpuAdapterLike | null> {
  const gpu =
    (globalThis.navigator as unknown as { gpu?: { requestAdapter(o?: unknown): Promise<unknown> } })
      ?.gpu;
  if (!gpu) return null;
  try {
    return (await gpu.requestAdapter({ powerPreference: "high-performance" })) as
      | GpuAdapterLike
      | null;
  } catch {
    return null;
  }
}

function describeAdapter(adapter: GpuAdapterLike): AdapterInfo {
  const info = adapter.info ?? {};
  const description = info.description || info.device || "";
  const flagged = info.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false;
  return {
    vendor: info.vendor ?? "",
    architecture: info.architecture ?? "",
    description,
    isFallbackAdapter: flagged || SOFTWARE_ADAPTER.test(description),
  };
}

/** Stops tfjs-backend-cpu from printing its "running in Node.js" banner (Deno looks like Node). */
function silenceCpuBanner(): void {
  const cpu = tf.findBackend("cpu") as unknown as { firstUse?: boolean } | null;
  if (cpu && "firstUse" in cpu) cpu.firstUse = false;
}

/** True in Deno and Node, which load tfjs's CommonJS builds from the npm packages. */
function isNodeLike(): boolean {
  const proc = (globalThis as { process?: { versions?: { node?: unknown } } }).process;
  return typeof proc?.versions?.node === "string";
}

/** Registers tfjs-core's gradient of every op (tfjs-core alone registers none). */
async function registerGradients(): Promise<void> {
  try {
    // tfjs-core's ES module build, which bundlers use: the gradients and nothing else.
    await import("@tensorflow/tfjs-core/dist/register_all_gradients");
  } catch (e) {
    if (!isNodeLike()) throw e;
    // Deno and Node cannot resolve the extension-less imports of those ES module files:
    // tfjs_gradients.js is that module bundled (tools/bundle_gradients.ts), so the tfjs union
    // package is not needed. Its URL is computed so that bundlers leave it out of browser bundles.
    await import(new URL(["tfjs_gradients", "js"].join("."), import.meta.url).href);
  }
}

/** Registers the cpu backend and the op gradients, once. */
async function ensureTfjs(): Promise<void> {
  await import("@tensorflow/tfjs-backend-cpu");
  if (!tf.getGradient("Add")) await registerGradients();
  if (!tf.findBackendFactory("cpu")) throw new Error("tfjs-backend-cpu did not register");
}

async function activate(name: "webgpu" | "wasm" | "cpu"): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`backend "${name}" failed to initialise`);
  await tf.ready();
  silenceCpuBanner();
}

async function useWebGpu(adapter: GpuAdapterLike): Promise<void> {
  const { WebGPUBackend } = await import("@tensorflow/tfjs-backend-webgpu");
  if (tf.getBackend() === "webgpu") return;
  const limits = adapter.limits;
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxBufferSize: limits.maxBufferSize,
      maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
    },
  });
  // Register our own factory with the adapter we inspected, so a forced "webgpu" also works on
  // a software (fallback) adapter.
  if (tf.findBackendFactory("webgpu")) tf.removeBackend("webgpu");
  const info = adapter.info as unknown;
  // deno-lint-ignore no-explicit-any
  tf.registerBackend("webgpu", () => new WebGPUBackend(device as any, info as any), 3);
  await activate("webgpu");
}

/**
 * The default `wasmPaths`: in browsers the directory of the script that contains this module (a
 * bundle's own URL); in Deno and Node none, as tfjs-backend-wasm finds its npm package's files.
 */
function defaultWasmPaths(): string | undefined {
  if (isNodeLike()) return undefined;
  try {
    return new URL("./", import.meta.url).href;
  } catch {
    return undefined;
  }
}

async function useWasm(options: BackendOptions): Promise<void> {
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  const paths = options.wasmPaths ?? defaultWasmPaths();
  const where = paths === undefined ? "the tfjs-backend-wasm npm package" : JSON.stringify(paths);
  try {
    // Has no effect once wasm started; throws after a failed start.
    if (paths !== undefined) wasm.setWasmPaths(paths);
    if (!(await tf.setBackend("wasm"))) throw new Error("tfjs-backend-wasm did not start");
  } catch (e) {
    const msg = (e as Error).message;
    const why = /already initialized/.test(msg) ? "an earlier start failed in this process" : msg;
    throw new Error(
      `backend wasm failed to initialise (${why}): looked for its .wasm files ` +
        `at ${where}; serve tfjs-backend-wasm.wasm, tfjs-backend-wasm-simd.wasm and ` +
        "tfjs-backend-wasm-threaded-simd.wasm there, or set initBackend's wasmPaths option",
    );
  }
  await activate("wasm");
}

/**
 * Selects and initialises the tfjs backend.
 *
 * `auto` uses WebGPU when `navigator.gpu` offers a real (hardware) adapter, and otherwise, with
 * no adapter or only a software fallback one, tfjs-backend-wasm with SIMD; when wasm cannot
 * start (its `.wasm` files not found, see {@link BackendOptions.wasmPaths}) it falls back to
 * tfjs-backend-cpu and the returned reason says why. `webgpu`, `wasm` and `cpu` force a
 * backend; a forced `webgpu` also runs on a software adapter.
 *
 * @param requested Which backend to use.
 * @param options Extra settings, see {@link BackendOptions}.
 * @returns What was chosen, with the adapter seen and the reason.
 * @throws Error when a forced backend cannot start (e.g. `webgpu` with no adapter, or `wasm`
 * without its `.wasm` files: the message then names the `wasmPaths` option).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { initBackend } from "./backend.ts";
 * const info = await initBackend("cpu");
 * assert(info.backend === "cpu");
 * ```
 */
export async function initBackend(
  requested: BackendName = "auto",
  options: BackendOptions = {},
): Promise<BackendInfo> {
  if (!(BACKEND_NAMES as readonly string[]).includes(requested)) {
    throw new Error(
      `unknown backend "${requested}": expected one of ${BACKEND_NAMES.join(", ")}`,
    );
  }
  await ensureTfjs();
  const adapter = requested === "auto" || requested === "webgpu" ? await requestAdapter() : null;
  const adapterInfo = adapter ? describeAdapter(adapter) : null;
  const done = (backend: BackendInfo["backend"], reason: string): BackendInfo => ({
    backend,
    requested,
    adapter: adapterInfo,
    reason,
  });
  if (requested === "cpu") {
    await activate("cpu");
    return done("cpu", "forced");
  }
  if (requested === "wasm") {
    await useWasm(options);
    return done("wasm", "forced");
  }
  if (requested === "webgpu") {
    if (!adapter) {
      throw new Error("backend webgpu: navigator.gpu offers no adapter on this machine");
    }
    await useWebGpu(adapter);
    return done("webgpu", adapterInfo!.isFallbackAdapter ? "forced (software adapter)" : "forced");
  }
  if (adapter && adapterInfo && !adapterInfo.isFallbackAdapter) {
    await useWebGpu(adapter);
    return done("webgpu", "hardware WebGPU adapter found");
  }
  const why = adapter ? "only a software WebGPU adapter found" : "no WebGPU adapter found";
  try {
    await useWasm(options);
  } catch (e) {
    await activate("cpu");
    return done("cpu", `${why}; ${(e as Error).message}`);
  }
  return done("wasm", why);
}

/**
 * Formats a {@link BackendInfo} as one line for logs.
 *
 * @param info What {@link initBackend} returned.
 * @returns A line such as `backend wasm (no WebGPU adapter found)`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeBackend } from "./backend.ts";
 * const line = describeBackend({ backend: "cpu", requested: "cpu", adapter: null, reason: "forced" });
 * assert(line.startsWith("backend cpu"));
 * ```
 */
export function describeBackend(info: BackendInfo): string {
  const a = info.adapter;
  const adapter = a
    ? `; adapter: ${a.description || a.vendor || "unknown"}${
      a.isFallbackAdapter ? " (software)" : ""
    }`
    : "";
  return `backend ${info.backend} (${info.reason}${adapter})`;
}
