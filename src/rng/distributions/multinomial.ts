import type { BitStream } from '../streams.js';
import { binomial } from './binomial.js';

/**
 * The conditional binomial probabilities of Multinomial(n, w/Σw): category j gets
 * Binomial(trials left, q_j), q_j = w_j / Σ_{i≥j} w_i. Suffix sums (not a running
 * difference) keep q_j free of cancellation; q_j = 0 where w_j ≤ 0, and the last category
 * of positive weight gets q_j = 1 (every remaining trial), so no trial can land on a
 * zero-weight category. Binomial(n, 0) and Binomial(n, 1) consume no uniforms.
 */
export function multinomialConditionals(weights: ArrayLike<number>, length: number, out: Float64Array): void {
  let sum = 0;
  let lastPositive = -1;
  for (let j = length - 1; j >= 0; j--) {
    sum += weights[j];
    out[j] = sum;
    if (lastPositive < 0 && weights[j] > 0) lastPositive = j;
  }
  for (let j = 0; j < length; j++) {
    out[j] = weights[j] <= 0 ? 0 : j === lastPositive ? 1 : Math.min(1, weights[j] / out[j]);
  }
}

/** Multinomial(n, w/Σw) by conditional binomials in category order (see multinomialConditionals). */
export function multinomial(
  source: BitStream,
): (n: number, weights: ArrayLike<number>, length: number, counts: Float64Array) => void {
  const binomialDraw = binomial(source);
  let conditionals = new Float64Array(16);
  return (n, weights, length, counts) => {
    if (conditionals.length < length) conditionals = new Float64Array(length);
    multinomialConditionals(weights, length, conditionals);
    let trialsLeft = n;
    for (let j = 0; j < length; j++) {
      const count = binomialDraw(trialsLeft, conditionals[j]);
      counts[j] = count;
      trialsLeft -= count;
    }
  };
}
