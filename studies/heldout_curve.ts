// The held-out checkpoint curve (Markdown on stdout): one column per TAG (a model's snapshot, as
// studies/heldout_probes.sh names its reports), one row per held-out row, the probe's macro F1
// (mean over test subjects) from runs/eval-TAG-ROW-FEATURES, and a last row with each column's mean
// over the rows every TAG has. A cell not run yet is "–".
//   deno run --allow-read=runs studies/heldout_curve.ts [--rows LIST] [--features F] TAG...
//   --rows      comma-separated rows of studies/heldout_probes.sh (default: every row some TAG has)
//   --features  stages (default) or z
//   e.g. deno run --allow-read=runs studies/heldout_curve.ts B250k B1000k B2000k
import { scriptArgs, usageFail } from "../bench/_args.ts";
import { pickedRows, probeMean } from "./_reports.ts";

const { values, positionals: tags } = scriptArgs(import.meta.url, {
  rows: { type: "string" },
  features: { type: "string", default: "stages" },
});
if (tags.length === 0) usageFail(import.meta.url, "expected at least one TAG");
const picked = pickedRows(values.rows, import.meta.url);

const rows = picked.map((
  [row, name],
) => ({ name, cells: tags.map((t) => probeMean(t, row, values.features)) }))
  .filter((r) => values.rows !== undefined || r.cells.some((c) => c !== null));
const show = (v: number | null) => v === null ? "–" : v.toFixed(3);
console.log(`| row, probe on ${values.features} | ${tags.join(" | ")} |`);
console.log(`|${" --- |".repeat(tags.length + 1)}`);
for (const r of rows) console.log(`| ${r.name} | ${r.cells.map(show).join(" | ")} |`);
const full = rows.filter((r) => r.cells.every((c) => c !== null));
if (full.length) {
  const means = tags.map((_, i) => full.reduce((a, r) => a + r.cells[i]!, 0) / full.length);
  const n = full.length;
  console.log(`| mean of ${n} row${n === 1 ? "" : "s"} | ${means.map(show).join(" | ")} |`);
}
