/**
 * `collapse-sim sweep` end to end: the directory it writes, a point alone = the same point in
 * the sweep, resume, --precision's stopping rule, bad input (exit 2, one line naming the axis or
 * flag, nothing left), and readers we did not write (polars on points.arrow, DuckDB on its
 * Parquet export).
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { tableFromIPC, type Table } from 'apache-arrow';
import { DuckDBInstance } from '@duckdb/node-api';
import pl from 'nodejs-polars';
import { afterAll, describe, expect, it } from 'vitest';
import { wilsonInterval } from '../../src/stats/wilson.js';
import { wrightFisherAbsorption } from '../../src/stats/wright-fisher.js';
import { cliIn, temporaryDirectory } from '../helpers.js';

const CLI = resolve(import.meta.dirname, '../../dist/src/cli/main.js');

const [directory, cleanup] = temporaryDirectory();
afterAll(cleanup);
const cli = cliIn(directory);

const read = (path: string): Table => tableFromIPC(readFileSync(join(directory, path)));
const column = (table: Table, name: string): unknown[] => Array.from({ length: table.numRows }, (_, row) => table.getChild(name)!.get(row));
/** A chain table's rows without its provenance (which names the file). */
const rows = (path: string): string => {
  const table = read(path);
  return JSON.stringify(table.schema.fields.map((field) => column(table, field.name)));
};

const UNSIZED = ['sweep', '--family', 'bernoulli', '--samples', '20', '--generations', '50', '--seed', 's', '--backend', 'reference', '--quiet'];
const BASE = [...UNSIZED, '--chains', '1500'];

