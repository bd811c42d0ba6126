// deno run -A bench/dispatch_count.ts [--presets tiny,small] [--batch 64] [--backend webgpu]
//   [--encode-only] [--submit-batch N] [--out dispatch_count.json]
// Counts the kernels (dispatches, as tf.profile counts them: Reshape and Identity included) of
// one training step (Trainer.step, after a warm-up step) and of one encoded batch (model.encode,
// after a warm-up call) per preset, by kernel name, on the backend asked for (webgpu on whatever
// adapter is present, llvmpipe on a machine without a GPU). On webgpu it also counts the GPU
// programs actually dispatched (tfjs-backend-webgpu's runWebGPUProgram calls), by program: Reshape
// and Identity (and a Cast to the same type) dispatch nothing there, and one kernel of the
// library's own may run several programs. Prints tables per preset and writes a JSON report. A
// count, not a time: the same on any adapter. --encode-only skips the training steps (a `small`
// step takes minutes on llvmpipe). The counting is lib/runtime/dispatch_count.ts's countDispatches,
// which the demo page's "Speed on this device" (web/speed.ts) uses too. On webgpu it also counts
// the device-queue traffic of one more, unprofiled call (command-buffer submits, uploads from the
// CPU and their bytes, uniform writes, reads back); --submit-batch N sets tfjs-backend-webgpu's
// WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE (dispatches per submit; its default is 15).
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import { type BackendName, describeBackend, initBackend } from "../lib/runtime/backend.ts";
import { presetConfig, type PresetName } from "../lib/model/config.ts";
import { FlowFM } from "../lib/model/flowfm.ts";
import { Trainer } from "../lib/train/trainer.ts";
import { countDispatches, dispatchWindows } from "../lib/runtime/dispatch_count.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    presets: { type: "string", default: "tiny,small" },
    batch: { type: "string", default: "64" },
    backend: { type: "string", default: "webgpu" },
    out: { type: "string", default: "dispatch_count.json" },
    "encode-only": { type: "boolean", default: false },
    "submit-batch": { type: "string" },
  },
});
const batch = Number(values.batch);
const info = await initBackend(values.backend as BackendName);
console.error(describeBackend(info));
if (values["submit-batch"] !== undefined) {
  const n = Number(values["submit-batch"]);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`--submit-batch must be an integer >= 1, got "${values["submit-batch"]}"`);
  }
  tf.env().set("WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE", n);
}

/** Prints one markdown table of two counts by name, largest first. */
function table(title: string, a: Record<string, number>, b: Record<string, number>): void {
  const names = [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .sort((x, y) => (a[y] ?? 0) - (a[x] ?? 0) || (b[y] ?? 0) - (b[x] ?? 0));
  console.log(`\n| ${title} | per step | per encoded batch |\n| --- | ---: | ---: |`);
  for (const n of names) console.log(`| ${n} | ${a[n] ?? 0} | ${b[n] ?? 0} |`);
}

const report: Record<string, unknown> = {
  command: `deno run -A bench/dispatch_count.ts ${Deno.args.join(" ")}`.trim(),
  backend: info.backend,
  adapter: info.adapter,
  batch,
  submitBatch: info.backend === "webgpu"
    ? tf.env().getNumber("WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE")
    : null,
  presets: {} as Record<string, unknown>,
};
for (const preset of values.presets!.split(",") as PresetName[]) {
  const model = new FlowFM(presetConfig(preset, { seed: 0 }));
  const trainer = new Trainer(model, { lr: 1e-4, seed: 1 });
  const windows = dispatchWindows(batch);
  const none = { kernels: {}, programs: {}, queue: null };
  const queue = true;
  const step = values["encode-only"]
    ? none
    : await countDispatches(() => trainer.step(windows), { queue });
  const encode = await countDispatches(() => model.encode(windows, { batchSize: batch }), {
    queue,
  });
  trainer.dispose();
  model.dispose();
  (report.presets as Record<string, unknown>)[preset] = { step, encode };
  const what = `${preset}, batch ${batch}, ${info.backend}`;
  table(`kernel (${what})`, step.kernels, encode.kernels);
  if (step.programs && encode.programs) {
    table(`GPU program (${what})`, step.programs, encode.programs);
  }
  if (encode.queue) {
    const title = `queue (${what}, submit batch ${report.submitBatch})`;
    table(title, { ...step.queue }, { ...encode.queue });
  }
}
await Deno.writeTextFile(values.out!, JSON.stringify(report, null, 2) + "\n");
console.error(`wrote ${values.out}`);
