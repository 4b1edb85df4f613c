/**
 * Early collapse in the categorical loop: a Zipf law over K = 1000 categories (a
 * vocabulary) loses its rare categories first. Under plain maximum likelihood the expected
 * number of survivors is exact (each category against the rest is two-allele
 * Wright–Fisher); a sharper decoder (temperature < 1, top-k, top-p) should lose them faster.
 */
import type { Table } from 'apache-arrow';
import { parseInitialLaw } from '../families/categorical/index.js';
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
  numericColumn,
  testedClaim,
  upperP,
  zTestP,
  type Claim,
  type MeanEstimate,
} from './context.js';
import { bandedSeriesSpec } from './figures.js';
import { expectedSurvivors } from './theory.js';

const CATEGORIES = 1000;
const SAMPLES = 1000;
const GENERATIONS = 200;
const EVERY = 10;
const INIT = 'zipf:1';

const DECODERS = [
  { name: 'neutral', label: 'maximum likelihood, T = 1', flags: {} },
  { name: 'temperature-0.8', label: 'temperature 0.8', flags: { temperature: 0.8 } },
  { name: 'top-k-100', label: 'top-k, k = 100', flags: { 'top-k': 100 } },
  { name: 'top-p-0.95', label: 'top-p, p = 0.95', flags: { 'top-p': 0.95 } },
] as const;

/** Survivors of every chain at generations 0, EVERY, …, GENERATIONS; a chain that stopped (one survivor left) keeps its last value. */
function survivorsByGeneration(table: Table, chains: number, first: number): Float64Array[] {
  const chain = numericColumn(table, 'chain');
  const generation = numericColumn(table, 'generation');
  const survivors = numericColumn(table, 'survivors');
  const points = GENERATIONS / EVERY + 1;
  const grid = Array.from({ length: points }, () => new Float64Array(chains).fill(NaN));
  const last = new Float64Array(chains).fill(-1);
  const lastValue = new Float64Array(chains);
  for (let i = 0; i < table.numRows; i++) {
    const c = chain[i] - first;
    const g = generation[i];
    if (g % EVERY === 0) grid[g / EVERY][c] = survivors[i];
    if (g > last[c]) {
      last[c] = g;
      lastValue[c] = survivors[i];
    }
  }
  for (let k = 0; k < points; k++) for (let c = 0; c < chains; c++) if (Number.isNaN(grid[k][c]) && k * EVERY > last[c]) grid[k][c] = lastValue[c];
  return grid;
}

interface TailLossMeta {
  readonly decoder: (typeof DECODERS)[number];
}

