/**
 * Files read back by summarize, plot, export and merge are validated against the schema and
 * the provenance (issue 16): a forged or damaged file is exit 2 with one line giving the
 * reason — never a crash, an internal message, an endless loop or a huge allocation — and
 * nothing is written. Each forgery stands for a class: a provenance that is not a valid
 * configuration (null, unknown family, p0 = 7, batch size 0), row counts the file cannot
 * hold, wrong column types, impossible values (times outside [0, T], outcomes the family
 * cannot reach, chains out of order), and files that are not Arrow files at all.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Field, Float64, Int32, makeData, RecordBatch, Schema, Struct, Table, tableFromIPC, tableToIPC, Uint32, type Data } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliIn, expectOnlyChanged, temporaryDirectory } from '../helpers.js';

const [cwd, cleanup] = temporaryDirectory();
afterAll(cleanup);
const cli = cliIn(cwd);

function read(name: string): Table {
  return tableFromIPC(readFileSync(join(cwd, name)));
}

/** Writes `table`'s batches under a schema with `provenance` (or the table's own) and `columns` replaced. */
function forge(name: string, from: string, changes: { provenance?: (p: any) => unknown; column?: [string, Data, Field?] }): void {
  const table = read(from);
  const original = JSON.parse(table.schema.metadata.get('collapse_sim')!);
  const metadata = new Map(table.schema.metadata);
  if (changes.provenance) metadata.set('collapse_sim', JSON.stringify(changes.provenance(structuredClone(original))));
  const fields = table.schema.fields.map((field) => (changes.column && field.name === changes.column[0] && changes.column[2] ? changes.column[2] : field));
  const schema = new Schema(fields, metadata);
  const batches = table.batches.map((batch) => {
    const length = batch.numRows;
    const children = batch.data.children.map((child, c) => (changes.column && fields[c].name === changes.column[0] ? changes.column[1] : child));
    return new RecordBatch(schema, makeData({ type: new Struct(fields), length, nullCount: 0, children }));
  });
  writeFileSync(join(cwd, name), tableToIPC(new Table(schema, batches), 'file'));
}

const ROWS = 12;
const int32 = (values: number[]): Data => makeData({ type: new Int32(), length: values.length, nullCount: 0, data: Int32Array.from(values) });

