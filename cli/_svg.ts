/**
 * The CLI's SVG rendering, all in one place: line charts (loss curves, window plots), grids
 * of charts and confusion-matrix heat maps. Pure strings, Deno-free, dependency-free.
 *
 * Text extents are estimated as {@linkcode CHAR_WIDTH_EM} x font size per character, and
 * the confusion matrix sizes itself from them so long class names and the footnote are
 * never clipped.
 *
 * @module
 */
import type { ConfusionMatrix } from "../lib/eval/metrics.ts";
import type { EvalReport } from "../lib/eval/results.ts";

/** One series of a chart. */
export interface Series {
  /** Legend text. */
  name: string;
  /** `[x, y]` points in data units. */
  points: [number, number][];
  /** Stroke colour (any SVG colour). */
  color: string;
}

/** Estimated average glyph width of the sans-serif font, as a fraction of the font size. */
export const CHAR_WIDTH_EM = 0.6;

/**
 * Estimated rendered width of a text run.
 *
 * @param text The text.
 * @param fontSize Font size in px.
 * @returns Width in px: characters x {@linkcode CHAR_WIDTH_EM} x font size.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(textWidth("abcde", 10), 30);
 * ```
 */
export function textWidth(text: string, fontSize: number): number {
  return text.length * CHAR_WIDTH_EM * fontSize;
}

/**
 * Escapes text for SVG character data and attribute values.
 *
 * @param s Raw text.
 * @returns Text with `&`, `<`, `>` and `"` escaped.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * assert.equal(esc('a<b & "c">'), "a&lt;b &amp; &quot;c&quot;&gt;");
 * ```
 */
export function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(
    /"/g,
    "&quot;",
  );
}

const fmt = (v: number, digits = 3): string => (Number.isFinite(v) ? v.toFixed(digits) : "n/a");

/**
 * Renders series as an SVG line chart with axes, ticks and a legend.
 *
 * @param series The lines to draw.
 * @param opts Title, axis labels, size (default 640 x 360) and log-scaled y.
 * @returns An SVG document.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const svg = lineChart([{ name: "loss", points: [[0, 1], [1, 0.5]], color: "red" }], {
 *   title: "loss",
 *   xLabel: "step",
 *   yLabel: "loss",
 * });
 * assert(svg.startsWith("<svg") && svg.includes('width="640"'));
 * ```
 */
export function lineChart(
  series: Series[],
  opts: {
    title: string;
    xLabel: string;
    yLabel: string;
    width?: number;
    height?: number;
    logY?: boolean;
  },
): string {
  const W = opts.width ?? 640, H = opts.height ?? 360, L = 60, R = 20, T = 30, B = 45;
  const fy = (v: number) => (opts.logY ? Math.log10(Math.max(v, 1e-12)) : v);
  const pts = series.flatMap((s) => s.points).filter(([x, y]) =>
    Number.isFinite(x) && Number.isFinite(fy(y))
  );
  const xs = pts.map((p) => p[0]), ys = pts.map((p) => fy(p[1]));
  let [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  if (!pts.length) [x0, x1, y0, y1] = [0, 1, 0, 1];
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const sx = (x: number) => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  const sy = (y: number) => H - B - ((fy(y) - y0) / (y1 - y0)) * (H - T - B);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="13">${esc(opts.title)}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/>`,
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const xv = x0 + ((x1 - x0) * i) / 4, yv = y0 + ((y1 - y0) * i) / 4;
    const ylab = opts.logY ? 10 ** yv : yv;
    out.push(
      `<text x="${sx(xv)}" y="${H - B + 15}" text-anchor="middle">${+xv.toPrecision(3)}</text>`,
    );
    const py = H - B - ((yv - y0) / (y1 - y0)) * (H - T - B);
    out.push(`<text x="${L - 5}" y="${py + 4}" text-anchor="end">${+ylab.toPrecision(3)}</text>`);
    out.push(`<line x1="${L}" y1="${py}" x2="${W - R}" y2="${py}" stroke="#eee"/>`);
  }
  out.push(`<text x="${W / 2}" y="${H - 8}" text-anchor="middle">${esc(opts.xLabel)}</text>`);
  out.push(
    `<text x="14" y="${H / 2}" text-anchor="middle" transform="rotate(-90 14 ${H / 2})">${
      esc(opts.yLabel)
    }</text>`,
  );
  series.forEach((s, i) => {
    const d = s.points.filter(([, y]) => Number.isFinite(fy(y))).map(([x, y], j) =>
      `${j ? "L" : "M"}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`
    ).join("");
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.5"/>`);
    out.push(
      `<text x="${W - R - 5}" y="${T + 12 + 14 * i}" text-anchor="end" fill="${s.color}">${
        esc(s.name)
      }</text>`,
    );
  });
  out.push("</svg>");
  return out.join("\n");
}

/**
 * Places charts (each a full <svg> string of the same size) in a grid inside one SVG.
 *
 * @param charts SVG documents, filled row by row.
 * @param columns Charts per row.
 * @param cellWidth Width of each chart.
 * @param cellHeight Height of each chart.
 * @param title Title above the grid.
 * @returns An SVG document.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const svg = grid(["<svg/>", "<svg/>", "<svg/>"], 2, 100, 50, "windows");
 * assert(svg.includes('width="200" height="130"'));
 * ```
 */
