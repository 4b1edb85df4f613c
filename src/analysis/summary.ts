/**
 * What a run's collapse times say, with intervals, and the exact theory beside it where the
 * family has one: the computation behind `collapse-sim summarize` and its figures, fed chain by
 * chain (from files by ./summarize.ts; from a running engine's batches by the browser page, web/).
 * Imports nothing from Node.
 */
import type { ExactTheory } from '../families/family.js';
import { FAMILIES } from '../families/index.js';
import type { Provenance } from '../io/provenance.js';
import { hasMitigation, type RunSpec } from '../spec/run-spec.js';
import { kolmogorovSurvival } from '../math/special.js';
import { kaplanMeier, restrictedMean, survivalQuantile, type SurvivalPoint } from '../stats/survival.js';
import { wilsonInterval, type Interval } from '../stats/wilson.js';

export interface TheoryComparison {
  /** What the theory is, e.g. "Wright–Fisher transition matrix, 2M copies". */
  readonly source: string;
  readonly value: number;
  readonly inside: boolean;
}

export interface Summary {
  readonly files: readonly string[];
  readonly provenance: Provenance;
  readonly chains: number;
  readonly horizon: number;
  /** Chains that touched collapse by T (the first collapse; collapse_time). */
  readonly collapsed: Interval & { readonly count: number };
  /**
   * Chains absorbed by T (collapsed and unable to leave: the paper's collapse; absorbed_time),
   * the same as `collapsed` without a mitigation.
   */
  readonly absorbed: Interval & { readonly count: number };
  /** Mean generations 0..T spent collapsed, over the chains where the engine counted them (null if none). */
  readonly meanCollapsedGenerations: number | null;
  /** P(τ ≤ t) at a grid of t up to the horizon, Wilson 95 %. */
  readonly collapseByTime: readonly (Interval & { readonly time: number; readonly count: number; readonly theory: TheoryComparison | null })[];
  readonly survival: readonly SurvivalPoint[];
  readonly collapseTime: {
    /** Mean of min(τ, T) (area under the survival curve). */
    readonly restrictedMean: number;
    /** Mean and its standard error over collapsed chains. */
    readonly meanCollapsed: number | null;
    readonly meanCollapsedStandardError: number | null;
    readonly theoryMean: number | null;
    readonly quantiles: readonly { q: number; estimate: number | null; lower: number | null; upper: number | null }[];
  };
  readonly outcomes: readonly (Interval & { readonly value: number; readonly count: number; readonly theory: TheoryComparison | null })[];
  /**
   * Kolmogorov distance of the collapse-time law from the theory (discrete: conservative p),
   * over t = 0 … `through` (the horizon, or as far as the exact law was computed).
   */
  readonly lawTest: { readonly source: string; readonly distance: number; readonly pValue: number; readonly through: number } | null;
  /** Why no theory is compared, when none is. */
  readonly theoryNote: string | null;
}

export type { ExactTheory } from '../families/family.js';

/**
 * Theories already computed, by the configuration minus what cannot change them (seed, chains,
 * where the rows go, the backend): plot asks again after summarize, and a sweep over seeds or
 * chain counts asks once per point. A few entries, oldest dropped first.
 */
const cachedTheories = new Map<string, ExactTheory | string>();
const CACHED_THEORIES = 8;

/** The exact laws the plain loop (MLE, no mitigation) obeys, from the family; why there are none where there are none. */
export function exactTheory(spec: RunSpec): ExactTheory | string {
  const { seed: _seed, chains: _chains, out: _out, batchSize: _batchSize, shard: _shard, backend: _backend, trajectories: _trajectories, ...law } = spec;
  const key = JSON.stringify(law);
  let theory = cachedTheories.get(key);
  if (theory === undefined) {
    theory = computeExactTheory(spec);
    if (cachedTheories.size >= CACHED_THEORIES) cachedTheories.delete(cachedTheories.keys().next().value!);
    cachedTheories.set(key, theory);
  }
  return theory;
}

function computeExactTheory(spec: RunSpec): ExactTheory | string {
  if (hasMitigation(spec) || spec.regime.kind !== 'replace') return 'mitigated or non-replacing loops are not absorbed: no exact collapse law to compare';
  return FAMILIES[spec.family].exactTheory(spec);
}

/** Horizons at which P(τ ≤ t) is shown: about 12, log-spaced over the collapse times seen, and T. */
function timeGrid(first: number, last: number, horizon: number): number[] {
  const start = Math.max(1, first);
  const end = Math.max(start, Math.min(last, horizon));
  const grid = new Set<number>();
  const steps = 11;
  for (let i = 0; i <= steps; i++) grid.add(Math.round(start * Math.pow(end / start, i / steps)));
  grid.add(horizon);
  return [...grid].filter((t) => t >= 1 && t <= horizon).sort((a, b) => a - b);
}

/** Counts of a run's chains, added one chain at a time; `build` turns them into a Summary (and may be called as often as wanted). */
export class SummaryBuilder {
  private readonly events = new Map<number, number>();
  private readonly censored = new Map<number, number>();
  private readonly outcomeCounts = new Map<number, number>();
  private chains = 0;
  private collapsedCount = 0;
  private absorbedCount = 0;
  private collapsedGenerationsSum = 0;
  private collapsedGenerationsCounted = 0;
  private sum = 0;
  private sumOfSquares = 0;

  /** The family's exact laws, computed once (a page rebuilds the summary, and redraws its figures, after every batch). */
  readonly theory: ExactTheory | string;

