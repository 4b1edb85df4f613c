/**
 * `collapse-sim run --from FILE` runs again the configuration a file records: from a chain
 * or trajectories file, a Parquet or CSV export, a shard or a checkpoint. The re-run's rows
 * are the original's, column for column and byte for byte (discrete families on any
 * backend; every family on the backend that made it); flags given beside --from override the
 * file's, and the ones that change the run say so. A file that is not collapse-sim output, of
 * a newer provenance schema, of another random stream version, or whose provenance was
 * edited into an invalid configuration is refused: exit 2, one line, nothing written.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Field, Int32, makeData, RecordBatch, Schema, Struct, Table, tableFromIPC, tableToIPC, type Vector } from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { Checkpoint } from '../../src/io/checkpoint.js';
import { SCHEMA_VERSION } from '../../src/io/provenance.js';
import { STREAM_VERSION } from '../../src/rng/streams.js';
import { resolveRunSpec } from '../../src/spec/run-spec.js';
import { TOOL_VERSION } from '../../src/version.js';
import { cliIn, expectOnlyChanged, temporaryDirectory } from '../helpers.js';

const [cwd, cleanup] = temporaryDirectory();
afterAll(cleanup);
const cli = cliIn(cwd);

function read(name: string): Table {
  return tableFromIPC(readFileSync(join(cwd, name)));
}

function provenanceOf(name: string): Record<string, any> {
  return JSON.parse(read(name).schema.metadata.get('collapse_sim')!);
}

/** A column's values and validity, as bytes: equal only if the column is the same bit for bit. */
function columnBytes(vector: Vector): { values: Buffer; valid: boolean[] } {
  const values = vector.toArray() as ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number; byteLength: number };
  const valid = Array.from({ length: vector.length }, (_, i) => vector.isValid(i));
  return { values: Buffer.from(values.buffer, values.byteOffset, values.byteLength), valid };
}

/** Every column of `a` equals `b`'s, bit for bit, in the same order with the same types. */
function expectSameRows(a: Table, b: Table): void {
  expect(b.schema.fields.map((field) => `${field.name}:${String(field.type)}`)).toEqual(a.schema.fields.map((field) => `${field.name}:${String(field.type)}`));
  expect(b.numRows).toBe(a.numRows);
  for (const field of a.schema.fields) {
    const [left, right] = [columnBytes(a.getChild(field.name)!), columnBytes(b.getChild(field.name)!)];
    expect(right.valid, field.name).toEqual(left.valid);
    expect(right.values.equals(left.values), `column ${field.name} differs`).toBe(true);
  }
}

function run(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = cli(['run', '--quiet', ...args]);
  expect(result.code, result.stderr).toBe(0);
  return result;
}

const DISCRETE: [string, string[]][] = [
  ['bernoulli on the reference path, with trajectories', ['--family', 'bernoulli', '--samples', '15', '--chains', '400', '--batch-size', '128', '--backend', 'reference', '--trajectories', 'every:3,chains:20']],
  ['categorical on simd', ['--family', 'categorical', '--categories', '5', '--samples', '10', '--chains', '500', '--backend', 'simd']],
  ['ising with a mitigation on cpu', ['--family', 'ising', '--spins', '6', '--samples', '8', '--m0', '0.3', '--ground-truth', '1', '--generations', '60', '--chains', '200', '--backend', 'cpu']],
];