describe('collapse-sim sweep', () => {
  const first = cli([...BASE, '--grid', 'ground-truth=0,1', '--grid', 'p0=0.3:0.5:0.2', '--out-dir', 'grid']);

  it('writes one Arrow file and sidecar per point, sweep.json and points.arrow', () => {
    expect(first.code, first.stderr).toBe(0);
    expect(readdirSync(join(directory, 'grid')).sort()).toEqual([
      'point-00000.arrow', 'point-00000.json', 'point-00001.arrow', 'point-00001.json',
      'point-00002.arrow', 'point-00002.json', 'point-00003.arrow', 'point-00003.json',
      'points.arrow', 'sweep.json',
    ]);
    const points = read('grid/points.arrow');
    expect(points.numRows).toBe(4);
    expect(column(points, 'ground_truth')).toEqual([0, 0, 1, 1]);
    expect(column(points, 'p0')).toEqual([0.3, 0.5, 0.3, 0.5]);
    expect(column(points, 'run_seed')).toEqual(['s/ground-truth=0,p0=0.3', 's/ground-truth=0,p0=0.5', 's/ground-truth=1,p0=0.3', 's/ground-truth=1,p0=0.5']);
    expect(column(points, 'chains_run')).toEqual([1500, 1500, 1500, 1500]);
    expect(JSON.parse(points.schema.metadata.get('collapse_sim')!)).toMatchObject({ tool: 'collapse-sim', sweep: { seed: 's' } });
    for (const field of points.schema.fields) expect(field.metadata.get('description'), field.name).toBeTruthy();
  });

  it('names which probability is which: without truth points absorbed = touched, at the exact law; with one, never absorbed', () => {
    const points = read('grid/points.arrow');
    const absorbed = column(points, 'p_absorbed') as number[];
    const touched = column(points, 'p_touched') as number[];
    const exact = column(points, 'exact_p_absorbed') as number[];
    expect(absorbed.slice(0, 2)).toEqual(touched.slice(0, 2));
    expect(exact[1]).toBeCloseTo(wrightFisherAbsorption(20, 0.5, 50).cdfAt(50), 12);
    expect(exact[0]).toBeCloseTo(wrightFisherAbsorption(20, 0.3, 50).cdfAt(50), 12);
    // Each estimate's Wilson interval is the one its counts give, and covers the exact value (at 4 s.e.).
    for (const i of [0, 1]) {
      const interval = wilsonInterval(Math.round(absorbed[i] * 1500), 1500, 4);
      expect(exact[i]).toBeGreaterThanOrEqual(interval.lower);
      expect(exact[i]).toBeLessThanOrEqual(interval.upper);
    }
    expect(absorbed.slice(2)).toEqual([0, 0]);
    expect(exact.slice(2)).toEqual([0, 0]);
    expect(touched[3]).toBeGreaterThan(0.4);
    expect(column(points, 'exact_source')[2]).toBe('no absorbing state under this mitigation');
  });

  it('a point run alone with its seed gives the same rows', () => {
    const alone = cli(['run', '--family', 'bernoulli', '--samples', '20', '--generations', '50', '--chains', '1500', '--backend', 'reference', '--quiet', '--ground-truth', '1', '--p0', '0.3', '--seed', 's/ground-truth=1,p0=0.3', '--out', 'alone.arrow']);
    expect(alone.code, alone.stderr).toBe(0);
    expect(rows('alone.arrow')).toBe(rows('grid/point-00002.arrow'));
    // The same point in a sweep over other values (and on the simd engine) is the same too.
    const other = cli([...BASE.filter((arg) => arg !== 'reference' && arg !== '--backend'), '--grid', 'ground-truth=1', '--grid', 'p0=0.3', '--out-dir', 'other']);
    expect(other.code, other.stderr).toBe(0);
    expect(rows('other/point-00000.arrow')).toBe(rows('grid/point-00002.arrow'));
  });

  it('started again, skips finished points; a lost point is run again; points.arrow is the same bytes', () => {
    const before = readFileSync(join(directory, 'grid/points.arrow'));
    const again = cli([...BASE, '--grid', 'ground-truth=0,1', '--grid', 'p0=0.3:0.5:0.2', '--out-dir', 'grid', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ points: 4, read_back: 4 });
    expect(readFileSync(join(directory, 'grid/points.arrow')).equals(before)).toBe(true);
    // As if interrupted in point 1: its sidecar (written last) is missing.
    const pointRows = rows('grid/point-00001.arrow');
    rmSync(join(directory, 'grid/point-00001.json'));
    rmSync(join(directory, 'grid/points.arrow'));
    const resumed = cli([...BASE, '--grid', 'ground-truth=0,1', '--grid', 'p0=0.3:0.5:0.2', '--out-dir', 'grid', '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ points: 4, read_back: 3 });
    expect(rows('grid/point-00001.arrow')).toBe(pointRows);
    const after = read('grid/points.arrow');
    const expected = tableFromIPC(before);
    for (const name of ['p_absorbed', 'p_touched', 'chains_run', 'mean_collapse_time', 'median_absorption_time_lower']) expect(column(after, name)).toEqual(column(expected, name));
  });

  it('an interrupted point goes on from its checkpoint: the same rows as the point run whole', async () => {
    const args = ['sweep', '--samples', '20', '--generations', '1000', '--ground-truth', '1', '--chains', '3000', '--batch-size', '100', '--backend', 'reference', '--grid', 'p0=0.5', '--out-dir', 'interrupted', '--quiet'];
    const child = spawn(process.execPath, [CLI, ...args], { cwd: directory });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const checkpoint = join(directory, 'interrupted/point-00000.checkpoint');
    // Interrupt once the checkpoint holds a few batches.
    for (let i = 0; i < 600 && !(existsSync(checkpoint) && readdirSync(checkpoint).filter((name) => /^rows-\d+\.arrow$/.test(name)).length >= 3); i++) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code, stderr).toBe(130);
    expect(stderr.trim()).toMatch(/^collapse-sim: interrupted by SIGINT: 0 of 1 points finished in interrupted, the point in hand checkpointed; go on with the same sweep command$/);
    expect(existsSync(join(checkpoint, 'checkpoint.json'))).toBe(true);
    const resumed = cli(args);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(existsSync(checkpoint)).toBe(false);
    const whole = cli(['run', '--samples', '20', '--generations', '1000', '--ground-truth', '1', '--chains', '3000', '--batch-size', '100', '--backend', 'reference', '--p0', '0.5', '--seed', '0/p0=0.5', '--out', 'whole-point.arrow', '--quiet']);
    expect(whole.code, whole.stderr).toBe(0);
    expect(rows('interrupted/point-00000.arrow')).toBe(rows('whole-point.arrow'));
  });

  it('--shard i/n runs a block of the points; the same command without it assembles points.arrow', () => {
    const args = [...BASE, '--grid', 'ground-truth=0,1', '--grid', 'p0=0.3:0.5:0.2', '--out-dir', 'sharded'];
    for (const shard of ['1/2', '0/2']) {
      const result = cli([...args, '--shard', shard]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`\\nshard ${shard}: 2 points in sharded;`));
    }
    expect(existsSync(join(directory, 'sharded/points.arrow'))).toBe(false);
    const whole = cli([...args, '--json']);
    expect(whole.code, whole.stderr).toBe(0);
    expect(JSON.parse(whole.stdout)).toMatchObject({ points: 4, read_back: 4 });
    for (let i = 0; i < 4; i++) expect(rows(`sharded/point-0000${i}.arrow`)).toBe(rows(`grid/point-0000${i}.arrow`));
    const [sharded, unsharded] = [read('sharded/points.arrow'), read('grid/points.arrow')];
    // Everything but the measured seconds.
    for (const field of unsharded.schema.fields) if (field.name !== 'seconds') expect(column(sharded, field.name), field.name).toEqual(column(unsharded, field.name));
  });

  it('--precision stops at the first doubling stage whose Wilson half-width is within the target', () => {
    // P ≈ 0.89: half-width 1.96·√(p(1−p)/n) ≤ 0.01 needs n ≈ 3800: stages 1024, 2048, 4096.
    const result = cli([...UNSIZED, '--grid', 'p0=0.5', '--precision', '0.01', '--out-dir', 'precise', '--chains', '100000']);
    expect(result.code, result.stderr).toBe(0);
    const points = read('precise/points.arrow');
    expect(column(points, 'chains_run')).toEqual([4096]);
    expect(column(points, 'stages')).toEqual([3]);
    const halfWidth = (count: number, n: number) => {
      const i = wilsonInterval(count, n);
      return (i.upper - i.lower) / 2;
    };
    const absorbed = column(read('precise/point-00000.arrow'), 'absorbed_time').map((t) => t !== null);
    const countOf = (n: number) => absorbed.slice(0, n).filter(Boolean).length;
    // The rule, checked on the rows: stage 2048 missed the target, stage 4096 met it.
    expect(halfWidth(countOf(2048), 2048)).toBeGreaterThan(0.01);
    expect(halfWidth(countOf(4096), 4096)).toBeLessThanOrEqual(0.01);
    // Counter-addressed: its first 2048 rows are the 2048-chain run's.
    const stage = cli(['run', '--family', 'bernoulli', '--samples', '20', '--generations', '50', '--chains', '2048', '--seed', 's/p0=0.5', '--p0', '0.5', '--backend', 'reference', '--quiet', '--out', 'stage.arrow']);
    expect(stage.code, stage.stderr).toBe(0);
    expect(column(read('stage.arrow'), 'collapse_time')).toEqual(column(read('precise/point-00000.arrow'), 'collapse_time').slice(0, 2048));
  });

  it('polars reads points.arrow, DuckDB its Parquet export: same rows', async () => {
    const points = read('grid/points.arrow');
    const frame = pl.readIPC(readFileSync(join(directory, 'grid/points.arrow')));
    expect(frame.shape).toEqual({ height: 4, width: points.numCols });
    expect(frame.getColumn('p_absorbed').toArray()).toEqual(column(points, 'p_absorbed'));
    expect(frame.getColumn('run_seed').toArray()).toEqual(column(points, 'run_seed'));
    const exported = cli(['export', 'grid/points.arrow', '--to', 'parquet', '--out', 'points.parquet']);
    expect(exported.code, exported.stderr).toBe(0);
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const result = (await connection.runAndReadAll(`select point, p_absorbed, p_touched, run_seed from read_parquet('${join(directory, 'points.parquet')}') order by point`)).getRowObjects();
      expect(result.map((row) => Number(row['p_absorbed']))).toEqual(column(points, 'p_absorbed'));
      expect(result.map((row) => row['run_seed'])).toEqual(column(points, 'run_seed'));
    } finally {
      connection.closeSync();
    }
  });

  writeFileSync(join(directory, 'grid.json'), JSON.stringify({ family: 'bernoulli', samples: 20, generations: 50, chains: 300, backend: 'reference', grid: { 'ground-truth': [0, 2] } }));
  it('takes seed and backend as axes (replicates with given seeds: each point runs with its seed as given)', () => {
    const result = cli(['sweep', '--samples', '20', '--generations', '50', '--chains', '200', '--quiet', '--grid', 'seed=1,2', '--grid', 'backend=reference,simd', '--out-dir', 'seeds']);
    expect(result.code, result.stderr).toBe(0);
    const points = read('seeds/points.arrow');
    expect(column(points, 'seed')).toEqual([1, 1, 2, 2]);
    expect(column(points, 'run_seed')).toEqual(['1', '1', '2', '2']);
    expect(column(points, 'backend')).toEqual(['reference', 'simd', 'reference', 'simd']);
    expect(column(points, 'run_backend')).toEqual(['reference', 'simd', 'reference', 'simd']);
    // The same seed on two engines: the same rows.
    expect(rows('seeds/point-00000.arrow').replace(/"reference"|"simd"/g, '')).toBe(rows('seeds/point-00001.arrow').replace(/"reference"|"simd"/g, ''));
  });

  it('takes the grid from --config', () => {
    const result = cli(['sweep', '--config', 'grid.json', '--out-dir', 'from-config', '--quiet', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(column(read('from-config/points.arrow'), 'ground_truth')).toEqual([0, 2]);
  });

  it.each([
    [['--grid', 'bogus=1,2'], /^collapse-sim: --grid bogus: unknown run option/],
    [['--grid', 'samples=10,20', '--samples', '10'], /^collapse-sim: --grid samples: --samples is also given as a flag/],
    [['--grid', 'p0=0.9:0.1:0.1'], /^collapse-sim: --grid p0=0\.9:0\.1:0\.1: the range is inverted/],
    [['--grid', 'p0='], /^collapse-sim: --grid p0= has no values/],
    [['--grid', 'samples=1:400:1', '--grid', 'p0=0.001:1:0.001'], /^collapse-sim: --grid: samples \(400\) × p0 \(1000\) = 400000 points, more than the 100000/],
    [['--grid', 'family=bernoulli,gaussian', '--p0', '0.3'], /^collapse-sim: --grid point family=gaussian: --p0 belongs to --family bernoulli/],
    [['--grid', 'samples=10,0'], /^collapse-sim: --grid point samples=0: --samples/],
    [['--grid', 'samples=10', '--precision', '0.01'], /^collapse-sim: --precision needs --chains as its cap/],
    [['--grid', 'samples=10', '--precision-of', 'mean-time'], /^collapse-sim: --precision-of needs --precision/],
    [['--grid', 'samples=10', '--chains', '100', '--precision', '0.9'], /^collapse-sim: --precision/],
    [['--grid', 'samples=10', '--out', 'x.arrow'], /^collapse-sim: unknown option '--out'/],
  ])('%j: exit 2, one line naming the axis or flag, nothing written', (args, message) => {
    const before = readdirSync(directory).sort();
    const result = cli(['sweep', '--quiet', '--generations', '10', '--out-dir', 'bad', ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(directory, 'bad'))).toBe(false);
    expect(readdirSync(directory).sort()).toEqual(before);
  });

  it('refuses a directory holding something else, or another sweep', () => {
    writeFileSync(join(directory, 'stranger.txt'), 'x');
    const notEmpty = cli([...BASE, '--grid', 'p0=0.5', '--out-dir', '.']);
    expect(notEmpty.code).toBe(2);
    expect(notEmpty.stderr).toMatch(/--out-dir \. is not empty and holds no sweep\.json/);
    const another = cli([...BASE, '--grid', 'p0=0.4', '--out-dir', 'grid']);
    expect(another.code).toBe(2);
    expect(another.stderr).toMatch(/--out-dir grid holds another sweep/);
  });
});
