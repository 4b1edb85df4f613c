import { bernoulliKernelSource } from '../../../../kernels/bernoulli.js';
import type { IsingParams } from '../../../families/ising.js';
import { UsageError } from '../../../spec/errors.js';
import type { RunSpec } from '../../../spec/run-spec.js';
import { U24_SCALE } from '../../../rng/uniform.js';
import { logChoose } from '../../../math/special.js';
import { fittedCount, kernelLoop, refitFromSlots, type GpuPlan, type GpuPlanContext } from '../plan.js';

/**
 * Ising with θ₂ = 0 and θ₁ learned: N independent spins per sample, so the Bernoulli
 * kernel with N copies per point. The slots count up spins; the host refits from
 * Σm = 2·ups − N·n with the family's own fit.
 */
export function isingPlan({ spec, model, style }: GpuPlanContext): GpuPlan {
  const params = spec.familyParams as IsingParams;
  if (!isingOnChainKernel(spec)) throw new Error('coupled spins or --regime window: the host-fit path runs them (see isingLevelsPlan)');
  const spins = params.spins;
  const loop = kernelLoop(spec, style);
  const upProbability = (m: number): number => (1 + m) / 2;
  const p0 = upProbability(params.initial.m);
  const truthP = upProbability(params.truth.m);
  return {
    source: bernoulliKernelSource({ ...loop, copies: spins, l2Form: 'ising' }),
    scalars: [Math.ceil(p0 * U24_SCALE), p0, Math.ceil(truthP * U24_SCALE), truthP, spec.prior * spins, spec.l2, Float32Array.from({ length: spins + 1 }, (_, u) => logChoose(spins, u))],
    stopAtCollapse: loop.stopAtCollapse,
    exactness: loop.fit === 'mle' && spec.mode === 'per-sample' ? 'bit-exact' : 'float32',
    initialSlots: Float32Array.of(0, 0, Math.abs(params.initial.m) === 1 ? p0 : -1, 0),
    decodeCollapse(code) {
      return code < 0 ? { collapseTime: -1, outcome: NaN } : { collapseTime: Math.floor(code / 2), outcome: 2 * (code % 2) - 1 };
    },
    // Σm = 2·ups − N·n; Σm² is not needed while θ₂ is held at 0.
    modelState: refitFromSlots(spec, model, (slots, run, stats) => {
      const { points, statistic } = fittedCount(loop, slots, run);
      stats[0] = points;
      stats[1] = 2 * statistic - spins * points;
      stats[2] = 0;
    }),
  };
}

/**
 * Whether the chain kernel runs this configuration: independent spins throughout (θ₂ = 0
 * held, and for a ground truth or prior, a truth with θ₂ = 0) and a regime it keeps in
 * four slots. Everything else runs on the host-fit path (ising-levels.ts).
 */
export function isingOnChainKernel(spec: RunSpec): boolean {
  const params = spec.familyParams as IsingParams;
  const truthUsed = spec.groundTruth > 0 || spec.prior > 0;
  return params.learn === 'theta1' && params.initial.theta2 === 0 && !(truthUsed && params.truth.theta2 !== 0) && spec.regime.kind !== 'window';
}

/** Exact float32 counts: up spins per generation, N·(M + K), stay below 2^23. */
export function assertIsingLimits(spec: RunSpec, where: string): void {
  const params = spec.familyParams as IsingParams;
  if (params.spins * (spec.samples + spec.groundTruth) >= 2 ** 23) {
    throw new UsageError(`--spins × (--samples + --ground-truth) must be below ${2 ** 23} ${where} (exact float32 counts)`);
  }
}
