// deno run --allow-read=FILE cli/inspect.ts FILE.safetensors [--json]
// Describes a FlowFM model or checkpoint file without loading it into tfjs: its config, tensors,
// parameter counts, storage types, size, SHA-256 checksum and provenance (training metadata).
// Classifier files (probe or fine-tuned, `format: "flowfm-classifier"`) get their classes, features,
// window, fit and the SHA-256 of the encoder they were fitted on.
import { decodeSafetensors } from "../lib/weights/safetensors.ts";
import { readWeightsMetadata } from "../lib/weights/model_file.ts";
import { embeddingDim } from "../lib/model/config.ts";
import { sha256Hex } from "../lib/sha256.ts";
import { DENO, parseFlags, runMain, UsageError } from "./_common.ts";

const HELP = `Usage: ${DENO} run --allow-read=FILE cli/inspect.ts FILE.safetensors [--json]

Describes a FlowFM model or checkpoint file: format, kind, config (preset, window geometry, units,
seed, step), parameter counts (encoder, generator, optimizer state), storage types, tensors, size,
SHA-256, the windows its pretraining saw (counting the model it started from, --init) and the
training metadata a checkpoint carries. A classifier file (cli/fit.ts, or
weights/*.classifier.safetensors): its kind (probe or fine-tuned), classes, features, window, fit,
the data and placement it was fitted on, and for a probe the SHA-256 of the encoder it needs. Nothing is loaded into TensorFlow.js.

  --json                    print one JSON object instead of text
  --tensors                 list every tensor (name, dtype, shape) in the text output

Minimal permissions: --allow-read=FILE.`;

const OPTIONS = {
  json: { type: "boolean" },
  tensors: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

async function main(): Promise<void> {
  const { values, positionals } = parseFlags(Deno.args, OPTIONS);
  if (values.help) return console.log(HELP);
  if (positionals.length !== 1) throw new UsageError("give exactly one .safetensors file");
  const path = positionals[0];
  const bytes = await Deno.readFile(path);
  const { tensors, metadata } = decodeSafetensors(bytes, { source: path });
  if (metadata.format === "flowfm-classifier") {
    return describeClassifier(path, bytes, tensors, metadata, values);
  }
  const { kind, config } = readWeightsMetadata(metadata, path);
  const counts: Record<string, number> = { encoder: 0, generator: 0, optimizer: 0, other: 0 };
  const dtypes: Record<string, number> = {};
  const list: { name: string; dtype: string; shape: number[] }[] = [];
  for (const [name, t] of tensors) {
    const group = name.split(".")[0];
    counts[group in counts ? group : "other"] += t.data.length;
    dtypes[t.dtype] = (dtypes[t.dtype] ?? 0) + 1;
    list.push({ name, dtype: t.dtype, shape: t.shape });
  }
  const { format: _f, kind: _k, config: _c, ...provenance } = metadata;
  const provenanceJson = parsed(provenance);
  const seen = windowsSeen(provenanceJson.training, config.step);
  const report = {
    file: path,
    bytes: bytes.length,
    sha256: await sha256Hex(bytes),
    kind,
    config,
    parameters: counts,
    dtypes,
    tensorCount: tensors.size,
    ...(seen ? { windowsSeen: seen } : {}),
    provenance: provenanceJson,
    ...(values.tensors || values.json ? { tensors: list } : {}),
  };
  if (values.json) return console.log(JSON.stringify(report, null, 2));
  const n = (x: number) => x.toLocaleString("en-US");
  const c = config, e = c.encoder;
  const encoderOptions = [
    e.removeGravity ? "gravity removed" : "",
    e.magnitude ? "magnitude channel" : "",
    e.bottleneck ? `bottleneck ${e.bottleneck}` : "",
    e.auxTasks ? `auxiliary tasks (weight ${e.auxTasks})` : "",
  ].filter((x) => x);
  const zLine = `z ${embeddingDim(c)}-d` +
    (encoderOptions.length ? ` (encoder: ${encoderOptions.join(", ")})` : "");
  console.log(
    `${path}: FlowFM ${kind}, ${n(bytes.length)} bytes, sha256 ${report.sha256}
  preset ${c.preset}, objective ${c.objective}, step ${c.step}, seed ${c.seed}, ${zLine}
  windows ${c.windowLength} samples x ${c.channels} axes at ${c.sampleRate} Hz, in g, clipped to ±${c.clip}
  values (weights and batch-norm statistics): encoder ${n(counts.encoder)}, generator ${
      n(counts.generator)
    }` +
      (counts.optimizer ? `, optimizer state ${n(counts.optimizer)}` : "") +
      (counts.other ? `, other ${n(counts.other)}` : "") + `
  ${tensors.size} tensors stored as ${
      Object.entries(dtypes).map(([d, k]) => `${d} (${k})`).join(", ")
    }`,
  );
  if (seen) {
    const steps = seen.batch ? ` (${n(seen.run / seen.batch)} steps of ${seen.batch})` : "";
    console.log(
      seen.before
        ? `  windows seen in pretraining: ${n(seen.total)}: ${
          n(seen.run)
        } in its last run${steps}, ` +
          `after ${n(seen.before)} in the model it started from (--init)`
        : `  windows seen in pretraining: ${n(seen.total)}${steps}`,
    );
  }
  for (const [k, v] of Object.entries(report.provenance)) {
    console.log(`  ${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`);
  }
  if (values.tensors) {
    for (const t of list) console.log(`  ${t.name}  ${t.dtype}  [${t.shape.join(", ")}]`);
  }
}

/**
 * Windows a model's pretraining saw, from its `training` metadata: the twin records `windowsSeen`
 * and, after `--init`, the start model's own metadata (`before`, followed recursively); cli/train.ts
 * records `batch` (the windows are steps x batch). Undefined when the metadata says neither.
 */
function windowsSeen(
  training: unknown,
  step: number,
): { total: number; run: number; before: number; batch?: number } | undefined {
  if (typeof training !== "object" || training === null) return undefined;
  const t = training as {
    windowsSeen?: unknown;
    batch?: unknown;
    steps?: unknown;
    before?: unknown;
  };
  const batch = typeof t.batch === "number" ? t.batch : undefined;
  const steps = typeof t.steps === "number" ? t.steps : step;
  const run = typeof t.windowsSeen === "number"
    ? t.windowsSeen
    : batch !== undefined
    ? steps * batch
    : undefined;
  if (run === undefined || !Number.isFinite(run)) return undefined;
  const before = windowsSeen(t.before, NaN)?.total ?? 0;
  return { total: run + before, run, before, ...(batch !== undefined ? { batch } : {}) };
}

/** JSON fields of a file's metadata, parsed where they parse. */
function parsed(metadata: Record<string, string>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(metadata).map(([k, v]) => {
      try {
        return [k, JSON.parse(v)];
      } catch {
        return [k, v];
      }
    }),
  );
}

