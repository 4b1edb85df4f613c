import { FLOAT32, type FamilyName } from '../../../families/family.js';
import { FAMILIES } from '../../../families/index.js';
import type { CategoricalParams } from '../../../families/categorical.js';
import { UsageError } from '../../../spec/errors.js';
import { rangeContext, type RunSpec } from '../../../spec/run-spec.js';
import type { GpuPlan, GpuPlanContext } from '../plan.js';
import { bernoulliPlan } from './bernoulli.js';
import { exponentialPlan } from './exponential.js';
import { gaussianPlan } from './gaussian.js';
import { assertIsingLimits, isingOnChainKernel, isingPlan } from './ising.js';
import { poissonPlan } from './poisson.js';

/** Float32 holds integers exactly below 2^24; exact thresholds need denominators below 2^23. */
export const EXACT_LIMIT = 2 ** 23;

const PLANS: Partial<Record<FamilyName, (context: GpuPlanContext) => GpuPlan>> = {
  bernoulli: bernoulliPlan,
  poisson: poissonPlan,
  exponential: exponentialPlan,
  gaussian: gaussianPlan,
  ising: isingPlan,
};

/** Most categories a GPU run takes: the decoder and threshold kernels cost K² per chain and generation. */
export const GPU_MAX_CATEGORIES = 1024;

/**
 * How a configuration runs on a GPU backend: a chain kernel (state in four slots, many
 * generations per call), the categorical pipeline (categorical.ts), or the host-fit path
 * (host-fit.ts: a kernel draws each generation, the host refits in float64).
 */
export type GpuPath = 'chain' | 'categorical' | 'host-fit';

export function gpuPathFor(spec: RunSpec): GpuPath {
  if (spec.family === 'categorical') return 'categorical';
  if (spec.family === 'ising' && !isingOnChainKernel(spec)) return 'host-fit';
  return 'chain';
}

export function gpuPlanFor(context: GpuPlanContext): GpuPlan {
  const plan = PLANS[context.spec.family];
  if (!plan) throw new UsageError(`--family ${context.spec.family} has no GPU kernel yet: use --backend reference`);
  return plan(context);
}

/**
 * Refuses, before any work, what GPU kernels cannot run faithfully in float32: the
 * message names the flag and the limit. A run never silently degrades.
 */
export function assertGpuSupports(spec: RunSpec, backend: string): void {
  const where = `on --backend ${backend}`;
  if (spec.family === 'categorical') assertCategoricalSupported(spec, where);
  else if (!PLANS[spec.family]) throw new UsageError(`--family ${spec.family} has no GPU kernel yet: use --backend reference`);
  // The host-fit path pools and refits on the host in float64: any regime, no count limit over generations.
  const hostFit = gpuPathFor(spec) === 'host-fit';
  if (spec.regime.kind === 'window' && !hostFit) {
    throw new UsageError(`--regime window:<W> with --family ${spec.family} runs on --backend reference only (a GPU chain keeps four numbers of state)`);
  }
  const n = spec.samples + spec.groundTruth;
  if (n >= EXACT_LIMIT) throw new UsageError(`--samples plus --ground-truth must be below ${EXACT_LIMIT} ${where} (exact float32 counts)`);
  if (spec.generations >= EXACT_LIMIT) throw new UsageError(`--generations must be below ${EXACT_LIMIT} ${where} (exact float32 generation numbers)`);
  if (spec.regime.kind === 'accumulate' && !hostFit && spec.generations * n >= EXACT_LIMIT) {
    throw new UsageError(
      `--regime accumulate needs --generations × (--samples + --ground-truth) below ${EXACT_LIMIT} ${where} (accumulated counts stay exact float32 integers)`,
    );
  }
  if (spec.family === 'ising') assertIsingLimits(spec, where);
  // The family's own limits in float32, for its parameters and what they grow to. On the
  // host-fit path the host pools generations in float64: a kernel sees one generation.
  const context = rangeContext(spec);
  const refusal = FAMILIES[spec.family].rangeRefusal?.(spec.familyParams, hostFit ? { ...context, pooledGenerations: 1 } : context, FLOAT32) ?? null;
  if (refusal !== null) throw new UsageError(`${refusal} ${where}`);
}

function assertCategoricalSupported(spec: RunSpec, where: string): void {
  const params = spec.familyParams as CategoricalParams;
  if (spec.l2 > 0) throw new UsageError(`--l2 with --family categorical runs on --backend reference only (the softmax fit needs a whole chain per thread)`);
  if (params.topK !== null && params.topK < params.categories && params.topP < 1) {
    throw new UsageError(`--top-k together with --top-p runs on --backend reference only (every category's rank in every thread)`);
  }
  if (params.categories > GPU_MAX_CATEGORIES) {
    throw new UsageError(`--categories must be at most ${GPU_MAX_CATEGORIES} ${where} (the kernels cost K² per chain and generation); use --backend reference`);
  }
}
