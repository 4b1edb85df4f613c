/**
 * The coupling θ₂ swept across the Curie–Weiss critical value (1 on the mean-field scale
 * θ₂/N Σ_{i<j} s_i s_j, the convention of every point here: --coupling-scale mean-field,
 * recorded in each dataset's provenance), for N ∈ {5, 10, 20}, M = 50, φ̄₁,₀ = 0, θ₂ held
 * fixed and learned. Fixed: an exact finite chain (every chain polarises; the mean time is
 * exact). Learned: every level absorbs, E[φ̄₁,f²] = E_θ₀[m²]/N² = Var_θ₀(m)/N² here, which
 * bounds P(polarised) and grows across the critical coupling. Two points on the unscaled
 * convention show what the convention decides: θ₂ = 0.05 unscaled is the mean-field 0.5
 * model, θ₂ = 0.5 unscaled is mean-field 5.
 */
import type { TopLevelSpec } from 'vega-lite';
import { chiSquaredSurvival } from '../math/special.js';
import { ksTwoSample } from '../stats/hypothesis.js';
import { wilsonInterval } from '../stats/wilson.js';
import {
  ALPHA,
  SOURCES,
  binomialUpperTail,
  bonferroni,
  boundedZ,
  defineExperiment,
  fmt,
  fmtInterval,
  fmtP,
  markdownTable,
  meanEstimate,
  testedClaim,
  twoSidedP,
  zTestP,
  type Claim,
} from './context.js';
import { COUPLING_SCALE, HORIZON_IN_NM, summariseCoupledPoint, type CoupledPointSummary } from './fig1.js';
import { figureTitle } from './figures.js';
import { IsingFixedCouplingChain, isingModelLaw } from './ising-theory.js';

export const COUPLING_SPINS = [5, 10, 20] as const;
export const COUPLING_SAMPLES = 50;
/** θ₂ on the mean-field scale: dense around the critical value 1. */
export const COUPLING_GRID = [0, 0.5, 0.8, 1, 1.2, 1.5, 2] as const;
/** The convention contrast (N = 10, θ₂ learned): [unscaled θ₂, the mean-field θ₂ of the same model]. */
const CONVENTION_POINTS = [
  [0.05, 0.5],
  [0.5, 5],
] as const;

interface CouplingMeta {
  readonly spins: number;
  readonly theta2: number;
  readonly learned: boolean;
  readonly scale: 'mean-field' | 'unscaled';
  /** θ₂ on the mean-field scale (= N × the unscaled θ₂). */
  readonly meanFieldTheta2: number;
}

