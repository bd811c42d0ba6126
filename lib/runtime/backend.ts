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
import { isNodeLike, startWasm, type WasmBinaryName } from "./wasm_start.ts";
export type { WasmBinaryName } from "./wasm_start.ts";

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

/** Options for {@link initBackend}. */
export interface BackendOptions {
  /**
   * Where tfjs-backend-wasm fetches its `.wasm` files (passed to its `setWasmPaths`): a directory
   * URL ending in `/` that serves all three {@link WasmBinaryName} files, or a map from each file
   * name to its URL. Unset, browsers look next to the script that contains this module (for a
   * bundle such as `web/flowfm.js`, `web/`), not next to the page as tfjs-backend-wasm alone
   * would; Deno and Node read the files from the installed npm package, and a bundle on Node
   * next to itself (a directory path works there too). Only the first start of the wasm backend
   * in a page or process uses it.
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

async function useWasm(options: BackendOptions): Promise<void> {
  await startWasm(options.wasmPaths);
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
