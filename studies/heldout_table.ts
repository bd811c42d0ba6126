// The held-out probe table of the model card and docs/nine_sets.md (Markdown on stdout), from the
// reports that studies/heldout_probes.sh writes: one row per held-out row, one column per head and
// features (fine-tuning: FEATURES=ft) (mean ± SD of macro F1 over test subjects; rows without a
// probe or fine-tuning report of TAG, and columns no row has, left out).
//   deno run --allow-read=runs studies/heldout_table.ts [--rows LIST] [--before TAG2] TAG [BASELINE_TAG ...]
//   --rows    comma-separated rows of studies/heldout_probes.sh (hapt, hapt10, ms, dsads-torso, ...);
//             default every row that has a report
//   --before  a last column "TAG2, stages / `z`": another model's probe means on the same rows (the
//             file a new one would replace), from runs/eval-TAG2-ROW-stages and -z; "–" where missing
// The probe columns come from runs/eval-TAG-ROW-FEATURES; the random encoder (scratch-probe) and
// handcrafted columns, which do not depend on the model, from the first of TAG, BASELINE_TAG ...
// whose report (runs/eval-T-ROW-FEATURES, else runs/eval-T-ROW-FEATURES-base) has the head, run on
// the same data set, task and labels per class. A cell not run yet is empty.
//   e.g. deno run --allow-read=runs studies/heldout_table.ts s500k A228k
import { scriptArgs, usageFail } from "../bench/_args.ts";
import { headF1, pickedRows, probeMean, protocolOf, readReport, rowDir } from "./_reports.ts";

const COLUMNS: [string, string, string][] = [
  ["probe", "stages", "probe, stages"],
  ["probe", "z", "probe, `z`"],
  ["scratch-probe", "stages", "random encoder, stages"],
  ["scratch-probe", "z", "random encoder, `z`"],
  ["handcrafted", "stages", "handcrafted"],
  ["probe", "z+handcrafted", "probe, `z`+handcrafted"],
  ["finetune", "ft", "fine-tuned"],
  ["scratch-finetune", "ft", "scratch fine-tuned"],
];
/** Heads whose figures depend on TAG's weights (the others may come from a baseline tag). */
const OWN = ["probe", "finetune"];

const { values, positionals } = scriptArgs(import.meta.url, {
  rows: { type: "string" },
  before: { type: "string" },
});
const [tag, ...baselines] = positionals;
if (!tag) usageFail(import.meta.url, "expected TAG [BASELINE_TAG ...]");
const picked = pickedRows(values.rows, import.meta.url);

function cell(row: string, head: string, features: string): string {
  const ownDir = rowDir(tag, row, features), own = readReport(`${ownDir}/report.json`);
  const tags = OWN.includes(head) ? [tag] : [tag, ...baselines];
  for (const t of tags) {
    for (const dir of [rowDir(t, row, features), `${rowDir(t, row, features)}-base`]) {
      const r = readReport(`${dir}/report.json`), f1 = headF1(r, head);
      if (!r || !f1) continue;
      if (own && protocolOf(own) !== protocolOf(r)) {
        throw new Error(`${dir}: run with ${protocolOf(r)}, ${ownDir} with ${protocolOf(own)}`);
      }
      return `${f1.mean.toFixed(3)} ± ${f1.sd.toFixed(3)}`;
    }
  }
  return "";
}

const before = values.before;
/** `before`'s probe means on `row`, stages / `z` ("–" where missing). */
const beforeCell = (row: string) =>
  ["stages", "z"].map((f) => probeMean(before!, row, f)?.toFixed(3) ?? "–").join(" / ");
const cells = picked.map((
  [row, name],
) => [name, ...COLUMNS.map(([h, f]) => cell(row, h, f)), ...before ? [beforeCell(row)] : []])
  .filter((line) => COLUMNS.some(([h], i) => OWN.includes(h) && line[i + 1] !== ""));
// Rows without a probe or fine-tuning report of TAG are left out, as are columns no row has.
const names = [
  ...COLUMNS.map(([, , name]) => name),
  ...before ? [`${before}, stages / \`z\``] : [],
];
const kept = [0, ...names.keys().map((i) => i + 1).filter((i) => cells.some((l) => l[i] !== ""))];
console.log(`| row | ${kept.slice(1).map((i) => names[i - 1]).join(" | ")} |`);
console.log(`|${" --- |".repeat(kept.length)}`);
for (const line of cells) console.log(`| ${kept.map((i) => line[i]).join(" | ")} |`);
