import { exponentialKernelSource } from '../../../../kernels/exponential.js';
import type { ExponentialParams } from '../../../families/exponential.js';
import { hasMitigation } from '../../../spec/run-spec.js';
import { fitKind, refitFromSlots, regimeKind, type GpuPlan, type GpuPlanContext } from '../plan.js';

export function exponentialPlan({ spec, model, style }: GpuPlanContext): GpuPlan {
  const params = spec.familyParams as ExponentialParams;
  const n = spec.samples + spec.groundTruth;
  const regime = regimeKind(spec);
  const fit = fitKind(spec);
  return {
    source: exponentialKernelSource({ style, mode: spec.mode, samples: spec.samples, groundTruth: spec.groundTruth, regime, fit, stopAtCollapse: !hasMitigation(spec) }),
    scalars: [1 / params.rate0, 1 / params.truthRate, spec.prior, spec.l2, params.collapseThreshold / params.rate0],
    stopAtCollapse: !hasMitigation(spec),
    exactness: 'float32',
    initialSlots: Float32Array.of(0, 0, -1, 0),
    decodeCollapse: (code) => (code < 0 ? { collapseTime: -1, outcome: NaN } : { collapseTime: code, outcome: NaN }),
    modelState: refitFromSlots(spec, model, (slots, run, stats) => {
      stats[0] = regime === 'accumulate' ? run * n : n;
      stats[1] = regime === 'accumulate' ? slots[1] : slots[0];
    }),
  };
}
