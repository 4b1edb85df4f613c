import { gaussianKernelSource } from '../../../../kernels/gaussian.js';
import type { GaussianParams } from '../../../families/gaussian.js';
import { hasMitigation } from '../../../spec/run-spec.js';
import { fitKind, refitFromSlots, regimeKind, type GpuPlan, type GpuPlanContext } from '../plan.js';

export function gaussianPlan({ spec, model, style }: GpuPlanContext): GpuPlan {
  const params = spec.familyParams as GaussianParams;
  const n = spec.samples + spec.groundTruth;
  const regime = regimeKind(spec);
  const fit = fitKind(spec);
  return {
    source: gaussianKernelSource({
      style,
      mode: spec.mode,
      samples: spec.samples,
      groundTruth: spec.groundTruth,
      regime,
      fit,
      stopAtCollapse: !hasMitigation(spec),
      unbiased: params.estimator === 'unbiased',
    }),
    scalars: [params.mu0, params.var0, params.truthMu, params.truthVar, spec.prior, spec.l2, params.collapseThreshold * params.var0],
    stopAtCollapse: !hasMitigation(spec),
    exactness: 'float32',
    initialSlots: Float32Array.of(0, 0, -1, 0),
    decodeCollapse: (code) => (code < 0 ? { collapseTime: -1, outcome: NaN } : { collapseTime: code, outcome: NaN }),
    // The slots hold the (mean, M2) the last fit used, in float32.
    modelState: refitFromSlots(spec, model, (slots, run, stats) => {
      stats[0] = regime === 'accumulate' ? run * n : n;
      stats[1] = slots[0];
      stats[2] = slots[1];
    }),
  };
}
