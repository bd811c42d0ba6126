// Steps-versus-quality tables (Markdown on stdout) from studies/steps_curve.sh's output folders:
// one row per step budget with the windows seen, the cumulative pretraining seconds and the
// transfer probe on uci-hapt at full labels and at 10 labels per class.
//   deno run --allow-read=runs studies/curve_table.ts runs/curve-small runs/curve-compact
import { scriptArgs } from "../bench/_args.ts";
import { headF1, readReport } from "./_reports.ts";

const BATCH = 64; // studies/steps_curve.sh's batch
const { positionals } = scriptArgs(import.meta.url, {});
if (positionals.length === 0) {
  console.error("usage: deno run --allow-read=runs studies/curve_table.ts CURVE_DIR...");
  Deno.exit(2);
}
const f1 = (dir: string, name: string) => {
  const h = headF1(readReport(`${dir}/${name}/report.json`), "probe");
  return h ? `${h.mean.toFixed(3)} ± ${h.sd.toFixed(3)}` : "–";
};
console.log(
  "| run | preset, flags | steps | windows seen | pretraining s | uci-hapt probe | 10 per class |",
);
console.log(`|${" --- |".repeat(7)}`);
for (const dir of positionals) {
  let flags: string, seconds: string;
  try {
    flags = Deno.readTextFileSync(`${dir}/flags.txt`).trim();
    seconds = Deno.readTextFileSync(`${dir}/seconds.txt`);
  } catch (e) {
    throw new Error(`${dir}: not a studies/steps_curve.sh folder (${(e as Error).message})`);
  }
  let total = 0;
  for (const line of seconds.trim().split("\n")) {
    const [steps, s] = line.split(" ").map(Number);
    if (!Number.isFinite(steps) || !Number.isFinite(s)) {
      throw new Error(`${dir}/seconds.txt: bad line "${line}"`);
    }
    total += s;
    console.log(
      `| ${dir} | ${flags} | ${steps} | ${(steps * BATCH).toLocaleString("en")} | ${total} | ${
        f1(dir, `eval-${steps}-all`)
      } | ${f1(dir, `eval-${steps}-10`)} |`,
    );
  }
}
