/**
 * src/math/symmetric.ts against matrices built with known answers: Q·diag(λ)·Qᵀ with Q a
 * random orthogonal matrix (Householder reflections), so the eigenvalues, determinant and
 * Cholesky product are known exactly.
 */
import { describe, expect, it } from 'vitest';
import seedrandom from 'seedrandom';
import { choleskyPacked, exceedsSmallestEigenvalue, numericalRank, packedIndex, packedSize, symmetricEigenvalues } from '../../src/math/symmetric.js';

/** Q diag(λ) Qᵀ, packed, with Q a product of n random Householder reflections. */
function withEigenvalues(eigenvalues: number[], seed: string): Float64Array {
  const n = eigenvalues.length;
  const random = seedrandom(seed);
  const q = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  for (let r = 0; r < n; r++) {
    const v = Array.from({ length: n }, () => random() - 0.5);
    const norm2 = v.reduce((s, x) => s + x * x, 0);
    for (const row of q) {
      const dot = row.reduce((s, x, k) => s + x * v[k], 0);
      for (let k = 0; k < n; k++) row[k] -= (2 * dot * v[k]) / norm2;
    }
  }
  const packed = new Float64Array(packedSize(n));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += q[i][k] * eigenvalues[k] * q[j][k];
      packed[packedIndex(i, j)] = sum;
    }
  }
  return packed;
}

describe('packed symmetric matrices', () => {
  it('indexes the lower triangle row by row, in either order', () => {
    expect([packedIndex(0, 0), packedIndex(1, 0), packedIndex(1, 1), packedIndex(2, 0), packedIndex(2, 2)]).toEqual([0, 1, 2, 3, 5]);
    expect(packedIndex(0, 2)).toBe(packedIndex(2, 0));
    expect(packedSize(4)).toBe(10);
  });

  for (const n of [1, 2, 5, 16, 32]) {
    it(`n = ${n}: Jacobi finds the eigenvalues, Cholesky the factor and log det`, () => {
      const random = seedrandom(`eig/${n}`);
      // Eigenvalues spread over twelve decades, to test the small ones' relative accuracy.
      const eigenvalues = Array.from({ length: n }, () => Math.pow(10, 6 - 12 * random()));
      const a = withEigenvalues(eigenvalues, `q/${n}`);
      const found = new Float64Array(n + 1);
      symmetricEigenvalues(a, 0, n, found, 1, new Float64Array(n * n));
      const sorted = [...eigenvalues].sort((x, y) => x - y);
      // Building A rounds its entries by about ε·λ_max, which moves each eigenvalue by as much.
      const rounding = 64 * n * Number.EPSILON * sorted[n - 1];
      for (let i = 0; i < n; i++) expect(Math.abs(found[i + 1] - sorted[i])).toBeLessThanOrEqual(rounding + 1e-12 * sorted[i]);

      const factor = new Float64Array(packedSize(n) + 3);
      const logDet = choleskyPacked(a, 0, n, factor, 3);
      const exactLogDet = eigenvalues.reduce((s, x) => s + Math.log(x), 0);
      // ln det is as good as the smallest eigenvalue: its relative error is rounding/λ_min.
      expect(Math.abs(logDet - exactLogDet)).toBeLessThanOrEqual(1e-6 + (2 * n * rounding) / sorted[0]);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j <= i; j++) {
          let product = 0;
          for (let k = 0; k <= j; k++) product += factor[3 + packedIndex(i, k)] * factor[3 + packedIndex(j, k)];
          expect(Math.abs(product - a[packedIndex(i, j)])).toBeLessThanOrEqual(4 * rounding);
        }
      }
      // Twelve decades at most: every eigenvalue is above n·ε·λ_max.
      expect(numericalRank(found, 1, n)).toBe(n);
    });
  }

  it('tells whether the smallest eigenvalue exceeds a shift', () => {
    const a = withEigenvalues([0.5, 2, 3, 7], 'shift');
    const scratch = new Float64Array(packedSize(4));
    expect(exceedsSmallestEigenvalue(a, 0, 4, 0.49, scratch)).toBe(true);
    expect(exceedsSmallestEigenvalue(a, 0, 4, 0.51, scratch)).toBe(false);
    expect(exceedsSmallestEigenvalue(a, 0, 4, 0, scratch)).toBe(true);
    expect(exceedsSmallestEigenvalue(a, 0, 4, 10, scratch)).toBe(false);
  });

  it('factors a singular matrix with zero columns, ln det −∞, and counts its rank', () => {
    // Rank 2 in 4 dimensions: the scatter of 3 points.
    const points = [
      [1, 2, 0.5, -1],
      [0.3, -1, 2, 0],
      [-0.7, 0.4, 1, 3],
    ];
    const mean = [0, 1, 2, 3].map((c) => points.reduce((s, p) => s + p[c], 0) / 3);
    const a = new Float64Array(packedSize(4));
    for (let i = 0; i < 4; i++) for (let j = 0; j <= i; j++) a[packedIndex(i, j)] = points.reduce((s, p) => s + (p[i] - mean[i]) * (p[j] - mean[j]), 0);
    const factor = new Float64Array(packedSize(4));
    expect(choleskyPacked(a, 0, 4, factor, 0)).toBe(-Infinity);
    expect(factor.every(Number.isFinite)).toBe(true);
    // The factor still reproduces the matrix.
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j <= i; j++) {
        let product = 0;
        for (let k = 0; k <= j; k++) product += factor[packedIndex(i, k)] * factor[packedIndex(j, k)];
        expect(product).toBeCloseTo(a[packedIndex(i, j)], 10);
      }
    }
    const eigenvalues = new Float64Array(4);
    symmetricEigenvalues(a, 0, 4, eigenvalues, 0, new Float64Array(16));
    expect(numericalRank(eigenvalues, 0, 4)).toBe(2);
    expect(exceedsSmallestEigenvalue(a, 0, 4, 1e-9, new Float64Array(10))).toBe(false);
    const zero = new Float64Array(packedSize(3));
    expect(choleskyPacked(zero, 0, 3, new Float64Array(6), 0)).toBe(-Infinity);
    symmetricEigenvalues(zero, 0, 3, eigenvalues, 0, new Float64Array(9));
    expect(numericalRank(eigenvalues, 0, 3)).toBe(0);
  });
});
