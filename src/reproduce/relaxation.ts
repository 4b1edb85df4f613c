/**
 * Starting away from the truth (p₀ ≠ p*): how a mitigated Bernoulli loop relaxes to its
 * stationary law, and how fast, against K fresh truth points, a pseudo-counts (MAP) and
 * an L2 penalty λ. Exact from the finite Markov chain on the generation's count of ones
 * (theory.ts bernoulliLoopLaws): the law of p_t at every t, its total-variation distance to
 * the stationary law, and — without L2 — the mean's exact decay E[p_t] − p* =
 * (M/n)^t (p₀ − p*), n = M + K + a.
 */
import type { TopLevelSpec } from 'vega-lite';
import { chiSquareGoodnessOfFit } from '../stats/hypothesis.js';
import {
  ALPHA,
  SOURCES,
  bonferroni,
  defineExperiment,
  fmt,
  fmtInterval,
  fmtP,
  markdownTable,
  meanEstimate,
  mitigationFlags,
  numericColumn,
  testedClaim,
  zTestP,
  type Claim,
  type MitigationSetting,
} from './context.js';
import { dashLegend, figureTitle, KIND_DASH, LINE_LEGEND } from './figures.js';
import { latticeCounts } from './mitigation.js';
import { bernoulliLoopLaws, lawMean, totalVariation, type BernoulliLoop } from './theory.js';

const SAMPLES = 100;
const TRUTH_P = 0.3;
const START_P = 0.9;
const GENERATIONS = 400;
const EVERY = 20;
/** Where the law, not just the mean, is tested against the exact transient. */
const LAW_TIMES = [20, 100, 400];
/** The relaxation time: the first t with TV(law_t, stationary) ≤ this. */
const TV_LEVEL = 0.05;

const CONFIGURATIONS: readonly MitigationSetting[] = [
  { name: 'K1', label: 'K = 1', groundTruth: 1, prior: 0, l2: 0 },
  { name: 'K5', label: 'K = 5', groundTruth: 5, prior: 0, l2: 0 },
  { name: 'map2', label: 'MAP a = 2', groundTruth: 0, prior: 2, l2: 0 },
  { name: 'map10', label: 'MAP a = 10', groundTruth: 0, prior: 10, l2: 0 },
  { name: 'l2-1', label: 'L2 λ = 1', groundTruth: 0, prior: 0, l2: 1 },
  { name: 'l2-10', label: 'L2 λ = 10', groundTruth: 0, prior: 0, l2: 10 },
];

const loopOf = (configuration: MitigationSetting): BernoulliLoop => ({
  samples: SAMPLES,
  groundTruth: configuration.groundTruth,
  prior: configuration.prior,
  l2: configuration.l2,
  p0: START_P,
  truthP: TRUTH_P,
});

/** The exact relaxation of one configuration: laws at every t ≤ GENERATIONS and the stationary law. */
export function exactRelaxation(loop: BernoulliLoop, horizon: number) {
  const generations = Array.from({ length: horizon }, (_, i) => i + 1);
  const { laws, stationary } = bernoulliLoopLaws(loop, generations);
  const stationaryMean = lawMean(stationary!);
  const means = laws.map(lawMean);
  const distances = laws.map((law) => totalVariation(law.probabilities, stationary!.probabilities));
  const tvTime = distances.findIndex((d) => d <= TV_LEVEL) + 1;
  const gap = loop.p0 - stationaryMean;
  const meanTime = means.findIndex((m) => Math.abs(m - stationaryMean) <= Math.abs(gap) / Math.E) + 1;
  const n = loop.samples + loop.groundTruth + loop.prior;
  return { laws, stationary: stationary!, stationaryMean, means, distances, tvTime, meanTime, meanRate: loop.l2 === 0 ? loop.samples / n : null };
}

interface RelaxationMeta {
  readonly configuration: MitigationSetting;
}

