/**
 * Eigendecomposition of a real symmetric matrix, and the square root of a symmetric positive
 * semi-definite (PSD) matrix built from it, in float64.
 *
 * The decomposition is Householder reduction to tridiagonal form followed by the implicit QL
 * algorithm with Wilkinson-like shifts (EISPACK `tred2` / `tql2`, as in JAMA): `O(dim^3)` and
 * backward stable (eigenvalue errors about `eps * ||A||`), fast enough for `dim` in the
 * thousands.
 *
 * @module
 */

/** Eigenvalues and eigenvectors of a symmetric matrix `A = V diag(values) V^T`. */
export interface SymmetricEigen {
  /** Eigenvalues in ascending order, length `dim`. */
  values: Float64Array;
  /**
   * Orthonormal eigenvectors, `dim x dim` row-major: column `j` (entries `vectors[i * dim + j]`)
   * belongs to `values[j]`.
   */
  vectors: Float64Array;
  /** Matrix size. */
  dim: number;
}

function checkSquare(fn: string, matrix: ArrayLike<number>, dim: number): void {
  if (!Number.isInteger(dim) || dim < 1) {
    throw new RangeError(`${fn}: dim must be a positive integer, got ${dim}`);
  }
  if (matrix.length !== dim * dim) {
    throw new RangeError(
      `${fn}: expected a ${dim} x ${dim} matrix (length ${dim * dim}), got length ${matrix.length}`,
    );
  }
  for (let i = 0; i < matrix.length; i++) {
    if (!Number.isFinite(matrix[i])) {
      throw new RangeError(
        `${fn}: entry (${Math.floor(i / dim)}, ${i % dim}) of the ${dim} x ${dim} matrix is ${
          matrix[i]
        }`,
      );
    }
  }
}

/**
 * Eigendecomposition of a symmetric matrix. The input is symmetrised first as `(A + A^T) / 2`,
 * so a slight asymmetry from rounding is harmless.
 *
 * @param matrix `dim x dim` row-major symmetric matrix.
 * @param dim Matrix size.
 * @returns Ascending eigenvalues and the matching orthonormal eigenvectors (as columns).
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { symmetricEigen } from "./symmetric_eigen.ts";
 * const { values } = symmetricEigen([2, 1, 1, 2], 2);
 * assert(Math.abs(values[0] - 1) < 1e-12 && Math.abs(values[1] - 3) < 1e-12);
 * ```
 */
export function symmetricEigen(matrix: ArrayLike<number>, dim: number): SymmetricEigen {
  checkSquare("symmetricEigen", matrix, dim);
  const n = dim;
  // V as an array of rows (fast indexing in the inner loops).
  const V: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const row = new Float64Array(n);
    for (let j = 0; j < n; j++) row[j] = 0.5 * (matrix[i * n + j] + matrix[j * n + i]);
    V.push(row);
  }
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tred2(V, d, e, n);
  tql2(V, d, e, n);
  // Sort ascending (selection sort on values, swapping eigenvector columns).
  for (let i = 0; i < n - 1; i++) {
    let k = i;
    let p = d[i];
    for (let j = i + 1; j < n; j++) {
      if (d[j] < p) {
        k = j;
        p = d[j];
      }
    }
    if (k !== i) {
      d[k] = d[i];
      d[i] = p;
      for (let j = 0; j < n; j++) {
        const t = V[j][i];
        V[j][i] = V[j][k];
        V[j][k] = t;
      }
    }
  }
  const vectors = new Float64Array(n * n);
  for (let i = 0; i < n; i++) vectors.set(V[i], i * n);
  return { values: d, vectors, dim: n };
}

