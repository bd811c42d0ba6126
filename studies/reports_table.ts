// One Markdown row per head of each cli/evaluate.ts report: the report folder, the model file and
// its step, the data set, labels per class, the features a probe read, the head and its macro F1
// (mean ± SD over test subjects). The held-out tables of docs/nine_sets.md come from it.
//   deno run --allow-read=runs studies/reports_table.ts REPORT_DIR...
import { scriptArgs } from "../bench/_args.ts";
import { readReport } from "./_reports.ts";

/** The parts of report.json this table reads besides the heads. */
interface Described {
  model?: { source?: string; step?: number };
  data?: { description?: string };
  labelsPerClass?: number | null;
  settings?: { features?: string; probeFeatures?: string };
  heads: { head: string; summary: { macroF1: { mean: number; sd: number } } }[];
}

const { positionals } = scriptArgs(import.meta.url, {});
if (positionals.length === 0) {
  console.error("usage: deno run --allow-read=runs studies/reports_table.ts REPORT_DIR...");
  Deno.exit(2);
}
console.log("| report | model, step | data | labels per class | features | head | macro F1 |");
console.log(`|${" --- |".repeat(7)}`);
for (const dir of positionals) {
  const r = readReport(`${dir}/report.json`) as Described | null;
  if (!r) throw new Error(`${dir}/report.json: not found (cli/evaluate.ts --out ${dir} writes it)`);
  const src = r.model?.source;
  const model = src ? `${src.split("/").slice(-2).join("/")}, ${r.model?.step}` : "–";
  const data = (r.data?.description ?? "–").split(" at ")[0];
  const features = r.settings?.features ?? r.settings?.probeFeatures ?? "z";
  for (const h of r.heads) {
    const f = h.summary.macroF1;
    console.log(
      `| ${dir.split("/").filter(Boolean).at(-1)} | ${model} | ${data} | ${
        r.labelsPerClass ?? "all"
      } | ` +
        `${h.head.endsWith("probe") ? features : "–"} | ${h.head} | ${f.mean.toFixed(3)} ± ${
          f.sd.toFixed(3)
        } |`,
    );
  }
}
