// deno run -A gpu/gpu_upload.ts [--reps 5]
//
// Where a webgpu training step loses its time on a real GPU (gpu/gpu.sh found that uploads of
// CPU-resident tensors dominate): times, on the webgpu backend, one upload of a batch of windows
// (64 and 256 windows of 900 values) through tfjs's own path (`tf.tensor(Float32Array)`, uploaded on
// first use with a buffer mapped at creation) against `GPUQueue.writeBuffer` into a GPUBuffer handed
// to `tf.tensor({ buffer })`; and the cost of an element-wise op with a number operand (a new
// CPU-resident scalar each time) against one with a scalar already on the GPU. One JSON line per
// measurement, milliseconds per call, each after a warm-up call and synchronised by reading back one
// number.
import { scriptArgs } from "../bench/_args.ts";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";

const { values } = scriptArgs(import.meta.url, { reps: { type: "string", default: "5" } });
const reps = Number(values.reps);
const info = await initBackend("webgpu");
// deno-lint-ignore no-explicit-any
const backend = tf.backend() as any;
const device: GPUDevice = backend.device;
const print = (o: Record<string, unknown>) => console.log(JSON.stringify(o));
print({ backend: info?.backend, adapter: info?.adapter?.description ?? null });

async function timeIt(f: () => Promise<void>): Promise<number> {
  await f(); // warm-up (pipeline compilation)
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) await f();
  return (performance.now() - t0) / reps;
}
const readOne = async (t: tf.Tensor) => {
  const s = tf.sum(t);
  await s.data();
  s.dispose();
};

for (const windows of [64, 256]) {
  const shape = [windows, 900, 3];
  const data = new Float32Array(windows * 2700).map((_, i) => Math.sin(i));
  const mb = data.byteLength / 2 ** 20;
  const viaTfjs = await timeIt(async () => {
    const t = tf.tensor(data, shape);
    await readOne(t);
    t.dispose();
  });
  const viaWriteBuffer = await timeIt(async () => {
    const buffer = device.createBuffer({
      size: data.byteLength,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    device.queue.writeBuffer(buffer, 0, data);
    const t = tf.tensor({ buffer }, shape, "float32");
    await readOne(t);
    t.dispose();
    buffer.destroy();
  });
  const onGpu = tf.tensor(data, shape);
  await readOne(onGpu);
  const noUpload = await timeIt(() => readOne(onGpu));
  onGpu.dispose();
  print({
    windows,
    MiB: +mb.toFixed(2),
    msTfjsUpload: viaTfjs,
    msWriteBuffer: viaWriteBuffer,
    msNoUpload: noUpload,
  });
}

// 200 element-wise ops on a small tensor: a number operand (a CPU scalar made and uploaded per op)
// against a scalar tensor already on the GPU.
const x = tf.variable(tf.ones([1000]));
await readOne(x);
const ops = 200;
const number = await timeIt(async () => {
  const y = tf.tidy(() => {
    let y: tf.Tensor = x;
    for (let i = 0; i < ops; i++) y = tf.mul(y, 1.0001);
    return y;
  });
  await readOne(y);
  y.dispose();
});
const k = tf.scalar(1.0001);
await readOne(k);
const tensor = await timeIt(async () => {
  const y = tf.tidy(() => {
    let y: tf.Tensor = x;
    for (let i = 0; i < ops; i++) y = tf.mul(y, k);
    return y;
  });
  await readOne(y);
  y.dispose();
});
print({ ops, msPerOpNumberOperand: number / ops, msPerOpGpuScalar: tensor / ops });
