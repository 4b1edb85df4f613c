/**
 * The mitigations of PRL 136, 197301 (fresh ground-truth points, MAP, regularisation) and
 * of Gerstgrasser et al. 2024 (accumulating data): absorption stops, and the long-run law
 * of the parameter is the one predicted. The Bernoulli loop's model after a generation is
 * a function of that generation's count, so its law at any generation is exact (a finite
 * Markov chain, theory.ts); the Beta law of the diffusion approximation is shown beside it.
 */
import type { TopLevelSpec } from 'vega-lite';
import { chiSquareGoodnessOfFit } from '../stats/hypothesis.js';
import { wilsonInterval } from '../stats/wilson.js';
import { logGamma } from '../math/special.js';
import {
  ALPHA,
  fmt,
  fmtInterval,
  fmtP,
  markdownTable,
  meanEstimate,
  numericColumn,
  twoSidedP,
  varianceEstimate,
  type Claim,
  type ExperimentResult,
  type ReproduceContext,
} from './context.js';
import {
  accumulateTheory,
  bernoulliLoopLaws,
  bernoulliStationaryBeta,
  bernoulliStationaryVariance,
  lawMean,
  lawVariance,
  type BernoulliLoop,
  type LatticeLaw,
} from './theory.js';

const PRL = 'PRL 136, 197301 (2026)';
const SAMPLES = 100;
const TRUTH_P = 0.3;
const GENERATIONS = 1000;

interface Configuration {
  readonly name: string;
  readonly label: string;
  readonly flags: Record<string, string | number>;
  readonly loop: BernoulliLoop;
  readonly source: string;
}

const loop = (overrides: Partial<BernoulliLoop>): BernoulliLoop => ({ samples: SAMPLES, groundTruth: 0, prior: 0, l2: 0, p0: TRUTH_P, truthP: TRUTH_P, ...overrides });

const CONFIGURATIONS: readonly Configuration[] = [
  { name: 'replace', label: 'pure MLE (no mitigation)', flags: {}, loop: loop({}), source: `${PRL}: collapse with probability 1` },
  { name: 'K1', label: 'K = 1 fresh truth point', flags: { 'ground-truth': 1 }, loop: loop({ groundTruth: 1 }), source: `${PRL}: one ground-truth point per iteration prevents collapse` },
  { name: 'K2', label: 'K = 2 fresh truth points', flags: { 'ground-truth': 2 }, loop: loop({ groundTruth: 2 }), source: PRL },
  { name: 'K5', label: 'K = 5 fresh truth points', flags: { 'ground-truth': 5 }, loop: loop({ groundTruth: 5 }), source: PRL },
  { name: 'map', label: 'MAP, a = 2 pseudo-counts', flags: { prior: 2 }, loop: loop({ prior: 2 }), source: `${PRL}: maximum a posteriori estimation prevents collapse` },
  { name: 'l2', label: 'L2, λ = 1 on θ', flags: { l2: 1 }, loop: loop({ l2: 1 }), source: `${PRL}: regularisation prevents collapse` },
];

/** Index of each value in the law's lattice (its values increase with the count). */
function latticeCounts(values: Float64Array, law: LatticeLaw): Float64Array {
  const counts = new Float64Array(law.values.length);
  for (const value of values) {
    let low = 0;
    let high = law.values.length - 1;
    while (high - low > 1) {
      const mid = (low + high) >> 1;
      if (law.values[mid] <= value) low = mid;
      else high = mid;
    }
    const nearest = Math.abs(law.values[high] - value) < Math.abs(law.values[low] - value) ? high : low;
    if (Math.abs(law.values[nearest] - value) > 1e-9) throw new Error(`p = ${value} is not a value the loop can take`);
    counts[nearest]++;
  }
  return counts;
}

function betaDensity(x: number, alpha: number, beta: number): number {
  if (x <= 0 || x >= 1) return 0;
  return Math.exp((alpha - 1) * Math.log(x) + (beta - 1) * Math.log1p(-x) + logGamma(alpha + beta) - logGamma(alpha) - logGamma(beta));
}