export const tailLoss = defineExperiment<TailLossMeta>({
  id: 'tail-loss',
  title: 'Tail loss — categorical, Zipf over 1000 categories',
  plan: (chains) =>
    DECODERS.map((decoder) => ({
      folder: 'tail-loss',
      point: decoder.name,
      kind: 'tailLoss' as const,
      options: { family: 'categorical', categories: CATEGORIES, init: INIT, samples: SAMPLES, chains: chains('tailLoss'), generations: GENERATIONS, mode: 'sufficient', ...decoder.flags },
      trajectories: `every:${EVERY},chains:${chains('tailLoss')}`,
      meta: { decoder },
    })),
  async analyse(context, runs) {
    const chains = runs[0].run.spec.chains;
    const times = Array.from({ length: GENERATIONS / EVERY + 1 }, (_, k) => k * EVERY);
    const exact = expectedSurvivors(parseInitialLaw(INIT, 'init', CATEGORIES), SAMPLES, times);
    const estimates = new Map<string, MeanEstimate[]>();
    const plotted: Record<string, unknown>[] = [];
    for (const { meta, run } of runs) {
      const grid = survivorsByGeneration(run.trajectories!, chains, 0);
      const series = grid.map((values) => meanEstimate(values));
      estimates.set(meta.decoder.name, series);
      series.forEach((estimate, k) => plotted.push({ generation: times[k], survivors: estimate.mean, lower: estimate.lower, upper: estimate.upper, decoder: meta.decoder.label, kind: 'simulation' }));
    }
    exact.forEach((value, k) => plotted.push({ generation: times[k], survivors: value, decoder: DECODERS[0].label, kind: 'exact' }));

    const neutral = estimates.get('neutral')!;
    // Bonferroni over the recorded generations after the first (at t = 0 every chain has all K).
    const neutralP = bonferroni(neutral.slice(1).map((estimate, k) => zTestP(estimate, exact[k + 1])));
    const claims: Claim[] = [
      testedClaim({
        experiment: 'Tail loss (categorical)',
        claim: `Rare categories are lost first: from a Zipf law over ${CATEGORIES} categories, the expected number of survivors falls as the exact multi-allele Wright–Fisher law says.`,
        origin: 'published',
        source: `${SOURCES.shumailov} (early collapse: the tails vanish first); the exact E[survivors]: ${SOURCES.project}`,
        measured: `survivors at t = ${EVERY}: ${fmtInterval(neutral[1])}, t = ${GENERATIONS}: ${fmtInterval(neutral[neutral.length - 1])}`,
        prediction: `exact E[survivors]: t = ${EVERY}: ${fmt(exact[1])}, t = ${GENERATIONS}: ${fmt(exact[exact.length - 1])}`,
        pValue: neutralP,
        basis: `z-tests at the ${neutral.length - 1} recorded generations, Bonferroni: p = ${fmtP(neutralP)} (level ${ALPHA})`,
      }),
    ];
    for (const decoder of DECODERS.slice(1)) {
      const series = estimates.get(decoder.name)!;
      // "Fewer at every t" is tested as an intersection–union test: its p-value is the largest
      // of the one-sided p-values of "not fewer" at each recorded generation.
      const pValues = series.slice(1).map((estimate, k) => {
        const other = neutral[k + 1];
        const spread = Math.hypot(estimate.standardError, other.standardError);
        return spread === 0 ? (estimate.mean < other.mean ? 0 : 1) : upperP((other.mean - estimate.mean) / spread);
      });
      const pValue = pValues.some((p) => !Number.isFinite(p)) ? NaN : Math.max(...pValues);
      claims.push(
        testedClaim({
          experiment: 'Tail loss (categorical)',
          claim: `A sharper sampler (${decoder.label}) loses the tail faster than maximum likelihood: fewer categories survive at every recorded generation.`,
          origin: 'project',
          source: `${SOURCES.project}, after ${SOURCES.shumailov}`,
          measured: `survivors at t = ${EVERY}: ${fmtInterval(series[1])}; at t = ${GENERATIONS}: ${fmtInterval(series[series.length - 1])}`,
          prediction: `fewer than maximum likelihood at every t ≥ ${EVERY} (${fmt(neutral[1].mean)} and ${fmt(neutral[neutral.length - 1].mean)})`,
          test: 'effect',
          pValue,
          basis: `one-sided two-sample z-tests of "not fewer" at the ${pValues.length} recorded generations; the claim holds if every one is rejected (intersection–union test): largest p = ${fmtP(pValue)}, level ${ALPHA}`,
        }),
      );
    }
    const rows = times
      .map((t, k) => [String(t), fmt(exact[k]), ...DECODERS.map((decoder) => fmtInterval(estimates.get(decoder.name)![k]))])
      .filter((_, k) => k % 2 === 1 || k === 0);
    const spec = bandedSeriesSpec({
      title: `Tail loss: surviving categories of a Zipf law over ${CATEGORIES} categories`,
      subtitle: [`categorical, M = ${SAMPLES}, started at a Zipf law (exponent 1); ${chains} chains per decoder; bands: 95 %; dashed: exact E[survivors] under maximum likelihood`, context.captionLine()],
      rows: plotted,
      x: { field: 'generation', title: 'generation t' },
      y: { field: 'survivors', title: 'surviving categories (mean over chains)', log: true },
      series: { field: 'decoder', title: 'decoder' },
      legend: 'top-right',
    });
    const figures = await context.figure('tail-loss-survivors', spec);
    return {
      id: 'tail-loss',
      title: 'Tail loss — categorical, Zipf over 1000 categories',
      body: [
        `K = ${CATEGORIES} categories, initial law Zipf (π_j ∝ 1/j), M = ${SAMPLES} samples per generation, ${chains} chains per decoder, ${GENERATIONS} generations recorded every ${EVERY}. The decoder reshapes only the model's own samples (temperature, then top-k, then top-p). Exact theory for maximum likelihood: E[survivors_t] = Σ_j (1 − P(lost by t | π_j)), each category against the rest being two-allele Wright–Fisher with M copies.`,
        '',
        markdownTable(['t', 'exact (ML)', ...DECODERS.map((decoder) => `${decoder.label} [95 %]`)], rows),
      ].join('\n'),
      claims,
      figures,
    };
  },
});
