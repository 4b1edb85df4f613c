import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tableFromIPC, type Table } from 'apache-arrow';
import { resolveRunSpec } from '../../src/spec/run-spec.js';
import { runSimulation } from '../../src/run.js';
import { ReferenceEngine } from '../../src/engine/reference.js';
import { availableParallelism, cpus, platform, release, totalmem } from 'node:os';
import { PROVENANCE_KEY } from '../../src/io/tables.js';
import { SCHEMA_VERSION } from '../../src/io/provenance.js';
import { STREAM_VERSION } from '../../src/rng/streams.js';
import { TOOL_VERSION } from '../../src/version.js';
import { temporaryDirectory } from '../helpers.js';

const [directory, cleanup] = temporaryDirectory();
afterAll(cleanup);

async function runTo(name: string, options: Record<string, unknown>): Promise<Table> {
  const out = join(directory, name);
  await runSimulation(resolveRunSpec({ out, backend: 'reference', ...options }));
  return tableFromIPC(readFileSync(out));
}

function column(table: Table, name: string): unknown[] {
  return Array.from(table.getChild(name)!.toArray() as ArrayLike<unknown>, (_, i) => table.getChild(name)!.get(i));
}

describe('the chain table', () => {
  it.each([
    ['bernoulli', {}, ['final_p'], 'Int32'],
    ['categorical', { categories: 4 }, ['first_extinction_time', 'survivors', 'final_entropy', 'final_max_p'], 'Int32'],
    ['gaussian', { samples: 5 }, ['final_mu', 'final_var'], 'Int32'],
    ['poisson', {}, ['final_lambda'], 'Int32'],
    ['exponential', {}, ['final_rate'], 'Int32'],
    ['ising', { spins: 3, samples: 5 }, ['final_m', 'final_theta1', 'final_theta2'], 'Int32'],
  ])('%s: snake_case columns, types, one row per chain, provenance', async (family, extra, familyColumns) => {
    const table = await runTo(`${family}.arrow`, { family, chains: 300, generations: 50, seed: 'schema', batchSize: 128, 'batch-size': 128, ...extra });
    expect(table.numRows).toBe(300);
    expect(table.schema.fields.map((f) => f.name)).toEqual(['chain', 'collapse_time', 'outcome', ...familyColumns, 'absorbed_time', 'collapsed_generations']);
    expect(String(table.schema.fields[0].type)).toBe('Uint32');
    expect(String(table.schema.fields[1].type)).toBe('Int32');
    expect(table.schema.fields.every((f) => f.metadata.get('description')!.length > 0)).toBe(true);
    expect(column(table, 'chain')).toEqual(Array.from({ length: 300 }, (_, i) => i));
    const provenance = JSON.parse(table.schema.metadata.get(PROVENANCE_KEY)!);
    expect(provenance.tool).toBe('collapse-sim');
    expect(provenance.backend).toBe('reference');
    expect(provenance.config.family).toBe(family);
    expect(provenance.config.generations).toBe(50);
    expect(provenance.key).toMatch(/^[0-9a-f]{16}$/);
    // What made it (docs/output-schema.md): schema and stream versions, the tool, the device, the machine.
    expect(Object.keys(provenance)).toEqual(['tool', 'schema_version', 'version', 'key', 'stream', 'backend', 'device', 'machine', 'config']);
    expect([provenance.schema_version, provenance.stream, provenance.version]).toEqual([SCHEMA_VERSION, STREAM_VERSION, TOOL_VERSION]);
    expect(provenance.device).toBe(`float64 TypeScript on 1 thread (${cpus()[0].model.trim()})`);
    expect(provenance.machine).toEqual({ cpu: cpus()[0].model.trim(), cores: availableParallelism(), memory_bytes: totalmem(), node: process.version, platform: `${process.platform}-${process.arch}`, os: `${platform()} ${release()}` });
    // Censored chains have null collapse times; outcomes exist exactly for collapsed chains of families that have them.
    const times = column(table, 'collapse_time');
    const outcomes = column(table, 'outcome');
    times.forEach((time, i) => {
      if (time === null) expect(outcomes[i]).toBeNull();
      else expect(time).toBeGreaterThanOrEqual(0);
    });
    if (family === 'gaussian' || family === 'exponential') expect(outcomes.every((o) => o === null)).toBe(true);
    // Without a mitigation a collapsed chain is absorbed at its collapse and stays collapsed to T.
    expect(column(table, 'absorbed_time')).toEqual(times);
    expect(column(table, 'collapsed_generations')).toEqual(times.map((time) => (time === null ? 0 : 50 - (time as number) + 1)));
  });

  it('writes nulls, not sentinels, for censored chains', async () => {
    const table = await runTo('censored.arrow', { samples: 1000, chains: 50, generations: 3 });
    expect(column(table, 'collapse_time').every((t) => t === null)).toBe(true);
    expect(table.getChild('collapse_time')!.nullCount).toBe(50);
  });
});

describe('trajectories', () => {
  it('holds generation 0, every k-th generation and the last one simulated, for the first n chains', async () => {
    const out = join(directory, 'with-trajectories.arrow');
    const spec = resolveRunSpec({ out, samples: 6, p0: 0.5, chains: 40, generations: 1000, trajectories: 'every:3,chains:5', seed: 'traj', backend: 'reference' });
    await runSimulation(spec);
    const chains = tableFromIPC(readFileSync(out));
    const trajectories = tableFromIPC(readFileSync(join(directory, 'with-trajectories.trajectories.arrow')));
    expect(trajectories.schema.fields.map((f) => f.name)).toEqual(['chain', 'generation', 'p']);
    const chainColumn = column(trajectories, 'chain') as number[];
    const generation = column(trajectories, 'generation') as number[];
    const p = column(trajectories, 'p') as number[];
    expect(new Set(chainColumn)).toEqual(new Set([0, 1, 2, 3, 4]));
    for (let chain = 0; chain < 5; chain++) {
      const rows = chainColumn.flatMap((c, i) => (c === chain ? [i] : []));
      const generations = rows.map((i) => generation[i]);
      const collapse = chains.getChild('collapse_time')!.get(chain) as number;
      const expected = Array.from({ length: Math.floor(collapse / 3) + 1 }, (_, k) => 3 * k);
      if (collapse % 3 !== 0) expected.push(collapse);
      expect(generations).toEqual(expected);
      expect(p[rows[0]]).toBe(0.5);
      expect(p[rows[rows.length - 1]]).toBe(chains.getChild('final_p')!.get(chain));
    }
  });
});

describe('atomic output', () => {
  it('leaves no file, not even a partial one, when a run fails midway', async () => {
    const failing = new ReferenceEngine();
    const original = failing.run.bind(failing);
    failing.run = async function* (spec, options) {
      let batches = 0;
      for await (const batch of original(spec, options)) {
        if (++batches === 2) throw new Error('injected failure');
        yield batch;
      }
    };
    const out = join(directory, 'failed.arrow');
    const spec = resolveRunSpec({ out, chains: 50, 'batch-size': 10, trajectories: 'every:1,chains:20', backend: 'reference' });
    await expect(runSimulation(spec, { engine: failing })).rejects.toThrow('injected failure');
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(directory).filter((name) => name.includes('failed'))).toEqual([]);
  });
});