describe('run --from re-runs a recorded run', () => {
  it.each(DISCRETE)('%s: the re-run writes the same rows, and from another directory the same file', (label, args) => {
    const name = label.split(' ')[0];
    run([...args, '--seed', `from-${name}`, '--out', `${name}.arrow`]);
    const provenance = provenanceOf(`${name}.arrow`);
    expect(provenance.schema_version).toBe(SCHEMA_VERSION);
    expect(provenance.stream).toBe(STREAM_VERSION);
    expect(provenance.version).toBe(TOOL_VERSION);

    const result = run(['--from', `${name}.arrow`, '--out', `${name}-again.arrow`, '--json']);
    expect(result.stderr).toBe('');
    expectSameRows(read(`${name}.arrow`), read(`${name}-again.arrow`));
    expect(provenanceOf(`${name}-again.arrow`).config).toEqual({ ...provenance.config, out: `${name}-again.arrow`, ...(provenance.config.trajectories ? { trajectories: { ...provenance.config.trajectories, out: `${name}-again.trajectories.arrow` } } : {}) });
    if (provenance.config.trajectories) expectSameRows(read(`${name}.trajectories.arrow`), read(`${name}-again.trajectories.arrow`));

    // Run from another directory with the recorded --out, the file is the original, byte for byte.
    const elsewhere = join(cwd, `elsewhere-${name}`);
    mkdirSync(elsewhere);
    expect(cliIn(elsewhere)(['run', '--quiet', '--from', join(cwd, `${name}.arrow`)]).code).toBe(0);
    expect(readFileSync(join(elsewhere, `${name}.arrow`)).equals(readFileSync(join(cwd, `${name}.arrow`)))).toBe(true);
  });

  it('a continuous family on the backend that made it: the same rows (finals included)', () => {
    run(['--family', 'gaussian', '--samples', '6', '--chains', '300', '--generations', '40', '--collapse-threshold', '0.05', '--backend', 'reference', '--seed', 'g', '--out', 'g.arrow']);
    run(['--from', 'g.arrow', '--out', 'g-again.arrow']);
    expectSameRows(read('g.arrow'), read('g-again.arrow'));
  });

  it('from the trajectories file, the Parquet export, the CSV export (either file) and a checkpoint: the same rows', () => {
    run(['--family', 'poisson', '--lambda0', '2', '--samples', '10', '--chains', '300', '--backend', 'reference', '--seed', 'p', '--out', 'p.arrow', '--trajectories', 'every:2,chains:5']);
    expect(cli(['export', '--to', 'parquet', 'p.arrow']).code).toBe(0);
    expect(cli(['export', '--to', 'csv', 'p.arrow']).code).toBe(0);
    const original = read('p.arrow');
    for (const [from, out] of [
      ['p.trajectories.arrow', 'p-from-trajectories.arrow'],
      ['p.parquet', 'p-from-parquet.arrow'],
      ['p.csv', 'p-from-csv.arrow'],
      ['p.csv.provenance.json', 'p-from-sidecar.arrow'],
    ]) {
      const result = expectOnlyChanged(cwd, [out, out.replace(/\.arrow$/, '.trajectories.arrow')], () => cli(['run', '--quiet', '--from', from, '--out', out]));
      expect(result.code, `${from}: ${result.stderr}`).toBe(0);
      expectSameRows(original, read(out));
    }

    // A checkpoint holds the run's configuration: --from runs it from its start.
    const spec = resolveRunSpec({ family: 'poisson', lambda0: '2', samples: '10', chains: '300', backend: 'reference', seed: 'p', out: join(cwd, 'p-checkpointed.arrow') });
    Checkpoint.create(join(cwd, 'checkpoint'), spec, 'test');
    run(['--from', 'checkpoint', '--out', 'p-from-checkpoint.arrow']);
    expectSameRows(original, read('p-from-checkpoint.arrow'));
  });

  it('a shard file re-runs as that shard; --shard 0/1 runs the whole run it belongs to', () => {
    const args = ['--family', 'bernoulli', '--samples', '12', '--chains', '1001', '--batch-size', '100', '--backend', 'reference', '--seed', 'sh'];
    run([...args, '--shard', '1/3', '--out', 'shard.arrow']);
    run([...args, '--out', 'whole.arrow']);
    run(['--from', 'shard.arrow', '--out', 'shard-again.arrow']);
    expect(provenanceOf('shard-again.arrow').config.shard).toEqual({ index: 1, count: 3 });
    expectSameRows(read('shard.arrow'), read('shard-again.arrow'));
    run(['--from', 'shard.arrow', '--shard', '0/1', '--out', 'whole-again.arrow']);
    expectSameRows(read('whole.arrow'), read('whole-again.arrow'));
  });

  it('flags beside --from override the file: --backend and --batch-size keep its rows, --seed makes another run and says so', () => {
    run(['--family', 'bernoulli', '--samples', '20', '--chains', '300', '--batch-size', '64', '--backend', 'reference', '--seed', 'o', '--out', 'o.arrow']);
    const same = run(['--from', 'o.arrow', '--backend', 'simd', '--batch-size', '1000', '--out', 'o-simd.arrow']);
    expect(same.stderr).toBe('');
    expect(provenanceOf('o-simd.arrow').backend).toBe('simd');
    expectSameRows(read('o.arrow'), read('o-simd.arrow'));

    // A flag repeating the file's value changes nothing, and says nothing.
    const repeated = cli(['run', '--from', 'o.arrow', '--seed', 'o', '--samples', '20', '--out', 'o-repeated.arrow']);
    expect([repeated.code, repeated.stderr]).toEqual([0, '']);
    expectSameRows(read('o.arrow'), read('o-repeated.arrow'));
    // (Notes go to stderr after the run, as --backend auto's does; --quiet drops them.)
    const other = cli(['run', '--from', 'o.arrow', '--seed', 'another', '--chains', '200', '--out', 'o-other.arrow']);
    expect(other.code, other.stderr).toBe(0);
    expect(other.stderr).toMatch(/^collapse-sim: --from o\.arrow with --chains, --seed changed: another run than the file's, whose rows will differ\n$/);
    const config = provenanceOf('o-other.arrow').config;
    expect([config.seed, config.chains, config.batchSize, config.familyParams]).toEqual(['another', 200, 64, provenanceOf('o.arrow').config.familyParams]);
  });
});

/** Writes `from`'s rows under its provenance changed by `edit`. */
function forge(name: string, from: string, edit: (provenance: any) => unknown): void {
  const table = read(from);
  const metadata = new Map(table.schema.metadata);
  metadata.set('collapse_sim', JSON.stringify(edit(JSON.parse(metadata.get('collapse_sim')!))));
  const schema = new Schema(table.schema.fields, metadata);
  const batches = table.batches.map((batch) => new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: batch.numRows, nullCount: 0, children: batch.data.children })));
  writeFileSync(join(cwd, name), tableToIPC(new Table(schema, batches), 'file'));
}

