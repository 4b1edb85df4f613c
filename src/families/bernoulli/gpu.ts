/** Bernoulli on a gpu.js backend: the chain kernel of kernels/bernoulli.js. */
import { bernoulliKernelSource } from '../../../kernels/bernoulli.js';
import { fittedCount, kernelLoop, refitFromSlots } from '../../engine/gpu/plan.js';
import { U24_SCALE } from '../../rng/uniform.js';
import type { BernoulliParams } from './model.js';
import type { FamilyGpu, GpuPlan, GpuPlanContext } from '../routes.js';

export function bernoulliPlan({ spec, model, style }: GpuPlanContext): GpuPlan {
  const params = spec.familyParams as BernoulliParams;
  const loop = kernelLoop(spec, style);
  const initialCollapsed = params.p0 === 0 || params.p0 === 1;
  return {
    source: bernoulliKernelSource(loop),
    // Thresholds for the fixed models are computed here in float64, as the reference compares u < p·2^24.
    scalars: [Math.ceil(params.p0 * U24_SCALE), params.p0, Math.ceil(params.truthP * U24_SCALE), params.truthP, spec.prior, spec.l2, new Float32Array(1)],
    stopAtCollapse: loop.stopAtCollapse,
    exactness: loop.fit === 'mle' && spec.mode === 'per-sample' ? 'bit-exact' : 'float32',
    initialSlots: Float32Array.of(0, 0, initialCollapsed ? params.p0 : -1, 0),
    decodeCollapse(code) {
      return code < 0 ? { collapseTime: -1, outcome: NaN } : { collapseTime: Math.floor(code / 2), outcome: code % 2 };
    },
    // The counts are exact: the float64 refit is the reference's own.
    modelState: refitFromSlots(spec, model, (slots, run, stats) => {
      const { points, statistic } = fittedCount(loop, slots, run);
      stats[0] = points;
      stats[1] = statistic;
    }),
  };
}

export const gpu: FamilyGpu = {
  route: () => ({ kind: 'chain', plan: bernoulliPlan }),
};