export async function mitigation(context: ReproduceContext): Promise<ExperimentResult> {
  const chains = context.chains('mitigation');
  const rows: string[][] = [];
  const claims: Claim[] = [];
  const plotted: Record<string, unknown>[] = [];
  for (const configuration of CONFIGURATIONS) {
    const run = await context.run('mitigation', configuration.name, { family: 'bernoulli', samples: SAMPLES, p0: TRUTH_P, chains, generations: GENERATIONS, mode: 'sufficient', ...configuration.flags });
    const final = numericColumn(run.table, 'final_p');
    const touched = numericColumn(run.table, 'collapse_time').filter((t) => !Number.isNaN(t)).length;
    const { laws, stationary } = bernoulliLoopLaws(configuration.loop, [GENERATIONS]);
    const law = laws[0];
    const n = law.values.length - 1;
    const boundaryExact = law.probabilities[0] + law.probabilities[n];
    const atBoundary = final.filter((p) => p === 0 || p === 1).length;
    const boundary = wilsonInterval(atBoundary, chains);
    if (configuration.name === 'replace') {
      const p = twoSidedP((atBoundary - chains * boundaryExact) / Math.sqrt(chains * boundaryExact * (1 - boundaryExact)));
      claims.push({
        experiment: 'Mitigation (Bernoulli)',
        claim: 'Without mitigation every chain is absorbed (p ∈ {0, 1}).',
        source: configuration.source,
        measured: `absorbed by t = ${GENERATIONS}: ${fmtInterval(boundary)}`,
        prediction: `${fmt(boundaryExact, 6)} (Wright–Fisher transition matrix, M = ${SAMPLES})`,
        verdict: p >= ALPHA ? 'supported' : 'not supported',
        basis: `binomial z-test against the exact probability: p = ${fmtP(p)}`,
        pValue: p,
      });
      rows.push([configuration.label, fmtInterval(boundary), fmt(boundaryExact, 4), '—', '—', '—', '—']);
      continue;
    }
    const counts = latticeCounts(final, law);
    const fit = chiSquareGoodnessOfFit(counts, law.probabilities);
    const mean = meanEstimate(final);
    const variance = varianceEstimate(final);
    const exactMean = lawMean(law);
    const exactVariance = lawVariance(law);
    const closedForm = configuration.loop.l2 === 0 ? bernoulliStationaryVariance(configuration.loop) : null;
    const beta = configuration.loop.l2 === 0 ? bernoulliStationaryBeta(configuration.loop) : null;
    const stationaryGap = stationary === null ? 0 : law.probabilities.reduce((total, p, i) => total + Math.abs(p - stationary.probabilities[i]), 0) / 2;
    const lattice = 1 / (configuration.loop.samples + configuration.loop.groundTruth + configuration.loop.prior);
    for (let c = 0; c <= n; c++) {
      plotted.push({ configuration: configuration.label, p: law.values[c], curve: 'simulation', probability: counts[c] / chains });
      plotted.push({ configuration: configuration.label, p: law.values[c], curve: 'exact law at t = 1000', probability: law.probabilities[c] });
      if (beta !== null) plotted.push({ configuration: configuration.label, p: law.values[c], curve: 'Beta (diffusion approximation)', probability: betaDensity(law.values[c], beta.alpha, beta.beta) * lattice });
    }
    rows.push([
      configuration.label,
      fmtInterval(boundary),
      fmt(boundaryExact, 4),
      `${fmtInterval(mean)} (exact ${fmt(exactMean)})`,
      `${fmtInterval(variance)} (exact ${fmt(exactVariance)}${closedForm === null ? '' : `; closed form ${fmt(closedForm)}`})`,
      beta === null ? '— (exact chain only)' : `Beta(${fmt(beta.alpha, 3)}, ${fmt(beta.beta, 3)}): variance ${fmt((beta.alpha * beta.beta) / ((beta.alpha + beta.beta) ** 2 * (beta.alpha + beta.beta + 1)))}`,
      `χ² ${fmt(fit.statistic)} on ${fit.size} d.f., p = ${fmtP(fit.pValue)}`,
    ]);
    claims.push({
      experiment: 'Mitigation (Bernoulli)',
      claim: `${configuration.label}: absorption stops, and p settles into a non-degenerate stationary law (touched a boundary: ${touched} of ${chains} chains, all of which left it again or were pulled back).`,
      source: configuration.source,
      measured: `at t = ${GENERATIONS}: share at p ∈ {0, 1} ${fmtInterval(boundary)}; Var p ${fmtInterval(variance)}`,
      prediction: `exact law of p_t (${n + 1}-state chain): share at the boundary ${fmt(boundaryExact, 4)}, Var ${fmt(exactVariance)}; within ${fmt(stationaryGap, 2)} (total variation) of its stationary law`,
      verdict: fit.pValue >= ALPHA && boundaryExact < 0.5 ? 'supported' : 'not supported',
      basis: `χ² goodness of fit of the ${chains} final values to the exact law: p = ${fmtP(fit.pValue)} (level ${ALPHA})`,
      pValue: fit.pValue,
    });
  }

  // The accumulate regime: p_t = all ones so far / all points so far.
  const accumulate = await context.run('mitigation', 'accumulate', { family: 'bernoulli', samples: SAMPLES, p0: TRUTH_P, chains, generations: GENERATIONS, mode: 'sufficient', regime: 'accumulate' });
  const accumulated = numericColumn(accumulate.table, 'final_p');
  const accumulateCollapsed = numericColumn(accumulate.table, 'collapse_time').filter((t) => !Number.isNaN(t)).length;
  const accumulateMean = meanEstimate(accumulated);
  const accumulateVariance = varianceEstimate(accumulated);
  const predictedVariance = accumulateTheory.variance(SAMPLES, TRUTH_P, GENERATIONS);
  const limitVariance = (TRUTH_P * (1 - TRUTH_P) * Math.PI ** 2) / (6 * SAMPLES);
  const zMean = (accumulateMean.mean - TRUTH_P) / accumulateMean.standardError;
  const zVariance = (accumulateVariance.mean - predictedVariance) / accumulateVariance.standardError;
  const accumulateP = Math.min(1, 2 * Math.min(twoSidedP(zMean), twoSidedP(zVariance)));
  rows.push([
    'accumulate (all data so far)',
    `${accumulateCollapsed} collapsed`,
    fmt(accumulateTheory.collapseProbability(SAMPLES, TRUTH_P), 3),
    `${fmtInterval(accumulateMean)} (exact ${TRUTH_P})`,
    `${fmtInterval(accumulateVariance)} (exact ${fmt(predictedVariance)}; t → ∞: p₀q₀π²/(6M) = ${fmt(limitVariance)})`,
    '—',
    `z = ${fmt(zMean, 3)} (mean), ${fmt(zVariance, 3)} (variance)`,
  ]);
  claims.push({
    experiment: 'Mitigation (Bernoulli)',
    claim: 'Accumulating all data: the error stays bounded (variance → p₀q₀π²/(6M)) and the chain does not collapse.',
    source: 'Gerstgrasser et al. 2024 (arXiv:2404.01413); Dey & Donoho 2024',
    measured: `Var p_${GENERATIONS} ${fmtInterval(accumulateVariance)}; mean ${fmtInterval(accumulateMean)}; collapsed ${accumulateCollapsed} of ${chains}`,
    prediction: `Var = p₀q₀(1 − Π_{s≤t}(1 − 1/(s²M))) = ${fmt(predictedVariance)}; mean p₀ = ${TRUTH_P}; P(collapse) = p₀^M + q₀^M = ${fmt(accumulateTheory.collapseProbability(SAMPLES, TRUTH_P), 3)}`,
    verdict: accumulateP >= ALPHA && accumulateCollapsed === 0 ? 'supported' : 'not supported',
    basis: `z-tests of mean and variance against the exact moments, Bonferroni over the two: p = ${fmtP(accumulateP)}`,
    pValue: accumulateCollapsed === 0 ? accumulateP : 0,
  });

  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: `Mitigations: the law of p after ${GENERATIONS} generations`,
      subtitle: [`Bernoulli, M = ${SAMPLES}, p₀ = p* = ${TRUTH_P}; ${chains} chains each; blue bars: simulation; red line: exact law of the finite chain; grey dashed: Beta of the diffusion approximation (density × lattice step)`, context.captionLine()],
      anchor: 'start',
    },
    data: { values: plotted },
    facet: { field: 'configuration', type: 'nominal', title: null, sort: CONFIGURATIONS.map((c) => c.label) },
    columns: 3,
    spec: {
      width: 260,
      height: 180,
      layer: [
        { transform: [{ filter: "datum.curve === 'simulation'" }], mark: { type: 'bar', opacity: 0.5, color: '#1f77b4' }, encoding: { x: { field: 'p', type: 'quantitative', title: 'p at t = 1000', scale: { domain: [0, 1] } }, y: { field: 'probability', type: 'quantitative', title: 'probability' } } },
        {
          transform: [{ filter: "datum.curve === 'exact law at t = 1000'" }],
          mark: { type: 'line', strokeWidth: 1.5, color: '#d62728' },
          encoding: { x: { field: 'p', type: 'quantitative' }, y: { field: 'probability', type: 'quantitative' } },
        },
        {
          transform: [{ filter: "datum.curve === 'Beta (diffusion approximation)'" }],
          mark: { type: 'line', strokeWidth: 1.2, color: '#444444', strokeDash: [5, 3] },
          encoding: { x: { field: 'p', type: 'quantitative' }, y: { field: 'probability', type: 'quantitative' } },
        },
      ],
    },
    resolve: { scale: { y: 'independent' } },
  };
  const figures = await context.figure('mitigation-stationary-laws', spec);

  return {
    id: 'mitigation',
    title: 'Mitigations — fresh data, MAP, L2, accumulation (Bernoulli)',
    body: [
      `Bernoulli loop, M = ${SAMPLES}, p₀ = p* = ${TRUTH_P}, ${chains} chains per configuration, ${GENERATIONS} generations (the chains never stop: a mitigated chain that touches p ∈ {0, 1} is pulled back). The prediction for each configuration is the exact law of p at t = ${GENERATIONS}: the model after a generation is a function of its count of ones, c ∈ {0 … M + K}, a Markov chain with P(c → c′) = (Binomial(M, f(c)) ∗ Binomial(K, p*))(c′), f the fit (pseudo-counts and the L2 penalty included). Its stationary variance with K truth points or a pseudo-counts has the closed form V = p*q*(M + K)/(n² − M² + M), n = M + K + a; the Beta(2(K + a)p*, 2(K + a)q*) law is its diffusion approximation (docs/reproduction/theory.md).`,
      '',
      markdownTable(['configuration', 'share at p ∈ {0,1} at t [95 %]', 'exact', 'mean p_t [95 %]', 'Var p_t [95 %]', 'Beta approximation', 'test against the exact law'], rows),
    ].join('\n'),
    claims,
    figures,
  };
}

