import { machineDescription, type MachineDescription } from '../environment.js';
import { keyFromSeed, keyToHex } from '../rng/keys.js';
import { STREAM_VERSION } from '../rng/streams.js';
import { UsageError } from '../spec/errors.js';
import type { RunSpec } from '../spec/run-spec.js';
import { TOOL_VERSION } from '../version.js';

/**
 * The version of the provenance's layout (docs/output-schema.md keeps its changelog): a
 * reader refuses a file of a newer version than it knows, since it cannot vouch for fields
 * it has never seen. Files from before it was recorded are version 1.
 */
export const SCHEMA_VERSION = 2;

/**
 * What is stored with every output (schema metadata key `collapse_sim`; Parquet key–value
 * metadata; a CSV's PATH.provenance.json): the exact resolved configuration, the key the
 * seed became, the backend that really ran, the device and machine it ran on, and the
 * tool's version. Nothing time-dependent, so equal runs on one machine give byte-identical
 * files. docs/output-schema.md documents every key.
 */
export interface Provenance {
  readonly tool: 'collapse-sim';
  /** SCHEMA_VERSION when written; absent in files of version 1. */
  readonly schema_version: number;
  readonly version: string;
  /** The Philox key derived from the seed (hex), or null for --rng seedrandom. */
  readonly key: string | null;
  /**
   * The layout of the random stream (src/rng/streams.ts STREAM_VERSION): files of different
   * stream versions hold different draws for the same seed. Absent in files made before
   * version 2 (those are version 1).
   */
  readonly stream: number;
  /** The backend that produced the rows, and the device it ran on. */
  readonly backend: string;
  readonly device: string;
  /** The machine and Node it ran on (absent in files of schema version 1). */
  readonly machine: MachineDescription;
  /**
   * Only in a file merged or exported from shards that ran on more than one device or
   * machine: where each shard ran (`device` and `machine` above are shard 0's).
   */
  readonly shards?: readonly ShardOrigin[];
  readonly config: RunSpec;
}

/** Where one shard of a merged run was made. */
export interface ShardOrigin {
  readonly index: number;
  readonly device: string;
  readonly machine: MachineDescription | null;
}

/** A file's stream version (files from before versions were recorded are version 1). */
export function streamVersionOf(provenance: Partial<Provenance>): number {
  return typeof provenance.stream === 'number' ? provenance.stream : 1;
}

/** A file's schema version (files from before versions were recorded are version 1). */
export function schemaVersionOf(provenance: Partial<Provenance>): number {
  return provenance.schema_version === undefined ? 1 : provenance.schema_version;
}

export function provenanceOf(spec: RunSpec, backend: string, device: string, machine: MachineDescription = machineDescription()): Provenance {
  return {
    tool: 'collapse-sim',
    schema_version: SCHEMA_VERSION,
    version: TOOL_VERSION,
    key: spec.rng === 'philox' ? keyToHex(keyFromSeed(spec.seed)) : null,
    stream: STREAM_VERSION,
    backend,
    device,
    machine,
    // The configuration as run: --backend auto is recorded as the backend it chose.
    config: { ...spec, backend },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Checks the provenance's own fields (not its configuration: spec/stored.ts does that) and
 * returns it; throws a one-line UsageError naming `what` for anything collapse-sim does not
 * write ("<what>: <notOurs>" where it is not collapse-sim's at all), and for a schema
 * version newer than this tool reads.
 */
export function checkProvenance(value: unknown, what: string, notOurs: string): Provenance {
  if (!isObject(value) || value['tool'] !== 'collapse-sim') throw new UsageError(`${what}: ${notOurs}`);
  const schema = value['schema_version'];
  if (schema !== undefined && !(Number.isSafeInteger(schema) && (schema as number) >= 1)) {
    throw new UsageError(`${what}: its provenance's schema_version ${JSON.stringify(schema)} is not a positive integer`);
  }
  const version = schemaVersionOf(value as Partial<Provenance>);
  if (version > SCHEMA_VERSION) {
    throw new UsageError(
      `${what}: written by collapse-sim ${String(value['version'])} with provenance schema version ${version}; this collapse-sim (${TOOL_VERSION}) reads versions up to ${SCHEMA_VERSION}: use a newer collapse-sim`,
    );
  }
  for (const key of ['version', 'backend', 'device'] as const) {
    if (typeof value[key] !== 'string') throw new UsageError(`${what}: its provenance has no ${key}`);
  }
  if (value['key'] !== null && typeof value['key'] !== 'string') throw new UsageError(`${what}: its provenance's key is neither null nor text`);
  if (value['stream'] !== undefined && !(Number.isSafeInteger(value['stream']) && (value['stream'] as number) >= 1)) {
    throw new UsageError(`${what}: its provenance's stream ${JSON.stringify(value['stream'])} is not a positive integer`);
  }
  if (version >= 2 && !isObject(value['machine'])) throw new UsageError(`${what}: its provenance has no machine`);
  if (value['shards'] !== undefined && !Array.isArray(value['shards'])) throw new UsageError(`${what}: its provenance's shards is not a list`);
  return value as unknown as Provenance;
}
