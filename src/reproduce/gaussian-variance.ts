/**
 * Variance collapse of the Gaussian loop (Shumailov et al., Nature 631, 2024, Thm 3.1):
 * ln σ²_t is a random walk whose steps are ln(χ²_{M−1}/c), c = M (MLE) or M − 1
 * (unbiased), so its mean and variance after t steps are exact: t(ψ((M−1)/2) + ln 2 − ln c)
 * and t ψ′((M−1)/2). The drift is negative for both, so even the unbiased estimator, under
 * which σ² is a martingale, collapses.
 */
import { gaussianTheory, type VarianceEstimator } from '../families/gaussian/index.js';
import { wilsonInterval } from '../stats/wilson.js';
import {
  ALPHA,
  SOURCES,
  binomialUpperTail,
  bonferroni,
  defineExperiment,
  fmt,
  fmtInterval,
  fmtP,
  markdownTable,
  meanEstimate,
  numericColumn,
  testedClaim,
  varianceEstimate,
  zTestP,
  type Claim,
} from './context.js';
import { bandedSeriesSpec } from './figures.js';
import { aboveThresholdBound } from './gaussian-theory.js';

const SAMPLES = 20;
const DRIFT_GENERATIONS = 200;
const EVERY = 10;
/** Far below anything 200 generations reach (ln 1e-300 ≈ −690 against a drift of −0.1 per step), so no chain stops. */
const NO_COLLAPSE = 1e-300;
const COLLAPSE_THRESHOLD = 1e-6;
const COLLAPSE_GENERATIONS = 5000;
const ESTIMATORS = ['mle', 'unbiased'] as const satisfies readonly VarianceEstimator[];

interface GaussianMeta {
  readonly estimator: VarianceEstimator;
  readonly purpose: 'drift' | 'collapse';
}

