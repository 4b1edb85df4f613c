/**
 * The peers a researcher would otherwise write, and which configurations they implement.
 * The NumPy peer (bench/peers/numpy_peer.py) runs the plain loop — each generation refits
 * on its own M synthetic points by maximum likelihood — for Bernoulli, categorical and
 * Gaussian; anything else is refused with the reason rather than timed on different work.
 */
import type { BernoulliParams } from '../families/bernoulli.js';
import type { CategoricalParams } from '../families/categorical.js';
import type { GaussianParams } from '../families/gaussian.js';
import type { RunSpec } from '../spec/run-spec.js';

export const PEERS = ['numpy'] as const;
export type PeerName = (typeof PEERS)[number];

/** The peer's form of each of our modes, as its timings are labelled. */
export const NUMPY_FORMS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  bernoulli: { 'per-sample': 'per-sample', sufficient: 'binomial' },
  categorical: { 'per-sample': 'per-sample', sufficient: 'multinomial' },
  gaussian: { 'per-sample': 'per-sample', sufficient: 'chi-square' },
};

/** The NumPy peer's request for this run (chains and seed are added per measurement), or why it cannot run it. */
export function numpyRequest(spec: RunSpec): { request: Record<string, unknown> } | { refusal: string } {
  if (!(spec.family in NUMPY_FORMS)) return { refusal: `the numpy peer implements ${Object.keys(NUMPY_FORMS).join(', ')}, not ${spec.family}` };
  const departures = [
    spec.regime.kind !== 'replace' ? `--regime ${spec.regime.kind}` : null,
    spec.groundTruth > 0 ? '--ground-truth' : null,
    spec.prior > 0 ? '--prior' : null,
    spec.l2 > 0 ? '--l2' : null,
  ];
  const common = { family: spec.family, mode: spec.mode, samples: spec.samples, generations: spec.generations };
  let request: Record<string, unknown>;
  if (spec.family === 'bernoulli') {
    request = { ...common, p0: (spec.familyParams as BernoulliParams).p0 };
  } else if (spec.family === 'categorical') {
    const params = spec.familyParams as CategoricalParams;
    departures.push(params.temperature !== 1 ? '--temperature' : null, params.topK !== null ? '--top-k' : null, params.topP !== 1 ? '--top-p' : null);
    request = { ...common, init: params.init };
  } else {
    const params = spec.familyParams as GaussianParams;
    request = { ...common, mu0: params.mu0, var0: params.var0, estimator: params.estimator, collapse_threshold: params.collapseThreshold };
  }
  const used = departures.filter((flag): flag is string => flag !== null);
  if (used.length > 0) return { refusal: `the numpy peer runs the plain loop only (no ${used.join(', ')})` };
  return { request };
}
