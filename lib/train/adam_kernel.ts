/**
 * One Adam update of one parameter, as a single kernel on wasm. Written with tfjs ops it is about
 * 12 kernels per parameter (about 1,400 per `small` step, 30-55 ms on the main thread of a
 * data-parallel step); the kernel makes one pass over heap views. On webgpu the kernel of the same
 * name runs three fused WGSL programs (`./adam_webgpu.ts`). Registered under a name of its own (no
 * tfjs kernel is replaced); other backends use tfjs's ops.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { onWasm, registerWasmKernel } from "../model/wasm_kernels.ts";
import { onWebGpu } from "../model/webgpu_kernels.ts";
import { ADAM_KERNEL as ADAM, registerAdamWebGpu } from "./adam_webgpu.ts";

/** The update's constants. */
export interface AdamStepConstants {
  /** First-moment decay. */
  beta1: number;
  /** Second-moment decay. */
  beta2: number;
  /** Learning rate with the bias corrections folded in. */
  stepSize: number;
  /** Added to the denominator. */
  eps: number;
  /** Factor on the gradient (gradient clipping). */
  gradScale: number;
}

function register(): void {
  registerWasmKernel(ADAM, (inputs, be, attrs) => {
    const { p, m, v, g } = inputs;
    const outs = [p, m, v].map((t) => be.makeOutput(t.shape, "float32"));
    const [pv, mv, vv, gv] = [p, m, v, g].map((t) => be.typedArrayFromHeap(t));
    const [po, mo, vo] = outs.map((t) => be.typedArrayFromHeap(t));
    const { beta1: b1, beta2: b2, stepSize, eps, gradScale } = attrs;
    const c1 = 1 - b1, c2 = 1 - b2;
    for (let i = 0; i < gv.length; i++) {
      const gi = gv[i] * gradScale;
      const mi = (mo[i] = mv[i] * b1 + gi * c1);
      const vi = (vo[i] = vv[i] * b2 + gi * gi * c2);
      po[i] = pv[i] - (mi * stepSize) / (Math.sqrt(vi) + eps);
    }
    return outs;
  });
}

/**
 * `m' = b1 m + (1 - b1) s g`, `v' = b2 v + (1 - b2) (s g)^2`,
 * `p' = p - stepSize m' / (sqrt(v') + eps)`, with `s = gradScale`.
 *
 * @param p Parameter.
 * @param m First moment, the shape of `p`.
 * @param v Second moment, the shape of `p`.
 * @param g Gradient, the shape of `p`.
 * @param k The update's constants.
 * @returns New `[p, m, v]` (new tensors; the inputs are not changed).
 * @throws Error naming both shapes when `g` does not have the shape of `p`.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "../runtime/backend.ts";
 * import { adamStep } from "./adam_kernel.ts";
 * await initBackend("cpu");
 * const z = tf.zeros([1]);
 * const [p] = adamStep(tf.ones([1]), z, z, tf.ones([1]), {
 *   beta1: 0.9, beta2: 0.999, stepSize: 0.1 * Math.sqrt(0.001) / 0.1, eps: 1e-8, gradScale: 1,
 * });
 * assert(Math.abs(p.dataSync()[0] - 0.9) < 1e-5);
 * ```
 */
export function adamStep(
  p: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  g: tf.Tensor,
  k: AdamStepConstants,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  if (g.shape.join() !== p.shape.join()) {
    throw new Error(`Adam: gradient of shape [${g.shape}] for a parameter of shape [${p.shape}]`);
  }
  const wasm = [p, m, v, g].every(onWasm);
  if (wasm || [p, m, v, g].every(onWebGpu)) {
    if (wasm) register();
    else registerAdamWebGpu();
    const attrs = { ...k } as unknown as tf.NamedAttrMap;
    return tf.engine().runKernel(ADAM, { p, m, v, g }, attrs) as unknown as [
      tf.Tensor,
      tf.Tensor,
      tf.Tensor,
    ];
  }
  return tf.tidy(() => {
    if (k.gradScale !== 1) g = tf.mul(g, k.gradScale);
    const m1 = tf.add(tf.mul(m, k.beta1), tf.mul(g, 1 - k.beta1));
    const v1 = tf.add(tf.mul(v, k.beta2), tf.mul(tf.square(g), 1 - k.beta2));
    const p1 = tf.sub(p, tf.div(tf.mul(m1, k.stepSize), tf.add(tf.sqrt(v1), k.eps)));
    return [p1, m1, v1] as [tf.Tensor, tf.Tensor, tf.Tensor];
  });
}