export const gaussianVariance = defineExperiment<GaussianMeta>({
  id: 'gaussian',
  title: 'Gaussian — variance collapse under both estimators',
  plan: (chains) =>
    ESTIMATORS.flatMap((estimator) => [
      {
        folder: 'gaussian',
        point: `${estimator}-drift`,
        kind: 'gaussian' as const,
        options: { family: 'gaussian', samples: SAMPLES, estimator, 'collapse-threshold': NO_COLLAPSE, chains: chains('gaussian'), generations: DRIFT_GENERATIONS, mode: 'sufficient' },
        trajectories: `every:${EVERY},chains:${chains('gaussian')}`,
        meta: { estimator, purpose: 'drift' as const },
      },
      {
        folder: 'gaussian',
        point: `${estimator}-collapse`,
        kind: 'gaussian' as const,
        options: { family: 'gaussian', samples: SAMPLES, estimator, 'collapse-threshold': COLLAPSE_THRESHOLD, chains: chains('gaussian'), generations: COLLAPSE_GENERATIONS, mode: 'sufficient' },
        trajectories: null,
        meta: { estimator, purpose: 'collapse' as const },
      },
    ]),
  async analyse(context, runs) {
    const chains = runs[0].run.spec.chains;
    const times = Array.from({ length: DRIFT_GENERATIONS / EVERY }, (_, k) => (k + 1) * EVERY);
    const claims: Claim[] = [];
    const rows: string[][] = [];
    const plotted: Record<string, unknown>[] = [];
    for (const estimator of ESTIMATORS) {
      const driftRun = runs.find((r) => r.meta.estimator === estimator && r.meta.purpose === 'drift')!.run;
      const collapseRun = runs.find((r) => r.meta.estimator === estimator && r.meta.purpose === 'collapse')!.run;
      const drift = gaussianTheory.logVarianceDrift(SAMPLES, estimator);
      const stepVariance = gaussianTheory.logVarianceStepVariance(SAMPLES);
      const table = driftRun.trajectories!;
      const generation = numericColumn(table, 'generation');
      const variance = numericColumn(table, 'var');
      const byTime = times.map(() => [] as number[]);
      for (let i = 0; i < table.numRows; i++) if (generation[i] > 0 && generation[i] % EVERY === 0) byTime[generation[i] / EVERY - 1].push(variance[i]);
      const pValues: number[] = [];
      times.forEach((t, k) => {
        const logs = Float64Array.from(byTime[k], Math.log);
        const mean = meanEstimate(logs);
        const spread = varianceEstimate(logs);
        pValues.push(zTestP(mean, t * drift), zTestP(spread, t * stepVariance));
        plotted.push({ t, value: mean.mean, lower: mean.lower, upper: mean.upper, curve: estimator === 'mle' ? 'MLE (÷M)' : 'unbiased (÷(M − 1))', kind: 'simulation' });
        plotted.push({ t, value: t * drift, curve: estimator === 'mle' ? 'MLE (÷M)' : 'unbiased (÷(M − 1))', kind: 'exact' });
      });
      const final = Float64Array.from(byTime[byTime.length - 1]);
      const finalLogs = final.map(Math.log);
      const finalMean = meanEstimate(finalLogs);
      const finalSpread = varianceEstimate(finalLogs);
      const sortedFinal = Float64Array.from(final).sort();
      const median = sortedFinal[Math.floor(sortedFinal.length / 2)];
      // E[σ²_t] is checked at the first recorded t: its coefficient of variation,
      // √(((M+1)/(M−1))^t − 1), is 1.3 at t = 10 but 10⁴ at t = 200, where the sample mean is
      // carried by chains too rare to sample.
      const ratio = meanEstimate(Float64Array.from(byTime[0]));
      const expectedRatio = gaussianTheory.expectedVarianceRatio(SAMPLES, estimator, EVERY);
      const combined = bonferroni(pValues);
      rows.push([
        estimator,
        fmt(drift, 5),
        `${fmtInterval(finalMean)} (exact ${fmt(DRIFT_GENERATIONS * drift)})`,
        `${fmtInterval(finalSpread)} (exact ${fmt(DRIFT_GENERATIONS * stepVariance)})`,
        `${fmtInterval(ratio)} (exact ${fmt(expectedRatio)})`,
        fmt(median, 3),
      ]);
      claims.push(
        testedClaim({
          experiment: 'Gaussian variance collapse',
          claim: `${estimator === 'mle' ? 'MLE' : 'Unbiased'} variance estimator, M = ${SAMPLES}: ln σ²_t drifts down at the exact rate ψ((M−1)/2) + ln 2 − ln ${estimator === 'mle' ? 'M' : '(M−1)'} = ${fmt(drift, 4)} per generation, with step variance ψ′((M−1)/2).`,
          origin: 'project',
          source: `${SOURCES.project}, after ${SOURCES.shumailov}, Thm 3.1`,
          measured: `E[ln σ²_${DRIFT_GENERATIONS}] ${fmtInterval(finalMean)}; Var ${fmtInterval(finalSpread)}`,
          prediction: `${fmt(DRIFT_GENERATIONS * drift)} and ${fmt(DRIFT_GENERATIONS * stepVariance)}`,
          pValue: combined,
          basis: `z-tests of mean and variance of ln σ²_t at t = ${EVERY}, ${2 * EVERY}, …, ${DRIFT_GENERATIONS}, Bonferroni over ${pValues.length}: p = ${fmtP(combined)}`,
        }),
      );
      if (estimator === 'mle') {
        const p = zTestP(ratio, expectedRatio);
        claims.push(
          testedClaim({
            experiment: 'Gaussian variance collapse',
            claim: `MLE: E[σ²_t]/σ²₀ = ((M−1)/M)^t.`,
            origin: 'project',
            source: `${SOURCES.project}, after ${SOURCES.shumailov}`,
            measured: `E[σ²_${EVERY}] ${fmtInterval(ratio)}`,
            prediction: fmt(expectedRatio),
            pValue: p,
            basis: `z-test: p = ${fmtP(p)}`,
          }),
        );
      }

      const collapseTimes = numericColumn(collapseRun.table, 'collapse_time');
      const collapsed = collapseTimes.filter((t) => !Number.isNaN(t));
      const share = wilsonInterval(collapsed.length, chains);
      const meanTime = meanEstimate(collapsed);
      const aliveBound = aboveThresholdBound(SAMPLES, estimator === 'mle' ? SAMPLES : SAMPLES - 1, COLLAPSE_GENERATIONS, COLLAPSE_THRESHOLD);
      const aliveP = binomialUpperTail(chains - collapsed.length, chains, aliveBound);
      claims.push(
        testedClaim({
          experiment: 'Gaussian variance collapse',
          claim:
            estimator === 'mle'
              ? `MLE: σ² collapses (σ²_t ≤ ${COLLAPSE_THRESHOLD} σ²₀) in every chain.`
              : `Unbiased estimator: σ² is a martingale (E[σ²_t] = σ²₀), yet it collapses in every chain.`,
          origin: 'published',
          source: `${SOURCES.shumailov}, Thm 3.1`,
          measured: `collapsed by t = ${COLLAPSE_GENERATIONS}: ${fmtInterval(share)}; mean collapse time ${fmtInterval(meanTime)} (median σ²_${DRIFT_GENERATIONS}/σ²₀ = ${fmt(median, 3)})`,
          prediction: `P(alive at t = ${COLLAPSE_GENERATIONS}) ≤ ${fmt(aliveBound, 3)} (Chernoff bound on the random walk of ln σ²); Wald's approximation of the mean time ln ε / drift = ${fmt(Math.log(COLLAPSE_THRESHOLD) / drift)} generations (no overshoot correction)`,
          pValue: aliveP,
          basis: `${chains - collapsed.length} of ${chains} chains alive at t = ${COLLAPSE_GENERATIONS}; P(at least that many | the bound) = ${fmtP(aliveP)}`,
        }),
      );
    }
    const spec = bandedSeriesSpec({
      title: 'Gaussian variance collapse: the drift of ln σ²',
      subtitle: [`Gaussian, M = ${SAMPLES}, σ²₀ = 1; ${chains} chains per estimator; band: 95 % interval of the mean; dashed: exact t(ψ((M−1)/2) + ln 2 − ln c)`, context.captionLine()],
      rows: plotted,
      x: { field: 't', title: 'generation t' },
      y: { field: 'value', title: 'E[ln σ²_t]  (σ² in units of σ²₀)' },
      series: { field: 'curve', title: 'estimator' },
      legend: 'bottom-left',
    });
    const figures = await context.figure('gaussian-variance-drift', spec);
    return {
      id: 'gaussian',
      title: 'Gaussian — variance collapse under both estimators',
      body: [
        `M = ${SAMPLES}, μ₀ = 0, σ²₀ = 1, ${chains} chains per estimator. Drift runs: ${DRIFT_GENERATIONS} generations with the collapse threshold set out of reach (ε = ${NO_COLLAPSE}), so every chain's σ²_t is recorded every ${EVERY} generations. Collapse runs: ε = ${COLLAPSE_THRESHOLD}, at most ${COLLAPSE_GENERATIONS} generations.`,
        '',
        markdownTable(['estimator', 'E[Δ ln σ²] exact', `E[ln σ²_${DRIFT_GENERATIONS}] [95 %]`, `Var ln σ²_${DRIFT_GENERATIONS} [95 %]`, `E[σ²_${EVERY}]/σ²₀ [95 %]`, `median σ²_${DRIFT_GENERATIONS}`], rows),
        '',
        `Under the unbiased estimator E[σ²_t] = 1 exactly, but Var σ²_t = ((M+1)/(M−1))^t − 1 = ${fmt(((SAMPLES + 1) / (SAMPLES - 1)) ** DRIFT_GENERATIONS - 1, 3)} at t = ${DRIFT_GENERATIONS}: the mean is carried by chains too rare to sample, which is why the sample mean of σ²_t is no test there and the median is the telling number.`,
      ].join('\n'),
      claims,
      figures,
    };
  },
});
