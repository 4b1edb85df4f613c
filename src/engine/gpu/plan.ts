/**
 * The toolkit a family's GPU module (src/families/<name>.gpu.ts) builds its chain-kernel plan
 * with (the plan types are src/families/routes.ts): a kernel is one thread per chain, four float
 * slots of state in and out, the last two always the collapse code and the generation reached.
 */
import { hasMitigation, type FamilyModel, type RunConfig } from '../../families/family.js';
import type { ChainOutcome, GpuPlan } from '../../families/routes.js';
import { keyFromSeed } from '../../rng/keys.js';
import { chainPadding, INPUT_WIDTH, type KernelRecipe } from './kernel-runner.js';
import type { KernelBackendName } from './names.js';

/** Float32 holds integers exactly below 2^24; exact thresholds need denominators below 2^23. */
export const EXACT_LIMIT = 2 ** 23;

/** Slot 2 holds the collapse code (−1 = not collapsed), slot 3 the generation reached. */
export const COLLAPSE_SLOT = 2;
export const RUN_SLOT = 3;

/** The fit of a configuration: maximum likelihood, MAP (a prior), or an L2 penalty (with or without a prior). */
export function fitKind(spec: RunConfig): 'mle' | 'prior' | 'l2' {
  return spec.l2 > 0 ? 'l2' : spec.prior > 0 ? 'prior' : 'mle';
}

/** The GPU kernels know two regimes (window:W runs on the reference path). */
export function regimeKind(spec: RunConfig): 'replace' | 'accumulate' {
  return spec.regime.kind === 'accumulate' ? 'accumulate' : 'replace';
}

/** The loop settings every chain kernel takes from the spec; each family's plan adds its own. */
export interface KernelLoop {
  readonly style: string;
  readonly mode: RunConfig['mode'];
  readonly samples: number;
  readonly groundTruth: number;
  readonly regime: 'replace' | 'accumulate';
  readonly fit: 'mle' | 'prior' | 'l2';
  /** Without mitigation a collapsed chain stays collapsed: the kernel stops it. */
  readonly stopAtCollapse: boolean;
}

export function kernelLoop(spec: RunConfig, style: string): KernelLoop {
  return { style, mode: spec.mode, samples: spec.samples, groundTruth: spec.groundTruth, regime: regimeKind(spec), fit: fitKind(spec), stopAtCollapse: !hasMitigation(spec) };
}

/**
 * For the plans whose slots 0 and 1 hold a count statistic of the last generation and its
 * running total: the points the last fit saw after `run` generations and their statistic
 * (this generation's, or everything so far under accumulate).
 */
export function fittedCount(loop: KernelLoop, slots: Float32Array, run: number): { points: number; statistic: number } {
  const n = loop.samples + loop.groundTruth;
  return loop.regime === 'accumulate' ? { points: run * n, statistic: slots[1] } : { points: n, statistic: slots[0] };
}

/** Collapse codes that are the collapse time alone (families without an absorbing outcome). */
export function decodeCollapseTime(code: number): ChainOutcome {
  return { collapseTime: code < 0 ? -1 : code, outcome: NaN };
}

/**
 * A plan's modelState: the reference model after the chain's last generation, refitted in
 * float64 with the family's own fit from the statistics the slots hold (`fill` writes them,
 * given the generations run), plus the prior's pseudo-observations — as the reference fits.
 */
export function refitFromSlots(
  spec: RunConfig,
  model: FamilyModel,
  fill: (slots: Float32Array, run: number, stats: Float64Array) => void,
): GpuPlan['modelState'] {
  const initial = model.initialState();
  const stats = new Float64Array(model.statsSize);
  const pseudo = new Float64Array(model.statsSize);
  model.pseudoStats(spec.prior, pseudo);
  return (slots, out) => {
    const run = slots[RUN_SLOT];
    if (run === 0) {
      out.set(initial);
      return;
    }
    fill(slots, run, stats);
    if (spec.prior > 0) model.addStats(stats, pseudo);
    model.fit(stats, out);
  };
}

/** The Philox key of a seed as four 16-bit limbs (kernel arguments keyH0, keyL0, keyH1, keyL1). */
export function keyLimbs(seed: string): [number, number, number, number] {
  const [key0, key1] = keyFromSeed(seed);
  return [Math.floor(key0 / 65536), key0 % 65536, Math.floor(key1 / 65536), key1 % 65536];
}

/** A plan's chain kernel, called as (rows, generations, horizon, key limbs…, scalars…). */
export function chainKernelRecipe(backend: KernelBackendName, spec: Pick<RunConfig, 'generations' | 'seed'>, plan: Pick<GpuPlan, 'source' | 'scalars'>): KernelRecipe {
  return {
    backend,
    source: plan.source,
    constants: [spec.generations, ...keyLimbs(spec.seed), ...plan.scalars],
    inputWidth: INPUT_WIDTH,
    padding: chainPadding(spec.generations),
  };
}
