import { keyFromSeed, keyToHex } from '../rng/keys.js';
import { STREAM_VERSION } from '../rng/streams.js';
import type { RunSpec } from '../spec/run-spec.js';
import { TOOL_VERSION } from '../version.js';

/**
 * What is stored with every output (schema metadata key `collapse_sim`): the exact
 * resolved configuration, the key the seed became, the backend that really ran and the
 * tool's version. Nothing time-dependent, so equal runs give byte-identical files.
 */
export interface Provenance {
  readonly tool: 'collapse-sim';
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
  readonly config: RunSpec;
}

/** A file's stream version (files from before versions were recorded are version 1). */
export function streamVersionOf(provenance: Partial<Provenance>): number {
  return typeof provenance.stream === 'number' ? provenance.stream : 1;
}

export function provenanceOf(spec: RunSpec, backend: string, device: string): Provenance {
  return {
    tool: 'collapse-sim',
    version: TOOL_VERSION,
    key: spec.rng === 'philox' ? keyToHex(keyFromSeed(spec.seed)) : null,
    stream: STREAM_VERSION,
    backend,
    device,
    // The configuration as run: --backend auto is recorded as the backend it chose.
    config: { ...spec, backend },
  };
}
