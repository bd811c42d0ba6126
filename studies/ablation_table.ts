// Summarises studies/ablation.sh's rows as the ablation table of docs/ablations.md (Markdown on stdout).
// deno run -A studies/ablation_table.ts [DIR]   (DIR: default runs/ablation)
import { scriptArgs } from "../bench/_args.ts";
import { headF1, readReport } from "./_reports.ts";

const { positionals } = scriptArgs(import.meta.url, {});
const dir = positionals[0] ?? "runs/ablation";
// Transfer columns first (the evaluation set was left out of pretraining), then in-domain ones.
const COLUMNS: [string, string][] = [
  ["hapt", "uci-hapt"],
  ["hapt-10", "uci-hapt, 10/class"],
  ["wrist-adl", "wrist ADL"],
  ["wrist-falls", "wrist falls"],
  ["wrist-falls-10", "wrist falls, 10/class"],
  ["hapt-in", "in-domain: uci-hapt"],
  ["sisfall-adl", "in-domain: SisFall ADL"],
  ["sisfall-falls", "in-domain: SisFall falls"],
];
const TRANSFER = 5; // the first five columns

function cell(row: string, col: string, head: string): number | null {
  return headF1(readReport(`${dir}/${row}/eval-${col}/report.json`), head)?.mean ?? null;
}

const rows: string[] = [];
for await (const e of Deno.readDir(dir)) if (e.isDirectory) rows.push(e.name);
const order = ["baseline"];
rows.sort((a, b) =>
  (order.includes(a) ? -1 : 0) - (order.includes(b) ? -1 : 0) || a.localeCompare(b)
);
const f = (v: number | null) => v === null ? "–" : v.toFixed(3);
const base = new Map<string, number | null>();
for (const [c] of COLUMNS) base.set(c, cell("baseline", c, "probe"));
console.log(
  `| row | train flags | ${
    COLUMNS.map(([, n]) => n).join(" | ")
  } | transfer Δ vs baseline | pretraining s |`,
);
console.log(`|${" --- |".repeat(COLUMNS.length + 4)}`);
for (const row of rows.filter((r) => r !== "reference")) {
  const flags = (await Deno.readTextFile(`${dir}/${row}/flags.txt`).catch(() => "")).trim();
  const vals = COLUMNS.map(([c]) => cell(row, c, "probe"));
  const deltas = vals.slice(0, TRANSFER).map((v, i) => {
    const b = base.get(COLUMNS[i][0]);
    return v === null || b === null || b === undefined ? null : v - b;
  }).filter((d): d is number => d !== null);
  const mean = deltas.length ? deltas.reduce((s, d) => s + d, 0) / deltas.length : null;
  let secs = 0;
  for (const m of ["hapt-out", "wrist-out"]) {
    secs += Number((await Deno.readTextFile(`${dir}/${row}/${m}/seconds`).catch(() => "0")).trim());
  }
  const delta = mean === null ? "–" : `${mean >= 0 ? "+" : ""}${mean.toFixed(3)}`;
  console.log(
    `| ${row} | \`${flags || "(none)"}\` | ${vals.map(f).join(" | ")} | ${delta} | ${
      secs || "–"
    } |`,
  );
}
for (const head of ["scratch-probe", "handcrafted"]) {
  const vals = COLUMNS.map(([c]) => cell("reference", c, head));
  console.log(`| ${head} | | ${vals.map(f).join(" | ")} | | |`);
}
