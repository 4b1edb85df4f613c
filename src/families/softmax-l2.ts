/**
 * The maximum-likelihood fit of a categorical law with an L2 penalty on its natural parameters,
 * shared by every family made of categorical laws (the categorical family, each row of the
 * bigram).
 */
import { lambertWOfExp } from '../math/lambert-w.js';
import { solveIncreasing } from '../math/roots.js';

/**
 * Softmax with an L2 penalty on its K natural parameters: solves π_j + cθ_j = η_j with
 * π = softmax(θ). For a trial log-normaliser L each θ_j has the closed form
 * η_j/c − W(e^{η_j/c − L}/c), so only the scalar L is searched for (Σπ = 1).
 */
export function softmaxWithL2(targets: ArrayLike<number>, c: number, out: Float64Array): void {
  const length = out.length;
  const logC = Math.log(c);
  const massAt = (logNormaliser: number): number => {
    let mass = 0;
    for (let j = 0; j < length; j++) mass += c * lambertWOfExp(targets[j] / c - logNormaliser - logC);
    return mass;
  };
  // Σπ decreases in L; solve −(Σπ − 1) = 0, increasing.
  const logNormaliser = solveIncreasing(
    (L) => {
      const h = 1e-7 * Math.max(1, Math.abs(L));
      const value = 1 - massAt(L);
      return [value, (massAt(L - h) - massAt(L + h)) / (2 * h)];
    },
    -1,
    1,
  );
  let total = 0;
  for (let j = 0; j < length; j++) {
    out[j] = c * lambertWOfExp(targets[j] / c - logNormaliser - logC);
    total += out[j];
  }
  for (let j = 0; j < length; j++) out[j] /= total;
}
