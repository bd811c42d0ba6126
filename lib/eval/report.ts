/**
 * Human-readable output of an evaluation: a Markdown summary table and a confusion-matrix SVG.
 * Pure strings, no I/O.
 *
 * @module
 */
import type { ConfusionMatrix, MeanSd } from "./metrics.ts";
import type { EvalReport } from "./results.ts";

const fmt = (v: number, digits = 3): string => (Number.isFinite(v) ? v.toFixed(digits) : "n/a");
const pm = (m: MeanSd): string => `${fmt(m.mean)} ± ${fmt(m.sd)}`;
const esc = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/**
 * Markdown summary: one row per head with macro F1 and kappa as mean ± SD over test subjects,
 * pooled kappa and accuracy, then per-subject macro F1.
 *
 * @param report The evaluation report.
 * @param title Heading line.
 * @returns Markdown text.
 * @example
 * ```ts
 * import { reportMarkdown } from "./report.ts";
 * const md = reportMarkdown({ classes: ["a", "b"], windows: { total: 0, evaluated: 0, unlabelled: 0, noSubject: 0 },
 *   subjects: [], seed: 0, folds: [], heads: [] }, "Eval");
 * console.assert(md.startsWith("# Eval"));
 * ```
 */
export function reportMarkdown(report: EvalReport, title: string): string {
  const w = report.windows;
  const lines = [
    `# ${title}`,
    "",
    `${w.evaluated} windows of ${report.subjects.length} subjects, ${report.classes.length} classes ` +
    `(${w.unlabelled} unlabelled and ${w.noSubject} without subject left out); ` +
    `${report.folds.length} subject-wise folds, seed ${report.seed}.`,
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

function layout(classes: readonly string[]) {
  const k = classes.length, cell = Math.max(22, Math.min(48, Math.floor(480 / Math.max(1, k))));
  const labelW = 10 + 6 * Math.max(4, ...classes.map((c) => c.length));
  const L = labelW + 20, T = labelW + 40;
  return { cell, L, T, W: L + k * cell + labelW / 2 + 20, H: T + k * cell + 40 };
}

/**
 * The confusion matrices of every head of a report side by side in one SVG.
 *
 * @param report The evaluation report.
 * @param title Title above the panels.
 * @returns An SVG document.
 * @example
 * ```ts
 * import { confusionGridSvg } from "./report.ts";
 * const svg = confusionGridSvg({ classes: ["a", "b"], windows: { total: 0, evaluated: 0, unlabelled: 0,
 *   noSubject: 0 }, subjects: [], seed: 0, folds: [], heads: [] }, "none");
 * console.assert(svg.startsWith("<svg"));
 * ```
 */
export function confusionGridSvg(report: EvalReport, title: string): string {
  const { W, H } = layout(report.classes);
  const n = Math.max(1, report.heads.length);
  const cells = report.heads.map((h, i) =>
    `<g transform="translate(${i * W},30)">${
      confusionSvg(
        h.confusion,
        report.classes,
        `${h.head}: macro F1 ${fmt(h.summary.macroF1.mean)}`,
      )
    }</g>`
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${n * W}" height="${H + 30}" viewBox="0 0 ${
      n * W
    } ${H + 30}" font-family="sans-serif">`,
    `<rect width="${n * W}" height="${H + 30}" fill="white"/>`,
    `<text x="${(n * W) / 2}" y="20" text-anchor="middle" font-size="15">${esc(title)}</text>`,
    ...cells,
    "</svg>",
  ].join("\n");
}

/**
 * A confusion matrix as an SVG heat map, rows normalised (each row shows where a true class's
 * windows went), with the counts written in the cells.
 *
 * @param cm Counts `[true][pred]`.
 * @param classes Class names.
 * @param title Title above the matrix.
 * @returns An SVG document.
 * @example
 * ```ts
 * import { confusionSvg } from "./report.ts";
 * const svg = confusionSvg([[3, 1], [0, 4]], ["sit", "walk"], "probe");
 * console.assert(svg.startsWith("<svg") && svg.includes("walk"));
 * ```
 */
export function confusionSvg(
  cm: ConfusionMatrix,
  classes: readonly string[],
  title: string,
): string {
  const k = classes.length, cell = Math.max(22, Math.min(48, Math.floor(480 / Math.max(1, k))));
  const labelW = 10 + 7 * Math.max(4, ...classes.map((c) => c.length));
  const L = labelW + 20, T = labelW + 40, W = L + k * cell + 20, H = T + k * cell + 40;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="13">${esc(title)}</text>`,
    `<text x="${L + (k * cell) / 2}" y="34" text-anchor="middle">predicted</text>`,
    `<text x="12" y="${T + (k * cell) / 2}" text-anchor="middle" transform="rotate(-90 12 ${
      T + (k * cell) / 2
    })">true</text>`,
  ];
  for (let i = 0; i < k; i++) {
    const n = cm[i].reduce((a, b) => a + b, 0);
    const y = T + i * cell;
    out.push(
      `<text x="${L - 4}" y="${y + cell / 2 + 4}" text-anchor="end">${esc(classes[i])}</text>`,
    );
    const x = L + i * cell + cell / 2;
    out.push(
      `<text x="${x}" y="${T - 4}" text-anchor="start" transform="rotate(-60 ${x} ${T - 4})">${
        esc(classes[i])
      }</text>`,
    );
    for (let j = 0; j < k; j++) {
      const f = n ? cm[i][j] / n : 0;
      const shade = Math.round(255 * (1 - f));
      const fill = i === j ? `rgb(${shade},${shade},255)` : `rgb(255,${shade},${shade})`;
      const cx = L + j * cell;
      out.push(
        `<rect x="${cx}" y="${y}" width="${cell}" height="${cell}" fill="${fill}" stroke="#ccc"/>`,
      );
      if (cm[i][j]) {
        out.push(
          `<text x="${cx + cell / 2}" y="${y + cell / 2 + 4}" text-anchor="middle" font-size="${
            cell < 30 ? 8 : 10
          }" fill="${f > 0.6 ? "white" : "black"}">${cm[i][j]}</text>`,
        );
      }
    }
  }
  out.push(
    `<text x="${L}" y="${H - 12}">rows normalised; numbers are window counts over all folds</text>`,
    "</svg>",
  );
  return out.join("\n");
}
