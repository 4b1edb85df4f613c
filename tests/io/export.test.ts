/**
 * Interoperability with readers no one here wrote: DuckDB reads the Parquet export and
 * nodejs-polars reads the Arrow IPC file, and both return the rows and values our writer
 * put in (nulls included); the CSV export parses back to the same; the provenance travels
 * with each. Shards export as the whole run.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { DuckDBInstance } from '@duckdb/node-api';
import pl from 'nodejs-polars';
import { afterAll, describe, expect, it } from 'vitest';
import { cliIn, temporaryDirectory } from '../helpers.js';

const [directory, cleanup] = temporaryDirectory();
afterAll(cleanup);

const cli = cliIn(directory);

/** Our file's rows as plain objects (nulls as null), through apache-arrow. */
function ourRows(path: string): Record<string, number | null>[] {
  const table = tableFromIPC(readFileSync(path));
  const names = table.schema.fields.map((field) => field.name);
  return Array.from({ length: table.numRows }, (_, row) => Object.fromEntries(names.map((name) => [name, table.getChild(name)!.get(row) as number | null])));
}

async function duckRows(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjects() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
  }
}

const numeric = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

// Categorical, censored at T = 3: null collapse times, outcomes and extinction times.
const RUN = ['run', '--family', 'categorical', '--categories', '3', '--init', '0.5,0.3,0.2', '--samples', '8', '--chains', '900', '--generations', '3', '--backend', 'reference', '--quiet'];
cli([...RUN, '--out', 'c.arrow']);
mkdirSync(join(directory, 'shards'));
for (let i = 0; i < 3; i++) cli([...RUN, '--shard', `${i}/3`, '--out', join('shards', `c-${i}.arrow`)]);

describe('collapse-sim export and readers we did not write', () => {
  const expected = ourRows(join(directory, 'c.arrow'));
  const provenance = tableFromIPC(readFileSync(join(directory, 'c.arrow'))).schema.metadata.get('collapse_sim')!;

  it('has nulls to carry (censored chains, chains without an extinction)', () => {
    expect(expected.some((row) => row['collapse_time'] === null)).toBe(true);
    expect(expected.some((row) => row['collapse_time'] !== null)).toBe(true);
    expect(expected.some((row) => row['first_extinction_time'] === null)).toBe(true);
  });

  it('DuckDB reads the Parquet export: same rows, same values, provenance in the metadata', async () => {
    const result = cli(['export', 'c.arrow', '--to', 'parquet', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ format: 'parquet', out: 'c.parquet', rows: 900 });
    const path = join(directory, 'c.parquet');
    const rows = await duckRows(`select * from read_parquet('${path}') order by chain`);
    expect(rows.map((row) => Object.fromEntries(Object.entries(row).map(([key, value]) => [key, numeric(value)])))).toEqual(expected);
    const metadata = await duckRows(`select decode(value) as value from parquet_kv_metadata('${path}') where decode(key) = 'collapse_sim'`);
    expect(metadata[0]['value']).toBe(provenance);
  });

  it('nodejs-polars reads the Arrow IPC file: same rows and values', () => {
    const frame = pl.readIPC(readFileSync(join(directory, 'c.arrow')));
    expect(frame.shape).toEqual({ height: 900, width: Object.keys(expected[0]).length });
    expect(frame.columns).toEqual(Object.keys(expected[0]));
    const records = frame.toRecords() as Record<string, unknown>[];
    expect(records.map((row) => Object.fromEntries(Object.entries(row).map(([key, value]) => [key, numeric(value)])))).toEqual(expected);
  });

  it('the CSV export parses back to the same values, provenance beside it', () => {
    expect(cli(['export', 'c.arrow', '--to', 'csv', '--out', 'c.csv']).code).toBe(0);
    const [header, ...lines] = readFileSync(join(directory, 'c.csv'), 'utf8').trimEnd().split('\n');
    const names = header.split(',');
    expect(names).toEqual(Object.keys(expected[0]));
    const parsed = lines.map((line) => Object.fromEntries(line.split(',').map((field, i) => [names[i], field === '' ? null : Number(field)])));
    expect(parsed).toEqual(expected);
    expect(readFileSync(join(directory, 'c.csv.provenance.json'), 'utf8').trim()).toBe(provenance);
  });

  it('exports the shards of a run as the whole run', async () => {
    expect(cli(['export', 'shards', '--to', 'parquet', '--out', 'from-shards.parquet']).code).toBe(0);
    const rows = await duckRows(`select * from read_parquet('${join(directory, 'from-shards.parquet')}') order by chain`);
    expect(rows.map((row) => Object.fromEntries(Object.entries(row).map(([key, value]) => [key, numeric(value)])))).toEqual(expected);
  });

  it.each([
    [['export', 'c.arrow'], /^collapse-sim: export needs --to parquet\|csv/],
    [['export', 'c.arrow', '--to', 'xlsx'], /^collapse-sim: --to must be one of parquet, csv/],
    [['export', 'absent.arrow', '--to', 'csv'], /^collapse-sim: export: absent\.arrow: cannot read it/],
    [['export', 'c.arrow', '--to', 'parquet', '--out', '/nonexistent/x.parquet'], /^collapse-sim: --out \/nonexistent\/x\.parquet: cannot write there/],
  ])('%j is exit 2 with one line', (args, message) => {
    const result = cli(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});
