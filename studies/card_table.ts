// The model card's downstream table (Markdown on stdout) from studies/eval_pretrained.sh's reports.
// deno run --allow-read=runs studies/card_table.ts TAG [BASELINE_PREFIX ...]
//   FlowFM heads come from runs/eval-TAG-ROW/report.json; a head missing there (scratch,
//   handcrafted: they do not depend on the model; or fine-tuning, run apart with FT=1 as
//   runs/eval-TAG-ft-ROW) is taken from the first BASELINE_PREFIX + ROW (or + ROW-ft) report that
//   has it, with the same data set, task and labels per class.
//   e.g. deno run --allow-read=runs studies/card_table.ts s4000 runs/eval-s3600- runs/transfer/eval-s2587-
import { scriptArgs } from "../bench/_args.ts";
import { headF1, protocolOf, readReport as read } from "./_reports.ts";

const [tag, ...prefixes] = scriptArgs(import.meta.url, {}).positionals;
if (!tag) {
  console.error(
    "usage: deno run --allow-read=runs studies/card_table.ts TAG [BASELINE_PREFIX ...]",
  );
  Deno.exit(2);
}
const ROWS: [string, string][] = [
  ["hapt", "uci-hapt, 6 activities"],
  ["hapt-10", "uci-hapt, 10 per class"],
  ["wrist-adl", "FallAllD wrist, 44 activities"],
  ["wrist-adl-10", "FallAllD wrist activities, 10 per class"],
  ["wrist-falls", "FallAllD wrist, falls"],
  ["wrist-falls-10", "FallAllD wrist falls, 10 per class"],
  ["sisfall-adl", "SisFall, 19 activities"],
  ["sisfall-adl-10", "SisFall activities, 10 per class"],
  ["sisfall-falls", "SisFall, falls"],
  ["sisfall-falls-10", "SisFall falls, 10 per class"],
];
const HEADS = ["probe", "finetune", "scratch-probe", "scratch-finetune", "handcrafted"];

const sources = new Set<string>();
console.log(
  `| ${
    [
      "task",
      "FlowFM probe",
      "FlowFM fine-tune",
      "scratch probe",
      "scratch fine-tune",
      "handcrafted",
    ].join(" | ")
  } |`,
);
console.log(`|${" --- |".repeat(6)}`);
for (const [row, title] of ROWS) {
  const own = read(`runs/eval-${tag}-${row}/report.json`);
  if (!own) {
    console.log(`| ${title} | not run |${" |".repeat(4)}`);
    continue;
  }
  const cells = HEADS.map((head) => {
    const candidates = [
      `runs/eval-${tag}-${row}`,
      ...prefixes.flatMap((p) => [p + row, `${p}${row}-ft`]),
    ];
    for (const dir of candidates) {
      const r = dir.endsWith(`${tag}-${row}`) ? own : read(`${dir}/report.json`);
      const h = headF1(r, head);
      if (!r || !h || protocolOf(r) !== protocolOf(own)) continue;
      if (r !== own) sources.add(dir);
      const { mean, sd } = h;
      return `${mean.toFixed(3)} ± ${sd.toFixed(3)}`;
    }
    return "–";
  });
  console.log(`| ${title} | ${cells.join(" | ")} |`);
}
if (sources.size) {
  console.log(`\nCells not in runs/eval-${tag}-ROW taken from: ${[...sources].join(", ")}`);
}
