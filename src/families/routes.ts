/**
 * The routes by which a family can run on a gpu.js backend, as data the family provides and the
 * GPU engine (src/engine/gpu/) runs. A family offers, for a configuration, one of:
 *
 *  - a chain kernel: one thread per chain, four float slots of state, many generations per
 *    call (GpuPlan; the kernel source comes from kernels/<family>.js);
 *  - the host-fit route: a kernel draws each generation's statistics, the host refits in
 *    float64 with the family's own fit (HostFitPlan);
 *  - the weights pipeline: chains whose model is K weights sampled through an optional
 *    decoder, a pipeline of kernels per round of generations (WeightsPipelinePlan);
 *
 * or a refusal saying which flag or limit keeps it on the CPU engines.
 */
import type { Exactness, FamilyModel, RunConfig } from './family.js';

/** A kernel argument: a number or a table. */
export type KernelArgument = number | Float32Array;

export interface ChainOutcome {
  collapseTime: number;
  outcome: number;
}

/**
 * A chain kernel and how to read its slots. Slot 2 is always the collapse code, slot 3 the
 * generation reached (see src/engine/gpu/plan.ts).
 */
export interface GpuPlan {
  readonly source: string;
  /** Kernel arguments after (state, generations, horizon, keyH0, keyL0, keyH1, keyL1): numbers or tables. */
  readonly scalars: readonly KernelArgument[];
  /** Mirrors the reference: with no mitigation a chain stops at its first collapse. */
  readonly stopAtCollapse: boolean;
  readonly exactness: Exactness;
  /** The four state slots every chain starts from. */
  readonly initialSlots: Float32Array;
  /** Collapse time (−1: none) and outcome (NaN: none) from a collapse code. */
  decodeCollapse(code: number): ChainOutcome;
  /** The reference model's state after the chain's last simulated generation. */
  modelState(slots: Float32Array, out: Float64Array): void;
}

export interface GpuPlanContext {
  readonly spec: RunConfig;
  readonly model: FamilyModel;
  /** The Philox arithmetic of the backend (see kernels/philox.js). */
  readonly style: string;
}

export interface HostFitPlan {
  /** Kernel (rows, generation, keyH0, keyL0, keyH1, keyL1, …constants) → four floats per chain. */
  readonly source: string;
  readonly constants: readonly KernelArgument[];
  /** Sampler parameters per chain, after the header. */
  readonly parameterWidth: number;
  readonly exactness: Exactness;
  /** The sampler's parameters for a model state, into `row` (parameterWidth floats). */
  writeParameters(state: Float64Array, row: Float32Array): void;
  /** A generation's statistics (model draws plus ground truth) from the kernel's four floats. */
  readStatistics(output: Float32Array, stats: Float64Array): void;
}

/** Chains whose model is K weights (counts after a maximum-likelihood fit), drawn through a decoder. */
export interface WeightsPipelinePlan {
  /** K. */
  readonly categories: number;
  /** The initial law π₀ and the ground truth's π* (normalised). */
  readonly initial: readonly number[];
  readonly truth: readonly number[];
  /** The decoder that reshapes the model's own draws (temperature, then top-k, then top-p), or null. */
  readonly decoder: { readonly temperature: number; readonly topK: number; readonly topP: number } | null;
  /** The decoder applied to weights on the host, exactly as the family's sampler applies it. */
  decode(weights: ArrayLike<number>, out: Float64Array): void;
  readonly exactness: Exactness;
}

export type GpuRoute =
  | { readonly kind: 'chain'; plan(context: GpuPlanContext): GpuPlan }
  | { readonly kind: 'host-fit'; plan(spec: RunConfig, model: FamilyModel, style: string): HostFitPlan }
  | { readonly kind: 'pipeline'; plan(spec: RunConfig): WeightsPipelinePlan };

/** What a family offers the GPU engine (its `*.gpu.ts` module, loaded only when a GPU engine asks). */
export interface FamilyGpu {
  /**
   * The route that runs `spec` on a gpu.js backend, or a one-line refusal naming the flag and
   * the limit (float32 ranges, kernel sizes) — checked before any work, so a run never
   * silently degrades.
   */
  route(spec: RunConfig, backend: string): GpuRoute | string;
}