/** Describes a classifier file (probe, or fine-tuned encoder with its head). */
async function describeClassifier(
  path: string,
  bytes: Uint8Array,
  tensors: Map<string, { dtype: string; shape: number[]; data: ArrayLike<number> }>,
  metadata: Record<string, string>,
  values: { json?: boolean; tensors?: boolean },
): Promise<void> {
  const m = parsed(metadata);
  const finetuned = metadata.kind === "finetuned";
  const counts: Record<string, number> = {};
  const dtypes: Record<string, number> = {};
  const list: { name: string; dtype: string; shape: number[] }[] = [];
  for (const [name, t] of tensors) {
    const group = name.split(".")[0];
    counts[group] = (counts[group] ?? 0) + t.data.length;
    dtypes[t.dtype] = (dtypes[t.dtype] ?? 0) + 1;
    list.push({ name, dtype: t.dtype, shape: t.shape });
  }
  const classes = Array.isArray(m.classes) ? (m.classes as string[]) : [];
  const features = finetuned ? "fine-tuned encoder" : String(m.features ?? "z");
  const featureDim = tensors.get("features.mean")?.shape[0];
  const report = {
    file: path,
    bytes: bytes.length,
    sha256: await sha256Hex(bytes),
    kind: "classifier",
    classifier: finetuned ? "finetuned" : "probe",
    version: m.version,
    classes,
    features,
    ...(featureDim !== undefined ? { featureDim } : {}),
    window: m.window,
    ...(m.encoder_sha256 ? { encoderSha256: m.encoder_sha256 } : {}),
    ...(m.config ? { config: m.config } : {}),
    fit: m.fit,
    ...(m.training_data ? { trainingData: m.training_data } : {}),
    values: counts,
    dtypes,
    tensorCount: tensors.size,
    ...(values.tensors || values.json ? { tensors: list } : {}),
  };
  if (values.json) return console.log(JSON.stringify(report, null, 2));
  const n = (x: number) => x.toLocaleString("en-US");
  const w = (m.window ?? {}) as Record<string, number>;
  const lines = [
    `${path}: FlowFM classifier (${
      finetuned ? "fine-tuned encoder with an MLP head" : "linear probe"
    }), ${n(bytes.length)} bytes, file sha256 ${report.sha256}`,
    `  ${classes.length} classes: ${classes.join(", ")}`,
    `  features: ${features}${
      featureDim !== undefined ? ` (${n(featureDim)} values per window)` : ""
    }`,
    `  windows ${w.length} samples x ${w.channels} axes at ${w.sampleRate} Hz, in g, clipped to ±${w.clip}`,
  ];
  if (m.encoder_sha256) {
    lines.push(
      `  encoder sha256 ${m.encoder_sha256} (of the encoder.* tensors it was fitted on, not of a ` +
        "file: predict needs that encoder)",
    );
  }
  if (finetuned) {
    const c = m.config as { preset?: string } | undefined;
    lines.push(
      `  carries its fine-tuned model (preset ${c?.preset ?? "?"}): predict needs no --weights`,
    );
  }
  lines.push(
    `  values: ${Object.entries(counts).map(([g, k]) => `${g} ${n(k)}`).join(", ")}; ` +
      `${tensors.size} tensors stored as ${
        Object.entries(dtypes).map(([d, k]) => `${d} (${k})`).join(", ")
      }`,
  );
  if (m.fit !== undefined) lines.push(`  fit: ${JSON.stringify(m.fit)}`);
  const data = m.training_data as { data?: string; placements?: string[] } | undefined;
  lines.push(
    data?.data
      ? `  fitted on ${data.data}; for ${data.placements?.join(", ") || "placement unknown"} data`
      : "  the file does not say which data or placement it was fitted on",
  );
  console.log(lines.join("\n"));
  if (values.tensors) {
    for (const t of list) console.log(`  ${t.name}  ${t.dtype}  [${t.shape.join(", ")}]`);
  }
}

if (import.meta.main) await runMain(main, HELP);
