/**
 * The mitigations of PRL 136, 197301 (fresh ground-truth points, MAP, regularisation) and
 * of Gerstgrasser et al. 2024 (accumulating data): absorption stops, and the long-run law
 * of the parameter is the one predicted. The Bernoulli loop's model after a generation is
 * a function of that generation's count, so its law at any generation is exact (a finite
 * Markov chain, theory.ts); the Beta law of the diffusion approximation is shown beside it.
 */
import type { TopLevelSpec } from 'vega-lite';
import { chiSquareGoodnessOfFit, ksDiscreteCounts } from '../stats/hypothesis.js';
import { wilsonInterval } from '../stats/wilson.js';
import { logGamma } from '../math/special.js';
import {
  ALPHA,
  SOURCES,
  binomialTwoSided,
  bonferroni,
  defineExperiment,
  fmt,
  fmtInterval,
  fmtP,
  markdownTable,
  meanEstimate,
  numericColumn,
  testedClaim,
  twoSidedP,
  varianceEstimate,
  zTestP,
  type Claim,
} from './context.js';
import { COUPLING_SCALE } from './fig1.js';
import { figureTitle, LINE_LEGEND } from './figures.js';
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

const PRL = SOURCES.prl;
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
  { name: 'replace', label: 'pure MLE (no mitigation)', flags: {}, loop: loop({}), source: `${PRL} (maximum likelihood converges to absorbing states)` },
  { name: 'K1', label: 'K = 1 fresh truth point', flags: { 'ground-truth': 1 }, loop: loop({ groundTruth: 1 }), source: `${PRL} (at least one ground-truth point per iteration prevents collapse)` },
  { name: 'K2', label: 'K = 2 fresh truth points', flags: { 'ground-truth': 2 }, loop: loop({ groundTruth: 2 }), source: `${PRL} (ground-truth points prevent collapse)` },
  { name: 'K5', label: 'K = 5 fresh truth points', flags: { 'ground-truth': 5 }, loop: loop({ groundTruth: 5 }), source: `${PRL} (ground-truth points prevent collapse)` },
  { name: 'map', label: 'MAP, a = 2 pseudo-counts', flags: { prior: 2 }, loop: loop({ prior: 2 }), source: `${PRL} (maximum a posteriori estimation prevents collapse)` },
  { name: 'l2', label: 'L2, λ = 1 on θ', flags: { l2: 1 }, loop: loop({ l2: 1 }), source: `${PRL} (regularisation prevents collapse)` },
];

/**
 * How many of `values` fall on each value of the law's lattice (its values increase with
 * the count), and how many on none: a value the loop cannot take is a disagreement the
 * verdict must see, not an error.
 */
export function latticeCounts(values: Float64Array, law: LatticeLaw): { counts: Float64Array; offLattice: number } {
  const counts = new Float64Array(law.values.length);
  let offLattice = 0;
  for (const value of values) {
    let low = 0;
    let high = law.values.length - 1;
    while (high - low > 1) {
      const mid = (low + high) >> 1;
      if (law.values[mid] <= value) low = mid;
      else high = mid;
    }
    const nearest = Math.abs(law.values[high] - value) < Math.abs(law.values[low] - value) ? high : low;
    if (!(Math.abs(law.values[nearest] - value) <= 1e-9)) offLattice++;
    else counts[nearest]++;
  }
  return { counts, offLattice };
}

function betaDensity(x: number, alpha: number, beta: number): number {
  if (x <= 0 || x >= 1) return 0;
  return Math.exp((alpha - 1) * Math.log(x) + (beta - 1) * Math.log1p(-x) + logGamma(alpha + beta) - logGamma(alpha) - logGamma(beta));
}


interface MitigationMeta {
  readonly configuration: Configuration | null;
}

