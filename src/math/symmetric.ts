/**
 * Small dense symmetric matrices in packed storage, for per-chain work in the generation loop:
 * the lower triangle row by row, element (i, j) with j ≤ i at i(i + 1)/2 + j, read from and
 * written to a flat Float64Array at an offset (a chain's row of the engine's state array), with
 * no allocation. Written here rather than taken from a matrix library because the hot loop runs
 * them on slices of one typed array per chain table, thousands of times a generation; the
 * libraries at hand allocate a matrix object per call.
 */

/** Floats a packed symmetric n×n matrix takes. */
export function packedSize(n: number): number {
  return (n * (n + 1)) / 2;
}

/** Where element (i, j) of a packed symmetric matrix lives (either order). */
export function packedIndex(i: number, j: number): number {
  return i >= j ? (i * (i + 1)) / 2 + j : (j * (j + 1)) / 2 + i;
}

/**
 * A Cholesky pivot at most this fraction of its diagonal counts as zero: the coordinate is (to
 * rounding) a linear combination of the ones before it, as in the scatter of n ≤ d points.
 */
export const SINGULAR_PIVOT = 1e-10;

/**
 * The lower Cholesky factor L (L Lᵀ = A) of a symmetric positive semi-definite matrix, both
 * packed. A pivot ≤ SINGULAR_PIVOT times its diagonal is taken as zero and its column of L is
 * zero (the factor of the nearby singular matrix), so a singular or rounding-indefinite input
 * still gives a factor to draw from. Returns ln det A: −∞ when a pivot was zero.
 */
export function choleskyPacked(a: Float64Array, aOffset: number, n: number, out: Float64Array, outOffset: number): number {
  let logDet = 0;
  for (let i = 0; i < n; i++) {
    const rowI = (i * (i + 1)) / 2;
    for (let j = 0; j <= i; j++) {
      const rowJ = (j * (j + 1)) / 2;
      let sum = a[aOffset + rowI + j];
      for (let k = 0; k < j; k++) sum -= out[outOffset + rowI + k] * out[outOffset + rowJ + k];
      if (j < i) {
        const pivot = out[outOffset + rowJ + j];
        out[outOffset + rowI + j] = pivot > 0 ? sum / pivot : 0;
      } else if (sum > SINGULAR_PIVOT * a[aOffset + rowI + i] && sum > 0) {
        out[outOffset + rowI + i] = Math.sqrt(sum);
        logDet += Math.log(sum);
      } else {
        out[outOffset + rowI + i] = 0;
        logDet = -Infinity;
      }
    }
  }
  return logDet;
}

/**
 * Whether A − shift·I is positive definite, i.e. whether A's smallest eigenvalue exceeds
 * `shift` (Sylvester: a symmetric matrix is positive definite exactly when every pivot of its
 * Cholesky factorisation is positive). `scratch` takes packedSize(n) floats.
 */
export function exceedsSmallestEigenvalue(a: Float64Array, aOffset: number, n: number, shift: number, scratch: Float64Array): boolean {
  for (let i = 0; i < n; i++) {
    const rowI = (i * (i + 1)) / 2;
    for (let j = 0; j <= i; j++) {
      const rowJ = (j * (j + 1)) / 2;
      let sum = a[aOffset + rowI + j] - (i === j ? shift : 0);
      for (let k = 0; k < j; k++) sum -= scratch[rowI + k] * scratch[rowJ + k];
      if (j < i) scratch[rowI + j] = sum / scratch[rowJ + j];
      else if (sum > 0) scratch[rowI + i] = Math.sqrt(sum);
      else return false;
    }
  }
  return true;
}

/** Most Jacobi sweeps (quadratic convergence: a dozen suffice to the last bit for n ≤ 64). */
const MAX_SWEEPS = 60;

/**
 * The eigenvalues of a packed symmetric matrix, ascending, by the cyclic Jacobi method with
 * Demmel and Veselić's stopping rule (|a_pq| ≤ ε √|a_pp a_qq| for every pair), which leaves
 * even tiny eigenvalues of a positive-definite matrix accurate to a few ulps of themselves.
 * `scratch` takes n² floats.
 */
export function symmetricEigenvalues(a: Float64Array, aOffset: number, n: number, out: Float64Array, outOffset: number, scratch: Float64Array): void {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const value = a[aOffset + (i * (i + 1)) / 2 + j];
      scratch[i * n + j] = value;
      scratch[j * n + i] = value;
    }
  }
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = scratch[p * n + q];
        const app = scratch[p * n + p];
        const aqq = scratch[q * n + q];
        if (Math.abs(apq) <= Number.EPSILON * Math.sqrt(Math.abs(app * aqq)) || apq === 0) continue;
        rotated = true;
        // tan φ = t, the smaller root of t² + 2θt − 1 = 0, zeroes a_pq (Numerical Recipes §11.1).
        const theta = (aqq - app) / (2 * apq);
        const t = Math.abs(theta) > 1e150 ? 1 / (2 * theta) : Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          if (k === p || k === q) continue;
          const akp = scratch[k * n + p];
          const akq = scratch[k * n + q];
          const newP = c * akp - s * akq;
          const newQ = s * akp + c * akq;
          scratch[k * n + p] = newP;
          scratch[p * n + k] = newP;
          scratch[k * n + q] = newQ;
          scratch[q * n + k] = newQ;
        }
        scratch[p * n + p] = app - t * apq;
        scratch[q * n + q] = aqq + t * apq;
        scratch[p * n + q] = 0;
        scratch[q * n + p] = 0;
      }
    }
    if (!rotated) break;
  }
  for (let i = 0; i < n; i++) out[outOffset + i] = scratch[i * n + i];
  out.subarray(outOffset, outOffset + n).sort();
}

/**
 * Numerical rank from ascending eigenvalues, as NumPy's matrix_rank counts it: the eigenvalues
 * above n·ε times the largest in magnitude.
 */
export function numericalRank(eigenvalues: ArrayLike<number>, offset: number, n: number): number {
  let largest = 0;
  for (let i = 0; i < n; i++) largest = Math.max(largest, Math.abs(eigenvalues[offset + i]));
  const tolerance = largest * n * Number.EPSILON;
  let rank = 0;
  for (let i = 0; i < n; i++) if (eigenvalues[offset + i] > tolerance) rank++;
  return rank;
}
