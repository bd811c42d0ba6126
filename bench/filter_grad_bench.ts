// The convolution filter gradient on wasm, per layer shape of the `small` preset's training step
// (a worker's shard of 32 windows): the conv2d form (dy as the filter, used on cpu and WebGPU)
// against the GEMM over shifted rows that wasm uses (lib/model/filter_grad.ts). Each group's
// baseline is the conv2d form, so results read as ratios.
//   deno bench -A bench/filter_grad_bench.ts
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { filterGradConv2d } from "../lib/model/conv.ts";
import { filterGradMatMul } from "../lib/model/filter_grad.ts";
import { Rng } from "../lib/random.ts";

await initBackend("wasm");
// [batch, outLength, inChannels, outChannels], kernel 5 (valid, on the padded input)
const SHAPES = [
  [32, 75, 128, 128],
  [32, 75, 256, 128],
  [32, 150, 192, 64],
  [32, 19, 256, 256],
  [32, 300, 96, 32],
  [32, 300, 32, 32],
];
const K = 5;
for (const [b, lout, cin, cout] of SHAPES) {
  const rng = new Rng(cin * cout);
  const x = tf.tensor3d(rng.normals(b * (lout + K - 1) * cin), [b, lout + K - 1, cin]);
  const dy = tf.tensor3d(rng.normals(b * lout * cout), [b, lout, cout]);
  const group = `[${b}, ${lout}, ${cin} -> ${cout}], k ${K}`;
  const run = (f: () => tf.Tensor) => () => {
    const y = f();
    y.dataSync();
    y.dispose();
  };
  Deno.bench(
    `conv2d, dy as filter ${group}`,
    { group, baseline: true },
    run(() => filterGradConv2d(x, dy, K)),
  );
  Deno.bench(`GEMM over shifted rows ${group}`, { group }, run(() => filterGradMatMul(x, dy, K)));
}
