/**
 * A probability vector over K categories as a flag gives it: uniform, zipf:<s> or a list. Shared
 * by the families whose parameters are categorical laws (the categorical family's π₀, the
 * bigram's start law and rows).
 */
import { UsageError } from '../spec/errors.js';
import { parseNumber } from '../spec/parse.js';

/** K when neither the law nor the count flag says. */
export const DEFAULT_CATEGORIES = 10;

/**
 * Parses uniform | zipf:<s> | p1,p2,... into a normalised probability vector of `categories`
 * entries (DEFAULT_CATEGORIES if null and the law is not a list); `countFlag` names the flag
 * that set the count, for the message when a list's length disagrees.
 */
export function parseInitialLaw(value: unknown, flag: string, categories: number | null, countFlag = 'categories'): number[] {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || text.trim() === '') {
    throw new UsageError(`--${flag} must be uniform, zipf:<s> or a list p1,p2,... (got ${JSON.stringify(value)})`);
  }
  const spec = text.trim();
  const count = categories ?? DEFAULT_CATEGORIES;
  if (spec === 'uniform') return new Array<number>(count).fill(1 / count);
  if (spec.startsWith('zipf:')) {
    const exponent = parseNumber(spec.slice(5), `${flag} zipf:<s>`, { min: 0 });
    const weights = Array.from({ length: count }, (_, j) => Math.pow(j + 1, -exponent));
    const total = weights.reduce((a, b) => a + b, 0);
    return weights.map((w) => w / total);
  }
  const parts = spec.split(',');
  // Each number is read as --p0 reads one (parseNumber): decimal, no hex, binary or Infinity.
  const probabilities = parts.map((part) => {
    try {
      return parseNumber(part.trim(), flag, { min: 0 });
    } catch {
      throw new UsageError(`--${flag} must be uniform, zipf:<s> or a list of probabilities ≥ 0 (got ${JSON.stringify(spec)}; ${JSON.stringify(part.trim())} is not a decimal number ≥ 0)`);
    }
  });
  if (probabilities.length < 2) throw new UsageError(`--${flag} needs at least 2 probabilities (got ${JSON.stringify(spec)})`);
  if (categories !== null && probabilities.length !== categories) {
    throw new UsageError(`--${flag} lists ${probabilities.length} probabilities but --${countFlag} is ${categories}`);
  }
  const total = probabilities.reduce((a, b) => a + b, 0);
  if (Math.abs(total - 1) > 1e-6) throw new UsageError(`--${flag} probabilities must sum to 1 (they sum to ${total})`);
  return probabilities.map((p) => p / total);
}
