/**
 * Counting the kernels (dispatches) one call runs, as `tf.profile` counts them: Reshape, Identity
 * and custom-gradient scopes included. A count, not a time: on a given backend it is the same on
 * any device, which makes it a figure to compare and to test. On WebGPU it also counts the GPU
 * programs actually dispatched (tfjs-backend-webgpu's `runWebGPUProgram` calls), where Reshape
 * and Identity dispatch nothing and one kernel of the library's may run several programs.
 *
 * Browser-safe (no `Deno.*`): used by `bench/dispatch_count.ts` and the demo page's "Speed on
 * this device".
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "../random.ts";

/** Counts by name, with the sum under `TOTAL`. */
export type CountsByName = Record<string, number>;

/** What {@link countDispatches} counted in one call. */
export interface DispatchCount {
  /** Kernels by name as `tf.profile` lists them; `TOTAL` is their number. */
  kernels: CountsByName;
  /**
   * GPU programs run, by program (class name, or the shader key of the library's own kernels);
   * `TOTAL` is their number. Null on a backend other than WebGPU.
   */
  programs: CountsByName | null;
  /**
   * What tfjs-backend-webgpu sent through the device queue: command-buffer submits (one per
   * `WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE` dispatches, and one before every read or copy), tensor
   * uploads from the CPU (staging buffers) and their bytes, uniform-buffer writes and their
   * bytes, and reads back to the CPU. Null on a backend other than WebGPU, and unless asked
   * for ({@link DispatchCountOptions.queue}).
   */
  queue: QueueCount | null;
}

/** Device-queue traffic of one call on WebGPU; see {@link DispatchCount.queue}. */
export interface QueueCount {
  submits: number;
  uploads: number;
  uploadBytes: number;
  uniformWrites: number;
  uniformBytes: number;
  reads: number;
}

/** Options for {@link countDispatches}. */
export interface DispatchCountOptions {
  /**
   * Runs `f` once before the counted call, so that shader compilation and lazily created state
   * are not counted.
   * @default {true}
   */
  warmUp?: boolean;
  /**
   * On WebGPU, also runs `f` once more outside `tf.profile` (which times every kernel on its own
   * and so changes how work is submitted) and counts its device-queue traffic
   * ({@link DispatchCount.queue}).
   * @default {false}
   */
  queue?: boolean;
}

/** The programs counted while a call runs; null outside {@link countDispatches}. */
let programs: CountsByName | null = null;
/** The queue traffic counted while a call runs; null outside {@link countDispatches}. */
let queue: QueueCount | null = null;
/** Backends whose methods already count into {@link programs} and {@link queue}. */
const watched = new WeakSet<object>();

type Method = (...args: never[]) => unknown;
type WebGpuLike = {
  runWebGPUProgram?: Method;
  submitQueue?: Method;
  uploadToGPU?: Method;
  makeUniforms?: Method;
  getBufferData?: Method;
  tensorMap?: {
    get(id: unknown): { resource?: unknown; values?: unknown; dtype: string; shape: number[] };
  };
};

/** Replaces `gpu[name]` with a wrapper that calls `before(args)` and `after(result)` around it. */
function wrap(
  gpu: WebGpuLike,
  name: "runWebGPUProgram" | "submitQueue" | "uploadToGPU" | "makeUniforms" | "getBufferData",
  before: (args: unknown[]) => void,
  after: (result: unknown) => void = () => {},
): void {
  const method = gpu[name];
  if (!method) return;
  const bound = (method as (...a: unknown[]) => unknown).bind(gpu);
  (gpu as Record<string, unknown>)[name] = (...args: unknown[]) => {
    before(args);
    const result = bound(...args);
    after(result);
    return result;
  };
}

/**
 * Wraps the current backend's methods (once) to count its programs into {@link programs} and its
 * queue traffic into {@link queue} while those are set; false without a WebGPU backend.
 */
