/**
 * Kaplan–Meier estimate of the survival function S(t) = P(τ > t) of the collapse time,
 * with Greenwood's variance and the log–log (Kalbfleisch–Prentice) 95 % interval, which
 * stays inside [0, 1]. Input: events (collapses) and censorings (chains still alive when
 * their run stopped) counted per generation; a chain censored at t is at risk at t.
 */
import { Z95, type Interval } from './wilson.js';

export interface SurvivalPoint {
  /** Generation t: S is the probability of surviving (not collapsed) past t. */
  readonly time: number;
  readonly atRisk: number;
  readonly events: number;
  readonly censored: number;
  readonly survival: number;
  readonly lower: number;
  readonly upper: number;
  /** Greenwood's estimate of Var S(t). */
  readonly variance: number;
}

/** One point per generation with an event or a censoring, in increasing time. */
export function kaplanMeier(events: ReadonlyMap<number, number>, censored: ReadonlyMap<number, number>, z: number = Z95): SurvivalPoint[] {
  const times = [...new Set([...events.keys(), ...censored.keys()])].sort((a, b) => a - b);
  let atRisk = 0;
  for (const count of events.values()) atRisk += count;
  for (const count of censored.values()) atRisk += count;
  let survival = 1;
  let greenwood = 0; // Σ d / (n (n − d))
  const points: SurvivalPoint[] = [];
  for (const time of times) {
    const d = events.get(time) ?? 0;
    const c = censored.get(time) ?? 0;
    if (d > 0) {
      survival *= 1 - d / atRisk;
      greenwood += d < atRisk ? d / (atRisk * (atRisk - d)) : Infinity;
    }
    const variance = survival > 0 && Number.isFinite(greenwood) ? survival * survival * greenwood : 0;
    points.push({ time, atRisk, events: d, censored: c, survival, ...logLogInterval(survival, greenwood, z), variance });
    atRisk -= d + c;
  }
  return points;
}

/** exp(−exp(log(−log S) ± z σ)), σ² = Greenwood sum / (log S)². */
function logLogInterval(survival: number, greenwood: number, z: number): { lower: number; upper: number } {
  if (survival <= 0) return { lower: 0, upper: 0 };
  if (survival >= 1 || greenwood === 0) return { lower: survival, upper: survival };
  if (!Number.isFinite(greenwood)) return { lower: 0, upper: survival };
  const logSurvival = Math.log(survival);
  const sigma = Math.sqrt(greenwood) / Math.abs(logSurvival);
  const centre = Math.log(-logSurvival);
  return { lower: Math.exp(-Math.exp(centre + z * sigma)), upper: Math.exp(-Math.exp(centre - z * sigma)) };
}

/** S at generation t (a step function: the last point at or before t; 1 before any). */
export function survivalAt(points: readonly SurvivalPoint[], time: number): Interval {
  let low = 0;
  let high = points.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (points[middle].time <= time) {
      found = middle;
      low = middle + 1;
    } else high = middle - 1;
  }
  if (found < 0) return { estimate: 1, lower: 1, upper: 1 };
  const point = points[found];
  return { estimate: point.survival, lower: point.lower, upper: point.upper };
}

/**
 * The q-quantile of τ from the curve: the first t with S(t) ≤ 1 − q, with the interval
 * from where the band crosses 1 − q (Brookmeyer–Crowley); null where it never does.
 */
export function survivalQuantile(points: readonly SurvivalPoint[], q: number): { estimate: number | null; lower: number | null; upper: number | null } {
  const level = 1 - q;
  const first = (value: (p: SurvivalPoint) => number): number | null => points.find((p) => value(p) <= level + 1e-12)?.time ?? null;
  return { estimate: first((p) => p.survival), lower: first((p) => p.lower), upper: first((p) => p.upper) };
}

/** ∫₀^T S(t) dt over generations 0 … T − 1: the mean of min(τ, T), restricted mean survival time. */
export function restrictedMean(points: readonly SurvivalPoint[], horizon: number): number {
  let area = 0;
  let previousTime = 0;
  let previousSurvival = 1;
  for (const point of points) {
    if (point.time >= horizon) break;
    area += (point.time - previousTime) * previousSurvival;
    previousTime = point.time;
    previousSurvival = point.survival;
  }
  return area + (horizon - previousTime) * previousSurvival;
}
