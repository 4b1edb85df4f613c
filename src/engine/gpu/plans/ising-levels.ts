import { isingLevelsKernelSource, isingLevelsParameterCount } from '../../../../kernels/ising-levels.js';
import { ISING_STATE, IsingLevels, SpinConditionals, type IsingParams } from '../../../families/ising.js';
import type { FamilyModel } from '../../../families/family.js';
import { multinomialConditionals } from '../../../rng/distributions/multinomial.js';
import { U24_SCALE } from '../../../rng/uniform.js';
import type { RunSpec } from '../../../spec/run-spec.js';
import type { HostFitPlan } from '../host-fit.js';

/**
 * Coupled Ising (θ₂ ≠ 0, or θ₂ learned) on the host-fit path: the kernel draws each
 * generation's spins (kernels/ising-levels.js), the host refits with the family's Newton
 * fit in float64. Per-sample thresholds ⌈P(up | …)·2^24⌉ are exact integers, so per-sample
 * runs are the reference's chains bit for bit; sufficient mode draws the level multinomial
 * with float32 binomials.
 */
export function isingLevelsPlan(spec: RunSpec, model: FamilyModel, style: string): HostFitPlan {
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