describe('run --from refuses what it cannot re-run: exit 2, one line, nothing written', () => {
  const refusals: [string, () => string[], RegExp][] = [
    ['a text file', () => (writeFileSync(join(cwd, 'notes.txt'), 'chain,collapse_time\n0,1\n'), ['--from', 'notes.txt']), /^collapse-sim: --from notes\.txt: not collapse-sim output \(--from reads a chain or trajectories file, a Parquet export, a CSV export with its \.provenance\.json beside it, or a checkpoint directory\)\n$/],
    [
      'an Arrow file another tool wrote',
      () => {
        const schema = new Schema([new Field('x', new Int32(), false)]);
        const batch = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 1, nullCount: 0, children: [makeData({ type: new Int32(), length: 1, nullCount: 0, data: Int32Array.of(1) })] }));
        writeFileSync(join(cwd, 'foreign.arrow'), tableToIPC(new Table(schema, [batch]), 'file'));
        return ['--from', 'foreign.arrow', '--out', 'x.arrow'];
      },
      /^collapse-sim: --from foreign\.arrow: not a collapse-sim table \(no collapse_sim provenance in its schema metadata\)\n$/,
    ],
    ['a CSV without its provenance', () => (writeFileSync(join(cwd, 'plain.csv'), 'chain,collapse_time\n0,1\n'), ['--from', 'plain.csv']), /--from plain\.csv: not collapse-sim output/],
    ['a directory without a checkpoint', () => (mkdirSync(join(cwd, 'empty-dir'), { recursive: true }), ['--from', 'empty-dir']), /--from empty-dir is a directory without a checkpoint\.json/],
    ['a missing file', () => ['--from', 'missing.arrow'], /--from missing\.arrow: cannot read it \(ENOENT/],
    [
      'a newer provenance schema',
      () => (forge('future.arrow', 'o.arrow', (p) => ({ ...p, schema_version: SCHEMA_VERSION + 1 })), ['--from', 'future.arrow', '--out', 'x.arrow']),
      new RegExp(`--from future\\.arrow: written by collapse-sim \\S+ with provenance schema version ${SCHEMA_VERSION + 1}; this collapse-sim \\(\\S+\\) reads versions up to ${SCHEMA_VERSION}: use a newer collapse-sim`),
    ],
    [
      'another random stream version',
      () => (forge('old-stream.arrow', 'o.arrow', (p) => ({ ...p, stream: STREAM_VERSION - 1, version: '0.0.9' })), ['--from', 'old-stream.arrow', '--out', 'x.arrow']),
      new RegExp(
        `--from old-stream\\.arrow was drawn from random stream version ${STREAM_VERSION - 1} \\(collapse-sim 0\\.0\\.9\\); this collapse-sim \\(\\S+\\) draws version ${STREAM_VERSION}, so the same seed gives other draws and a re-run would not reproduce its rows: re-run it with collapse-sim 0\\.0\\.9`,
      ),
    ],
    ['a configuration edited into an invalid one', () => (forge('p0-seven.arrow', 'o.arrow', (p) => ({ ...p, config: { ...p.config, familyParams: { ...p.config.familyParams, p0: 7 } } })), ['--from', 'p0-seven.arrow', '--out', 'x.arrow']), /--from p0-seven\.arrow: its provenance: --p0 must be a number in \[0, 1\] \(got 7\)/],
    [
      'an edited CSV provenance',
      () => {
        const sidecar = JSON.parse(readFileSync(join(cwd, 'p.csv.provenance.json'), 'utf8'));
        writeFileSync(join(cwd, 'edited.csv'), readFileSync(join(cwd, 'p.csv')));
        writeFileSync(join(cwd, 'edited.csv.provenance.json'), JSON.stringify({ ...sidecar, config: { ...sidecar.config, chains: -1 } }));
        return ['--from', 'edited.csv', '--out', 'x.arrow'];
      },
      /--from edited\.csv\.provenance\.json: its provenance: --chains must be an integer in \[1, 4294967295\] \(got -1\)/,
    ],
    ['the file itself as the output', () => ['--from', 'o.arrow'], /--out o\.arrow is the same file as the input o\.arrow/],
    ['--from with --resume', () => ['--from', 'o.arrow', '--resume', 'checkpoint'], /--from runs a recorded configuration again from its start, --resume goes on with a checkpointed one: give one of them/],
    ['--from with --config', () => (writeFileSync(join(cwd, 'c.json'), '{"chains": 5}'), ['--from', 'o.arrow', '--config', 'c.json', '--out', 'x.arrow']), /--from and --config both give the run's configuration/],
    ['another family', () => ['--from', 'o.arrow', '--family', 'poisson', '--out', 'x.arrow'], /--family cannot change under --from: the file records a bernoulli run/],
  ];

  it.each(refusals)('%s', (_label, setup, message) => {
    const args = setup();
    const result = expectOnlyChanged(cwd, [], () => cli(['run', '--quiet', ...args]));
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/^collapse-sim: [^\n]+\n$/);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/internal error|at .*\.js:\d+/);
  });
});
