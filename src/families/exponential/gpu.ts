/** Exponential on a gpu.js backend: the chain kernel of kernels/exponential.js. */
import { exponentialKernelSource } from '../../../kernels/exponential.js';
import { decodeCollapseTime, fittedCount, kernelLoop, refitFromSlots } from '../../engine/gpu/plan.js';
import type { ExponentialParams } from './model.js';
import type { FamilyGpu, GpuPlan, GpuPlanContext } from '../routes.js';

export function exponentialPlan({ spec, model, style }: GpuPlanContext): GpuPlan {
  const params = spec.familyParams as ExponentialParams;
  const loop = kernelLoop(spec, style);
  return {
    source: exponentialKernelSource(loop),
    scalars: [1 / params.rate0, 1 / params.truthRate, spec.prior, spec.l2, params.collapseThreshold / params.rate0],
    stopAtCollapse: loop.stopAtCollapse,
    exactness: 'float32',
    initialSlots: Float32Array.of(0, 0, -1, 0),
    decodeCollapse: decodeCollapseTime,
    modelState: refitFromSlots(spec, model, (slots, run, stats) => {
      const { points, statistic } = fittedCount(loop, slots, run);
      stats[0] = points;
      stats[1] = statistic;
    }),
  };
}

export const gpu: FamilyGpu = {
  // Float32 limits (the collapse floor, values that grow): the descriptor's rangeRefusal, checked for every route.
  route: () => ({ kind: 'chain', plan: exponentialPlan }),
};
