// deno run --allow-read=IN,DIR --allow-write=DIR cli/export.ts IN.safetensors DIR/OUT.safetensors
// Writes a model file for sharing: encoder and generator only (no optimizer state), stored as F16
// by default, with provenance metadata and a sha256sum-format checksum file beside it.
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../lib/runtime/backend.ts";
import { EMA_PREFIX } from "../lib/train/ema.ts";
import { deserializeModel, serializeModel, WeightsError } from "../lib/weights/model_file.ts";
import { sha256Hex } from "../lib/sha256.ts";
import { atomicWrite } from "../lib/io/mod.ts";
import { checkOutput, choiceFlag, DENO, parseFlags, runMain, UsageError } from "./_common.ts";

const DTYPES = ["F16", "F32"] as const;

const HELP =
  `Usage: ${DENO} run --allow-read=IN,DIR --allow-write=DIR cli/export.ts IN.safetensors DIR/OUT.safetensors [options]

Exports a model or checkpoint as a model file to share or ship: the encoder and generator weights
(batch-norm statistics included), no optimizer state; a checkpoint of a run with --ema gives its
averaged encoder. Weights are stored as F16 by default (half
the size; they are computed in float32 after loading, and F16 rounding changes embeddings by
about 1e-3 relative). Writes OUT and OUT.sha256 (sha256sum format), both atomically; the
checksum is what loadPretrained and 'sha256sum -c' verify.

  --dtype F16|F32           storage type (default F16)
  --meta KEY=VALUE          provenance to store in the file (repeatable), e.g.
                            --meta data="sp-sw-har, sisfall" --meta command="deno task ..."
                            The source's own provenance (e.g. a checkpoint's trainer settings)
                            is kept; 'exportedFrom' records its SHA-256, kind and step.

Inspect the result with: ${DENO} run --allow-read=OUT cli/inspect.ts OUT
Minimal permissions: --allow-read=IN,DIR --allow-write=DIR (the folder of OUT: the temporary files
of the atomic writes are created there).`;

const OPTIONS = {
  dtype: { type: "string" },
  meta: { type: "string", multiple: true },
  help: { type: "boolean", short: "h" },
} as const;

async function main(): Promise<void> {
  const { values, positionals } = parseFlags(Deno.args, OPTIONS);
  if (values.help) return console.log(HELP);
  if (positionals.length !== 2) {
    throw new UsageError("give the input file and the output file (two paths)");
  }
  const [input, output] = positionals;
  if (!output.endsWith(".safetensors")) {
    throw new UsageError(`output ${output}: name it *.safetensors`);
  }
  await checkOutput(output, [input], "output");
  await checkOutput(`${output}.sha256`, [input], "output");
  const dtype = choiceFlag(values, "dtype", DTYPES, "F16");
  const meta: Record<string, string> = {};
  for (const kv of (values.meta as unknown as string[] | undefined) ?? []) {
    const eq = kv.indexOf("=");
    if (eq < 1) throw new UsageError(`--meta ${kv}: expected KEY=VALUE`);
    meta[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  await initBackend("cpu"); // only to hold the weights; nothing is computed
  const bytes = await Deno.readFile(input);
  const { model, kind, extras } = deserializeModel(bytes, input);
  try {
    // A checkpoint of a run with --ema: the averaged encoder is what the model file stores.
    let averaged = 0;
    for (const [k, t] of extras.tensors) {
      if (!k.startsWith(EMA_PREFIX)) continue;
      const v = model.params.vars.get(k.slice(EMA_PREFIX.length));
      if (!v || v.shape.join() !== t.shape.join()) {
        throw new WeightsError(
          input,
          `EMA tensor "${k}" [${t.shape}] matches no encoder parameter of this architecture`,
        );
      }
      tf.tidy(() => v.assign(tf.tensor(t.data, t.shape)));
      averaged++;
    }
    if (averaged) console.error(`${input}: using its EMA encoder weights (${averaged} tensors)`);
    const exportedFrom = JSON.stringify({
      file: input.split("/").pop(),
      sha256: await sha256Hex(bytes),
      kind,
      step: model.config.step,
      emaEncoder: averaged > 0,
    });
    const out = await serializeModel(model, {
      dtype,
      metadata: { ...extras.metadata, exportedFrom, ...meta },
    });
    const sum = await sha256Hex(out);
    await atomicWrite(output, out);
    await atomicWrite(`${output}.sha256`, `${sum}  ${output.split("/").pop()}\n`);
    console.log(
      `wrote ${output} (${
        out.length.toLocaleString("en-US")
      } bytes, ${dtype}, ${model.config.preset} step ${model.config.step}) and ${output}.sha256\nsha256 ${sum}`,
    );
  } finally {
    model.dispose();
  }
}

if (import.meta.main) await runMain(main, HELP);
