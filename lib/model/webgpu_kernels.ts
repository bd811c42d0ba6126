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
import { onBackend, type OwnKernel, registerOwnKernel } from "./own_kernels.ts";

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
  /**
   * Compiles (once per shader key) and records one dispatch of `program`; returns its output, a
   * new buffer or `output` when given (which it then writes into).
   */
  runWebGPUProgram(
    program: WebGpuProgram,
    inputs: tf.TensorInfo[],
    outputDtype: tf.DataType,
    uniforms?: ProgramUniform[],
    output?: tf.TensorInfo,
  ): tf.TensorInfo;
  /** A new buffer of `shape`, without values yet. */
  makeTensorInfo(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  /** Frees a buffer that a kernel made and does not return. */
  disposeData(dataId: tf.DataId): boolean;
  /** The WebGPU device (for its limits). */
  device: { limits: { maxStorageBuffersPerShaderStage: number } };
}

/** A kernel body: named inputs, the backend, attributes; one output or several. */
export type WebGpuKernel = OwnKernel<WebGpuBackend>;

/** Threads per workgroup of the element-wise programs. */
const WORKGROUP = 64;

/** One uniform of {@link runElementwise}: its WGSL name, type and value. */
export interface Uniform {
  /** Field name in WGSL (`uniforms.<name>`). */
  name: string;
  /** `f32` or `i32`. */
  type: "f32" | "i32";
  /** Its value. */
  value: number;
}

/**
 * A program of `threads` threads, one per index, whose inputs are read as flat arrays by their
 * names (`M[index]`). `body` is the WGSL run for each `index < uniforms.threads`; it writes
 * `result[...]`, which holds `outputSize` values.
 *
 * @param key Shader key (one compiled pipeline per key, input count and ranks).
 * @param threads Threads (indices) to run.
 * @param variableNames Input names.
 * @param body WGSL statements.
 * @param uniforms Extra uniform fields' declarations (`"k : i32"`).
 * @param outputSize Values in the output.
 * @returns The program.
 */
export function elementwiseProgram(
  key: string,
  threads: number,
  variableNames: string[],
  body: string,
  uniforms: string[] = [],
  outputSize = threads,
): WebGpuProgram {
  return {
    outputShape: [outputSize],
    shaderKey: key,
    dispatchLayout: { x: [0] },
    dispatch: [Math.ceil(threads / WORKGROUP), 1, 1],
    variableNames,
    workgroupSize: [WORKGROUP, 1, 1],
    size: false,
    uniforms: ["threads : i32", ...uniforms].map((u) => `${u},`).join(" "),
    getUserCode: () => `
      fn main(index : i32) {
        if (index < uniforms.threads) {
          ${body}
        }
      }`,
  };
}

/**
 * Runs one {@link elementwiseProgram} (compiled once per key) and returns its output, `[outputSize]`.
 *
 * @param backend The webgpu backend.
 * @param key Shader key.
 * @param threads Threads (indices) to run.
 * @param names Input names in WGSL, in the order of `inputs`.
 * @param body WGSL statements for one index.
 * @param inputs The inputs, read as flat arrays (see {@link flatInfo}).
 * @param uniforms Extra uniforms.
 * @param outputSize Values in the output.
 * @returns The output.
 */
export function runElementwise(
  backend: WebGpuBackend,
  key: string,
  threads: number,
  names: string[],
  body: string,
  inputs: tf.TensorInfo[],
  uniforms: Uniform[] = [],
  outputSize = threads,
): tf.TensorInfo {
  const decls = uniforms.map((u) => `${u.name} : ${u.type}`);
  const program = elementwiseProgram(key, threads, names, body, decls, outputSize);
  const values: ProgramUniform[] = [{ type: "int32", data: [threads] }];
  for (const u of uniforms) {
    values.push({ type: u.type === "f32" ? "float32" : "int32", data: [u.value] });
  }
  return backend.runWebGPUProgram(program, inputs.map(flatInfo), "float32", values);
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
  registerOwnKernel("webgpu", name, kernel);
}

/**
 * Whether `x` is a float32 tensor on the webgpu backend, where the library's WebGPU kernels run.
 *
 * @param x Any tensor.
 * @returns True on webgpu for float32.
 */
export function onWebGpu(x: tf.Tensor): boolean {
  return onBackend(x, "webgpu");
}

/**
 * Whether tfjs is recording operations for a gradient now (inside `tf.grads`, `variableGrads`):
 * where it is not (encoding, sampling), the library's WebGPU ops run their forward kernel without
 * the `tf.customGrad` wrapper (a scope of its own in tf.profile's count). Reads tfjs-core's
 * `Engine.isTapeOn` (4.22).
 *
 * @returns True while gradients are being recorded.
 */
export function recordingGradients(): boolean {
  return (tf.engine() as unknown as { isTapeOn(): boolean }).isTapeOn();
}
