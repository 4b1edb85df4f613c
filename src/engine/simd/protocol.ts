/** What the WebAssembly engine and its workers send each other, and how a worker sizes its table. */
import type { FamilyModel } from '../../families/family.js';
import type { RunSpec } from '../../spec/run-spec.js';
import type { TrajectoryRows } from '../batch.js';
import { tableAllocatorFloats, tableBytesPerLane } from '../chain-table.js';

/** The batch's per-chain columns, shared with every worker (index = chain − batchFirst). */
export interface SharedColumns {
  readonly collapseTime: SharedArrayBuffer;
  readonly outcome: SharedArrayBuffer;
  readonly absorbedTime: SharedArrayBuffer;
  readonly collapsedGenerations: SharedArrayBuffer;
  readonly eventTimes: readonly SharedArrayBuffer[];
  readonly finals: readonly SharedArrayBuffer[];
}

export interface SimdTask {
  readonly id: number;
  readonly spec: RunSpec;
  /** Chains [first, first + count) of the batch that starts at batchFirst. */
  readonly first: number;
  readonly count: number;
  readonly batchFirst: number;
  readonly columns: SharedColumns;
  /** Int32 [0]: set to 1 to stop every worker between generations. */
  readonly control: SharedArrayBuffer;
  /** Float64 per worker slot: chain·generations simulated so far. */
  readonly progress: SharedArrayBuffer;
  readonly slot: number;
}

export interface SimdReply {
  readonly id: number;
  readonly chainGenerations: number;
  readonly trajectory: TrajectoryRows | null;
  readonly interrupted?: boolean;
  readonly error?: string;
}

/** Bytes of lanes one worker holds at most: its tables stay in the caches' reach and far from WebAssembly's 4 GiB. */
const LANE_BUDGET_BYTES = 64 * 2 ** 20;
/** Most lanes per worker: beyond, a generation's overhead is already amortised. */
const MAX_LANES = 8192;

/** Lanes a worker advances together for this configuration. */
export function laneCapacity(model: FamilyModel, spec: RunSpec): number {
  const perLane = tableBytesPerLane(model, spec) + 16 * model.samplerFloatsPerLane + 40;
  return Math.max(1, Math.min(MAX_LANES, Math.floor(LANE_BUDGET_BYTES / perLane)));
}

/** Float64s a worker's generator must reserve: the table's rows and both samplers' scratch. */
export function generatorReserve(model: FamilyModel, spec: RunSpec, capacity: number): number {
  return tableAllocatorFloats(model, spec, capacity) + 2 * capacity * model.samplerFloatsPerLane + 4 * model.stateSize + 4096;
}
