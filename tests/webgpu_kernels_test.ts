// What the library's WebGPU kernels share (lib/model/webgpu_kernels.ts): flat views, the backend
// check, whether gradients are being recorded, and a kernel of one WGSL program registered and run
// through runElementwise (uniforms of both types, fewer threads than outputs). The WebGPU part skips,
// saying so, where no adapter exists.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import {
  flatInfo,
  onWebGpu,
  recordingGradients,
  registerWebGpuKernel,
  runElementwise,
} from "../lib/model/webgpu_kernels.ts";
import { webgpuAdapter } from "./_helpers.ts";

const hasAdapter = (await webgpuAdapter()) !== "none";
if (!hasAdapter) console.log("webgpu_kernels_test: skipped its WebGPU part, no adapter here");

Deno.test("webgpu kernels: flat views, the backend check and gradient recording on cpu", async () => {
  await initBackend("cpu");
  const x = tf.ones([2, 3, 4]);
  assert.deepEqual(flatInfo(x).shape, [24]);
  assert.equal(flatInfo(x).dataId, x.dataId);
  assert.equal(onWebGpu(x), false);
  assert.equal(recordingGradients(), false);
  let inside = false;
  tf.dispose(
    tf.grad((v) => {
      inside = recordingGradients();
      return tf.sum(v);
    })(x),
  );
  assert.equal(inside, true);
  x.dispose();
});

Deno.test({
  name: "webgpu kernels: a registered one-program kernel runs with its uniforms; no leaks",
  ignore: !hasAdapter,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    try {
      await initBackend("webgpu");
      const before = tf.memory().numTensors;
      // y[2i] = scale * x[i] + shift, y[2i + 1] = i: 3 threads, 6 outputs
      registerWebGpuKernel("FlowFMTestAffine", ({ x }, backend, { scale, shift }) => {
        const r = runElementwise(
          backend,
          "flowfm_test_affine",
          3,
          ["X"],
          `
          result[2 * index] = uniforms.scale * X[index] + uniforms.shift;
          result[2 * index + 1] = f32(index + uniforms.offset);`,
          [x],
          [
            { name: "scale", type: "f32", value: scale },
            { name: "shift", type: "f32", value: shift },
            { name: "offset", type: "i32", value: 0 },
          ],
          6,
        );
        return { dataId: r.dataId, shape: [3, 2], dtype: "float32" };
      });
      const x = tf.tensor1d([1, 2, 3]);
      assert.equal(onWebGpu(x), true);
      const y = tf.engine().runKernel("FlowFMTestAffine", { x }, {
        scale: 2,
        shift: 0.5,
      }) as tf.Tensor;
      assert.deepEqual(y.shape, [3, 2]);
      assert.deepEqual(Array.from(await y.data()), [2.5, 0, 4.5, 1, 6.5, 2]);
      tf.dispose([x, y]);
      assert.equal(tf.memory().numTensors, before, "tensors leaked");
    } finally {
      await initBackend("cpu");
    }
  },
});
