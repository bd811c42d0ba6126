// The CLI's SVG rendering (cli/_svg.ts): every text of a confusion matrix, long class names and
// the footnote included, lies inside the drawing, using the same width estimate as the layout
// (characters x 0.6 x font size) checked independently from the numbers in the SVG string. And the
// predict timeline (cli/_timeline_svg.ts) with epoch timestamps.
import assert from "node:assert/strict";
import { CHAR_WIDTH_EM, confusionGridSvg, confusionSvg, esc, lineChart } from "../cli/_svg.ts";
import { timelineSvg } from "../cli/_timeline_svg.ts";
import type { EvalReport } from "../lib/eval/results.ts";

interface TextBox {
  text: string;
  corners: [number, number][];
}

const num = (attrs: string, name: string): number | undefined => {
  const m = new RegExp(`(?:^|\\s)${name}="([-\\d.]+)"`).exec(attrs);
  return m ? Number(m[1]) : undefined;
};

/** Size of the outermost <svg> and the rotated bounding box of each of its top-level texts. */
function textBoxes(svg: string): { width: number; height: number; texts: TextBox[] } {
  const root = /^<svg([^>]*)>/.exec(svg)!;
  const width = num(root[1], "width")!, height = num(root[1], "height")!;
  const baseFont = num(root[1], "font-size") ?? 16;
  const texts: TextBox[] = [];
  for (const m of svg.matchAll(/<text([^>]*)>([^<]*)<\/text>/g)) {
    const attrs = m[1];
    const text = m[2].replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"')
      .replace(/&amp;/g, "&");
    const x = num(attrs, "x")!, y = num(attrs, "y")!;
    const fs = num(attrs, "font-size") ?? baseFont;
    const w = text.length * CHAR_WIDTH_EM * fs;
    const anchor = /text-anchor="(\w+)"/.exec(attrs)?.[1] ?? "start";
    const x0 = anchor === "end" ? x - w : anchor === "middle" ? x - w / 2 : x;
    // Ascent 0.8 and descent 0.2 font sizes around the baseline.
    let corners: [number, number][] = [
      [x0, y - 0.8 * fs],
      [x0 + w, y - 0.8 * fs],
      [x0, y + 0.2 * fs],
      [x0 + w, y + 0.2 * fs],
    ];
    const rot = /rotate\(([-\d.]+) ([-\d.]+) ([-\d.]+)\)/.exec(attrs);
    if (rot) {
      const [a, cx, cy] = rot.slice(1).map(Number);
      const c = Math.cos((a * Math.PI) / 180), s = Math.sin((a * Math.PI) / 180);
      corners = corners.map(([px, py]) => [
        cx + (px - cx) * c - (py - cy) * s,
        cy + (px - cx) * s + (py - cy) * c,
      ]);
    }
    texts.push({ text, corners });
  }
  return { width, height, texts };
}

function assertInside(svg: string): void {
  const { width, height, texts } = textBoxes(svg);
  for (const { text, corners } of texts) {
    for (const [x, y] of corners) {
      assert(
        x >= 0 && x <= width && y >= 0 && y <= height,
        `"${text}" reaches (${x.toFixed(1)}, ${y.toFixed(1)}) outside ${width} x ${height}`,
      );
    }
  }
}

const LONG = [
  "walking_upstairs_with_a_heavy_backpack",
  "sit",
  "lying & sleeping <night>",
  "standing_still_in_a_queue_for_coffee",
];
const CM = [[5, 1, 0, 0], [0, 7, 0, 1], [0, 0, 9, 0], [2, 0, 0, 4]];

Deno.test("svg: a confusion matrix with long class names clips no label and no footnote", () => {
  const svg = confusionSvg(CM, LONG, "probe");
  const { width, height, texts } = textBoxes(svg);
  assertInside(svg);
  // Every class name is drawn twice (row and column) and escaped.
  for (const c of LONG) {
    assert.equal(texts.filter((t) => t.text === c).length, 2, c);
    if (c.includes("<")) assert(svg.includes(esc(c)));
  }
  // The footnote explicitly: x + estimated width within the width, baseline within the height.
  const foot = /<text x="([\d.]+)" y="([\d.]+)">(rows normalised[^<]*)<\/text>/.exec(svg)!;
  assert(foot, "footnote present");
  const [fx, fy] = [Number(foot[1]), Number(foot[2])];
  assert(fx >= 0 && fx + foot[3].length * CHAR_WIDTH_EM * 11 <= width);
  assert(fy > 0 && fy <= height);
});

