/**
 * An optional, global `Conv2D` gradient for code that calls `tf.conv1d` / `tf.conv2d` itself on
 * tfjs-backend-wasm, which has no `Conv2DBackpropFilter` kernel. FlowFM's own networks do not
 * need it (their convolutions carry their gradient through `tf.customGrad`).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { conv1dFilterGrad, conv1dInputGrad } from "../model/ops.ts";

let registered = false;

/**
 * Registers a `Conv2D` gradient that computes 1-D convolutions (filter height 1, input height 1,
 * stride 1, dilation 1, NHWC, `valid` or `same` padding with an odd kernel) with one conv2d
 * (`dy` as the filter) for the filter and a forward convolution for the input, so they train on
 * tfjs-backend-wasm. Every other `Conv2D` keeps tfjs's own gradient. Idempotent.
 *
 * @returns Nothing; the change is global to the tfjs instance.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as tf from "@tensorflow/tfjs-core";
 * import { initBackend } from "./backend.ts";
 * import { registerConvGradients } from "./conv_gradients.ts";
 * await initBackend("wasm");
 * registerConvGradients();
 * const x = tf.ones([1, 8, 2]) as tf.Tensor3D;
 * const g = tf.grad((w: tf.Tensor) => tf.sum(tf.conv1d(x, w as tf.Tensor3D, 1, "same")));
 * assert(g(tf.ones([3, 2, 4])).shape.join() === "3,2,4");
 * ```
 */
export function registerConvGradients(): void {
  if (registered) return;
  const original = tf.getGradient("Conv2D");
  if (!original) throw new Error("registerConvGradients: call `await initBackend()` first");
  tf.registerGradient({
    kernelName: "Conv2D",
    inputsToSave: ["x", "filter"],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const a = attrs as {
        strides: number | number[];
        pad: unknown;
        dilations: number | number[];
        dataFormat: string;
      };
      const ones = (v: number | number[]) => (Array.isArray(v) ? v : [v, v]).every((n) => n === 1);
      const [kh, k] = filter.shape;
      const oneD = kh === 1 && x.shape[1] === 1 && ones(a.strides) && ones(a.dilations ?? 1) &&
        (a.dataFormat ?? "NHWC") === "NHWC" &&
        (a.pad === "valid" || (a.pad === "same" && k % 2 === 1));
      if (!oneD) return original.gradFunc(dy, saved, attrs);
      const [b, , len, cin] = x.shape;
      const cout = filter.shape[3];
      const p = a.pad === "same" ? (k - 1) / 2 : 0;
      const x3 = tf.reshape(x, [b, len, cin]) as tf.Tensor3D;
      const w3 = tf.reshape(filter, [k, cin, cout]) as tf.Tensor3D;
      const dy4 = dy as tf.Tensor4D;
      const dy3 = tf.reshape(dy4, [b, dy4.shape[2], cout]) as tf.Tensor3D;
      const xp = p > 0 ? tf.pad(x3, [[0, 0], [p, p], [0, 0]]) as tf.Tensor3D : x3;
      return {
        x: () => {
          const dxp = conv1dInputGrad(dy3, w3);
          return tf.reshape(p > 0 ? tf.slice(dxp, [0, p, 0], [b, len, cin]) : dxp, x.shape);
        },
        filter: () => tf.reshape(conv1dFilterGrad(xp, dy3, k), filter.shape),
      };
    },
  });
  registered = true;
}