export function grid(
  charts: string[],
  columns: number,
  cellWidth: number,
  cellHeight: number,
  title: string,
): string {
  const rows = Math.ceil(charts.length / columns);
  const W = columns * cellWidth, H = rows * cellHeight + 30;
  const cells = charts.map((c, i) =>
    `<g transform="translate(${(i % columns) * cellWidth},${
      30 + Math.floor(i / columns) * cellHeight
    })">${c}</g>`
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="15">${esc(title)}</text>`,
    ...cells,
    "</svg>",
  ].join("\n");
}

const FONT = 11; // default font size of a confusion panel
const TITLE_FONT = 13;
const PAD = 8; // free margin kept around every text
const AXIS = 20; // strip on the left for the rotated "true" axis label
const SIN60 = Math.sin(Math.PI / 3);
const FOOTNOTE = "rows normalised; numbers are window counts over all folds";

/** Geometry of one confusion panel, derived from the class names, title and footnote. */
interface ConfusionLayout {
  cell: number;
  /** Left and top edges of the matrix. */
  L: number;
  T: number;
  W: number;
  H: number;
  footX: number;
  footY: number;
}

function confusionLayout(classes: readonly string[], title: string): ConfusionLayout {
  const k = classes.length, cell = Math.max(22, Math.min(48, Math.floor(480 / Math.max(1, k))));
  // Longest class name, at least 4 characters wide so short names keep a sensible margin.
  const nameW = textWidth("x".repeat(Math.max(4, ...classes.map((c) => c.length))), FONT);
  // Row labels end 4 px left of the matrix and must clear the rotated "true" label.
  const L = Math.ceil(AXIS + PAD + nameW + 4);
  // Column labels start 4 px above the matrix, rotated -60 deg; their top corner rises
  // nameW sin60 + 0.4 font sizes, and must stay below the title and "predicted" (y <= 40).
  const T = Math.ceil(40 + PAD + 4 + nameW * SIN60 + 0.4 * FONT);
  const matrixRight = L + k * cell;
  // The last column label's far corner reaches nameW cos60 + 0.2 font sizes right of its start.
  const labelRight = L + (k - 0.5) * cell + nameW / 2 + 0.2 * FONT;
  const predictedRight = L + (k * cell) / 2 + textWidth("predicted", FONT) / 2;
  const base = Math.ceil(Math.max(matrixRight, labelRight, predictedRight) + PAD);
  const footW = textWidth(FOOTNOTE, FONT);
  // Footnote under the matrix when it fits, shifted left as far as the margin when not, and
  // the panel widened only when even that is too narrow.
  const footX = Math.max(PAD, Math.min(L, base - PAD - footW));
  const W = Math.ceil(Math.max(base, footX + footW + PAD, textWidth(title, TITLE_FONT) + 2 * PAD));
  const H = T + k * cell + 40;
  return { cell, L, T, W, H, footX, footY: H - 12 };
}

/**
 * A confusion matrix as an SVG heat map, rows normalised (each row shows where a true class's
 * windows went), with the counts written in the cells. The size follows from the longest
 * class name, the title and the footnote, so no text is clipped.
 *
 * @param cm Counts `[true][pred]`.
 * @param classes Class names.
 * @param title Title above the matrix.
 * @returns An SVG document.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const svg = confusionSvg([[3, 1], [0, 4]], ["sit", "walk"], "probe");
 * assert(svg.startsWith("<svg") && svg.includes("walk"));
 * ```
 */
export function confusionSvg(
  cm: ConfusionMatrix,
  classes: readonly string[],
  title: string,
): string {
  const { cell, L, T, W, H, footX, footY } = confusionLayout(classes, title);
  const k = classes.length;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="${FONT}">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="${TITLE_FONT}">${esc(title)}</text>`,
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
  out.push(`<text x="${footX}" y="${footY}">${FOOTNOTE}</text>`, "</svg>");
  return out.join("\n");
}

/**
 * The confusion matrices of every head of a report side by side in one SVG; each panel is
 * as wide as its own layout needs.
 *
 * @param report The evaluation report.
 * @param title Title above the panels.
 * @returns An SVG document.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const svg = confusionGridSvg({ classes: ["a", "b"], windows: { total: 0, evaluated: 0, unlabelled: 0,
 *   noSubject: 0 }, subjects: [], seed: 0, labelsPerClass: null, folds: [], heads: [] }, "none");
 * assert(svg.startsWith("<svg"));
 * ```
 */
export function confusionGridSvg(report: EvalReport, title: string): string {
  let x = 0;
  let H = confusionLayout(report.classes, "").H;
  const cells = report.heads.map((h) => {
    const panelTitle = `${h.head}: macro F1 ${fmt(h.summary.macroF1.mean)}`;
    const { W: w, H: hgt } = confusionLayout(report.classes, panelTitle);
    const g = `<g transform="translate(${x},30)">${
      confusionSvg(h.confusion, report.classes, panelTitle)
    }</g>`;
    x += w;
    H = Math.max(H, hgt);
    return g;
  });
  const empty = confusionLayout(report.classes, "").W;
  const W = Math.ceil(Math.max(x || empty, textWidth(title, 15) + 2 * PAD));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H + 30}" viewBox="0 0 ${W} ${
      H + 30
    }" font-family="sans-serif">`,
    `<rect width="${W}" height="${H + 30}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="15">${esc(title)}</text>`,
    ...cells,
    "</svg>",
  ].join("\n");
}
