// deno run -A bench/profile_step.ts [--preset small] [--batch 64] [--backend wasm|webgpu|cpu]
// Profiles one joint training step by kernel: forward (the loss alone), the whole gradient step
// (forward + backward) and Adam, each summed per op kind, so the backward's cost can be read as
// (gradient step - forward). Kernel times come from tf.profile: wall-clock per kernel on wasm and
// cpu; on webgpu, GPU time per kernel from timestamp queries, asked for here when the adapter
// offers 'timestamp-query' (without it tfjs reports 0 ms, and the note below the table says so).
// Kernel counts per kind are printed too: on a GPU a step can be bound by dispatches, not math.
// --kernels N also lists the N costliest kernels of the gradient step by name and input shapes.
import * as tf from "@tensorflow/tfjs-core";
import { scriptArgs } from "./_args.ts";
import { type BackendName, describeBackend, initBackend } from "../lib/runtime/backend.ts";
import { presetConfig, type PresetName } from "../lib/model/config.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { flowMatchingLoss } from "../lib/flow/loss.ts";
import { Adam } from "../lib/train/optimizer.ts";
import { Rng } from "../lib/random.ts";

/**
 * Makes every GPUAdapter.requestDevice also ask for 'timestamp-query' when the adapter has it, so
 * tfjs-backend-webgpu can time each kernel on the GPU (initBackend asks for limits only).
 */
function requestTimestampQueries(): void {
  type Adapter = { features: { has(f: string): boolean } };
  type Desc = { requiredFeatures?: string[] };
  const proto = (globalThis as unknown as {
    GPUAdapter?: { prototype: { requestDevice(d?: Desc): Promise<unknown> } };
  }).GPUAdapter?.prototype;
  if (!proto) return;
  const original = proto.requestDevice;
  proto.requestDevice = function (this: Adapter, desc: Desc = {}) {
    const extra = this.features.has("timestamp-query") ? ["timestamp-query"] : [];
    const requiredFeatures = [...new Set([...(desc.requiredFeatures ?? []), ...extra])];
    return original.call(this, { ...desc, requiredFeatures });
  };
}

const { values } = scriptArgs(import.meta.url, {
  preset: { type: "string", default: "small" },
  batch: { type: "string", default: "64" },
  backend: { type: "string", default: "wasm" },
  kernels: { type: "string", default: "0" },
});
const batch = Number(values.batch);
const backendName = values.backend as BackendName;
if (backendName === "webgpu") requestTimestampQueries();
const info = await initBackend(backendName);
console.error(describeBackend(info));
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
  if (
    /^(Concat|Slice|Pack|Unpack|SplitV|Split|Pad|PadV2|MirrorPad|Reverse|Tile|StridedSlice)$/.test(
      name,
    )
  ) return "concat / slice / pad";
  if (/^(Transpose)$/.test(name)) return "transpose";
  if (/^(Reshape|Identity|Cast|Fill|ZerosLike|OnesLike)$/.test(name)) {
    return "reshape / cast / fill";
  }
  if (/^(AvgPool|AvgPoolGrad|ResizeNearestNeighbor|ResizeNearestNeighborGrad)$/.test(name)) {
    return "pool / upsample";
  }
  if (/^(Sum|Mean|Max|Min|Prod)$/.test(name)) return "reductions (norm statistics)";
  if (
    /^(Add|AddN|Sub|Mul|Multiply|RealDiv|Div|Neg|Square|SquaredDifference|Sqrt|Rsqrt|Maximum|Minimum|Pow|Exp|Sigmoid|Relu|Step|Greater|GreaterEqual|Less|LessEqual|Select|Abs|Sin|Cos|Log|Softplus|Clip|ClipByValue)$/
      .test(name)
  ) return "elementwise (norm, FiLM, activations)";
  if (name === "unnamed scope") return "custom-gradient wrappers (nested kernels, not in TOTAL)";
  return `other (${name})`;
}

/** Time and count per kernel name and input shapes, of the last profiled gradient step. */
const byKernel = new Map<string, [number, number]>();

/** Kernel counts per op kind of the last {@link profile} call of each label. */
const counts = new Map<string, Map<string, number>>();
let timesMissing = false;

async function profile(label: string, f: () => tf.TensorContainer): Promise<Map<string, number>> {
  // warm-up (with a read-back, so a GPU has finished), then measure
  const warm = f();
  const outs = Array.isArray(warm) ? warm : [warm];
  await Promise.all(outs.filter((t) => t instanceof tf.Tensor).map((t) => (t as tf.Tensor).data()));
  tf.dispose(warm);
  const t0 = performance.now();
  const info = await tf.profile(() => f());
  const wallMs = performance.now() - t0;
  const by = new Map<string, number>();
  const n = new Map<string, number>();
  let total = 0;
  for (const k of info.kernels) {
    // kernelTimeMs is a number, or {error} where the backend cannot time kernels
    const ms = typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
    if (typeof k.kernelTimeMs !== "number") timesMissing = true;
    by.set(kind(k.name), (by.get(kind(k.name)) ?? 0) + ms);
    n.set(kind(k.name), (n.get(kind(k.name)) ?? 0) + 1);
    // A custom-gradient wrapper's time includes the kernels inside it: not added to the total.
    if (k.name !== "unnamed scope") total += ms;
    if (label === "forward + backward" && k.name !== "unnamed scope") {
      const key = `${k.name} ${k.inputShapes.map((sh) => `[${sh}]`).join(" ")}`;
      const [t, c] = byKernel.get(key) ?? [0, 0];
      byKernel.set(key, [t + ms, c + 1]);
    }
  }
  by.set("TOTAL", total);
  n.set("TOTAL", info.kernels.length);
  counts.set(label, n);
  if (info.kernels.length > 0 && total === 0) timesMissing = true;
  console.error(
    `${label}: ${info.kernels.length} kernels, ${total.toFixed(0)} ms in kernels, ` +
      `${wallMs.toFixed(0)} ms wall (profiled)`,
  );
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
const fullN = counts.get("forward + backward")!, adamN = counts.get("adam")!;
console.log(
  `| op kind (${values.preset}, batch ${batch}, ${info.backend}) | forward ms | backward ms | Adam ms | kernels (step) |`,
);
console.log("|---|---|---|---|---|");
for (const k of [...kinds, "TOTAL"]) {
  const f = fwd.get(k) ?? 0, b = (full.get(k) ?? 0) - f, a = adamT.get(k) ?? 0;
  const n = (fullN.get(k) ?? 0) + (adamN.get(k) ?? 0);
  console.log(`| ${k} | ${f.toFixed(1)} | ${b.toFixed(1)} | ${a.toFixed(1)} | ${n} |`);
}
const F = fwd.get("TOTAL")!, B = full.get("TOTAL")! - F;
console.log(`\nbackward / forward = ${F > 0 ? (B / F).toFixed(2) : "n/a"}`);
if (timesMissing) {
  console.log(
    `note: ${info.backend} reported no kernel times (no timestamp-query on this device?); ` +
      "the kernel counts still hold.",
  );
}
const top = Number(values.kernels);
if (top > 0) {
  console.log(`\n| kernel (input shapes), forward + backward | ms | calls |\n|---|---|---|`);
  for (const [k, [ms, n]] of [...byKernel].sort((a, b) => b[1][0] - a[1][0]).slice(0, top)) {
    console.log(`| ${k} | ${ms.toFixed(1)} | ${n} |`);
  }
}
