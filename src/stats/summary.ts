import { wilsonInterval, type Interval } from './wilson.js';

/**
 * First-passage times of a run's chains (collapse, or absorption), fed batch by batch in
 * bounded memory: how many passed, moments of the time, and an exact histogram of times (for
 * the median; at most min(chains, T) distinct values).
 */
export class PassageTally {
  count = 0;
  private sum = 0;
  private sumOfSquares = 0;
  private readonly histogram = new Map<number, number>();

  /** times: −1 = not within the run (censored). */
  add(times: Int32Array): void {
    for (let i = 0; i < times.length; i++) {
      const time = times[i];
      if (time < 0) continue;
      this.count++;
      this.sum += time;
      this.sumOfSquares += time * time;
      this.histogram.set(time, (this.histogram.get(time) ?? 0) + 1);
    }
  }

  /** Mean time over the chains that passed (null if none). */
  mean(): number | null {
    return this.count > 0 ? this.sum / this.count : null;
  }

  /** Standard error of that mean (null with fewer than two). */
  meanStandardError(): number | null {
    if (this.count < 2) return null;
    const mean = this.sum / this.count;
    const variance = Math.max(0, (this.sumOfSquares - this.count * mean * mean) / (this.count - 1));
    return Math.sqrt(variance / this.count);
  }

  /** Median over the chains that passed (midpoint of the two middle values when even). */
  median(): number | null {
    if (this.count === 0) return null;
    const times = [...this.histogram.keys()].sort((a, b) => a - b);
    const lowRank = Math.floor((this.count - 1) / 2);
    const highRank = Math.floor(this.count / 2);
    let seen = 0;
    let low: number | null = null;
    for (const time of times) {
      seen += this.histogram.get(time)!;
      if (low === null && seen > lowRank) low = time;
      if (seen > highRank) return (low! + time) / 2;
    }
    return low;
  }

  /**
   * Mean of min(τ, T) over all `chains` (censored chains count T) and its standard error:
   * the restricted mean, defined whether or not every chain passed.
   */
  restrictedMean(chains: number, horizon: number): { mean: number; standardError: number } | null {
    if (chains === 0) return null;
    const censored = chains - this.count;
    const mean = (this.sum + censored * horizon) / chains;
    const squares = this.sumOfSquares + censored * horizon * horizon;
    const variance = chains > 1 ? Math.max(0, (squares - chains * mean * mean) / (chains - 1)) : 0;
    return { mean, standardError: Math.sqrt(variance / chains) };
  }

  /** The r-th smallest time (0-based rank), or null beyond the chains that passed. */
  timeOfRank(rank: number): number | null {
    if (rank < 0 || rank >= this.count) return null;
    const times = [...this.histogram.keys()].sort((a, b) => a - b);
    let seen = 0;
    for (const time of times) {
      seen += this.histogram.get(time)!;
      if (seen > rank) return time;
    }
    return null;
  }
}

/**
 * Running estimators over a run's chains: the first collapse ("touched": `collapsed`, the
 * collapse-time moments and median, as always), absorption (`absorbed`: collapsed and unable
 * to leave, the paper's collapse; the same as touched without a mitigation), the generations
 * spent collapsed, and outcome counts.
 */
export class CollapseSummary {
  chains = 0;
  chainGenerations = 0;
  readonly touched = new PassageTally();
  readonly absorbed = new PassageTally();
  /** Sum of collapsed_generations over the chains where the engine counted them, and how many those were. */
  collapsedGenerationsSum = 0;
  collapsedGenerationsCounted = 0;
  private readonly outcomeCounts = new Map<number, number>();

  /** collapseTime: −1 = censored; outcome: NaN = none; absorbedTime: −1 = never; collapsedGenerations: −1 = not counted. */
  add(collapseTime: Int32Array, outcome: Float64Array, chainGenerations: number, absorbedTime: Int32Array, collapsedGenerations: Int32Array): void {
    this.chains += collapseTime.length;
    this.chainGenerations += chainGenerations;
    this.touched.add(collapseTime);
    this.absorbed.add(absorbedTime);
    for (let i = 0; i < collapseTime.length; i++) {
      if (collapseTime[i] >= 0 && !Number.isNaN(outcome[i])) this.outcomeCounts.set(outcome[i], (this.outcomeCounts.get(outcome[i]) ?? 0) + 1);
      if (collapsedGenerations[i] >= 0) {
        this.collapsedGenerationsSum += collapsedGenerations[i];
        this.collapsedGenerationsCounted++;
      }
    }
  }

  /** Chains that touched collapse within the run (the first collapse). */
  get collapsed(): number {
    return this.touched.count;
  }

  /** P(touched collapse by T), Wilson 95 %. */
  collapseProbability(): Interval {
    return wilsonInterval(this.touched.count, this.chains);
  }

  /** P(absorbed by T), Wilson 95 %: the paper's collapse probability. */
  absorptionProbability(): Interval {
    return wilsonInterval(this.absorbed.count, this.chains);
  }

  /** Mean first-collapse time over collapsed chains (null if none). */
  meanCollapseTime(): number | null {
    return this.touched.mean();
  }

  meanCollapseTimeStandardError(): number | null {
    return this.touched.meanStandardError();
  }

  medianCollapseTime(): number | null {
    return this.touched.median();
  }

  /** Mean generations 0..T spent collapsed, over the chains where they were counted (null if none). */
  meanCollapsedGenerations(): number | null {
    return this.collapsedGenerationsCounted > 0 ? this.collapsedGenerationsSum / this.collapsedGenerationsCounted : null;
  }

  /** Outcome counts at the first collapse, keyed by the absorbing value, in increasing order. */
  outcomes(): Record<string, number> {
    const result: Record<string, number> = {};
    for (const key of [...this.outcomeCounts.keys()].sort((a, b) => a - b)) result[String(key)] = this.outcomeCounts.get(key)!;
    return result;
  }
}
