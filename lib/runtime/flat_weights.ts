/**
 * Weights and gradients as one flat float32 array, in a fixed key order: the form in which they
 * travel between the main thread and the training workers.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import type { Params } from "../model/params.ts";
import type { Tensor } from "../tensors.ts";

/**
 * Concatenates tensors' values, in order, into one array.
 *
 * @param ts Tensors (not disposed).
 * @returns Their values, end to end.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "./backend.ts";
 * import { flatten } from "./flat_weights.ts";
 * await initBackend("cpu");
 * assert.deepEqual([...await flatten([tf.tensor1d([1, 2]), tf.scalar(3)])], [1, 2, 3]);
 * ```
 */
export async function flatten(ts: readonly Tensor[]): Promise<Float32Array> {
  const out = new Float32Array(ts.reduce((a, t) => a + t.size, 0));
  await flattenInto(ts, out);
  return out;
}

/**
 * Writes tensors' values, in order, into `out` from `offset` on, without allocating: on wasm they
 * are copied straight from its heap. (Fresh memory is costly where first touches of pages are: 45 ms
 * for 12 MB on the project's 2-core VM, against 0.5 ms to refill the same array.)
 *
 * @param ts Tensors (not disposed).
 * @param out Where the values go (a `SharedArrayBuffer` view is fine).
 * @param offset First index written.
 * @returns The index after the last value written.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "./backend.ts";
 * import { flattenInto } from "./flat_weights.ts";
 * await initBackend("cpu");
 * const out = new Float32Array(4);
 * assert.equal(await flattenInto([tf.tensor1d([1, 2]), tf.scalar(3)], out, 1), 4);
 * assert.deepEqual([...out], [0, 1, 2, 3]);
 * ```
 */
export async function flattenInto(
  ts: readonly Tensor[],
  out: Float32Array,
  offset = 0,
): Promise<number> {
  const heap = tf.getBackend() === "wasm"
    ? (tf.backend() as unknown as { typedArrayFromHeap?: (t: tf.TensorInfo) => Float32Array })
    : null;
  let o = offset;
  for (const t of ts) {
    const direct = heap?.typedArrayFromHeap && t.dtype === "float32";
    out.set(direct ? heap.typedArrayFromHeap!(t) : await t.data() as Float32Array, o);
    o += t.size;
  }
  return o;
}

/**
 * A new tensor with `values`: copied on wasm by the backend itself; elsewhere copied here first,
 * since those backends keep the array given (which may be reused or shared with workers).
 */
function tensorOf(values: Float32Array, shape: number[]): Tensor {
  return tf.tensor(tf.getBackend() === "wasm" ? values : values.slice(), shape);
}

/**
 * Splits `values` (concatenated in the order of `keys`) into new tensors shaped like the store's
 * variables; the caller disposes them.
 *
 * @param store The parameters that give the shapes.
 * @param keys Names, in the order of `values`.
 * @param values The concatenated values.
 * @returns One tensor per key.
 */
export function unflatten(
  store: Params,
  keys: readonly string[],
  values: Float32Array,
): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  let o = 0;
  for (const k of keys) {
    const v = store.get(k);
    out.set(k, tensorOf(values.subarray(o, o + v.size), v.shape));
    o += v.size;
  }
  return out;
}

/**
 * Assigns `values` (concatenated in the order of `keys`) to the store's variables.
 *
 * @param store The parameters to update.
 * @param keys Names, in the order of `values`.
 * @param values The concatenated values.
 * @param what What is being assigned, for the error message.
 * @throws Error when `values` does not hold exactly the variables' sizes.
 */
export function assignFlat(
  store: Params,
  keys: readonly string[],
  values: Float32Array,
  what: string,
): void {
  let o = 0;
  for (const k of keys) {
    const v = store.get(k);
    tf.tidy(() => v.assign(tensorOf(values.subarray(o, o + v.size), v.shape)));
    o += v.size;
  }
  if (o !== values.length) throw new Error(`${what}: got ${values.length} values for ${o} weights`);
}
