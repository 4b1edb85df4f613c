import { bernoulliKernelSource } from '../../../../kernels/bernoulli.js';
import type { BernoulliParams } from '../../../families/bernoulli.js';
import { hasMitigation } from '../../../spec/run-spec.js';
import { U24_SCALE } from '../../../rng/uniform.js';
import type { GpuPlan, GpuPlanContext } from '../plan.js';

export function bernoulliPlan({ spec, model, style }: GpuPlanContext): GpuPlan {
  const params = spec.familyParams as BernoulliParams;
  const n = spec.samples + spec.groundTruth;
  const regime = spec.regime.kind === 'accumulate' ? 'accumulate' : 'replace';
  const fit = spec.l2 > 0 ? 'l2' : spec.prior > 0 ? 'prior' : 'mle';
  const stopAtCollapse = !hasMitigation(spec);
  const stats = new Float64Array(model.statsSize);
  const pseudo = new Float64Array(model.statsSize);
  model.pseudoStats(spec.prior, pseudo);
  const initialCollapsed = params.p0 === 0 || params.p0 === 1;
  return {
    source: bernoulliKernelSource({ style, mode: spec.mode, samples: spec.samples, groundTruth: spec.groundTruth, regime, fit, stopAtCollapse }),
    // Thresholds for the fixed models are computed here in float64, as the reference compares u < p·2^24.
    scalars: [Math.ceil(params.p0 * U24_SCALE), params.p0, Math.ceil(params.truthP * U24_SCALE), params.truthP, spec.prior, spec.l2, new Float32Array(1)],
    stopAtCollapse,
    exactness: fit === 'mle' && spec.mode === 'per-sample' ? 'bit-exact' : 'float32',
    initialSlots: Float32Array.of(0, 0, initialCollapsed ? params.p0 : -1, 0),
    decodeCollapse(code) {
      return code < 0 ? { collapseTime: -1, outcome: NaN } : { collapseTime: Math.floor(code / 2), outcome: code % 2 };
    },
    modelState(slots, out) {
      const run = slots[3];
      if (run === 0) {
        out[0] = params.p0;
        return;
      }
      // Refit in float64 from the exact counts, as the reference does.
      stats[0] = regime === 'accumulate' ? run * n : n;
      stats[1] = regime === 'accumulate' ? slots[1] : slots[0];
      if (spec.prior > 0) model.addStats(stats, pseudo);
      model.fit(stats, out);
    },
  };
}
