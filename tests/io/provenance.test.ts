/**
 * The provenance's own fields (src/io/provenance.ts, docs/output-schema.md): what a reader
 * accepts by schema version, and the provenance of a run made of shards — shard 0's where
 * every shard ran on one device and machine (so the merge is the unsharded file, byte for
 * byte), and where each ran where they did not.
 */
import { describe, expect, it } from 'vitest';
import { machineDescription } from '../../src/environment.js';
import { combinedProvenance, type ShardFile } from '../../src/io/merge.js';
import { checkProvenance, provenanceOf, SCHEMA_VERSION, type Provenance } from '../../src/io/provenance.js';
import { resolveRunSpec } from '../../src/spec/run-spec.js';

const spec = resolveRunSpec({ chains: '90', shard: '0/3', backend: 'reference' });
const provenance = provenanceOf(spec, 'reference', 'device A');
const NOT_OURS = 'not ours';

describe('checkProvenance', () => {
  it('accepts what collapse-sim writes, and version 1 files (no schema_version, no machine)', () => {
    expect(checkProvenance(JSON.parse(JSON.stringify(provenance)), 'f', NOT_OURS).schema_version).toBe(SCHEMA_VERSION);
    const { schema_version: _version, machine: _machine, ...versionOne } = provenance;
    expect(() => checkProvenance(versionOne, 'f', NOT_OURS)).not.toThrow();
  });

  it.each([
    ['another tool', { tool: 'other' }, /^f: not ours$/],
    ['a newer schema', { schema_version: SCHEMA_VERSION + 1 }, new RegExp(`^f: written by collapse-sim \\S+ with provenance schema version ${SCHEMA_VERSION + 1}; this collapse-sim \\(\\S+\\) reads versions up to ${SCHEMA_VERSION}: use a newer collapse-sim$`)],
    ['a schema version that is no version', { schema_version: 1.5 }, /^f: its provenance's schema_version 1\.5 is not a positive integer$/],
    ['version 2 without its machine', { machine: undefined }, /^f: its provenance has no machine$/],
    ['no device', { device: 3 }, /^f: its provenance has no device$/],
    ['a stream that is no version', { stream: 'two' }, /^f: its provenance's stream "two" is not a positive integer$/],
    ['shards that are no list', { shards: {} }, /^f: its provenance's shards is not a list$/],
  ])('refuses %s', (_label, change, message) => {
    const forged = JSON.parse(JSON.stringify({ ...provenance, ...change }));
    expect(() => checkProvenance(forged, 'f', NOT_OURS)).toThrow(message);
  });
});

function shard(index: number, device: string, machine = machineDescription()): ShardFile {
  const config = { ...spec, shard: { index, count: 3 } };
  const p: Provenance = { ...provenanceOf(config, 'reference', device, machine) };
  return { path: `s${index}.arrow`, provenance: p, shard: config.shard, rows: 30 };
}

describe('combinedProvenance', () => {
  it('shards from one device and machine: shard 0\'s provenance, the whole run, no shards key', () => {
    const combined = combinedProvenance([shard(0, 'device A'), shard(1, 'device A'), shard(2, 'device A')]);
    expect(combined).toEqual({ ...shard(0, 'device A').provenance, config: { ...spec, shard: null } });
    expect('shards' in combined).toBe(false);
  });

  it('shards from several devices or machines: each one listed, in shard order', () => {
    const elsewhere = { ...machineDescription(), cpu: 'another CPU', os: 'linux 9.9' };
    const combined = combinedProvenance([shard(0, 'device A'), shard(1, 'device B'), shard(2, 'device A', elsewhere)], { out: 'merged.arrow' });
    expect(combined.device).toBe('device A');
    expect(combined.config.out).toBe('merged.arrow');
    expect(combined.shards).toEqual([
      { index: 0, device: 'device A', machine: machineDescription() },
      { index: 1, device: 'device B', machine: machineDescription() },
      { index: 2, device: 'device A', machine: elsewhere },
    ]);
  });
});
