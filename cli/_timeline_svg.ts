/**
 * A timeline of predicted labels: one lane per source file, time on the x axis (seconds from
 * each file's first window, so epoch timestamps draw as well as offsets from 0), each window's
 * stretch coloured by its predicted class (a window covers its start up to the next window's
 * start, the last one its full length). Pure strings, Deno-free.
 *
 * @module
 */
import { esc, textWidth } from "./_svg.ts";

/** One predicted window. */
export interface TimelineWindow {
  /** Source file (one lane each). */
  source: string;
  /** Window start in seconds. */
  start: number;
  /** Predicted class. */
  label: string;
}

const PALETTE = [
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
];

/**
 * Renders predicted labels over time per source as an SVG document.
 *
 * @param windows Predicted windows, in any order.
 * @param classes All class names (fixes the colours and the legend).
 * @param opts Title, window length in seconds (default 10) and width in px (default 900, widened
 *   to fit the title).
 * @returns An SVG document.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const svg = timelineSvg([{ source: "a.csv", start: 0, label: "walk" }], ["sit", "walk"], {
 *   title: "demo",
 * });
 * assert(svg.startsWith("<svg") && svg.includes("a.csv") && svg.includes("walk"));
 * ```
 */
export function timelineSvg(
  windows: readonly TimelineWindow[],
  classes: readonly string[],
  opts: { title: string; windowSeconds?: number; width?: number },
): string {
  const windowSeconds = opts.windowSeconds ?? 10;
  const width = Math.max(opts.width ?? 900, textWidth(opts.title, 14) + 20);
  const lanes = new Map<string, TimelineWindow[]>();
  for (const w of windows) {
    if (!lanes.has(w.source)) lanes.set(w.source, []);
    lanes.get(w.source)!.push(w);
  }
  for (const ws of lanes.values()) ws.sort((a, b) => a.start - b.start);
  const colour = (label: string) => {
    const i = classes.indexOf(label);
    return i < 0 ? "#888" : PALETTE[i % PALETTE.length];
  };
  const names = [...lanes.keys()].map((s) => s.replace(/^.*[\\/]/, ""));
  const left = Math.min(260, 16 + Math.max(60, ...names.map((n) => textWidth(n, 11))));
  const right = 20, top = 40, lane = 26, gap = 8;
  // Seconds from each lane's first window: with epoch timestamps (1.6e9 s) a shared origin of 0
  // would squeeze every window into a sliver.
  const t0 = 0;
  const t1 = Math.max(
    windowSeconds,
    ...[...lanes.values()].map((ws) => ws[ws.length - 1].start - ws[0].start + windowSeconds),
  );
  const plotW = width - left - right;
  const x = (t: number) => left + ((t - t0) / (t1 - t0)) * plotW;
  const axisY = top + lanes.size * (lane + gap);
  const legendRows = Math.ceil(classes.length / 6);
  const height = axisY + 40 + legendRows * 18;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="10" y="22" font-size="14">${esc(opts.title)}</text>`,
  ];
  [...lanes.values()].forEach((ws, li) => {
    const y = top + li * (lane + gap);
    out.push(
      `<text x="${left - 6}" y="${y + lane / 2 + 4}" text-anchor="end">${esc(names[li])}</text>`,
    );
    const origin = ws[0].start;
    ws.forEach((w, i) => {
      const start = w.start - origin;
      const end = i + 1 < ws.length
        ? Math.min(ws[i + 1].start - origin, start + windowSeconds)
        : start + windowSeconds;
      const x0 = x(start), x1 = Math.max(x(end), x0 + 0.5);
      out.push(
        `<rect x="${x0.toFixed(2)}" y="${y}" width="${(x1 - x0).toFixed(2)}" height="${lane}" ` +
          `fill="${colour(w.label)}"><title>${esc(w.label)} at ${
            start.toFixed(1)
          } s from the file's start</title></rect>`,
      );
    });
  });
  out.push(
    `<line x1="${left}" y1="${axisY}" x2="${left + plotW}" y2="${axisY}" stroke="black"/>`,
    `<text x="${left - 6}" y="${axisY + 16}" text-anchor="end">from start</text>`,
  );
  for (let i = 0; i <= 5; i++) {
    const t = t0 + ((t1 - t0) * i) / 5, tx = x(t);
    out.push(
      `<line x1="${tx}" y1="${axisY}" x2="${tx}" y2="${axisY + 4}" stroke="black"/>`,
      `<text x="${tx}" y="${axisY + 16}" text-anchor="middle">${t.toFixed(0)} s</text>`,
    );
  }
  classes.forEach((c, i) => {
    const lx = left + (i % 6) * (plotW / 6), ly = axisY + 30 + Math.floor(i / 6) * 18;
    out.push(
      `<rect x="${lx}" y="${ly - 9}" width="12" height="12" fill="${colour(c)}"/>`,
      `<text x="${lx + 16}" y="${ly + 1}">${esc(c)}</text>`,
    );
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}