Deno.test("svg: short class names and a single class also fit, footnote included", () => {
  for (const [cm, classes] of [[[[3, 1], [0, 4]], ["a", "b"]], [[[2]], ["only"]]] as const) {
    assertInside(confusionSvg(cm.map((r) => [...r]), classes, "a rather long title for a panel"));
  }
  // Many classes: cells shrink, everything still inside.
  const many = Array.from({ length: 24 }, (_, i) => `activity_number_${i}`);
  const cm = many.map((_, i) => many.map((_, j) => (i === j ? 10 : 1)));
  assertInside(confusionSvg(cm, many, "24 classes"));
});

Deno.test("svg: the report grid places panels side by side without overlap", () => {
  const head = (name: string) => ({
    head: name,
    summary: { macroF1: { mean: 0.5, sd: 0.1, n: 2 } },
    confusion: CM,
  });
  const report = {
    classes: LONG,
    windows: { total: 0, evaluated: 0, unlabelled: 0, noSubject: 0 },
    subjects: [],
    seed: 0,
    folds: [],
    heads: [head("linear-probe"), head("handcrafted")],
  } as unknown as EvalReport;
  const svg = confusionGridSvg(report, "confusion");
  const width = num(/^<svg([^>]*)>/.exec(svg)![1], "width")!;
  const height = num(/^<svg([^>]*)>/.exec(svg)![1], "height")!;
  const panels = [...svg.matchAll(/<g transform="translate\(([\d.]+),30\)"><svg([^>]*)>/g)]
    .map((m) => ({ x: Number(m[1]), w: num(m[2], "width")!, h: num(m[2], "height")! }));
  assert.equal(panels.length, 2);
  assert.equal(panels[1].x, panels[0].x + panels[0].w);
  for (const p of panels) assert(p.x + p.w <= width && 30 + p.h <= height);
  // Each panel on its own is clean too.
  for (const m of svg.matchAll(/<g transform="[^"]*">(<svg[\s\S]*?<\/svg>)<\/g>/g)) {
    assertInside(m[1]);
  }
});

Deno.test("svg: line charts escape text with the shared helper", () => {
  const svg = lineChart([{ name: "a<b", points: [[0, 1], [1, 2]], color: "red" }], {
    title: 'loss "x" & y',
    xLabel: "step",
    yLabel: "loss",
  });
  assert(svg.includes("a&lt;b") && svg.includes("loss &quot;x&quot; &amp; y"));
});

Deno.test("timeline svg: epoch timestamps draw from each file's start, windows of visible width", () => {
  const epoch = 1_657_630_889;
  const windows = [0, 5, 10, 15].flatMap((t, i) => [
    { source: "a.csv", start: epoch + t, label: i % 2 ? "walk" : "sit" },
    { source: "b.csv", start: epoch + 3600 + 2 * t, label: "walk" },
  ]);
  const svg = timelineSvg(windows, ["sit", "walk"], { title: "epoch" });
  const widths = [...svg.matchAll(/<rect x="[\d.]+" y="\d+" width="([\d.]+)" height="26"/g)]
    .map((m) => Number(m[1]));
  assert.equal(widths.length, 8);
  // a.csv spans 25 s, b.csv 40 s: the axis runs 0 to 40 s, so a 5 s step is about 1/8 of it.
  assert.ok(Math.min(...widths) > 50, `widths ${widths.join(", ")}`);
  assert.match(svg, />0 s<\/text>/);
  assert.match(svg, />40 s<\/text>/);
  assert.doesNotMatch(svg, /1657630/);
  assert.match(svg, /<title>walk at 5\.0 s from the file's start<\/title>/);
});
