/**
 * What the library's own WebGPU kernels share (`../train/adam_webgpu.ts`,
 * `../train/squared_norm_webgpu.ts`): the part of tfjs-backend-webgpu's backend they use, a WGSL
 * program over flat (rank-1) buffers in the form that backend compiles and caches, and their
 * registration under names of their own (no tfjs kernel is replaced), beside the wasm ones of
 * `./wasm_kernels.ts`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";

/** A program as tfjs-backend-webgpu 4.22 runs it (`WebGPUProgram`). */
export interface WebGpuProgram {
  /** Shape of the one output buffer (`result`). */
  outputShape: number[];
  /** Part of the pipeline cache's key; with the inputs' ranks and types it names one shader. */
  shaderKey: string;
  /** Output dimensions spread over the dispatch's x axis (all of them: a flat dispatch). */
  dispatchLayout: { x: number[] };
  /** Workgroups along x, y, z. */
  dispatch: [number, number, number];
  /** Input buffers' names in WGSL, in the order of the inputs. */
  variableNames: string[];
  /** Threads per workgroup along x, y, z. */
  workgroupSize: [number, number, number];
  /** Whether `uniforms.size` (the output's size) is declared. */
  size: boolean;
  /** Extra uniform fields (WGSL struct members), filled from `runWebGPUProgram`'s last argument. */
  uniforms?: string;
  /** The WGSL after tfjs's header: a `main(index : i32)` and what it calls. */
  getUserCode(): string;
}

/** One value of a program's own uniforms. */
export interface ProgramUniform {
  /** WGSL scalar type of the field. */
  type: "float32" | "int32";
  /** Its value(s). */
  data: number[];
}

/** What the kernels use of tfjs-backend-webgpu's backend. */
export interface WebGpuBackend {
  /** Compiles (once per shader key) and records one dispatch of `program`; returns its output. */
  runWebGPUProgram(
    program: WebGpuProgram,
    inputs: tf.TensorInfo[],
    outputDtype: tf.DataType,
    uniforms?: ProgramUniform[],
  ): tf.TensorInfo;
  /** Frees a buffer that a kernel made and does not return. */
  disposeData(dataId: tf.DataId): boolean;
  /** The WebGPU device (for its limits). */
  device: { limits: { maxStorageBuffersPerShaderStage: number } };
}

/** A kernel body: named inputs, the backend, attributes; one output or several. */
export type WebGpuKernel = (
  inputs: Record<string, tf.TensorInfo>,
  backend: WebGpuBackend,
  attrs: Record<string, number>,
) => tf.TensorInfo | tf.TensorInfo[];

/** Threads per workgroup of the element-wise programs. */
const WORKGROUP = 64;

/**
 * A program over `size` elements, one thread each, whose inputs are read as flat arrays by their
 * names (`M[index]`). `body` is the WGSL inside `if (index < uniforms.size) { ... }`; it writes
 * `result[index]`.
 *
 * @param key Shader key (one compiled pipeline per key and input count).
 * @param size Elements of the output.
 * @param variableNames Input names.
 * @param body WGSL statements.
 * @param uniforms Extra uniform fields as WGSL members (`"beta1 : f32"`, `"k : i32"`), in the
 *   order of their values.
 * @returns The program.
 */
export function elementwiseProgram(
  key: string,
  size: number,
  variableNames: string[],
  body: string,
  uniforms: string[] = [],
): WebGpuProgram {
  return {
    outputShape: [size],
    shaderKey: key,
    dispatchLayout: { x: [0] },
    dispatch: [Math.ceil(size / WORKGROUP), 1, 1],
    variableNames,
    workgroupSize: [WORKGROUP, 1, 1],
    size: true,
    uniforms: uniforms.length ? uniforms.map((u) => `${u},`).join(" ") : undefined,
    getUserCode: () => `
      fn main(index : i32) {
        if (index < uniforms.size) {
          ${body}
        }
      }`,
  };
}

/**
 * The same buffer seen as rank 1, without a kernel (a `TensorInfo` is only a handle): the
 * library's programs index flat arrays, so one compiled shader serves every parameter's shape.
 *
 * @param t A tensor or tensor info.
 * @returns Its data as `[size]`.
 */
export function flatInfo(t: tf.TensorInfo): tf.TensorInfo {
  return { dataId: t.dataId, shape: [tf.util.sizeFromShape(t.shape)], dtype: t.dtype };
}

/**
 * Registers `kernel` on the webgpu backend under `name`, once (later calls do nothing).
 *
 * @param name The kernel's name (ours: `FlowFM...`).
 * @param kernel Its body.
 */
export function registerWebGpuKernel(name: string, kernel: WebGpuKernel): void {
  if (tf.getKernel(name, "webgpu")) return;
  tf.registerKernel({
    kernelName: name,
    backendName: "webgpu",
    kernelFunc: ({ inputs, backend, attrs }) =>
      kernel(
        inputs as Record<string, tf.TensorInfo>,
        backend as unknown as WebGpuBackend,
        (attrs ?? {}) as Record<string, number>,
      ),
  });
}

/**
 * Whether `x` is a float32 tensor on the webgpu backend, where the library's WebGPU kernels run.
 *
 * @param x Any tensor.
 * @returns True on webgpu for float32.
 */
export function onWebGpu(x: tf.Tensor): boolean {
  return tf.getBackend() === "webgpu" && x.dtype === "float32";
}
