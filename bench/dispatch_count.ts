// deno run -A bench/dispatch_count.ts [--presets tiny,small] [--batch 64] [--backend webgpu]
//   [--out dispatch_count.json]
// Counts the kernels (dispatches, as tf.profile counts them: Reshape and Identity included) of
// one training step (Trainer.step, after a warm-up step) and of one encoded batch (model.encode,
// after a warm-up call) per preset, by kernel name, on the backend asked for (webgpu on whatever
// adapter is present, llvmpipe on a machine without a GPU). Prints a table per preset and writes
// a JSON report. A count, not a time: the same on any adapter.
import * as tf from "@tensorflow/tfjs-core";
import { parseArgs } from "node:util";
import { type BackendName, describeBackend, initBackend } from "../lib/runtime/backend.ts";
import { presetConfig, type PresetName } from "../lib/model/config.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { Trainer } from "../lib/train/trainer.ts";
import { Rng } from "../lib/random.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    presets: { type: "string", default: "tiny,small" },
    batch: { type: "string", default: "64" },
    backend: { type: "string", default: "webgpu" },
    out: { type: "string", default: "dispatch_count.json" },
  },
});
const batch = Number(values.batch);
const info = await initBackend(values.backend as BackendName);
console.error(describeBackend(info));

/** Kernel count per kernel name (and `TOTAL`) of one call of `f`, which runs after a warm-up. */
async function count(f: () => Promise<unknown>): Promise<Record<string, number>> {
  await f(); // warm-up: shader compilation, lazily created state
  const profile = await tf.profile(async () => {
    await f();
  });
  const by: Record<string, number> = { TOTAL: profile.kernels.length };
  for (const k of profile.kernels) by[k.name] = (by[k.name] ?? 0) + 1;
  return by;
}

const report: Record<string, unknown> = {
  command: `deno run -A bench/dispatch_count.ts ${Deno.args.join(" ")}`.trim(),
  backend: info.backend,
  adapter: info.adapter,
  batch,
  presets: {} as Record<string, unknown>,
};
for (const preset of values.presets!.split(",") as PresetName[]) {
  const model = new FlowFM(presetConfig(preset, { seed: 0 }));
  const trainer = new Trainer(model, { lr: 1e-4, seed: 1 });
  const rng = new Rng(2);
  const windows = Float32Array.from(rng.normals(batch * 900), (v) => v * 0.3);
  const step = await count(() => trainer.step(windows));
  const encode = await count(() => model.encode(windows, { batchSize: batch }));
  trainer.dispose();
  model.dispose();
  (report.presets as Record<string, unknown>)[preset] = { step, encode };
  const names = [...new Set([...Object.keys(step), ...Object.keys(encode)])]
    .sort((a, b) => (step[b] ?? 0) - (step[a] ?? 0) || (encode[b] ?? 0) - (encode[a] ?? 0));
  console.log(
    `\n| kernel (${preset}, batch ${batch}, ${info.backend}) | per step | per encoded batch |`,
  );
  console.log("| --- | ---: | ---: |");
  for (const n of names) console.log(`| ${n} | ${step[n] ?? 0} | ${encode[n] ?? 0} |`);
}
await Deno.writeTextFile(values.out!, JSON.stringify(report, null, 2) + "\n");
console.error(`wrote ${values.out}`);
