/** Poisson on a gpu.js backend: the chain kernel of kernels/poisson.js. */
import { poissonKernelSource, poissonThresholds } from '../../../kernels/poisson.js';
import { fittedCount, kernelLoop, refitFromSlots } from '../../engine/gpu/plan.js';
import { POISSON_INVERSION_LIMIT } from '../../rng/distributions/poisson.js';
import { UsageError } from '../../spec/errors.js';
import type { PoissonParams } from './model.js';
import type { FamilyGpu, GpuPlan, GpuPlanContext } from '../routes.js';

/** Thresholds per λ: below the inversion limit the CDF reaches 1 − 2^−24 by k = 31. */
const TABLE_WIDTH = 48;
/** Largest exact table passed to a kernel (floats). */
const TABLE_LIMIT = 2 ** 22;

export function poissonPlan({ spec, model, style }: GpuPlanContext): GpuPlan {
  const params = spec.familyParams as PoissonParams;
  const n = spec.samples + spec.groundTruth;
  const loop = kernelLoop(spec, style);
  // Rows for λ = S/n, S = 0, 1, … while the reference would invert (S/n below the limit,
  // decided in float64 as it does), then rows for λ₀ and λ*.
  let sums = 0;
  while (sums / n < POISSON_INVERSION_LIMIT) sums++;
  const exact = loop.fit === 'mle' && loop.regime === 'replace' && spec.mode === 'per-sample' && (sums + 2) * TABLE_WIDTH <= TABLE_LIMIT;
  const table = new Float32Array(exact ? (sums + 2) * TABLE_WIDTH : 1);
  const fixedRow = (lambda: number, row: number): number => {
    if (!exact || !(lambda < POISSON_INVERSION_LIMIT)) return -1;
    table.set(poissonThresholds(lambda, TABLE_WIDTH), row * TABLE_WIDTH);
    return row;
  };
  if (exact) for (let sum = 0; sum < sums; sum++) table.set(poissonThresholds(sum / n, TABLE_WIDTH), sum * TABLE_WIDTH);
  const initialRow = fixedRow(params.lambda0, sums);
  const truthRow = fixedRow(params.truthLambda, sums + 1);
  return {
    source: poissonKernelSource({ ...loop, tableRows: exact ? sums : 0, tableWidth: TABLE_WIDTH }),
    scalars: [params.lambda0, params.truthLambda, spec.prior, spec.l2, table, initialRow, truthRow],
    stopAtCollapse: loop.stopAtCollapse,
    // Exact by table below the inversion limit; the float32 PTRS above it is near-exact.
    exactness: exact ? 'near-exact' : 'float32',
    initialSlots: Float32Array.of(0, 0, params.lambda0 === 0 ? 0 : -1, 0),
    decodeCollapse(code) {
      if (code < -1) throw new UsageError('a Poisson count reached 2^24, beyond exact float32 integers (the up-front limit makes this all but impossible): run this configuration with --backend reference');
      return code < 0 ? { collapseTime: -1, outcome: NaN } : { collapseTime: code, outcome: 0 };
    },
    modelState: refitFromSlots(spec, model, (slots, run, stats) => {
      const { points, statistic } = fittedCount(loop, slots, run);
      stats[0] = points;
      stats[1] = statistic;
    }),
  };
}

export const gpu: FamilyGpu = {
  route: () => ({ kind: 'chain', plan: poissonPlan }),
};
