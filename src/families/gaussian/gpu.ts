/** Gaussian on a gpu.js backend: the chain kernel of kernels/gaussian.js. */
import { gaussianKernelSource } from '../../../kernels/gaussian.js';
import { decodeCollapseTime, fittedCount, kernelLoop, refitFromSlots } from '../../engine/gpu/plan.js';
import type { GaussianParams } from './model.js';
import type { FamilyGpu, GpuPlan, GpuPlanContext } from '../routes.js';

export function gaussianPlan({ spec, model, style }: GpuPlanContext): GpuPlan {
  const params = spec.familyParams as GaussianParams;
  const loop = kernelLoop(spec, style);
  return {
    source: gaussianKernelSource({ ...loop, unbiased: params.estimator === 'unbiased' }),
    scalars: [params.mu0, params.var0, params.truthMu, params.truthVar, spec.prior, spec.l2, params.collapseThreshold * params.var0],
    stopAtCollapse: loop.stopAtCollapse,
    exactness: 'float32',
    initialSlots: Float32Array.of(0, 0, -1, 0),
    decodeCollapse: decodeCollapseTime,
    // The slots hold the (mean, M2) the last fit used, in float32.
    modelState: refitFromSlots(spec, model, (slots, run, stats) => {
      stats[0] = fittedCount(loop, slots, run).points;
      stats[1] = slots[0];
      stats[2] = slots[1];
    }),
  };
}

export const gpu: FamilyGpu = {
  // Float32 limits (the collapse floor, values that grow): the descriptor's rangeRefusal, checked for every route.
  route: () => ({ kind: 'chain', plan: gaussianPlan }),
};