/** Householder reduction of symmetric V to tridiagonal form (d diagonal, e sub-diagonal). */
function tred2(V: Float64Array[], d: Float64Array, e: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) d[j] = V[n - 1][j];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    let h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = V[i - 1][j];
        V[i][j] = 0;
        V[j][i] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h = h - f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j];
        V[j][i] = f;
        g = e[j] + V[j][j] * f;
        for (let k = j + 1; k <= i - 1; k++) {
          const vkj = V[k][j];
          g += vkj * d[k];
          e[k] += vkj * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        for (let k = j; k <= i - 1; k++) V[k][j] -= f * e[k] + g * d[k];
        d[j] = V[i - 1][j];
        V[i][j] = 0;
      }
    }
    d[i] = h;
  }
  // Accumulate the transformations.
  for (let i = 0; i < n - 1; i++) {
    V[n - 1][i] = V[i][i];
    V[i][i] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = V[k][i + 1] / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += V[k][i + 1] * V[k][j];
        for (let k = 0; k <= i; k++) V[k][j] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) V[k][i + 1] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = V[n - 1][j];
    V[n - 1][j] = 0;
  }
  V[n - 1][n - 1] = 1;
  e[0] = 0;
}

/** Implicit QL iterations on the tridiagonal (d, e), accumulating rotations into V. */
function tql2(V: Float64Array[], d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let f = 0;
  let tst1 = 0;
  const eps = Number.EPSILON;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n) {
      if (Math.abs(e[m]) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 100) {
          throw new Error(
            `symmetricEigen: QL iteration did not converge for eigenvalue ${l} of ${n}`,
          );
        }
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1;
        let c2 = c;
        let c3 = c;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          for (let k = 0; k < n; k++) {
            const row = V[k];
            h = row[i + 1];
            row[i + 1] = s * row[i] + c * h;
            row[i] = c * row[i] - s * h;
          }
        }
        p = -s * s2 * c3 * el1 * e[l] / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] = d[l] + f;
    e[l] = 0;
  }
}

/**
 * Principal square root `R = V diag(sqrt(max(lambda, 0))) V^T` of a symmetric PSD matrix, so
 * that `R` is symmetric PSD and `R R = A` (up to rounding). Eigenvalues below zero, which
 * rounding produces for singular or nearly singular matrices such as covariances of fewer rows
 * than columns, are clamped to 0; a clearly negative eigenvalue (below
 * `-1e-8 * max |lambda|`) is an error, since the matrix is then not PSD.
 *
 * @param matrix `dim x dim` row-major symmetric PSD matrix.
 * @param dim Matrix size.
 * @returns The square root, `dim x dim` row-major, exactly symmetric.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sqrtPsd } from "./symmetric_eigen.ts";
 * const r = sqrtPsd([4, 0, 0, 9], 2);
 * assert(Math.abs(r[0] - 2) < 1e-12 && Math.abs(r[3] - 3) < 1e-12);
 * ```
 */
export function sqrtPsd(matrix: ArrayLike<number>, dim: number): Float64Array {
  const { values, vectors } = symmetricEigen(matrix, dim);
  const n = dim;
  const top = Math.max(Math.abs(values[0]), Math.abs(values[n - 1]));
  if (values[0] < -1e-8 * top) {
    throw new RangeError(
      `sqrtPsd: the ${n} x ${n} matrix is not positive semi-definite (eigenvalue ${
        values[0]
      }, largest magnitude ${top})`,
    );
  }
  const root = new Float64Array(n);
  for (let j = 0; j < n; j++) root[j] = Math.sqrt(Math.max(values[j], 0));
  // R = (V diag(root)) V^T, i.e. R[i][k] = sum_j V[i][j] root[j] V[k][j]; fill the upper triangle.
  const w = new Float64Array(n * n); // V scaled by root, column by column
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) w[i * n + j] = vectors[i * n + j] * root[j];
  }
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const wi = i * n;
    for (let k = i; k < n; k++) {
      const vk = k * n;
      let s = 0;
      for (let j = 0; j < n; j++) s += w[wi + j] * vectors[vk + j];
      out[i * n + k] = s;
      out[k * n + i] = s;
    }
  }
  return out;
}
