import { exponentialKernelSource } from '../../../../kernels/exponential.js';
import type { ExponentialParams } from '../../../families/exponential.js';
import { hasMitigation } from '../../../spec/run-spec.js';
import type { GpuPlan, GpuPlanContext } from '../plan.js';

export function exponentialPlan({ spec, model, style }: GpuPlanContext): GpuPlan {
  const params = spec.familyParams as ExponentialParams;
  const n = spec.samples + spec.groundTruth;
  const regime = spec.regime.kind === 'accumulate' ? 'accumulate' : 'replace';
  const fit = spec.l2 > 0 ? 'l2' : spec.prior > 0 ? 'prior' : 'mle';
  const stats = new Float64Array(model.statsSize);
  const pseudo = new Float64Array(model.statsSize);
  model.pseudoStats(spec.prior, pseudo);
  return {
    source: exponentialKernelSource({ style, mode: spec.mode, samples: spec.samples, groundTruth: spec.groundTruth, regime, fit, stopAtCollapse: !hasMitigation(spec) }),
    scalars: [1 / params.rate0, 1 / params.truthRate, spec.prior, spec.l2, params.collapseThreshold / params.rate0],
    stopAtCollapse: !hasMitigation(spec),
    exactness: 'float32',
    initialSlots: Float32Array.of(0, 0, -1, 0),
    decodeCollapse: (code) => (code < 0 ? { collapseTime: -1, outcome: NaN } : { collapseTime: code, outcome: NaN }),
    modelState(slots, out) {
      const run = slots[3];
      if (run === 0) {
        out.set(model.initialState());
        return;
      }
      stats[0] = regime === 'accumulate' ? run * n : n;
      stats[1] = regime === 'accumulate' ? slots[1] : slots[0];
      if (spec.prior > 0) model.addStats(stats, pseudo);
      model.fit(stats, out);
    },
  };
}
