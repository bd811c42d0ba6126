// Shared test helpers: synthetic accelerometer-like windows made from a seeded generator.
import assert from "node:assert/strict";
import type * as tf from "@tensorflow/tfjs-core";
import { Rng } from "../lib/random.ts";

/**
 * Synthetic windows `[n, 300, 3]` in g: gravity on one axis plus a sinusoid whose frequency and
 * amplitude depend on the window's class (`i % classes`), plus a little noise.
 */
export function syntheticWindows(n: number, seed = 0, classes = 3): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n * 900);
  for (let i = 0; i < n; i++) {
    const k = i % classes;
    const f = 0.5 + k; // Hz
    const amp = 0.2 + 0.3 * k;
    const phase = rng.uniform() * 2 * Math.PI;
    for (let s = 0; s < 300; s++) {
      const t = s / 30;
      const wave = amp * Math.sin(2 * Math.PI * f * t + phase);
      out[i * 900 + s * 3] = wave + 0.02 * rng.normal();
      out[i * 900 + s * 3 + 1] = 0.5 * wave + 0.02 * rng.normal();
      out[i * 900 + s * 3 + 2] = 1 + 0.02 * rng.normal();
    }
  }
  return out;
}

/** Largest absolute difference between two arrays of equal length. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * Asserts that each of `got` agrees with `want` within `1e-4` absolute, relative to the largest
 * value where that exceeds 1 (sums over many rows differ by float32 summation order), naming the
 * output (`names[i]`) and `where` on failure.
 */
export function assertClose(
  got: ArrayLike<number>[],
  want: ArrayLike<number>[],
  names: string[],
  where: string,
): void {
  names.forEach((what, i) => {
    const scale = Math.max(1, ...Array.from(want[i], Math.abs));
    const d = maxAbsDiff(got[i], want[i]);
    if (!(d < 1e-4 * scale)) {
      throw new assert.AssertionError({
        message: `${what} of ${where}: off by ${d} (scale ${scale})`,
      });
    }
  });
}

/** What a command run by {@link runCli} printed, and its exit code. */
export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/**
 * Runs `deno run <flags> <script> <args>` without colours or backtraces and collects its output.
 * `flags` are Deno's (permissions, `--config`): `-A` unless given.
 */
export async function runCli(
  script: string,
  args: string[],
  options: { flags?: string[]; cwd?: string } = {},
): Promise<CliResult> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...(options.flags ?? ["-A"]), script, ...args],
    cwd: options.cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", RUST_BACKTRACE: "0" },
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}

/** Runs `fn` in a new temporary folder, removed afterwards whatever `fn` does. */
export async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The repository's root folder. */
export const REPO_ROOT: URL = new URL("../", import.meta.url);

async function tsFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(new URL(dir, REPO_ROOT))) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) out.push(...await tsFiles(p));
    else if (e.name.endsWith(".ts") && !e.name.endsWith("_test.ts")) out.push(p);
  }
  return out.sort();
}

/** Source text of `mod.ts` and every non-test `.ts` file under `lib/`, by repository path. */
export async function librarySources(): Promise<Map<string, string>> {
  const sources = new Map<string, string>();
  for (const f of ["mod.ts", ...await tsFiles("lib")]) {
    sources.set(f, await Deno.readTextFile(new URL(f, REPO_ROOT)));
  }
  return sources;
}

/**
 * Asserts that gradients computed in shards by workers equal the single-process ones: within
 * 1e-5 absolute for every value and for the loss, and not all zero.
 */
