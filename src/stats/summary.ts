import { wilsonInterval, type Interval } from './wilson.js';

/**
 * Running estimators over a run's chains, fed batch by batch in bounded memory: counts,
 * moments of the collapse time, an exact histogram of collapse times (for the median;
 * at most min(chains, T) distinct values), and outcome counts.
 */
export class CollapseSummary {
  chains = 0;
  collapsed = 0;
  chainGenerations = 0;
  private sum = 0;
  private sumOfSquares = 0;
  private readonly histogram = new Map<number, number>();
  private readonly outcomeCounts = new Map<number, number>();

  /** collapseTime: −1 = censored; outcome: NaN = none. */
  add(collapseTime: Int32Array, outcome: Float64Array, chainGenerations: number): void {
    this.chains += collapseTime.length;
    this.chainGenerations += chainGenerations;
    for (let i = 0; i < collapseTime.length; i++) {
      const time = collapseTime[i];
      if (time < 0) continue;
      this.collapsed++;
      this.sum += time;
      this.sumOfSquares += time * time;
      this.histogram.set(time, (this.histogram.get(time) ?? 0) + 1);
      if (!Number.isNaN(outcome[i])) this.outcomeCounts.set(outcome[i], (this.outcomeCounts.get(outcome[i]) ?? 0) + 1);
    }
  }

  collapseProbability(): Interval {
    return wilsonInterval(this.collapsed, this.chains);
  }

  /** Mean collapse time over collapsed chains (null if none). */
  meanCollapseTime(): number | null {
    return this.collapsed > 0 ? this.sum / this.collapsed : null;
  }

  /** Standard error of that mean (null with fewer than two collapses). */
  meanCollapseTimeStandardError(): number | null {
    if (this.collapsed < 2) return null;
    const mean = this.sum / this.collapsed;
    const variance = Math.max(0, (this.sumOfSquares - this.collapsed * mean * mean) / (this.collapsed - 1));
    return Math.sqrt(variance / this.collapsed);
  }

  /** Median over collapsed chains (midpoint of the two middle values when even). */
  medianCollapseTime(): number | null {
    if (this.collapsed === 0) return null;
    const times = [...this.histogram.keys()].sort((a, b) => a - b);
    const lowRank = Math.floor((this.collapsed - 1) / 2);
    const highRank = Math.floor(this.collapsed / 2);
    let seen = 0;
    let low: number | null = null;
    for (const time of times) {
      seen += this.histogram.get(time)!;
      if (low === null && seen > lowRank) low = time;
      if (seen > highRank) return (low! + time) / 2;
    }
    return low;
  }

  /** Outcome counts, keyed by the absorbing value, in increasing order. */
  outcomes(): Record<string, number> {
    const result: Record<string, number> = {};
    for (const key of [...this.outcomeCounts.keys()].sort((a, b) => a - b)) result[String(key)] = this.outcomeCounts.get(key)!;
    return result;
  }
}