/** The Ising model with one fresh truth sample per generation (θ₂ = 0): Wright–Fisher with N·M + N·K copies, exactly. */
export async function isingMitigation(context: ReproduceContext): Promise<ExperimentResult> {
  const chains = context.chains('isingMitigation');
  const spins = 10;
  const samples = 50;
  const m0 = -0.4;
  const generations = GENERATIONS;
  const run = await context.run('mitigation', 'ising-K1', { family: 'ising', spins, samples, m0, chains, generations, mode: 'sufficient', 'ground-truth': 1 });
  const final = numericColumn(run.table, 'final_m');
  const up = final.map((m) => (1 + m) / 2);
  const p0 = (1 + m0) / 2;
  // Independent spins: a generation is N·M synthetic and N·K real spin draws.
  const equivalent: BernoulliLoop = { samples: spins * samples, groundTruth: spins, prior: 0, l2: 0, p0, truthP: p0 };
  const law = bernoulliLoopLaws(equivalent, [generations]).laws[0];
  const fit = chiSquareGoodnessOfFit(latticeCounts(up, law), law.probabilities);
  const variance = varianceEstimate(final);
  const exactVariance = 4 * lawVariance(law);
  const closedForm = 4 * bernoulliStationaryVariance(equivalent);
  const beta = bernoulliStationaryBeta({ groundTruth: spins, prior: 0, truthP: p0 });
  const claims: Claim[] = [
    {
      experiment: 'Mitigation (Ising)',
      claim: 'Ising (N = 10, M = 50, θ₂ = 0) with one ground-truth sample per generation is not absorbed; φ̄₁ settles into a stationary law (≈ 2·Beta(2N p*, 2N q*) − 1).',
      source: PRL,
      measured: `Var φ̄₁ at t = ${generations}: ${fmtInterval(variance)}; polarised at t: ${final.filter((m) => Math.abs(m) === 1).length} of ${chains}`,
      prediction: `exact law (Wright–Fisher with ${spins * samples} + ${spins} copies): Var ${fmt(exactVariance)} (stationary closed form ${fmt(closedForm)}; Beta(${fmt(beta.alpha, 3)}, ${fmt(beta.beta, 3)}) approximation)`,
      verdict: fit.pValue >= ALPHA ? 'supported' : 'not supported',
      basis: `χ² goodness of fit to the exact law: ${fmt(fit.statistic)} on ${fit.size} d.f., p = ${fmtP(fit.pValue)}`,
      pValue: fit.pValue,
    },
  ];
  return {
    id: 'ising-mitigation',
    title: 'Mitigation — Ising with one ground-truth sample per generation',
    body: `N = ${spins}, M = ${samples}, θ₂ = 0, φ̄₁,₀ = φ̄₁* = ${m0}, K = 1, ${chains} chains, ${generations} generations. With θ₂ = 0 the spins are independent, so a generation is ${spins * samples} synthetic and ${spins} real spins: the Bernoulli loop with those counts, whose law is exact. The Beta parameters count the truth in spins (2·N·K·p*).`,
    claims,
    figures: [],
  };
}