  constructor(readonly provenance: Provenance) {
    this.theory = exactTheory(provenance.config);
  }

  /**
   * One chain: its first collapse time (null: censored at the horizon), outcome (null: none),
   * absorption time (null: not absorbed by T) and generations spent collapsed (null: not counted).
   */
  add(time: number | null, outcome: number | null, absorbedTime: number | null, collapsedGenerations: number | null): void {
    const horizon = this.provenance.config.generations;
    this.chains++;
    if (absorbedTime !== null) this.absorbedCount++;
    if (collapsedGenerations !== null) {
      this.collapsedGenerationsSum += collapsedGenerations;
      this.collapsedGenerationsCounted++;
    }
    if (time === null) {
      this.censored.set(horizon, (this.censored.get(horizon) ?? 0) + 1);
      return;
    }
    this.collapsedCount++;
    this.sum += time;
    this.sumOfSquares += time * time;
    this.events.set(time, (this.events.get(time) ?? 0) + 1);
    if (outcome !== null) this.outcomeCounts.set(outcome, (this.outcomeCounts.get(outcome) ?? 0) + 1);
  }

  build(files: readonly string[]): Summary {
    const { provenance, events, censored, outcomeCounts, chains, collapsedCount, absorbedCount, collapsedGenerationsSum, collapsedGenerationsCounted, sum, sumOfSquares } = this;
    const spec = provenance.config;
    const horizon = spec.generations;
    const theory = this.theory;
    const exact = typeof theory === 'string' ? null : theory;
    const survival = kaplanMeier(events, censored);
    const eventTimes = survival.filter((point) => point.events > 0).map((point) => point.time);
    const firstEvent = eventTimes[0] ?? 1;
    const lastEvent = eventTimes[eventTimes.length - 1] ?? horizon;
    let cumulative = 0;
    const sortedEvents = [...events.entries()].sort((a, b) => a[0] - b[0]);
    let next = 0;
    const collapseByTime = timeGrid(firstEvent, lastEvent, horizon).map((time) => {
      while (next < sortedEvents.length && sortedEvents[next][0] <= time) cumulative += sortedEvents[next++][1];
      const interval = wilsonInterval(cumulative, chains);
      const known = exact?.cdfAt ? exact.cdfAt(time) : NaN;
      const value = Number.isNaN(known) ? null : known;
      return {
        time,
        count: cumulative,
        ...interval,
        theory: value === null ? null : { source: exact!.source, value, inside: value >= interval.lower && value <= interval.upper },
      };
    });

    // Outcome theory holds for the absorbed state; compare only when every chain was absorbed.
    const allCollapsed = collapsedCount === chains;
    const outcomes = [...outcomeCounts.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([value, count]) => {
        const interval = wilsonInterval(count, chains);
        const expected = exact?.outcome && allCollapsed ? exact.outcome(value) : null;
        return { value, count, ...interval, theory: expected === null ? null : { source: exact!.source, value: expected, inside: expected >= interval.lower && expected <= interval.upper } };
      });

    let lawTest: Summary['lawTest'] = null;
    if (exact?.cdfAt && exact.knownTo >= 1) {
      // sup_t |F̂(t) − F(t)| over t ≤ through: between two event times F̂ is constant and F
      // increases, so the supremum is at the ends of those stretches (time O(events), not T).
      const through = Math.min(horizon, exact.knownTo);
      const cdfAt = exact.cdfAt;
      let seen = 0;
      let distance = 0;
      let from = 0;
      for (const [time, count] of sortedEvents) {
        if (time > through) break;
        if (time > from) distance = Math.max(distance, Math.abs(seen / chains - cdfAt(from)), Math.abs(seen / chains - cdfAt(time - 1)));
        seen += count;
        distance = Math.max(distance, Math.abs(seen / chains - cdfAt(time)));
        from = time + 1;
      }
      if (from <= through) distance = Math.max(distance, Math.abs(seen / chains - cdfAt(from)), Math.abs(seen / chains - cdfAt(through)));
      lawTest = { source: exact.source, distance, pValue: kolmogorovSurvival(Math.sqrt(chains) * distance), through };
    }

    const meanCollapsed = collapsedCount > 0 ? sum / collapsedCount : null;
    const meanVariance = collapsedCount > 1 ? Math.max(0, (sumOfSquares - collapsedCount * meanCollapsed! * meanCollapsed!) / (collapsedCount - 1)) : null;
    return {
      files,
      provenance,
      chains,
      horizon,
      collapsed: { count: collapsedCount, ...wilsonInterval(collapsedCount, chains) },
      absorbed: { count: absorbedCount, ...wilsonInterval(absorbedCount, chains) },
      meanCollapsedGenerations: collapsedGenerationsCounted > 0 ? collapsedGenerationsSum / collapsedGenerationsCounted : null,
      collapseByTime,
      survival,
      collapseTime: {
        restrictedMean: restrictedMean(survival, horizon),
        meanCollapsed,
        meanCollapsedStandardError: meanVariance === null ? null : Math.sqrt(meanVariance / collapsedCount),
        theoryMean: exact?.mean !== null && exact?.mean !== undefined && allCollapsed ? exact.mean : null,
        quantiles: [0.1, 0.25, 0.5, 0.75, 0.9].map((q) => ({ q, ...survivalQuantile(survival, q) })),
      },
      outcomes,
      lawTest,
      theoryNote: typeof theory === 'string' ? theory : exact?.note ?? null,
    };
  }
}