beforeAll(() => {
  for (const args of [
    ['--out', 'b.arrow', '--trajectories', 'every:2,chains:3'],
    ['--out', 'g.arrow', '--family', 'gaussian', '--samples', '5'],
  ]) {
    const result = cli(['run', '--chains', String(ROWS), '--generations', '30', '--backend', 'reference', '--quiet', ...args]);
    expect(result.code, result.stderr).toBe(0);
  }
  forge('config-null.arrow', 'b.arrow', { provenance: (p) => ({ ...p, config: null }) });
  forge('params-null.arrow', 'b.arrow', { provenance: (p) => ({ ...p, config: { ...p.config, familyParams: null } }) });
  forge('family-unknown.arrow', 'b.arrow', { provenance: (p) => ({ ...p, config: { ...p.config, family: 'beta' } }) });
  forge('p0-seven.arrow', 'b.arrow', { provenance: (p) => ({ ...p, config: { ...p.config, familyParams: { ...p.config.familyParams, p0: 7 } } }) });
  forge('batch-zero.arrow', 'b.arrow', { provenance: (p) => ({ ...p, config: { ...p.config, batchSize: 0 } }) });
  forge('chains-billion.arrow', 'b.arrow', { provenance: (p) => ({ ...p, config: { ...p.config, chains: 1e9 } }) });
  forge('seed-number.arrow', 'b.arrow', { provenance: (p) => ({ ...p, config: { ...p.config, seed: 12345 } }) });
  forge('extra-field.arrow', 'b.arrow', { provenance: (p) => ({ ...p, config: { ...p.config, sneaky: 1 } }) });
  forge('not-ours.arrow', 'b.arrow', { provenance: () => ({ tool: 'someone-else' }) });
  forge('schema-future.arrow', 'b.arrow', { provenance: (p) => ({ ...p, schema_version: 99 }) });
  forge('no-machine.arrow', 'b.arrow', { provenance: (p) => ({ ...p, machine: undefined }) });
  // A 2 kB file whose record batch claims 10⁹ rows.
  {
    const table = read('b.arrow');
    const claimed = 1e9;
    const children = table.schema.fields.map((field) =>
      makeData({ type: field.type, length: claimed, nullCount: 0, data: String(field.type) === 'Float64' ? new Float64Array(4) : String(field.type) === 'Uint32' ? new Uint32Array(4) : new Int32Array(4) } as never),
    );
    const batch = new RecordBatch(table.schema, makeData({ type: new Struct(table.schema.fields), length: claimed, nullCount: 0, children }));
    writeFileSync(join(cwd, 'billion-rows.arrow'), tableToIPC(new Table(table.schema, [batch]), 'file'));
  }
  forge('float-times.arrow', 'b.arrow', { column: ['collapse_time', makeData({ type: new Float64(), length: ROWS, nullCount: 0, data: new Float64Array(ROWS).fill(3) }), new Field('collapse_time', new Float64(), true)] });
  forge('negative-times.arrow', 'b.arrow', { column: ['collapse_time', int32(Array(ROWS).fill(-5))] });
  forge('late-times.arrow', 'b.arrow', { column: ['collapse_time', int32(Array(ROWS).fill(31))] });
  forge('outcome-three.arrow', 'b.arrow', {
    column: ['outcome', int32(Array(ROWS).fill(3))],
  });
  forge('collapsed-at-five.arrow', 'b.arrow', { column: ['collapse_time', int32(Array(ROWS).fill(5))] });
  forge('outcome-impossible.arrow', 'collapsed-at-five.arrow', { column: ['outcome', int32(Array(ROWS).fill(3))] });
  forge('chains-shuffled.arrow', 'b.arrow', { column: ['chain', makeData({ type: new Uint32(), length: ROWS, nullCount: 0, data: Uint32Array.from({ length: ROWS }, (_, i) => ROWS - 1 - i) })] });
  forge('gaussian-outcome.arrow', 'g.arrow', { column: ['outcome', int32(Array(ROWS).fill(1))] });
  forge('late.trajectories.arrow', 'b.trajectories.arrow', { column: ['generation', int32(Array(read('b.trajectories.arrow').numRows).fill(99))] });
  writeFileSync(join(cwd, 'stream.arrow'), tableToIPC(read('b.arrow'), 'stream'));
  writeFileSync(join(cwd, 'text.arrow'), 'chain,collapse_time\n0,1\n');
  writeFileSync(join(cwd, 'truncated.arrow'), readFileSync(join(cwd, 'b.arrow')).subarray(0, 700));
  writeFileSync(join(cwd, 'header-only.arrow'), 'ARROW1\0\0');
  mkdirSync(join(cwd, 'folder'));
  writeFileSync(join(cwd, 'folder', 'p0-seven.arrow'), readFileSync(join(cwd, 'p0-seven.arrow')));
  expect(spawnSync('mkfifo', [join(cwd, 'fifo.arrow')]).status).toBe(0);
});

