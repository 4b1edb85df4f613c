/** The types a sweep's plan and results share (./sweep.ts runs them, ./points-table.ts writes them). */
import type { RunSpec } from '../spec/run-spec.js';
import type { CollapseSummary } from '../stats/summary.js';
import type { GridAxis, GridPoint } from './grid.js';

/** What --precision-of measures: P(absorbed by T), or the mean absorption time. */
export type PrecisionOf = 'probability' | 'mean-time';
export const PRECISION_OF: readonly PrecisionOf[] = ['probability', 'mean-time'];

export interface Precision {
  /** The largest 95 % half-width accepted. */
  readonly target: number;
  readonly of: PrecisionOf;
  /** --chains: the most chains a point may run. */
  readonly cap: number;
}

export interface PlannedPoint extends GridPoint {
  /** The point's run: the sweep's options, the axis values, the derived seed, its file. */
  readonly spec: RunSpec;
  /** File names inside the output directory. */
  readonly file: string;
  readonly sidecar: string;
  /** The point's checkpoint directory while it runs (removed when it finishes). */
  readonly checkpoint: string;
}

export interface SweepPlan {
  readonly outDir: string;
  readonly seed: string;
  readonly axes: readonly GridAxis[];
  readonly precision: Precision | null;
  readonly points: readonly PlannedPoint[];
  /** What the sweep is, stored as sweep.json: a directory holding another sweep is refused. */
  readonly definition: Record<string, unknown>;
}

/** One row of points.arrow: a point's results. */
export interface PointResult {
  readonly point: PlannedPoint;
  readonly summary: CollapseSummary;
  readonly backend: string;
  readonly seconds: number;
  /** Chain·generations simulated for the point (every stage, under --precision). */
  readonly chainGenerations: number;
  /** Stages run (1 without --precision). */
  readonly stages: number;
  /** Whether it was read back from an earlier, interrupted sweep. */
  readonly resumed: boolean;
}
