// deno run -A bench/profile_step.ts [--preset small] [--batch 64] [--backend wasm]
// Profiles one joint training step by kernel: forward (the loss alone), the whole gradient step
// (forward + backward) and Adam, each summed per op kind, so the backward's cost can be read as
// (gradient step - forward). Kernel times come from tf.profile (wall-clock per kernel on wasm).
import * as tf from "@tensorflow/tfjs-core";
import { parseArgs } from "node:util";
import { initBackend } from "../lib/runtime/backend.ts";
import { presetConfig, type PresetName } from "../lib/model/config.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { flowMatchingLoss } from "../lib/flow/loss.ts";
import { Adam } from "../lib/train/optimizer.ts";
import { Rng } from "../lib/random.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    preset: { type: "string", default: "small" },
    batch: { type: "string", default: "64" },
    backend: { type: "string", default: "wasm" },
  },
});
const batch = Number(values.batch);
await initBackend(values.backend as "wasm");
const model = new FlowFM(presetConfig(values.preset as PresetName));
const { windowLength: len, channels: ch } = model.config;
const rng = new Rng(0);
const x = tf.tensor3d(rng.normals(batch * len * ch).map((v) => v * 0.3), [batch, len, ch]);
const x0 = tf.tensor3d(rng.normals(batch * len * ch), [batch, len, ch]);
const t = tf.tensor1d(Float32Array.from({ length: batch }, () => rng.uniform()));
const keys = [...model.params.trainable];
const vars = keys.map((k) => model.params.get(k));
const adam = new Adam(model.params, { lr: 1e-4 });

/** Op kind of a tfjs kernel name. */
function kind(name: string): string {
  if (/^(Conv2D|Conv2DBackpropInput|DepthwiseConv2dNative)$/.test(name)) return "conv";
  if (/^(BatchMatMul|_FusedMatMul|MatMul)$/.test(name)) return "matMul (dense, conv filter grad)";
  if (/^(Concat|Slice|Pack|Unpack|SplitV|Split|Pad|PadV2|MirrorPad|Reverse|Tile|StridedSlice)$/.test(name)) return "concat / slice / pad";
  if (/^(Transpose)$/.test(name)) return "transpose";
  if (/^(Reshape|Identity|Cast|Fill|ZerosLike|OnesLike)$/.test(name)) return "reshape / cast / fill";
  if (/^(AvgPool|AvgPoolGrad|ResizeNearestNeighbor|ResizeNearestNeighborGrad)$/.test(name)) return "pool / upsample";
  if (/^(Sum|Mean|Max|Min|Prod)$/.test(name)) return "reductions (norm statistics)";
  if (/^(Add|AddN|Sub|Mul|Multiply|RealDiv|Div|Neg|Square|SquaredDifference|Sqrt|Rsqrt|Maximum|Minimum|Pow|Exp|Sigmoid|Relu|Step|Greater|GreaterEqual|Less|LessEqual|Select|Abs|Sin|Cos|Log|Softplus|Clip|ClipByValue)$/.test(name)) return "elementwise (norm, FiLM, activations)";
  if (name === "unnamed scope") return "custom-gradient wrappers (nested, double counted)";
  return `other (${name})`;
}

async function profile(label: string, f: () => tf.TensorContainer): Promise<Map<string, number>> {
  // warm-up, then measure
  tf.dispose(f());
  const info = await tf.profile(() => f());
  const by = new Map<string, number>();
  let total = 0;
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
    by.set(kind(k.name), (by.get(kind(k.name)) ?? 0) + ms);
    total += ms;
  }
  by.set("TOTAL", total);
  console.error(`${label}: ${info.kernels.length} kernels, ${total.toFixed(0)} ms`);
  return by;
}

const fwd = await profile("forward", () => flowMatchingLoss(model, { x1: x, x0, t }));
const full = await profile("forward + backward", () => {
  const r = tf.variableGrads(() => flowMatchingLoss(model, { x1: x, x0, t }), vars);
  return [r.value, ...Object.values(r.grads)];
});
const grads = tf.variableGrads(() => flowMatchingLoss(model, { x1: x, x0, t }), vars);
const named = new Map(keys.map((k, i) => [k, grads.grads[vars[i].name]]));
const adamT = await profile("adam", () => {
  adam.apply(named);
  return [];
});
const kinds = [...new Set([...full.keys(), ...fwd.keys(), ...adamT.keys()])]
  .filter((k) => k !== "TOTAL").sort((a, b) => (full.get(b) ?? 0) - (full.get(a) ?? 0));
console.log(`| op kind (${values.preset}, batch ${batch}, ${values.backend}) | forward ms | backward ms | Adam ms |`);
console.log("|---|---|---|---|");
for (const k of [...kinds, "TOTAL"]) {
  const f = fwd.get(k) ?? 0, b = (full.get(k) ?? 0) - f, a = adamT.get(k) ?? 0;
  console.log(`| ${k} | ${f.toFixed(0)} | ${b.toFixed(0)} | ${a.toFixed(0)} |`);
}
const F = fwd.get("TOTAL")!, B = full.get("TOTAL")! - F;
console.log(`\nbackward / forward = ${(B / F).toFixed(2)}`);