export const coupling = defineExperiment<CouplingMeta>({
  id: 'coupling',
  title: 'The coupling θ₂ across its critical value',
  plan: (chains) => {
    const point = (spins: number, theta2: number, learned: boolean, scale: 'mean-field' | 'unscaled', meanFieldTheta2: number) => ({
      folder: 'coupling',
      point: `N${spins}-${scale === 'unscaled' ? 'unscaled-' : ''}theta2-${theta2}-${learned ? 'learned' : 'fixed'}`,
      kind: 'coupling' as const,
      options: {
        family: 'ising',
        spins,
        samples: COUPLING_SAMPLES,
        m0: 0,
        theta2,
        learn: learned ? 'theta1,theta2' : 'theta1',
        'coupling-scale': scale,
        generations: HORIZON_IN_NM * spins * COUPLING_SAMPLES,
        mode: 'sufficient',
        chains: chains('coupling'),
      },
      trajectories: null,
      meta: { spins, theta2, learned, scale, meanFieldTheta2 },
    });
    return [
      ...COUPLING_SPINS.flatMap((spins) => [false, true].flatMap((learned) => COUPLING_GRID.map((theta2) => point(spins, theta2, learned, COUPLING_SCALE, theta2)))),
      ...CONVENTION_POINTS.map(([unscaled, meanField]) => point(10, unscaled, true, 'unscaled', meanField)),
    ];
  },
  async analyse(context, runs) {
    const chains = runs[0].run.spec.chains;
    const rows: string[][] = [];
    const plotted: Record<string, unknown>[] = [];
    const curves: Record<string, unknown>[] = [];
    const fixedTimeP: number[] = [];
    let censoredFixed = 0;
    let fixedChains = 0;
    let worstTail = 0;
    let expectedCensored = 0;
    const secondZ: number[] = [];
    const boundP: number[] = [];
    const summaries = new Map<string, CoupledPointSummary>();
    for (const spins of COUPLING_SPINS) {
      for (let i = 0; i <= 100; i++) {
        const theta2 = (2 * i) / 100;
        curves.push({ theta2, value: isingModelLaw(spins, COUPLING_SCALE, 0, theta2).meanSquare / (spins * spins), N: `N = ${spins}` });
      }
    }
    for (const { meta, run, point } of runs) {
      const { spins, theta2, learned, scale, meanFieldTheta2 } = meta;
      const copies = spins * COUPLING_SAMPLES;
      const horizon = run.spec.generations;
      const summary = summariseCoupledPoint(run, spins, learned);
      summaries.set(point, summary);
      const law = isingModelLaw(spins, scale, 0, theta2);
      const secondExact = law.meanSquare / (spins * spins);
      const time = meanEstimate(Float64Array.from(summary.times, (t) => t / copies));
      const polarised = wilsonInterval(summary.polarised, chains);
      const label = `${scale === 'unscaled' ? `unscaled ${theta2} (mean-field ${meanFieldTheta2})` : fmt(theta2, 3)}`;
      if (!learned) {
        const exact = new IsingFixedCouplingChain(spins, COUPLING_SAMPLES, theta2, scale);
        const moments = exact.timeMoments(0);
        const tail = exact.survival(0, horizon);
        worstTail = Math.max(worstTail, tail);
        expectedCensored += chains * tail;
        censoredFixed += chains - summary.absorbed;
        fixedChains += chains;
        fixedTimeP.push(zTestP(meanEstimate(summary.times), moments.mean));
        plotted.push({ theta2: meanFieldTheta2, N: `N = ${spins}`, convention: 'θ₂ fixed', time: time.mean, timeLower: time.lower, timeUpper: time.upper, exactTime: moments.mean / copies });
        rows.push([
          String(spins),
          label,
          'fixed',
          `${summary.polarised} of ${chains} (1 − P(τ > T) = ${fmt(1 - tail, 6)})`,
          fmtInterval(summary.final),
          `${fmt(summary.finalVariance.mean, 4)} (exact 1)`,
          `${fmtInterval(time)} (exact ${fmt(moments.mean / copies)})`,
        ]);
      } else {
        secondZ.push(boundedZ(summary.secondMoment, secondExact, 0, 1));
        boundP.push(binomialUpperTail(summary.polarised, chains, Math.min(1, secondExact)));
        if (scale === COUPLING_SCALE) {
          plotted.push({
            theta2: meanFieldTheta2,
            N: `N = ${spins}`,
            convention: 'θ₂ learned',
            variance: summary.finalVariance.mean,
            varianceLower: summary.finalVariance.lower,
            varianceUpper: summary.finalVariance.upper,
            polarised: polarised.estimate,
            polarisedLower: polarised.lower,
            polarisedUpper: polarised.upper,
            time: time.mean,
            timeLower: time.lower,
            timeUpper: time.upper,
          });
        }
        rows.push([
          String(spins),
          label,
          'learned',
          `${fmtInterval(polarised)} (bound ${fmt(secondExact, 4)})`,
          fmtInterval(summary.final),
          `${fmtInterval(summary.finalVariance)} (Var_θ₀(m)/N² = ${fmt(law.varianceM / (spins * spins), 4)}); mean final E[m²]/N² ${fmtInterval(summary.secondMoment)} (exact ${fmt(secondExact, 4)})`,
          `${fmtInterval(time)} (unabsorbed: ${chains - summary.absorbed})`,
        ]);
      }
    }
    const claims: Claim[] = [];
    const censoredP = binomialUpperTail(censoredFixed, fixedChains, worstTail);
    const fixedP = bonferroni([censoredP, ...fixedTimeP]);
    claims.push(
      testedClaim({
        experiment: 'Coupling sweep',
        claim: 'θ₂ held fixed at any value: every chain ends fully polarised, at the mean time of the exact chain on the N·M + 1 counts of up spins (shorter than Wright–Fisher\'s 2 ln 2·N·M as θ₂ grows).',
        origin: 'project',
        source: SOURCES.project,
        measured: `${censoredFixed} of ${fixedChains} chains unpolarised at T = ${HORIZON_IN_NM}·N·M; mean τ/(N·M) per point in the table`,
        prediction: `expected unpolarised ${fmt(expectedCensored, 2)}; E[τ] exact at each (N, θ₂)`,
        pValue: fixedP,
        basis: `binomial tail of the unpolarised count (p = ${fmtP(censoredP)}) and z-tests of mean τ, Bonferroni over ${1 + fixedTimeP.length}: p = ${fmtP(fixedP)}`,
      }),
    );
    const secondChi = secondZ.reduce((total, z) => total + z * z, 0);
    const secondP = Number.isFinite(secondChi) ? chiSquaredSurvival(secondChi, secondZ.length) : NaN;
    claims.push(
      testedClaim({
        experiment: 'Coupling sweep',
        claim: 'θ₂ learned, at every coupling and on both conventions: E[φ̄₁,f²] = E_θ₀[m²]/N² (here Var φ̄₁,f = Var_θ₀(m)/N²): the spread of the initial model, small below the critical coupling and near 1 far above it, sets how far chains polarise.',
        origin: 'project',
        source: SOURCES.project,
        measured: `Σ z² = ${fmt(secondChi)} over ${secondZ.length} points`,
        prediction: 'E_θ₀[m²]/N² at each (N, θ₂) (dashed curves in the figure)',
        pValue: secondP,
        basis: `χ² of the mean final E[m²]/N² against E_θ₀[m²]/N² on ${secondZ.length} degrees of freedom: p = ${fmtP(secondP)} (level ${ALPHA})`,
      }),
    );
    const polarisedBoundP = bonferroni(boundP);
    claims.push(
      testedClaim({
        experiment: 'Coupling sweep',
        claim: 'θ₂ learned: P(fully polarised) ≤ E_θ₀[m²]/N² at every coupling.',
        origin: 'project',
        source: SOURCES.project,
        measured: 'polarised shares in the table',
        prediction: 'at most E_θ₀[m²]/N²',
        pValue: polarisedBoundP,
        basis: `one-sided binomial tests, Bonferroni over ${boundP.length}: p = ${fmtP(polarisedBoundP)}`,
      }),
    );
    // The same model on the two conventions: θ₂ = 0.05 unscaled and 0.5 mean-field at N = 10.
    const unscaled = summaries.get('N10-unscaled-theta2-0.05-learned');
    const meanField = summaries.get('N10-theta2-0.5-learned');
    const strong = summaries.get('N10-unscaled-theta2-0.5-learned');
    if (unscaled !== undefined && meanField !== undefined && strong !== undefined) {
      const unscaledRun = runs.find((r) => r.point === 'N10-unscaled-theta2-0.05-learned')!;
      const meanFieldRun = runs.find((r) => r.point === 'N10-theta2-0.5-learned')!;
      const finals = (run: typeof unscaledRun) => Float64Array.from({ length: run.run.table.numRows }, (_, i) => Number(run.run.table.getChild('final_m')!.get(i)));
      const ks = ksTwoSample(finals(unscaledRun), finals(meanFieldRun));
      const pooled = (unscaled.polarised + meanField.polarised) / (2 * chains);
      const proportionZ = (unscaled.polarised - meanField.polarised) / chains / Math.sqrt(Math.max(1e-300, (2 * pooled * (1 - pooled)) / chains));
      const conventionP = bonferroni([ks.pValue, pooled === 0 || pooled === 1 ? 1 : twoSidedP(proportionZ)]);
      const strongBound = isingModelLaw(10, 'unscaled', 0, 0.5).meanSquare / 100;
      claims.push(
        testedClaim({
          experiment: 'Coupling sweep',
          claim: `The coupling convention is one factor N: θ₂ = 0.05 on the unscaled convention (θ₂ Σ_{i<j} s_i s_j) and θ₂ = 0.5 on the mean-field one are the same N = 10 model and give the same outcome (learned θ₂); the same number 0.5 on the unscaled convention is mean-field 5, far above critical, where E_θ₀[m²]/N² = ${fmt(strongBound, 4)} and almost every chain polarises (${strong.polarised} of ${chains}).`,
          origin: 'project',
          source: SOURCES.project,
          measured: `polarised ${unscaled.polarised} (unscaled 0.05) and ${meanField.polarised} (mean-field 0.5) of ${chains}; two-sample KS of final φ̄₁: D = ${fmt(ks.statistic, 3)}`,
          prediction: 'one law of φ̄₁,f for the two points',
          pValue: conventionP,
          basis: `two-sample KS of the final φ̄₁ (p = ${fmtP(ks.pValue)}, conservative on a lattice) and the two-proportion z-test of the polarised shares, Bonferroni: p = ${fmtP(conventionP)}`,
        }),
      );
    }

    const panelWidth = 260;
    const order = COUPLING_SPINS.map((spins) => `N = ${spins}`);
    // Keyed by a dot: each N's colour marks its simulated points and its dashed exact curve alike.
    const colour = { field: 'N', type: 'nominal' as const, title: 'spins', sort: order, scale: { domain: order }, legend: { orient: 'right' as const, symbolType: 'circle', symbolOpacity: 1 } };
    const x = { field: 'theta2', type: 'quantitative' as const, title: 'θ₂ (mean-field scale; critical at 1)', scale: { domain: [0, 2] } };
    const learnedPanel = (field: string, title: string) => ({
      width: panelWidth,
      height: 260,
      layer: [
        { data: { values: curves }, mark: { type: 'line' as const, strokeDash: [6, 4], strokeWidth: 1.5 }, encoding: { x, y: { field: 'value', type: 'quantitative' as const }, color: colour } },
        {
          data: { values: plotted.filter((p) => p['convention'] === 'θ₂ learned') },
          layer: [
            { mark: 'rule' as const, encoding: { x, y: { field: `${field}Lower`, type: 'quantitative' as const }, y2: { field: `${field}Upper` }, color: colour } },
            { mark: { type: 'point' as const, filled: true, size: 45 }, encoding: { x, y: { field, type: 'quantitative' as const, title, scale: { domain: [0, 1] } }, color: colour } },
          ],
        },
      ],
    });
    const spec: TopLevelSpec = {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title: figureTitle(
        'The coupling across its critical value (mean-field scale, critical θ₂ = 1)',
        [
          `Ising, M = ${COUPLING_SAMPLES}, φ̄₁,₀ = 0, ${chains} chains per point; points: simulation with 95 % bars; dashed: exact`,
          'left and middle (θ₂ learned): Var φ̄₁,f and the share fully polarised, against E_θ₀[m²]/N² = Var_θ₀(m)/N² (their exact value and bound). Right: mean absorption time over N·M, θ₂ fixed (circles; dashed: exact chain) and learned (squares: time to freeze on one level; no exact value)',
          context.captionLine(),
        ],
        3 * panelWidth + 200,
      ),
      hconcat: [
        learnedPanel('variance', 'Var φ̄₁,f (θ₂ learned)'),
        learnedPanel('polarised', 'P(fully polarised) (θ₂ learned)'),
        {
          width: panelWidth,
          height: 260,
          data: { values: plotted },
          layer: [
            { transform: [{ filter: "datum.convention === 'θ₂ fixed'" }], mark: { type: 'line', strokeDash: [6, 4], strokeWidth: 1.5 }, encoding: { x, y: { field: 'exactTime', type: 'quantitative' }, color: colour } },
            { mark: 'rule', encoding: { x, y: { field: 'timeLower', type: 'quantitative' }, y2: { field: 'timeUpper' }, color: colour } },
            {
              mark: { type: 'point', size: 45, filled: true },
              encoding: {
                x,
                y: { field: 'time', type: 'quantitative', title: 'mean absorption time / (N·M)' },
                color: colour,
                shape: { field: 'convention', type: 'nominal', title: 'θ₂', scale: { domain: ['θ₂ fixed', 'θ₂ learned'], range: ['circle', 'square'] }, legend: { orient: 'right' } },
              },
            },
          ],
        },
      ],
      resolve: { scale: { color: 'shared' } },
    };
    const figures = await context.figure('coupling-sweep', spec);
    return {
      id: 'coupling',
      title: 'The coupling θ₂ across its critical value',
      body: [
        `Ising, M = ${COUPLING_SAMPLES}, φ̄₁,₀ = 0, ${chains} chains per point, at most ${HORIZON_IN_NM}·N·M generations, for N ∈ {${COUPLING_SPINS.join(', ')}} and θ₂ ∈ {${COUPLING_GRID.join(', ')}} on the mean-field scale (\`--coupling-scale mean-field\`: pair term θ₂/N Σ_{i<j} s_i s_j, critical coupling 1 as N → ∞), held fixed and learned; plus two learned points at N = 10 on the unscaled convention (\`--coupling-scale unscaled\`, pair term θ₂ Σ_{i<j} s_i s_j = N × the mean-field θ₂). The absorption time is the polarisation time (θ₂ fixed) or the first generation with every sample on one level (θ₂ learned; polarised chains included). With φ̄₁,₀ = 0, Var_θ₀(m)/N² = E_θ₀[m²]/N². The mean final φ̄₁ (table) is 0 here by the spin-flip symmetry of a start at 0, whatever the dynamics, so it is no test of the martingale: Fig. 1(d) tests E[φ̄₁,f] = φ̄₁,₀ at φ̄₁,₀ ≠ 0.`,
        '',
        markdownTable(['N', 'θ₂', 'θ₂', 'polarised [95 %]', 'mean final φ̄₁ [95 %]', 'Var φ̄₁,f [95 %]', 'mean absorption time / (N·M) [95 %]'], rows),
      ].join('\n'),
      claims,
      figures,
    };
  },
});
