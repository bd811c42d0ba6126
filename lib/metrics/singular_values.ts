/**
 * Singular values of a square matrix by the one-sided Jacobi (Hestenes) method, in float64,
 * and the nuclear norm (their sum).
 *
 * One-sided Jacobi works on the matrix itself rather than on `A^T A`, so small singular values
 * keep an absolute accuracy of about `eps * ||A||` instead of `sqrt(eps) * ||A||`.
 *
 * @module
 */

/**
 * Singular values of a `rows x cols` row-major matrix, in descending order. Rows are rotated in
 * pairs until every pair is orthogonal to working precision; the row norms are then the
 * singular values (all `rows` of them, zeros included; the matrix must have `rows <= cols`).
 *
 * @param matrix `rows x cols` values, row-major.
 * @param rows Number of rows.
 * @param cols Number of columns.
 * @returns `rows` singular values, descending (pass the transpose when `rows > cols`).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { singularValues } from "./singular_values.ts";
 * const s = singularValues([3, 0, 0, -4], 2, 2);
 * assert(Math.abs(s[0] - 4) < 1e-12 && Math.abs(s[1] - 3) < 1e-12);
 * ```
 */
export function singularValues(
  matrix: ArrayLike<number>,
  rows: number,
  cols: number,
): Float64Array {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) {
    throw new RangeError(`singularValues: bad size ${rows} x ${cols}`);
  }
  if (matrix.length !== rows * cols) {
    throw new RangeError(
      `singularValues: expected ${rows} x ${cols} (length ${
        rows * cols
      }), got length ${matrix.length}`,
    );
  }
  if (rows > cols) {
    throw new RangeError(
      `singularValues: expected rows <= cols, got ${rows} x ${cols}; pass the transpose`,
    );
  }
  const a: Float64Array[] = [];
  for (let i = 0; i < rows; i++) {
    const r = new Float64Array(cols);
    for (let j = 0; j < cols; j++) {
      const v = matrix[i * cols + j];
      if (!Number.isFinite(v)) {
        throw new RangeError(`singularValues: entry (${i}, ${j}) of ${rows} x ${cols} is ${v}`);
      }
      r[j] = v;
    }
    a.push(r);
  }
  const norms = new Float64Array(rows);
  const tol = Math.max(rows, 1) * Number.EPSILON;
  const maxSweeps = 80;
  let converged = false;
  for (let sweep = 0; sweep < maxSweeps && !converged; sweep++) {
    for (let i = 0; i < rows; i++) norms[i] = dot(a[i], a[i], cols);
    converged = true;
    for (let p = 0; p < rows - 1; p++) {
      const ap = a[p];
      for (let q = p + 1; q < rows; q++) {
        const alpha = norms[p];
        const beta = norms[q];
        if (alpha === 0 || beta === 0) continue;
        const aq = a[q];
        const gamma = dot(ap, aq, cols);
        if (Math.abs(gamma) <= tol * Math.sqrt(alpha * beta)) continue;
        converged = false;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let k = 0; k < cols; k++) {
          const x = ap[k];
          const y = aq[k];
          ap[k] = c * x - s * y;
          aq[k] = s * x + c * y;
        }
        norms[p] = alpha - t * gamma;
        norms[q] = beta + t * gamma;
      }
    }
  }
  if (!converged) {
    throw new Error(
      `singularValues: one-sided Jacobi did not converge in ${maxSweeps} sweeps (${rows} x ${cols})`,
    );
  }
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) out[i] = Math.sqrt(dot(a[i], a[i], cols));
  return out.sort().reverse();
}

function dot(x: Float64Array, y: Float64Array, n: number): number {
  let s = 0;
  for (let k = 0; k < n; k++) s += x[k] * y[k];
  return s;
}

/**
 * Nuclear (trace) norm: the sum of the singular values of a square matrix. For `B = R_b R_a`
 * with `R = S^(1/2)` this is `Tr((S_a^(1/2) S_b S_a^(1/2))^(1/2))`.
 *
 * @param matrix `dim x dim` values, row-major.
 * @param dim Matrix size.
 * @returns The sum of the singular values.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nuclearNorm } from "./singular_values.ts";
 * assert(Math.abs(nuclearNorm([0, 2, -3, 0], 2) - 5) < 1e-12);
 * ```
 */
export function nuclearNorm(matrix: ArrayLike<number>, dim: number): number {
  const s = singularValues(matrix, dim, dim);
  let sum = 0;
  for (let i = s.length - 1; i >= 0; i--) sum += s[i];
  return sum;
}