function watchPrograms(): boolean {
  const gpu = tf.backend() as unknown as WebGpuLike;
  if (!gpu.runWebGPUProgram) return false;
  if (watched.has(gpu)) return true;
  wrap(gpu, "runWebGPUProgram", ([p]) => {
    if (!programs) return;
    const program = p as { shaderKey: string };
    const cls = program.constructor.name;
    const name = cls && cls !== "Object" ? cls : program.shaderKey.replace(/_\d.*$/, "");
    programs[name] = (programs[name] ?? 0) + 1;
    programs.TOTAL = (programs.TOTAL ?? 0) + 1;
  });
  wrap(gpu, "submitQueue", () => queue && queue.submits++);
  wrap(gpu, "uploadToGPU", ([id]) => {
    const d = queue && gpu.tensorMap?.get(id);
    // On the GPU already, or an output to be written there (no values on the CPU): nothing moves.
    if (!queue || !d || d.resource != null || d.values == null) return;
    queue.uploads++;
    queue.uploadBytes += 4 * d.shape.reduce((a, b) => a * b, 1); // f32, i32 and bool: 4 bytes
  });
  wrap(gpu, "makeUniforms", () => queue && queue.uniformWrites++, (r) => {
    if (queue) queue.uniformBytes += (r as { size?: number } | undefined)?.size ?? 0;
  });
  wrap(gpu, "getBufferData", () => queue && queue.reads++);
  watched.add(gpu);
  return true;
}

/**
 * Counts the kernels (and, on WebGPU, the GPU programs and the queue traffic) of one call of `f`
 * on the current backend, after a warm-up call, by name. Tensors `f` returns are not disposed here: return
 * none (or plain data), as `Trainer.step` and `FlowFM.encode` do.
 *
 * @param f The work to count, e.g. one training step or one encoded batch.
 * @param options Whether to warm up first, and to count the queue traffic.
 * @returns Kernels and GPU programs by name, each with a `TOTAL`, and the queue traffic.
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "./backend.ts";
 * import { countDispatches } from "./dispatch_count.ts";
 *
 * await initBackend("cpu");
 * const x = tf.ones([4]);
 * const { kernels } = await countDispatches(() => {
 *   tf.tidy(() => {
 *     tf.mul(tf.add(x, 1), 2);
 *   });
 * });
 * x.dispose();
 * console.log(kernels.TOTAL, kernels.Add, kernels.Multiply); // 2 1 1
 * ```
 */
export async function countDispatches(
  f: () => unknown,
  options: DispatchCountOptions = {},
): Promise<DispatchCount> {
  if (options.warmUp ?? true) await f();
  const onGpu = watchPrograms();
  const counted: CountsByName | null = onGpu ? { TOTAL: 0 } : null;
  programs = counted;
  let profile: Awaited<ReturnType<typeof tf.profile>>;
  try {
    profile = await tf.profile(async () => {
      await f();
    });
  } finally {
    programs = null;
  }
  let traffic: QueueCount | null = null;
  if (onGpu && options.queue) {
    traffic = {
      submits: 0,
      uploads: 0,
      uploadBytes: 0,
      uniformWrites: 0,
      uniformBytes: 0,
      reads: 0,
    };
    queue = traffic;
    try {
      await f();
    } finally {
      queue = null;
    }
  }
  const kernels: CountsByName = { TOTAL: profile.kernels.length };
  for (const k of profile.kernels) kernels[k.name] = (kernels[k.name] ?? 0) + 1;
  return { kernels, programs: counted, queue: traffic };
}

/**
 * The windows every count of `bench/dispatch_count.ts` and the demo's "Speed on this device" runs
 * on: `[batch, 300, 3]` seeded normals times 0.3 (counts do not depend on the values; one source
 * keeps the two comparable).
 *
 * @param batch Windows.
 * @returns Row-major values, length `batch * 900`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dispatchWindows } from "./dispatch_count.ts";
 * assert.deepEqual(dispatchWindows(2), dispatchWindows(2));
 * assert.equal(dispatchWindows(2).length, 1800);
 * ```
 */
export function dispatchWindows(batch: number): Float32Array {
  return Float32Array.from(new Rng(2).normals(batch * 900), (v) => v * 0.3);
}
