/**
 * What the GPU engine needs from a family: a kernel (one thread per chain, four float
 * slots of state in and out, the last two always the collapse code and the generation
 * reached), its scalar arguments, and how to turn final slots back into the reference's
 * per-chain results.
 */
import type { FamilyModel } from '../../families/family.js';
import type { RunSpec } from '../../spec/run-spec.js';

/** Slot 2 holds the collapse code (−1 = not collapsed), slot 3 the generation reached. */
export const COLLAPSE_SLOT = 2;
export const RUN_SLOT = 3;

export interface ChainOutcome {
  collapseTime: number;
  outcome: number;
}

export interface GpuPlan {
  readonly source: string;
  /** Kernel arguments after (state, generations, horizon, keyH0, keyL0, keyH1, keyL1): numbers or tables. */
  readonly scalars: readonly (number | Float32Array)[];
  /** Mirrors the reference: with no mitigation a chain stops at its first collapse. */
  readonly stopAtCollapse: boolean;
  /**
   * 'bit-exact': draws and results identical to the reference; 'float32': the same
   * algorithm in float32, exact in law only.
   */
  readonly exactness: 'bit-exact' | 'float32';
  /** The four state slots every chain starts from. */
  readonly initialSlots: Float32Array;
  /** Collapse time (−1: none) and outcome (NaN: none) from a collapse code. */
  decodeCollapse(code: number): ChainOutcome;
  /** The reference model's state after the chain's last simulated generation. */
  modelState(slots: Float32Array, out: Float64Array): void;
}

export interface GpuPlanContext {
  readonly spec: RunSpec;
  readonly model: FamilyModel;
  /** The Philox arithmetic of the backend (see kernels/philox.js). */
  readonly style: string;
}
