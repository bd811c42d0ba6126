// SVG plots and a 2-D PCA for the demo page (no dependencies).

const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"];
const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Projects `n` rows of `dim` values onto their first two principal components (power iteration
 * with deflation on the covariance of the centred rows).
 */
export function pca2(data: Float32Array, n: number, dim: number): Float64Array {
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j] += data[i * dim + j] / n;
  const x = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) x[i * dim + j] = data[i * dim + j] - mean[j];
  }
  const out = new Float64Array(n * 2), comps: Float64Array[] = [];
  for (let c = 0; c < 2; c++) {
    let v = new Float64Array(dim).map((_, j) => Math.sin(j + 1 + c));
    for (let it = 0; it < 60; it++) {
      const xv = new Float64Array(n);
      for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) xv[i] += x[i * dim + j] * v[j];
      const w = new Float64Array(dim);
      for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) w[j] += x[i * dim + j] * xv[i];
      for (const p of comps) {
        const d = w.reduce((s, wj, j) => s + wj * p[j], 0);
        for (let j = 0; j < dim; j++) w[j] -= d * p[j];
      }
      const norm = Math.hypot(...w) || 1;
      v = w.map((wj) => wj / norm);
    }
    comps.push(v);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += x[i * dim + j] * v[j];
      out[i * 2 + c] = s;
    }
  }
  return out;
}

/** A scatter of 2-D points coloured by label, with a legend. */
export function scatterSvg(points: Float64Array, labels: (string | null)[]): string {
  const W = 440, H = 360, pad = 20, n = labels.length;
  const xs = Array.from({ length: n }, (_, i) => points[i * 2]);
  const ys = Array.from({ length: n }, (_, i) => points[i * 2 + 1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const sx = (v: number) => pad + ((v - x0) / (x1 - x0 || 1)) * (W - 2 * pad - 120);
  const sy = (v: number) => H - pad - ((v - y0) / (y1 - y0 || 1)) * (H - 2 * pad);
  const names = [...new Set(labels.map((l) => l ?? "(no label)"))].sort();
  const color = (l: string | null) => PALETTE[names.indexOf(l ?? "(no label)") % PALETTE.length];
  const dots = xs.map((x, i) =>
    `<circle class="point" cx="${sx(x).toFixed(1)}" cy="${sy(ys[i]).toFixed(1)}" r="3" fill="${
      color(labels[i])
    }" fill-opacity="0.7"><title>window ${i}: ${esc(labels[i] ?? "")}</title></circle>`
  );
  const legend = names.map((l, k) =>
    `<circle cx="${W - 110}" cy="${pad + 14 * k}" r="4" fill="${PALETTE[k % PALETTE.length]}"/>` +
    `<text x="${W - 100}" y="${pad + 4 + 14 * k}" font-size="11">${esc(l)}</text>`
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${dots.join("")}${
    legend.join("")
  }</svg>`;
}

/** Real against generated, one small line plot per axis. */
export function axesSvg(real: Float32Array, generated: Float32Array, channels = 3): string {
  const W = 440, h = 100, len = real.length / channels, names = ["x", "y", "z"];
  const panels = names.slice(0, channels).map((name, a) => {
    const vals = [...real, ...generated].filter((_, i) => i % channels === a);
    const lo = Math.min(...vals), hi = Math.max(...vals);
    const line = (d: Float32Array, color: string) => {
      const pts = Array.from(
        { length: len },
        (_, t) =>
          `${(30 + (t / (len - 1)) * (W - 40)).toFixed(1)},${
            (a * h + h - 8 - ((d[t * channels + a] - lo) / (hi - lo || 1)) * (h - 16)).toFixed(1)
          }`,
      );
      return `<polyline fill="none" stroke="${color}" stroke-width="1" points="${pts.join(" ")}"/>`;
    };
    return `<text x="4" y="${a * h + 20}" font-size="12">${name}</text>` +
      line(real, "#1f77b4") + line(generated, "#d62728");
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${channels * h + 20}">${
    panels.join("")
  }<text x="30" y="${channels * h + 14}" font-size="11" fill="#1f77b4">real</text>` +
    `<text x="70" y="${channels * h + 14}" font-size="11" fill="#d62728">generated</text></svg>`;
}
