// What the bench table scripts (card_table.ts, heldout_table.ts, ablation_table.ts, curve_table.ts) read of
// cli/evaluate.ts's report.json.
import { usageFail } from "../bench/_args.ts";

/** The parts of a report.json the tables use. */
export interface Report {
  args: string[];
  heads: { head: string; summary: { macroF1: { mean: number; sd: number } } }[];
}

/**
 * Reads a report.json; null when the file does not exist (a row not run yet).
 *
 * @param path The report's path.
 * @returns The report, or null.
 * @throws Error naming the file when it exists but cannot be read or parsed.
 */
export function readReport(path: string): Report | null {
  try {
    return JSON.parse(Deno.readTextFileSync(path)) as Report;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}

/**
 * A head's macro F1 (mean and SD over test subjects), or null when the report lacks the head.
 *
 * @param r A report, or null.
 * @param head probe, finetune, scratch-probe, scratch-finetune or handcrafted.
 * @returns Mean and SD, or null.
 */
export function headF1(r: Report | null, head: string): { mean: number; sd: number } | null {
  return r?.heads.find((h) => h.head === head)?.summary.macroF1 ?? null;
}

/**
 * A model's probe mean (macro F1 over test subjects) on one row of studies/heldout_probes.sh, from
 * runs/eval-TAG-ROW-FEATURES/report.json; null when that report or its probe head is missing.
 *
 * @param tag The model's tag (heldout_probes.sh's TAG).
 * @param row The row (hapt, ms, dsads-leg, ...).
 * @param features stages, z, ...
 * @returns The mean, or null.
 */
export function probeMean(tag: string, row: string, features: string): number | null {
  return headF1(readReport(`${rowDir(tag, row, features)}/report.json`), "probe")?.mean ?? null;
}

/**
 * The folder studies/heldout_probes.sh writes a row's report into: runs/eval-TAG-ROW-FEATURES
 * (its baselines: the same with -base).
 *
 * @param tag The model's tag.
 * @param row The row (hapt, ms, dsads-leg, ...).
 * @param features stages, z, ft, ...
 * @returns The folder's path.
 */
export function rowDir(tag: string, row: string, features: string): string {
  return `runs/eval-${tag}-${row}-${features}`;
}

/**
 * The data set, task and labels per class a report was run with, as the flags that set them
 * (defaults filled in), so reports run the same way compare equal.
 *
 * @param r A report.
 * @returns e.g. `--dataset uci-hapt --task activity --labels-per-class all`.
 */
export function protocolOf(r: Report): string {
  const flag = (f: string, missing: string) => {
    const i = r.args.indexOf(f);
    return i < 0 ? missing : r.args[i + 1];
  };
  return `--dataset ${flag("--dataset", "?")} --task ${flag("--task", "activity")} ` +
    `--labels-per-class ${flag("--labels-per-class", "all")}`;
}

/** The rows of studies/heldout_probes.sh, in its order, with their names in the table. */
export const HELDOUT_ROWS: [string, string][] = [
  ["hapt", "uci-hapt (waist), 6 activities"],
  ["hapt10", "uci-hapt, 10 per class"],
  ["ms", "MotionSense (pocket), 6 activities"],
  ["dsads-torso", "DSADS (torso), 19 activities"],
  ["dsads-arm", "DSADS (arms), 19 activities"],
  ["dsads-leg", "DSADS (legs), 19 activities"],
  ["sisfall", "SisFall (waist), 19 activities"],
  ["sisfall10", "SisFall activities, 10 per class"],
  ["fallalld-wrist", "FallAllD (wrist), activities"],
  ["fallalld-wrist-falls", "FallAllD (wrist), falls"],
];

/**
 * The held-out rows a `--rows` flag picks, in {@link HELDOUT_ROWS}'s order (all of them when the
 * flag is not given); an unknown row fails the script with a usage error naming it.
 *
 * @param flag The `--rows` value (comma-separated row names), or undefined.
 * @param script The script's `import.meta.url`, for the usage message.
 * @returns The picked `[row, name]` pairs.
 */
export function pickedRows(flag: string | undefined, script: string): [string, string][] {
  const wanted = flag?.split(",") ?? HELDOUT_ROWS.map(([row]) => row);
  const unknown = wanted.filter((w) => !HELDOUT_ROWS.some(([row]) => row === w));
  if (unknown.length) usageFail(script, `unknown row(s) in --rows: ${unknown.join(", ")}`);
  return HELDOUT_ROWS.filter(([row]) => wanted.includes(row));
}