export const mitigation = defineExperiment<MitigationMeta>({
  id: 'mitigation',
  title: 'Mitigations — fresh data, MAP, L2, accumulation (Bernoulli)',
  plan: (chains) => [
    ...CONFIGURATIONS.map((configuration) => ({
      folder: 'mitigation',
      point: configuration.name,
      kind: 'mitigation' as const,
      options: { family: 'bernoulli', samples: SAMPLES, p0: TRUTH_P, chains: chains('mitigation'), generations: GENERATIONS, mode: 'sufficient', ...configuration.flags },
      trajectories: null,
      meta: { configuration },
    })),
    {
      folder: 'mitigation',
      point: 'accumulate',
      kind: 'mitigation' as const,
      options: { family: 'bernoulli', samples: SAMPLES, p0: TRUTH_P, chains: chains('mitigation'), generations: GENERATIONS, mode: 'sufficient', regime: 'accumulate' },
      trajectories: null,
      meta: { configuration: null },
    },
  ],
  async analyse(context, runs) {
    const chains = runs[0].run.spec.chains;
    const rows: string[][] = [];
    const claims: Claim[] = [];
    const plotted: Record<string, unknown>[] = [];
    for (const { meta, run } of runs) {
      const configuration = meta.configuration;
      if (configuration === null) continue;
      const final = numericColumn(run.table, 'final_p');
      const touched = numericColumn(run.table, 'collapse_time').filter((t) => !Number.isNaN(t)).length;
      const { laws, stationary } = bernoulliLoopLaws(configuration.loop, [GENERATIONS]);
      const law = laws[0];
      const n = law.values.length - 1;
      // The same event on both sides: the model is degenerate (p ∈ {0, 1}) …
      const degenerateExact = law.probabilities.reduce((total, probability, c) => total + (law.values[c] === 0 || law.values[c] === 1 ? probability : 0), 0);
      const degenerate = final.filter((p) => p === 0 || p === 1).length;
      // … and the generation's M + K points were all 0 or all 1 (the lattice's end states; p = 0 or 1 only without a prior or penalty).
      const { counts, offLattice } = latticeCounts(final, law);
      const endExact = law.probabilities[0] + law.probabilities[n];
      const endCount = counts[0] + counts[n];
      if (configuration.name === 'replace') {
        const p = binomialTwoSided(chains - degenerate, chains, 1 - degenerateExact);
        claims.push(
          testedClaim({
            experiment: 'Mitigation (Bernoulli)',
            claim: 'Without mitigation every chain is absorbed (p ∈ {0, 1}).',
            origin: 'paper',
            source: configuration.source,
            measured: `absorbed by t = ${GENERATIONS}: ${fmtInterval(wilsonInterval(degenerate, chains))}`,
            prediction: `${fmt(degenerateExact, 6)} (Wright–Fisher transition matrix, M = ${SAMPLES})`,
            pValue: p,
            basis: `exact two-sided binomial test of the unabsorbed count against 1 − ${fmt(degenerateExact, 6)}: p = ${fmtP(p)}`,
          }),
        );
        rows.push([configuration.label, `${fmtInterval(wilsonInterval(endCount, chains))} (exact ${fmt(endExact, 4)})`, `${fmtInterval(wilsonInterval(degenerate, chains))} (exact ${fmt(degenerateExact, 4)})`, '—', '—', '—', '—']);
        continue;
      }
      const fit = chiSquareGoodnessOfFit(counts, law.probabilities);
      // χ² over ~100 cells has little power against a shift of the whole law: the KS
      // distance and the first two moments are tested beside it.
      const lawCdf = new Float64Array(n + 1);
      for (let c = 0, total = 0; c <= n; c++) lawCdf[c] = total += law.probabilities[c];
      const ks = ksDiscreteCounts(counts, chains - offLattice, lawCdf);
      const endP = binomialTwoSided(endCount, chains, endExact);
      const degenerateP = binomialTwoSided(degenerate, chains, degenerateExact);
      const mean = meanEstimate(final);
      const variance = varianceEstimate(final);
      const exactMean = lawMean(law);
      const exactVariance = lawVariance(law);
      const meanZ = (mean.mean - exactMean) / mean.standardError;
      const varianceZ = (variance.mean - exactVariance) / variance.standardError;
      const meanP = zTestP(mean, exactMean);
      const varianceP = zTestP(variance, exactVariance);
      const pValue = offLattice > 0 ? 0 : bonferroni([fit.pValue, ks.pValue, meanP, varianceP, endP, degenerateP]);
      const closedForm = configuration.loop.l2 === 0 ? bernoulliStationaryVariance(configuration.loop) : null;
      const beta = configuration.loop.l2 === 0 ? bernoulliStationaryBeta(configuration.loop) : null;
      const stationaryGap = stationary === null ? 0 : law.probabilities.reduce((total, p, i) => total + Math.abs(p - stationary.probabilities[i]), 0) / 2;
      const lattice = 1 / (configuration.loop.samples + configuration.loop.groundTruth + configuration.loop.prior);
      for (let c = 0; c <= n; c++) {
        plotted.push({ configuration: configuration.label, p: law.values[c], curve: 'simulation', probability: counts[c] / chains });
        plotted.push({ configuration: configuration.label, p: law.values[c], curve: `exact law at t = ${GENERATIONS}`, probability: law.probabilities[c] });
        if (beta !== null) plotted.push({ configuration: configuration.label, p: law.values[c], curve: 'Beta (diffusion approximation)', probability: betaDensity(law.values[c], beta.alpha, beta.beta) * lattice });
      }
      rows.push([
        configuration.label,
        `${fmtInterval(wilsonInterval(endCount, chains))} (exact ${fmt(endExact, 4)})`,
        `${fmtInterval(wilsonInterval(degenerate, chains))} (exact ${fmt(degenerateExact, 4)})`,
        `${fmtInterval(mean)} (exact ${fmt(exactMean)})`,
        `${fmtInterval(variance)} (exact ${fmt(exactVariance)}${closedForm === null ? '' : `; closed form ${fmt(closedForm)}`})`,
        beta === null ? '— (exact chain only)' : `Beta(${fmt(beta.alpha, 3)}, ${fmt(beta.beta, 3)}): variance ${fmt((beta.alpha * beta.beta) / ((beta.alpha + beta.beta) ** 2 * (beta.alpha + beta.beta + 1)))}`,
        `χ² ${fmt(fit.statistic)} on ${fit.size} d.f., p = ${fmtP(fit.pValue)}; KS p = ${fmtP(ks.pValue)}; z = ${fmt(meanZ, 3)} (mean), ${fmt(varianceZ, 3)} (variance)${offLattice > 0 ? `; ${offLattice} values off the lattice` : ''}`,
      ]);
      claims.push(
        testedClaim({
          experiment: 'Mitigation (Bernoulli)',
          claim: `${configuration.label}: absorption stops, and p settles into the non-degenerate law of the exact chain${configuration.loop.l2 > 0 ? ', centred near p = ½ (the penalty pulls θ towards 0), not on the truth' : ''} (${touched} of ${chains} chains touched p ∈ {0, 1} at some generation and were pulled back).`,
          origin: 'paper',
          source: configuration.source,
          measured: `at t = ${GENERATIONS}: data all 0 or all 1 in ${fmtInterval(wilsonInterval(endCount, chains))}; model degenerate (p ∈ {0, 1}) in ${fmtInterval(wilsonInterval(degenerate, chains))}; mean p ${fmtInterval(mean)}; Var p ${fmtInterval(variance)}`,
          prediction: `exact law of p_t (${n + 1}-state chain): data all 0 or all 1 with probability ${fmt(endExact, 4)}, model degenerate with probability ${fmt(degenerateExact, 4)}, mean ${fmt(exactMean, 4)}, Var ${fmt(exactVariance)}; within ${fmt(stationaryGap, 2)} (total variation) of its stationary law`,
          pValue,
          basis: `χ² goodness of fit of the ${chains} final values to the exact law (p = ${fmtP(fit.pValue)}), KS distance to it (p = ${fmtP(ks.pValue)}), z-tests of the mean (z = ${fmt(meanZ, 3)}, p = ${fmtP(meanP)}) and the variance (z = ${fmt(varianceZ, 3)}, p = ${fmtP(varianceP)}), exact binomial tests of the all-0-or-1 count (p = ${fmtP(endP)}) and of the degenerate count (p = ${fmtP(degenerateP)}); Bonferroni over six: p = ${fmtP(pValue)}${offLattice > 0 ? `; ${offLattice} final values are not values the loop can take` : ''}`,
        }),
      );
    }

    // The accumulate regime: p_t = all ones so far / all points so far.
    const accumulate = runs.find((r) => r.meta.configuration === null)!.run;
    const accumulated = numericColumn(accumulate.table, 'final_p');
    const accumulateCollapsed = numericColumn(accumulate.table, 'collapse_time').filter((t) => !Number.isNaN(t)).length;
    const accumulateMean = meanEstimate(accumulated);
    const accumulateVariance = varianceEstimate(accumulated);
    const predictedVariance = accumulateTheory.variance(SAMPLES, TRUTH_P, GENERATIONS);
    // Π_s (1 − x²/s²) = sin(πx)/(πx): the t → ∞ variance in closed form, π²/(6M) to leading order.
    const limitArgument = Math.PI / Math.sqrt(SAMPLES);
    const limitVariance = TRUTH_P * (1 - TRUTH_P) * (1 - Math.sin(limitArgument) / limitArgument);
    const leadingVariance = (TRUTH_P * (1 - TRUTH_P) * Math.PI ** 2) / (6 * SAMPLES);
    const collapseExact = accumulateTheory.collapseProbability(SAMPLES, TRUTH_P);
    const accumulateP = bonferroni([zTestP(accumulateMean, TRUTH_P), zTestP(accumulateVariance, predictedVariance), binomialTwoSided(accumulateCollapsed, chains, collapseExact)]);
    rows.push([
      'accumulate (all data so far)',
      '—',
      `${accumulateCollapsed} collapsed (exact ${fmt(collapseExact, 3)})`,
      `${fmtInterval(accumulateMean)} (exact ${TRUTH_P})`,
      `${fmtInterval(accumulateVariance)} (exact ${fmt(predictedVariance)}; t → ∞: p₀q₀(1 − sin(π/√M)/(π/√M)) = ${fmt(limitVariance)}, p₀q₀π²/(6M) = ${fmt(leadingVariance)} to leading order)`,
      '—',
      `z = ${fmt((accumulateMean.mean - TRUTH_P) / accumulateMean.standardError, 3)} (mean), ${fmt((accumulateVariance.mean - predictedVariance) / accumulateVariance.standardError, 3)} (variance)`,
    ]);
    claims.push(
      testedClaim({
        experiment: 'Mitigation (Bernoulli)',
        claim: 'Accumulating all data: the error stays bounded (variance → p₀q₀(1 − sin(π/√M)/(π/√M)) ≈ p₀q₀π²/(6M)) and the chain does not collapse.',
        origin: 'published',
        source: `${SOURCES.gerstgrasser}; the exact Bernoulli variance: ${SOURCES.project}`,
        measured: `Var p_${GENERATIONS} ${fmtInterval(accumulateVariance)}; mean ${fmtInterval(accumulateMean)}; collapsed ${accumulateCollapsed} of ${chains}`,
        prediction: `Var = p₀q₀(1 − Π_{s≤t}(1 − 1/(s²M))) = ${fmt(predictedVariance)}; mean p₀ = ${TRUTH_P}; P(collapse) = p₀^M + q₀^M = ${fmt(collapseExact, 3)}`,
        pValue: accumulateP,
        basis: `z-tests of mean and variance against the exact moments and the exact binomial test of the collapsed count, Bonferroni over three: p = ${fmtP(accumulateP)}`,
      }),
    );

    const panelWidth = 240;
    const spec: TopLevelSpec = {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title: figureTitle(
        `Mitigations: the law of p after ${GENERATIONS} generations`,
        [`Bernoulli, M = ${SAMPLES}, p₀ = p* = ${TRUTH_P}; ${chains} chains each; bars: simulation (share of chains at each value of p); solid: exact law of the finite chain; dashed: Beta of the diffusion approximation (density × lattice step)`, context.captionLine()],
        3 * panelWidth + 200,
      ),
      data: { values: plotted },
      facet: { field: 'configuration', type: 'nominal', title: null, sort: CONFIGURATIONS.map((c) => c.label), header: { labelFontSize: 11 } },
      // Three panels a row: five in one row is too wide to read at page width.
      columns: 3,
      spec: {
        width: panelWidth,
        height: 170,
        layer: [
          { transform: [{ filter: "datum.curve === 'simulation'" }], mark: { type: 'bar', opacity: 0.45, color: '#1f77b4' }, encoding: { x: { field: 'p', type: 'quantitative', title: `p at t = ${GENERATIONS}`, scale: { domain: [0, 1] } }, y: { field: 'probability', type: 'quantitative', title: 'probability' } } },
          {
            transform: [{ filter: "datum.curve !== 'simulation'" }],
            mark: { type: 'line', strokeWidth: 1.5 },
            encoding: {
              x: { field: 'p', type: 'quantitative' },
              y: { field: 'probability', type: 'quantitative' },
              color: { field: 'curve', type: 'nominal', title: null, scale: { domain: [`exact law at t = ${GENERATIONS}`, 'Beta (diffusion approximation)'], range: ['#d62728', '#444444'] }, legend: { ...LINE_LEGEND, orient: 'top' } },
              strokeDash: { field: 'curve', type: 'nominal', scale: { domain: [`exact law at t = ${GENERATIONS}`, 'Beta (diffusion approximation)'], range: [[1, 0], [5, 3]] }, legend: { ...LINE_LEGEND, orient: 'top' } },
            },
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
        `Bernoulli loop, M = ${SAMPLES}, p₀ = p* = ${TRUTH_P}, ${chains} chains per configuration, ${GENERATIONS} generations (the chains never stop: a mitigated chain that touches p ∈ {0, 1} is pulled back). The prediction for each configuration is the exact law of p at t = ${GENERATIONS}: the model after a generation is a function of its count of ones, c ∈ {0 … M + K}, a Markov chain with P(c → c′) = (Binomial(M, f(c)) ∗ Binomial(K, p*))(c′), f the fit (pseudo-counts and the L2 penalty included). Two events are counted alike on both sides: the generation's points were all 0 or all 1 (c ∈ {0, M + K}; with a prior or a penalty that model is not degenerate: MAP gives p = a p*/(M + a) there), and the model is degenerate (p ∈ {0, 1}). The stationary variance with K truth points or a pseudo-counts has the closed form V = p*q*(M + K)/(n² − M² + M), n = M + K + a; the Beta(2(K + a)p*, 2(K + a)q*) law is its diffusion approximation (docs/reproduction/theory.md).`,
        '',
        markdownTable(['configuration', 'data all 0 or all 1 at t [95 %]', 'model degenerate, p ∈ {0,1} [95 %]', 'mean p_t [95 %]', 'Var p_t [95 %]', 'Beta approximation', 'test against the exact law'], rows),
      ].join('\n'),
      claims,
      figures,
    };
  },
});

interface IsingMitigationMeta {
  readonly spins: number;
  readonly samples: number;
  readonly m0: number;
}

/** The Ising model with one fresh truth sample per generation (θ₂ = 0): Wright–Fisher with N·M + N·K copies, exactly. */
export const isingMitigation = defineExperiment<IsingMitigationMeta>({
  id: 'ising-mitigation',
  title: 'Mitigation — Ising with one ground-truth sample per generation',
  plan: (chains) => [
    {
      folder: 'mitigation',
      point: 'ising-K1',
      kind: 'isingMitigation',
      options: { family: 'ising', spins: 10, samples: 50, m0: -0.4, 'coupling-scale': COUPLING_SCALE, chains: chains('isingMitigation'), generations: GENERATIONS, mode: 'sufficient', 'ground-truth': 1 },
      trajectories: null,
      meta: { spins: 10, samples: 50, m0: -0.4 },
    },
  ],
  async analyse(_context, [{ meta, run }]) {
    const { spins, samples, m0 } = meta;
    const chains = run.spec.chains;
    const generations = run.spec.generations;
    const final = numericColumn(run.table, 'final_m');
    const up = final.map((m) => (1 + m) / 2);
    const p0 = (1 + m0) / 2;
    // Independent spins: a generation is N·M synthetic and N·K real spin draws.
    const equivalent: BernoulliLoop = { samples: spins * samples, groundTruth: spins, prior: 0, l2: 0, p0, truthP: p0 };
    const law = bernoulliLoopLaws(equivalent, [generations]).laws[0];
    const { counts, offLattice } = latticeCounts(up, law);
    const fit = chiSquareGoodnessOfFit(counts, law.probabilities);
    const pValue = offLattice > 0 ? 0 : fit.pValue;
    const variance = varianceEstimate(final);
    const exactVariance = 4 * lawVariance(law);
    const closedForm = 4 * bernoulliStationaryVariance(equivalent);
    const beta = bernoulliStationaryBeta({ groundTruth: spins, prior: 0, truthP: p0 });
    const claims: Claim[] = [
      testedClaim({
        experiment: 'Mitigation (Ising)',
        claim: 'Ising (N = 10, M = 50, θ₂ = 0) with one ground-truth sample per generation is not absorbed; φ̄₁ settles into a stationary law (≈ 2·Beta(2N p*, 2N q*) − 1).',
        origin: 'paper',
        source: `${PRL} (one ground-truth point per iteration prevents collapse)`,
        measured: `Var φ̄₁ at t = ${generations}: ${fmtInterval(variance)}; polarised at t: ${final.filter((m) => Math.abs(m) === 1).length} of ${chains}`,
        prediction: `exact law (Wright–Fisher with ${spins * samples} + ${spins} copies): Var ${fmt(exactVariance)} (stationary closed form ${fmt(closedForm)}; Beta(${fmt(beta.alpha, 3)}, ${fmt(beta.beta, 3)}) approximation)`,
        pValue,
        basis: `χ² goodness of fit to the exact law: ${fmt(fit.statistic)} on ${fit.size} d.f., p = ${fmtP(fit.pValue)}${offLattice > 0 ? `; ${offLattice} values off the lattice` : ''}`,
      }),
    ];
    return {
      id: 'ising-mitigation',
      title: 'Mitigation — Ising with one ground-truth sample per generation',
      body: `N = ${spins}, M = ${samples}, θ₂ = 0, φ̄₁,₀ = φ̄₁* = ${m0}, K = 1, ${chains} chains, ${generations} generations. With θ₂ = 0 the spins are independent, so a generation is ${spins * samples} synthetic and ${spins} real spins: the Bernoulli loop with those counts, whose law is exact. The Beta parameters count the truth in spins (2·N·K·p*).`,
      claims,
      figures: [],
    };
  },
});