export async function assertSameGradient(
  got: { loss: number; grads: Float32Array },
  want: { value: tf.Scalar; grads: Map<string, tf.Tensor> },
  keys: Iterable<string>,
  label: string,
): Promise<void> {
  const flat: number[] = [];
  for (const k of keys) flat.push(...await want.grads.get(k)!.data());
  const loss = (await want.value.data())[0];
  assert.equal(got.grads.length, flat.length);
  let err = 0, scale = 0;
  for (let i = 0; i < flat.length; i++) {
    err = Math.max(err, Math.abs(got.grads[i] - flat[i]));
    scale = Math.max(scale, Math.abs(flat[i]));
  }
  assert.ok(scale > 0, "the gradient is not all zero");
  assert.ok(err <= 1e-5, `${label}max |difference| ${err} (largest gradient ${scale})`);
  assert.ok(Math.abs(got.loss - loss) <= 1e-5, `${label}loss ${got.loss} vs ${loss}`);
}

/** Whether the machine's `node` runs (the Node tests are ignored where it does not). */
export async function nodeAvailable(): Promise<boolean> {
  return await new Deno.Command("node", { args: ["--version"] }).output().then(
    (r) => r.success,
    () => false,
  );
}

/** Bundles `entry` (a path) for Node into `out` with `deno bundle`, failing with deno's error. */
export async function bundleForNode(entry: string, out: string): Promise<void> {
  const b = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--platform", "node", "-o", out, entry],
    env: { NO_COLOR: "1" },
  }).output();
  assert.ok(b.success, `deno bundle ${entry}: ${new TextDecoder().decode(b.stderr)}`);
}

/** Whether the Node tests can run: `node` runs here and esbuild (for `deno bundle`) is cached. */
export async function nodeBundleReady(): Promise<boolean> {
  return await nodeAvailable() && await esbuildCached();
}

/** Where tfjs-backend-wasm's `.wasm` files are, relative to the checkout (README's cp line). */
export const WASM_DIST = "node_modules/@tensorflow/tfjs-backend-wasm/dist/";

/** Copies tfjs-backend-wasm's `.wasm` files into `dir`, beside a Node bundle (README's cp line). */
export async function copyWasmFiles(dir: string): Promise<void> {
  const from = new URL(`../${WASM_DIST}`, import.meta.url);
  for await (const f of Deno.readDir(from)) {
    if (f.name.endsWith(".wasm")) await Deno.copyFile(new URL(f.name, from), `${dir}/${f.name}`);
  }
}

/** Whether esbuild, which `deno bundle` runs, is already in the npm cache (no network here). */
export async function esbuildCached(): Promise<boolean> {
  const r = await new Deno.Command(Deno.execPath(), { args: ["info", "--json"] }).output();
  if (!r.success) return false;
  const cache = (JSON.parse(new TextDecoder().decode(r.stdout)) as { npmCache?: string }).npmCache;
  const os = Deno.build.os === "windows" ? "win32" : Deno.build.os;
  const arch = Deno.build.arch === "x86_64" ? "x64" : "arm64";
  try {
    return (await Deno.stat(`${cache}/registry.npmjs.org/@esbuild/${os}-${arch}`)).isDirectory;
  } catch {
    return false;
  }
}

/** What WebGPU adapter this process sees: none, a software one (llvmpipe, SwiftShader) or hardware. */
export type AdapterKind = "none" | "software" | "hardware";

/** Asks `navigator.gpu` for an adapter, once per test file. */
export async function webgpuAdapter(): Promise<AdapterKind> {
  const gpu = (navigator as unknown as {
    gpu?: { requestAdapter(): Promise<{ info?: { isFallbackAdapter?: boolean } } | null> };
  }).gpu;
  const adapter = await gpu?.requestAdapter();
  if (!adapter) return "none";
  return adapter.info?.isFallbackAdapter === true ? "software" : "hardware";
}

/**
 * The backends a cross-backend test compares: cpu, wasm, and webgpu when an adapter of at least
 * `least` kind is there (`"software"`: any adapter; `"hardware"`: a real GPU only).
 */
export async function backendsToCompare(
  least: "software" | "hardware" = "software",
): Promise<("cpu" | "wasm" | "webgpu")[]> {
  const kind = await webgpuAdapter();
  const gpu = kind === "hardware" || (kind === "software" && least === "software");
  return gpu ? ["cpu", "wasm", "webgpu"] : ["cpu", "wasm"];
}
