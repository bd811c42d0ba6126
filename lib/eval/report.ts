/**
 * Human-readable output of an evaluation: a Markdown summary table. Pure strings, no I/O.
 * (The confusion-matrix SVGs are drawn by the CLI, in `cli/_svg.ts`.)
 *
 * @module
 */
import { type MeanSd, perClassF1 } from "./metrics.ts";
import type { EvalReport } from "./results.ts";

const fmt = (v: number, digits = 3): string => (Number.isFinite(v) ? v.toFixed(digits) : "n/a");
const pm = (m: MeanSd): string => `${fmt(m.mean)} ± ${fmt(m.sd)}`;

/**
 * Markdown summary: one row per head with macro F1 and kappa as mean ± SD over test subjects,
 * pooled kappa and accuracy, then F1 per class (pooled over the test windows) and per-subject
 * macro F1.
 *
 * @param report The evaluation report.
 * @param title Heading line.
 * @returns Markdown text.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reportMarkdown } from "./report.ts";
 * const md = reportMarkdown({ classes: ["a", "b"], windows: { total: 0, evaluated: 0, unlabelled: 0, noSubject: 0 },
 *   subjects: [], seed: 0, labelsPerClass: null, folds: [], heads: [] }, "Eval");
 * assert(md.startsWith("# Eval"));
 * ```
 */
export function reportMarkdown(report: EvalReport, title: string): string {
  const w = report.windows, all = report.folds.length;
  // --max-folds (maxFolds) runs only the first folds: say how many of them ran.
  const ran = report.heads.length ? Math.max(...report.heads.map((h) => h.folds.length)) : all;
  const lines = [
    `# ${title}`,
    "",
    `${w.evaluated} windows of ${report.subjects.length} subjects, ${report.classes.length} classes ` +
    `(${w.unlabelled} unlabelled and ${w.noSubject} without subject left out); ` +
    `${ran < all ? `${ran} of ${all}` : all} subject-wise folds, seed ${report.seed}` +
    (report.labelsPerClass === null
      ? "."
      : `; at most ${report.labelsPerClass} training and ${report.labelsPerClass} validation ` +
        "windows per class in each fold, test subjects whole."),
    "",
    "| head | macro F1 (mean ± SD over subjects) | kappa (mean ± SD) | pooled macro F1 | pooled kappa | accuracy | subjects | folds | time (s) |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const h of report.heads) {
    const s = h.summary;
    lines.push(
      `| ${h.head} | ${pm(s.macroF1)} | ${pm(s.kappa)} | ${fmt(s.pooled.macroF1)} | ${
        fmt(s.pooled.kappa)
      } | ${fmt(s.pooled.accuracy)} | ${s.macroF1.n} | ${h.folds.length} | ${
        h.seconds.toFixed(1)
      } |`,
    );
  }
  if (report.heads.length) {
    // Which classes each head gets wrong: F1 per class over the pooled test windows.
    const perClass = report.heads.map((h) => perClassF1(h.confusion));
    lines.push("", "F1 per class (all test windows pooled):", "");
    lines.push(`| class | ${report.heads.map((h) => h.head).join(" | ")} |`);
    lines.push(`| --- | ${report.heads.map(() => "---").join(" | ")} |`);
    report.classes.forEach((c, i) =>
      lines.push(`| ${c} | ${perClass.map((f) => fmt(f[i])).join(" | ")} |`)
    );
    const subjects = [...new Set(report.heads.flatMap((h) => h.subjects.map((s) => s.subject)))]
      .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
    lines.push("", "Macro F1 per test subject:", "");
    lines.push(`| subject | ${report.heads.map((h) => h.head).join(" | ")} |`);
    lines.push(`| --- | ${report.heads.map(() => "---").join(" | ")} |`);
    for (const s of subjects) {
      const cells = report.heads.map((h) =>
        fmt(h.subjects.find((r) => r.subject === s)?.macroF1 ?? NaN)
      );
      lines.push(`| ${s} | ${cells.join(" | ")} |`);
    }
  }
  lines.push("", `Classes: ${report.classes.join(", ")}.`, "");
  return lines.join("\n");
}
