/**
 * The mean-field Ising model on a gpu.js backend: independent spins (θ₂ = 0 held) run on the
 * Bernoulli chain kernel with N copies per point; coupled spins (θ₂ ≠ 0, or learned) on the
 * host-fit route, a kernel drawing each generation's spins (kernels/ising-levels.js) and the
 * host refitting with the family's Newton fit.
 */
import { bernoulliKernelSource } from '../../../kernels/bernoulli.js';
import { isingLevelsKernelSource, isingLevelsParameterCount } from '../../../kernels/ising-levels.js';
import { EXACT_LIMIT, fittedCount, kernelLoop, refitFromSlots } from '../../engine/gpu/plan.js';
import { logChoose } from '../../math/special.js';
import { multinomialConditionals } from '../../rng/distributions/multinomial.js';
import { U24_SCALE } from '../../rng/uniform.js';
import type { FamilyModel, RunConfig } from '../family.js';
import { ISING_STATE, IsingLevels, SpinConditionals, type IsingParams } from './model.js';
import type { FamilyGpu, GpuPlan, GpuPlanContext, HostFitPlan } from '../routes.js';

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
export function isingOnChainKernel(spec: RunConfig): boolean {
  const params = spec.familyParams as IsingParams;
  const truthUsed = spec.groundTruth > 0 || spec.prior > 0;
  return params.learn === 'theta1' && params.initial.theta2 === 0 && !(truthUsed && params.truth.theta2 !== 0) && spec.regime.kind !== 'window';
}

/**
 * Coupled Ising (θ₂ ≠ 0, or θ₂ learned) on the host-fit path: the kernel draws each
 * generation's spins (kernels/ising-levels.js), the host refits with the family's Newton
 * fit in float64. Per-sample thresholds ⌈P(up | …)·2^24⌉ are exact integers, so per-sample
 * runs are the reference's chains bit for bit; sufficient mode draws the level multinomial
 * with float32 binomials.
 */
export function isingLevelsPlan(spec: RunConfig, model: FamilyModel, style: string): HostFitPlan {
  const params = spec.familyParams as IsingParams;
  const spins = params.spins;
  const perSample = spec.mode === 'per-sample';
  const levels = new IsingLevels(spins, params.couplingScale);
  const conditionals = new SpinConditionals(levels);
  const parameterWidth = isingLevelsParameterCount(spec.mode, spins);
  const probabilities = new Float64Array(levels.count);

  /** Per-sample: ⌈P(spin i + 1 up | u of i up)·2^24⌉, triangular; sufficient: the level multinomial's q_u. */
  const writeParameters = (state: Float64Array, row: Float32Array): void => {
    if (!perSample) {
      multinomialConditionals(state.subarray(ISING_STATE.LEVELS), levels.count, probabilities);
      row.set(probabilities);
      return;
    }
    const pUp = state[ISING_STATE.P_UP];
    if (!Number.isNaN(pUp)) {
      // Independent spins: the reference compares every spin's uniform with p·2^24.
      row.fill(Math.ceil(pUp * U24_SCALE));
      return;
    }
    conditionals.build(state.subarray(ISING_STATE.LEVELS));
    const table = conditionals.upGivenSoFar;
    for (let i = 0, at = 0; i < spins; i++) {
      for (let u = 0; u <= i; u++) row[at++] = Math.ceil(table[i * levels.count + u] * U24_SCALE);
    }
  };

  const truthRow = new Float32Array(parameterWidth);
  if (spec.groundTruth > 0) writeParameters(model.truthState(), truthRow);
  const n = spec.samples + spec.groundTruth;

  return {
    source: isingLevelsKernelSource(style, { mode: spec.mode, spins, samples: spec.samples, groundTruth: spec.groundTruth }),
    constants: [truthRow],
    parameterWidth,
    exactness: perSample ? 'bit-exact' : 'float32',
    writeParameters,
    // m = 2u − N per sample: Σm = 2Σu − N·n, Σm² = 4Σu² − 4NΣu + N²·n (exact integers in float64).
    readStatistics(output, stats) {
      const sumU = output[0];
      const sumSquaresU = output[1] * 2048 + output[2];
      stats[0] = n;
      stats[1] = 2 * sumU - spins * n;
      stats[2] = 4 * sumSquaresU - 4 * spins * sumU + spins * spins * n;
    },
  };
}

export const gpu: FamilyGpu = {
  route(spec, backend) {
    // Exact float32 counts on either route: up spins per generation, N·(M + K), stay below 2^23.
    const params = spec.familyParams as IsingParams;
    if (params.spins * (spec.samples + spec.groundTruth) >= EXACT_LIMIT) {
      return `--spins × (--samples + --ground-truth) must be below ${EXACT_LIMIT} on --backend ${backend} (exact float32 counts)`;
    }
    return isingOnChainKernel(spec) ? { kind: 'chain', plan: isingPlan } : { kind: 'host-fit', plan: isingLevelsPlan };
  },
};