const FORGERIES: [string, RegExp][] = [
  ['config-null.arrow', /config-null\.arrow: its provenance: no configuration object/],
  ['params-null.arrow', /params-null\.arrow: its provenance: familyParams is not an object/],
  ['family-unknown.arrow', /family-unknown\.arrow: its provenance: unknown family "beta"/],
  ['p0-seven.arrow', /p0-seven\.arrow: its provenance: --p0 must be a number in \[0, 1\] \(got 7\)/],
  ['batch-zero.arrow', /batch-zero\.arrow: its provenance: --batch-size must be an integer in \[1, 16777216\] \(got 0\)/],
  ['chains-billion.arrow', /chains-billion\.arrow holds 12 rows, but should hold chains 0…999999999/],
  ['seed-number.arrow', /seed-number\.arrow: its provenance: seed 12345 is not text/],
  ['extra-field.arrow', /extra-field\.arrow: its provenance: the configuration differs from any valid one in sneaky \(not a field collapse-sim writes\)/],
  ['not-ours.arrow', /not-ours\.arrow: not a collapse-sim table/],
  ['schema-future.arrow', /schema-future\.arrow: written by collapse-sim \S+ with provenance schema version 99; this collapse-sim \(\S+\) reads versions up to 2: use a newer collapse-sim/],
  ['no-machine.arrow', /no-machine\.arrow: its provenance has no machine/],
  ['billion-rows.arrow', /billion-rows\.arrow is damaged: (record batch 0 claims 1000000000 rows|a record batch claims 1000000000 rows, but column chain holds data for 4)/],
  ['float-times.arrow', /float-times\.arrow: column collapse_time is Float64, not Int32/],
  ['negative-times.arrow', /negative-times\.arrow: chain 0 collapses at -5, outside 0…30/],
  ['late-times.arrow', /late-times\.arrow: chain 0 collapses at 31, outside 0…30/],
  ['outcome-three.arrow', /outcome-three\.arrow: chain 0 has outcome 3 (but did not collapse|, which a bernoulli model cannot reach)/],
  ['outcome-impossible.arrow', /outcome-impossible\.arrow: chain 0 has outcome 3, which a bernoulli model cannot reach/],
  ['chains-shuffled.arrow', /chains-shuffled\.arrow: row 0 is chain 11, not 0/],
  ['gaussian-outcome.arrow', /gaussian-outcome\.arrow: chain 0 has outcome 1 but did not collapse|gaussian-outcome\.arrow: chain 0 has outcome 1, which a gaussian model cannot reach/],
  ['stream.arrow', /stream\.arrow is not an Arrow IPC file \(it does not begin with ARROW1\)/],
  ['text.arrow', /text\.arrow is not an Arrow IPC file/],
  ['truncated.arrow', /truncated\.arrow is truncated or damaged/],
  ['header-only.arrow', /header-only\.arrow is truncated \(8 bytes/],
  ['fifo.arrow', /fifo\.arrow is not a regular file/],
  ['/dev/zero', /\/dev\/zero is not a regular file/],
  ['folder', /p0-seven\.arrow: its provenance: --p0 must be/],
];

/** Each reading command, as a function of the input file. */
const READERS: [string, (file: string) => string[]][] = [
  ['summarize', (file) => ['summarize', file]],
  ['plot', (file) => ['plot', '--kind', 'survival', '--out', 'figure.svg', file]],
  ['export', (file) => ['export', '--to', 'csv', '--out', 'exported.csv', file]],
  ['merge', (file) => ['merge', 'merged.arrow', file]],
  ['run --from', (file) => ['run', '--from', file, '--out', 'rerun.arrow', '--quiet']],
];

describe.each(READERS)('%s refuses a forged or damaged file', (command, args) => {
  // run --from reads one file or a checkpoint directory, not a directory of chain files.
  it.each(FORGERIES.filter(([file]) => command !== 'run --from' || file !== 'folder'))('%s', (file, message) => {
    const result = expectOnlyChanged(cwd, [], () => {
      const started = Date.now();
      const outcome = cli(args(file));
      // Refused, not looped over: a claimed 10⁹ rows is never iterated.
      expect(Date.now() - started).toBeLessThan(20_000);
      return outcome;
    });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/^collapse-sim: [^\n]+\n$/);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/internal error|Cannot read properties|fieldsLength|undefined|null \(reading/);
  });
});

describe('trajectories files read by plot and export are validated too', () => {
  it.each([
    [['plot', '--kind', 'trajectories', '--out', 'figure.svg', 'late.trajectories.arrow'], /late\.trajectories\.arrow: row 0 is generation 99, outside 0…30/],
    [['export', '--to', 'csv', '--out', 'exported.csv', 'late.trajectories.arrow'], /late\.trajectories\.arrow: row 0 is generation 99, outside 0…30/],
    [['plot', '--kind', 'trajectories', '--out', 'figure.svg', 'p0-seven.arrow'], /\.trajectories\.arrow does not exist|its provenance: --p0 must be/],
  ] as [string[], RegExp][])('%j', (args, message) => {
    const result = expectOnlyChanged(cwd, [], () => cli(args));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('the genuine files are still read', () => {
    const result = expectOnlyChanged(cwd, ['exported.csv', 'exported.csv.provenance.json'], () => cli(['export', '--to', 'csv', '--out', 'exported.csv', 'b.trajectories.arrow']));
    expect(result.code, result.stderr).toBe(0);
    for (const args of [['summarize', 'b.arrow'], ['summarize', 'g.arrow']]) expect(cli(args).code).toBe(0);
  });
});
