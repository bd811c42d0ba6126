// deno run --allow-read --allow-write cli/pack.ts --out FILE [--dense] [data flags | FILE.csv ...]
// Packs windows into one safetensors file for the PyTorch twin (python/flowfm_torch).
import { atomicWrite, exists } from "../lib/io/mod.ts";
import { encodePack, packWindows } from "../lib/data/window_pack.ts";
import { checkOutput, DENO, parseFlags, runMain, UsageError } from "./_common.ts";
import { DATA_HELP, DATA_OPTIONS, hoursSummary, loadWindows } from "./_data.ts";

const HELP = `Usage: ${DENO} run -A cli/pack.ts --out FILE [--dense] [options] [FILE.csv ...]

Packs the windows of any data the library reads (CSV files, --dataset lists, or the bundled
excerpt) into one safetensors file for the PyTorch twin (python -m flowfm_torch.train --windows
FILE). Windows are 10 s at 30 Hz in g, clipped at ±3 g; each carries its data set, placement and
subject as integers (names in the file's metadata). Labels are not stored.

  --out FILE                the pack (.safetensors, or .safetensors.gz: gzip-compressed)
  --dense                   non-overlapping windows (--overlap 0 unless given) as milli-g
                            deltas in zigzag byte planes, with contiguity flags so that the twin
                            cuts windows at any offset; with .gz, 61 h of data take 18.6 MiB
  --placement NAME          placement of CSV files (default unknown)
  --overwrite               replace FILE if it exists (otherwise an existing FILE is an error)

${DATA_HELP}

Minimal permissions: --allow-read=.,DATA --allow-write=OUT_DIR,.cache (OUT_DIR: the folder of FILE).`;

const OPTIONS = {
  ...DATA_OPTIONS,
  out: { type: "string" },
  dense: { type: "boolean" },
  placement: { type: "string" },
  overwrite: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

async function main(): Promise<void> {
  const { values, positionals } = parseFlags(Deno.args, OPTIONS);
  if (values.help) return console.log(HELP);
  const out = values.out as string | undefined;
  if (!out) throw new UsageError("--out FILE is required");
  if (!/\.safetensors(\.gz)?$/.test(out)) {
    throw new UsageError(`--out ${out}: the pack is a .safetensors or .safetensors.gz file`);
  }
  await checkOutput(out, positionals); // not an input, and writable, before any work
  if (!values.overwrite && (await exists(out))) {
    throw new UsageError(`--out ${out} exists; pass --overwrite to replace it`);
  }
  const dense = values.dense === true;
  const flags: Record<string, unknown> = dense && values.overlap === undefined
    ? { ...values, overlap: "0" }
    : values;
  if (values.placement && positionals.length === 0) {
    throw new UsageError("--placement applies to CSV files (data sets know their placements)");
  }
  const { set, description, meta } = await loadWindows(flags, positionals, {
    labelPolicy: "ignore",
  });
  if (values.placement) {
    meta.placementNames = [String(values.placement)];
    meta.placementIndex.fill(0);
  }
  const pack = packWindows(set, meta, description, { dense });
  let bytes = encodePack(pack);
  if (out.endsWith(".gz")) {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
      new CompressionStream("gzip"),
    );
    bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  }
  await atomicWrite(out, bytes);
  console.error(hoursSummary(set, meta));
  console.error(
    `packed ${pack.count} windows (${pack.metadata.encoding}) into ${out}: ${
      (bytes.length / 2 ** 20).toFixed(1)
    } MiB`,
  );
  const abs = out.startsWith("/") ? out : `${Deno.cwd()}/${out}`;
  console.log(
    `train on them: cd python && /usr/bin/python3 -m flowfm_torch.train --windows ${abs} --out ../runs/twin`,
  );
}

if (import.meta.main) await runMain(main, HELP);