export const relaxation = defineExperiment<RelaxationMeta>({
  id: 'relaxation',
  title: 'Relaxation from away from the truth (Bernoulli, p₀ ≠ p*)',
  plan: (chains) =>
    CONFIGURATIONS.map((configuration) => ({
      folder: 'relaxation',
      point: configuration.name,
      kind: 'relaxation' as const,
      options: {
        family: 'bernoulli',
        samples: SAMPLES,
        p0: START_P,
        'truth-p': TRUTH_P,
        chains: chains('relaxation'),
        generations: GENERATIONS,
        mode: 'sufficient',
        ...mitigationFlags(configuration),
      },
      trajectories: `every:${EVERY},chains:${chains('relaxation')}`,
      meta: { configuration },
    })),
  async analyse(context, runs) {
    const chains = runs[0].run.spec.chains;
    const times = Array.from({ length: GENERATIONS / EVERY }, (_, k) => (k + 1) * EVERY);
    const claims: Claim[] = [];
    const rows: string[][] = [];
    const plotted: Record<string, unknown>[] = [];
    for (const { meta, run } of runs) {
      const { configuration } = meta;
      const loop = loopOf(configuration);
      const exact = exactRelaxation(loop, GENERATIONS);
      const table = run.trajectories!;
      const generation = numericColumn(table, 'generation');
      const p = numericColumn(table, 'p');
      const byTime = new Map<number, number[]>(times.map((t) => [t, []]));
      for (let i = 0; i < table.numRows; i++) byTime.get(generation[i])?.push(p[i]);
      const pValues: number[] = [];
      let missing = 0;
      // Every chain starts at p₀: the simulated line starts there too, not at the first record.
      plotted.push({ t: 0, value: START_P, configuration: configuration.label, kind: 'simulation' });
      for (const t of times) {
        const values = Float64Array.from(byTime.get(t)!);
        missing += chains - values.length;
        const estimate = meanEstimate(values);
        pValues.push(zTestP(estimate, exact.means[t - 1]));
        plotted.push({ t, value: estimate.mean, lower: estimate.lower, upper: estimate.upper, configuration: configuration.label, kind: 'simulation' });
        if (LAW_TIMES.includes(t)) {
          const law = exact.laws[t - 1];
          const { counts, offLattice } = latticeCounts(values, law);
          pValues.push(offLattice > 0 ? 0 : chiSquareGoodnessOfFit(counts, law.probabilities).pValue);
        }
      }
      for (let t = 0; t <= GENERATIONS; t += 5) plotted.push({ t, value: t === 0 ? START_P : exact.means[t - 1], configuration: configuration.label, kind: 'exact' });
      const pValue = missing > 0 ? 0 : bonferroni(pValues);
      const last = meanEstimate(Float64Array.from(byTime.get(GENERATIONS)!));
      rows.push([
        configuration.label,
        exact.meanRate === null ? '— (L2: no closed form)' : `${fmt(exact.meanRate, 4)} → ${fmt(-1 / Math.log(exact.meanRate), 3)}`,
        String(exact.meanTime),
        String(exact.tvTime),
        `${fmt(exact.stationaryMean, 4)}`,
        `${fmtInterval(last)} (exact ${fmt(exact.means[GENERATIONS - 1], 4)})`,
        fmtP(pValue),
      ]);
      claims.push(
        testedClaim({
          experiment: 'Relaxation (Bernoulli)',
          claim: `${configuration.label}, started at p₀ = ${START_P} with the truth at p* = ${TRUTH_P}: the chain relaxes to its stationary law along the exact transient of the finite chain (mean ${START_P} → ${fmt(exact.stationaryMean, 3)}, relaxation time ${exact.tvTime} generations to total variation ${TV_LEVEL}).`,
          origin: 'project',
          source: configuration.l2 > 0 ? `${SOURCES.project} (L2 pulls θ towards 0, p towards ½, not towards the truth)` : `${SOURCES.project}; the pull towards the truth: ${SOURCES.prl}`,
          measured: `mean p at t = ${GENERATIONS}: ${fmtInterval(last)}`,
          prediction: `exact E[p_t] at each recorded t (${fmt(exact.means[GENERATIONS - 1], 4)} at t = ${GENERATIONS}) and the exact law at t ∈ {${LAW_TIMES.join(', ')}}`,
          pValue,
          basis: `z-tests of the mean at the ${times.length} recorded generations and χ² of the law at ${LAW_TIMES.length}, Bonferroni over ${pValues.length}: p = ${fmtP(pValue)} (level ${ALPHA})${missing > 0 ? `; ${missing} trajectory rows missing` : ''}`,
        }),
      );
    }
    const spec: TopLevelSpec = {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title: figureTitle(
        'Relaxation towards the stationary law from p₀ = 0.9 (truth p* = 0.3)',
        [`Bernoulli, M = ${SAMPLES}; ${chains} chains per configuration, recorded every ${EVERY} generations; dots joined by solid lines: simulated mean at each record, with 95 % band; dashed: exact E[p_t] of the finite chain`, context.captionLine()],
        760,
      ),
      width: 560,
      height: 320,
      data: { values: plotted },
      layer: [
        { transform: [{ filter: 'isValid(datum.lower)' }], mark: { type: 'area', opacity: 0.2 }, encoding: { x: { field: 't', type: 'quantitative' }, y: { field: 'lower', type: 'quantitative' }, y2: { field: 'upper' }, color: { field: 'configuration', type: 'nominal', title: 'mitigation', sort: CONFIGURATIONS.map((c) => c.label), legend: { ...LINE_LEGEND, orient: 'right' } } } },
        {
          mark: { type: 'line', strokeWidth: 1.6 },
          encoding: {
            x: { field: 't', type: 'quantitative', title: 'generation t' },
            y: { field: 'value', type: 'quantitative', title: 'mean p_t (probability of a 1)', scale: { domain: [0.2, 0.9] } },
            color: { field: 'configuration', type: 'nominal', title: 'mitigation', sort: CONFIGURATIONS.map((c) => c.label), legend: { ...LINE_LEGEND, orient: 'right' } },
            strokeDash: { field: 'kind', type: 'nominal', title: 'line', scale: { domain: [...KIND_DASH.domain], range: KIND_DASH.range.map((d) => [...d]) }, legend: dashLegend('right') },
            detail: { field: 'kind' },
          },
        },
        {
          // Dots at the recorded generations: between them the solid line is a chord, not data.
          transform: [{ filter: "datum.kind === 'simulation' && datum.t > 0" }],
          mark: { type: 'point', filled: true, size: 22, opacity: 1 },
          encoding: {
            x: { field: 't', type: 'quantitative' },
            y: { field: 'value', type: 'quantitative' },
            color: { field: 'configuration', type: 'nominal', title: 'mitigation', sort: CONFIGURATIONS.map((c) => c.label), legend: { ...LINE_LEGEND, orient: 'right' } },
          },
        },
      ],
    };
    const figures = await context.figure('relaxation', spec);
    return {
      id: 'relaxation',
      title: 'Relaxation from away from the truth (Bernoulli, p₀ ≠ p*)',
      body: [
        `Bernoulli, M = ${SAMPLES}, p₀ = ${START_P}, truth p* = ${TRUTH_P}, ${chains} chains per configuration, ${GENERATIONS} generations, p recorded every ${EVERY}. Exact transient from the finite chain on the generation's count of ones. Without L2 the mean decays exactly as (M/n)^t, n = M + K + a, i.e. with time constant −1/ln(M/n) ≈ M/(K + a); L2 pulls towards θ = 0 (p = ½), not towards p*, so its stationary mean is not p*. Relaxation times: of the mean (first t with |E p_t − E p_∞| ≤ |p₀ − E p_∞|/e) and of the law (first t with total variation to the stationary law ≤ ${TV_LEVEL}), both exact.`,
        '',
        markdownTable(['mitigation', 'M/n → −1/ln(M/n)', 'mean relaxation time (exact)', `t(TV ≤ ${TV_LEVEL}) (exact)`, 'stationary mean (exact)', `mean p_${GENERATIONS} [95 %]`, 'p (all tests)'], rows),
      ].join('\n'),
      claims,
      figures,
    };
  },
});
