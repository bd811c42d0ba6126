/**
 * Squared maximum mean discrepancy (MMD^2) with a Gaussian (RBF) kernel between two sets of
 * flattened windows.
 *
 * @module
 */
import { Rng } from "../random.ts";
import { WINDOW_VALUES } from "../data/types.ts";
import { type NumericArray, rowCount } from "./rows.ts";

/** Options of {@link mmdRbf}. */
export interface MmdRbfOptions {
  /**
   * Kernel bandwidth `h` in `k(x, y) = exp(-||x - y||^2 / (2 h^2))`, or `"median"` (default):
   * the median Euclidean distance over all distinct pairs of the pooled (subsampled) rows.
   */
  bandwidth?: number | "median";
  /**
   * Most rows used from each set (default 1000). A larger set is subsampled without replacement
   * by a seeded generator; the cost is `O((nReal + nGen)^2 * dim)`.
   */
  maxSamples?: number;
  /** Row width (default 900: a flattened `[300, 3]` window). */
  dim?: number;
  /** Seed of the subsampling (default 0). */
  seed?: number;
}

/** Result of {@link mmdRbf}. */
export interface MmdRbfResult {
  /**
   * Unbiased estimate of MMD^2 (the U-statistic of Gretton et al. 2012, eq. 3): within-set
   * kernel means over distinct pairs `i != j`, cross-set mean over all pairs. Its expectation is
   * the population MMD^2; it can be slightly negative, e.g. about `-2 (1 - mean k) / n` for two
   * identical sets.
   */
  unbiased: number;
  /**
   * Biased (V-statistic) estimate: all kernel means include the diagonal, so it is `>= 0` and
   * exactly 0 for identical sets.
   */
  biased: number;
  /** Bandwidth `h` used. */
  bandwidth: number;
  /** Rows used from `real`. */
  realCount: number;
  /** Rows used from `generated`. */
  generatedCount: number;
}

/**
 * Squared MMD with an RBF kernel on raw flattened rows (900-d windows by default), returning
 * both the unbiased and the biased estimator. Distances are computed in float64 as sums of
 * squared differences.
 *
 * @param real Real rows, `nReal x dim` flat (`nReal >= 2`).
 * @param generated Generated rows, `nGen x dim` flat (`nGen >= 2`).
 * @param options Bandwidth (`"median"` by default), subsampling cap, row width and seed.
 * @returns Both estimates, the bandwidth and the row counts used.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mmdRbf } from "./mmd_rbf.ts";
 * const x = new Float64Array([0, 1, 2, 3]);
 * const r = mmdRbf(x, x, { dim: 1, bandwidth: 1 });
 * assert(r.biased === 0 && r.unbiased < 0);
 * ```
 */
export function mmdRbf(
  real: NumericArray,
  generated: NumericArray,
  options: MmdRbfOptions = {},
): MmdRbfResult {
  const dim = options.dim ?? WINDOW_VALUES;
  const maxSamples = options.maxSamples ?? 1000;
  const bandwidthOption = options.bandwidth ?? "median";
  if (!Number.isInteger(maxSamples) || maxSamples < 2) {
    throw new RangeError(`mmdRbf: maxSamples must be an integer >= 2, got ${maxSamples}`);
  }
  if (
    bandwidthOption !== "median" &&
    !(typeof bandwidthOption === "number" && bandwidthOption > 0 &&
      Number.isFinite(bandwidthOption))
  ) {
    throw new RangeError(
      `mmdRbf: bandwidth must be a positive number or "median", got ${bandwidthOption}`,
    );
  }
  const nr = rowCount("mmdRbf", "real", real, dim, 2);
  const ng = rowCount("mmdRbf", "generated", generated, dim, 2);
  const rng = new Rng(options.seed ?? 0);
  const ir = pick(nr, maxSamples, rng);
  const ig = pick(ng, maxSamples, rng);
  const m = ir.length;
  const n = ig.length;
  const total = m + n;
  // Pooled rows in float64: real first, then generated.
  const rows: Float64Array[] = [];
  for (const i of ir) rows.push(Float64Array.from(real.subarray(i * dim, (i + 1) * dim)));
  for (const i of ig) rows.push(Float64Array.from(generated.subarray(i * dim, (i + 1) * dim)));
  // Condensed squared distances, pairs i < j: index of (i, j) is off(i) + j - i - 1.
  const pairs = (total * (total - 1)) / 2;
  const d2 = new Float64Array(pairs);
  const offset = new Float64Array(total);
  let p = 0;
  for (let i = 0; i < total; i++) {
    offset[i] = p - i - 1;
    const a = rows[i];
    for (let j = i + 1; j < total; j++) {
      const b = rows[j];
      let s = 0;
      for (let k = 0; k < dim; k++) {
        const t = a[k] - b[k];
        s += t * t;
      }
      d2[p++] = s;
    }
  }
  let h: number;
  if (bandwidthOption === "median") {
    const sorted = d2.slice().sort();
    const mid = sorted.length >> 1;
    const med2 = sorted.length % 2 === 1 ? sorted[mid] : 0.5 * (sorted[mid - 1] + sorted[mid]);
    h = Math.sqrt(med2);
    if (!(h > 0)) {
      throw new RangeError(
        `mmdRbf: the median pairwise distance of the ${total} pooled rows is 0; pass a bandwidth`,
      );
    }
  } else h = bandwidthOption;
  const g = -1 / (2 * h * h);
  const k = (i: number, j: number): number => {
    if (i === j) return 1;
    return i < j ? Math.exp(g * d2[offset[i] + j]) : Math.exp(g * d2[offset[j] + i]);
  };
  // Sums in the same (row-major) order for all three blocks, so that identical sets give
  // bitwise-equal sums and a biased estimate of exactly 0.
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) sxx += k(i, j);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) syy += k(m + i, m + j);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) sxy += k(i, m + j);
  // The diagonal terms k(x, x) are exactly 1.
  const unbiased = (sxx - m) / (m * (m - 1)) + (syy - n) / (n * (n - 1)) - (2 * sxy) / (m * n);
  const biased = sxx / (m * m) + syy / (n * n) - (2 * sxy) / (m * n);
  return { unbiased, biased, bandwidth: h, realCount: m, generatedCount: n };
}

/** Indices `0 .. n-1`, or a seeded sorted random subset of `cap` of them. */
function pick(n: number, cap: number, rng: Rng): Int32Array {
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  if (n <= cap) return idx;
  for (let i = 0; i < cap; i++) {
    const j = i + rng.int(n - i);
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx.slice(0, cap).sort();
}
