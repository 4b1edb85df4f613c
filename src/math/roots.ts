/**
 * Root of an increasing function: Newton steps where they stay inside the bracket,
 * bisection where they do not (Numerical Recipes' rtsafe). The bracket is widened
 * geometrically until it contains the root. Converges to full float64 precision.
 */
export function solveIncreasing(
  valueAndSlope: (x: number) => readonly [number, number],
  initialLow: number,
  initialHigh: number,
  start: number = 0.5 * (initialLow + initialHigh),
): number {
  let low = initialLow;
  let high = initialHigh;
  let width = Math.max(1, high - low);
  for (let i = 0; valueAndSlope(low)[0] > 0; i++) {
    if (i > 2000) throw new Error('solveIncreasing: no lower bracket');
    high = low;
    low -= width;
    width *= 2;
  }
  width = Math.max(1, high - low);
  for (let i = 0; valueAndSlope(high)[0] < 0; i++) {
    if (i > 2000) throw new Error('solveIncreasing: no upper bracket');
    low = high;
    high += width;
    width *= 2;
  }
  let x = start > low && start < high ? start : 0.5 * (low + high);
  for (let iteration = 0; iteration < 400; iteration++) {
    const [value, slope] = valueAndSlope(x);
    if (value === 0) return x;
    if (value < 0) low = x;
    else high = x;
    let next = slope > 0 ? x - value / slope : NaN;
    if (!(next > low && next < high)) next = 0.5 * (low + high);
    if (next === x || high - low <= 4 * Number.EPSILON * Math.max(1, Math.abs(x))) return next;
    x = next;
  }
  return x;
}
