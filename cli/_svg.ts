// Minimal SVG line charts for the CLI (loss curves, window plots). Deno-free, dependency-free.

/** One series of a chart. */
export interface Series {
  name: string;
  points: [number, number][];
  color: string;
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");

/** Renders series as an SVG line chart with axes, ticks and a legend. */
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

/** Places charts (each a full <svg> string of the same size) in a grid inside one SVG. */
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
