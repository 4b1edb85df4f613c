import type { BitStream } from '../streams.js';
import { binomial } from './binomial.js';

/**
 * Multinomial(n, w/Σw) by conditional binomials: category j gets
 * Binomial(trials left, w_j / Σ_{i≥j} w_i). Suffix sums (not a running difference) keep
 * the conditional probabilities free of cancellation, and the last category of positive
 * weight takes every remaining trial, so no trial can land on a zero-weight category.
 */
export function multinomial(
  source: BitStream,
): (n: number, weights: ArrayLike<number>, length: number, counts: Float64Array) => void {
  const binomialDraw = binomial(source);
  let suffix = new Float64Array(16);
  return (n, weights, length, counts) => {
    if (suffix.length < length) suffix = new Float64Array(length);
    let sum = 0;
    let lastPositive = -1;
    for (let j = length - 1; j >= 0; j--) {
      sum += weights[j];
      suffix[j] = sum;
      if (lastPositive < 0 && weights[j] > 0) lastPositive = j;
    }
    let trialsLeft = n;
    for (let j = 0; j < length; j++) {
      if (trialsLeft === 0 || weights[j] <= 0) {
        counts[j] = 0;
      } else if (j === lastPositive) {
        counts[j] = trialsLeft;
        trialsLeft = 0;
      } else {
        const count = binomialDraw(trialsLeft, Math.min(1, weights[j] / suffix[j]));
        counts[j] = count;
        trialsLeft -= count;
      }
    }
  };
}
