/**
 * Sharded runs: n shards run as separate processes and merged give the unsharded run's
 * file byte for byte (same --out name, same backend); the shard comes from --shard or from
 * a Slurm / Kubernetes environment; merge refuses missing, duplicated, mismatched, foreign
 * and corrupt shards with exit 2, one line, and no output file.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tableFromIPC } from 'apache-arrow';
import { shardRange } from '../../src/spec/shard.js';
import { temporaryDirectory } from '../helpers.js';

const CLI = resolve(import.meta.dirname, '../../dist/src/cli/main.js');
const [directory, cleanup] = temporaryDirectory();
afterAll(cleanup);

function cli(args: string[], cwd: string, env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function folder(name: string): string {
  const path = join(directory, name);
  mkdirSync(path, { recursive: true });
  return path;
}

const CONFIGURATIONS: [string, string[]][] = [
  ['bernoulli on the reference path', ['--family', 'bernoulli', '--samples', '12', '--chains', '1001', '--batch-size', '128', '--backend', 'reference']],
  ['categorical on cpu', ['--family', 'categorical', '--categories', '4', '--samples', '8', '--chains', '700', '--batch-size', '100', '--backend', 'cpu']],
  ['gaussian (events, finals, censoring) on cpu', ['--family', 'gaussian', '--samples', '6', '--chains', '500', '--generations', '30', '--collapse-threshold', '0.05', '--backend', 'cpu']],
];

describe('sharded runs', () => {
  it('splits the chains into contiguous blocks that cover the ensemble once', () => {
    for (const [chains, count] of [[10, 3], [1001, 7], [5, 5], [2 ** 32 - 1, 1 << 20]]) {
      let next = 0;
      for (let index = 0; index < Math.min(count, 50); index++) {
        const range = shardRange(chains, { index, count });
        expect(range.first).toBe(next);
        expect(range.end).toBeGreaterThanOrEqual(range.first);
        next = range.end;
      }
      if (count <= 50) expect(next).toBe(chains);
      expect(shardRange(chains, { index: count - 1, count }).end).toBe(chains);
    }
  });

  it.each(CONFIGURATIONS)('%s: three shard processes merged are the unsharded file, byte for byte', (_label, args) => {
    const whole = folder(`whole-${_label.split(' ')[0]}`);
    const shards = folder(`shards-${_label.split(' ')[0]}`);
    const merged = folder(`merged-${_label.split(' ')[0]}`);
    expect(cli(['run', ...args, '--seed', 's', '--out', 'r.arrow', '--quiet'], whole).code).toBe(0);
    for (let index = 0; index < 3; index++) {
      const result = cli(['run', ...args, '--seed', 's', '--shard', `${index}/3`, '--quiet'], shards);
      expect(result.code, result.stderr).toBe(0);
    }
    expect(readdirSync(shards).sort()).toEqual(['collapse-times.shard-0000-of-0003.arrow', 'collapse-times.shard-0001-of-0003.arrow', 'collapse-times.shard-0002-of-0003.arrow']);
    const result = cli(['merge', 'r.arrow', shards, '--json'], merged);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ shards: 3, out: 'r.arrow' });
    expect(readFileSync(join(merged, 'r.arrow')).equals(readFileSync(join(whole, 'r.arrow')))).toBe(true);
  });

  it('takes the shard from a Slurm job array, or from a Kubernetes Indexed Job with --shard-count', () => {
    const cwd = folder('environment');
    const args = ['run', '--samples', '10', '--chains', '90', '--backend', 'reference', '--seed', 'e'];
    const slurm = cli(args, cwd, { SLURM_ARRAY_TASK_ID: '5', SLURM_ARRAY_TASK_MIN: '4', SLURM_ARRAY_TASK_COUNT: '3' });
    expect(slurm.code, slurm.stderr).toBe(0);
    expect(slurm.stderr).toMatch(/shard 1\/3 from the Slurm job array/);
    const table = tableFromIPC(readFileSync(join(cwd, 'collapse-times.shard-0001-of-0003.arrow')));
    expect(Array.from(table.getChild('chain')!.toArray())).toEqual(Array.from({ length: 30 }, (_, i) => 30 + i));
    expect(JSON.parse(table.schema.metadata.get('collapse_sim')!).config.shard).toEqual({ index: 1, count: 3 });

    const kubernetes = cli([...args, '--shard-count', '3'], cwd, { JOB_COMPLETION_INDEX: '2' });
    expect(kubernetes.code, kubernetes.stderr).toBe(0);
    expect(kubernetes.stderr).toMatch(/shard 2\/3 from the Kubernetes Indexed Job/);
    const noCount = cli(args, cwd, { JOB_COMPLETION_INDEX: '2' });
    expect(noCount.code).toBe(2);
    expect(noCount.stderr).toMatch(/^collapse-sim: --shard-count is needed with JOB_COMPLETION_INDEX/);
    // A rerun of one task (`sbatch --array=7`) is an array of one task: refused without the
    // array's size, which --shard-count gives (task i runs shard i/n).
    const alone = { SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_MIN: '2', SLURM_ARRAY_TASK_MAX: '2', SLURM_ARRAY_TASK_COUNT: '1' };
    const guessed = cli([...args, '--out', 'alone.arrow'], cwd, alone);
    expect(guessed.code).toBe(2);
    expect(guessed.stderr).toMatch(/^collapse-sim: --shard from Slurm: an array of one task \(task 2\) does not say how many shards the ensemble has: pass --shard-count n .*\n$/);
    expect(existsSync(join(cwd, 'alone.arrow'))).toBe(false);
    const rerun = cli([...args, '--shard-count', '3', '--quiet'], cwd, alone);
    expect(rerun.code, rerun.stderr).toBe(0);
    const rerunTable = tableFromIPC(readFileSync(join(cwd, 'collapse-times.shard-0002-of-0003.arrow')));
    expect(Array.from(rerunTable.getChild('chain')!.toArray())).toEqual(Array.from({ length: 30 }, (_, i) => 60 + i));
    // Task 0 alone, and a list of tasks (`sbatch --array=0,2`), likewise.
    const zeroAlone = cli(args, cwd, { SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '0', SLURM_ARRAY_TASK_COUNT: '1' });
    expect(zeroAlone.code).toBe(2);
    expect(zeroAlone.stderr).toMatch(/^collapse-sim: --shard from Slurm: an array of one task \(task 0\)/);
    const list = cli(args, cwd, { SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '2', SLURM_ARRAY_TASK_COUNT: '2' });
    expect(list.code).toBe(2);
    expect(list.stderr).toMatch(/^collapse-sim: --shard from Slurm: the array's tasks 0\.\.2 are not 2 consecutive numbers/);
    const beyond = cli([...args, '--shard-count', '2'], cwd, alone);
    expect(beyond.code).toBe(2);
    expect(beyond.stderr).toMatch(/^collapse-sim: --shard-count 2: Slurm task 2 is outside 0\.\.1; number the array from 0/);
    // An explicit --shard wins over the environment; 0/1 is the whole ensemble.
    const explicit = cli([...args, '--shard', '0/1', '--out', 'whole.arrow'], cwd, { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '3' });
    expect(explicit.code).toBe(0);
    expect(tableFromIPC(readFileSync(join(cwd, 'whole.arrow'))).numRows).toBe(90);
  });

  describe('merge refuses', () => {
    const cwd = folder('refusals');
    const base = ['run', '--samples', '10', '--chains', '60', '--backend', 'reference', '--quiet'];
    for (let index = 0; index < 3; index++) cli([...base, '--seed', 'a', '--shard', `${index}/3`, '--out', `a${index}.arrow`], cwd);
    cli([...base, '--seed', 'b', '--shard', '2/3', '--out', 'b2.arrow'], cwd);
    cli([...base, '--seed', 'a', '--shard', '1/4', '--out', 'q1.arrow'], cwd);
    cli([...base, '--seed', 'a', '--out', 'whole.arrow'], cwd);
    writeFileSync(join(cwd, 'truncated.arrow'), readFileSync(join(cwd, 'a2.arrow')).subarray(0, 300));
    writeFileSync(join(cwd, 'text.arrow'), 'chain,collapse_time\n0,1\n');

    it.each([
      [['a0.arrow', 'a1.arrow'], /^collapse-sim: merge: missing 1 of 3 shards: 2 \(chains 40–59\)\n$/],
      [['a0.arrow', 'a1.arrow', 'a1.arrow'], /^collapse-sim: merge: shard 1\/3 is given twice/],
      [['a0.arrow', 'a1.arrow', 'b2.arrow'], /^collapse-sim: merge: b2\.arrow is from another run than a0\.arrow: they differ in seed \("a" against "b"\)/],
      [['a0.arrow', 'q1.arrow'], /^collapse-sim: merge: q1\.arrow is one of 4 shards, a0\.arrow one of 3/],
      [['a0.arrow', 'whole.arrow'], /^collapse-sim: merge: whole\.arrow is a whole run/],
      [['a0.arrow', 'a1.arrow', 'truncated.arrow'], /^collapse-sim: truncated\.arrow is truncated or damaged/],
      [['text.arrow'], /^collapse-sim: text\.arrow is not an Arrow IPC file/],
      [['nothing.arrow'], /^collapse-sim: merge: nothing\.arrow: cannot read it \(ENOENT\)/],
      [[], /^collapse-sim: merge needs the shard files/],
    ])('%j with exit 2, one line and no output', (shards, message) => {
      const result = cli(['merge', 'out.arrow', ...shards], cwd);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(readdirSync(cwd).filter((name) => name.includes('out.arrow'))).toEqual([]);
    });

    it('--shard out of range, with seedrandom, or beyond the chains', () => {
      for (const [extra, message] of [
        [['--shard', '3/3'], /^collapse-sim: --shard i\/n: i must be/],
        [['--shard', '1/0'], /^collapse-sim: --shard i\/n: n must be/],
        [['--shard', 'half'], /^collapse-sim: --shard must be i\/n/],
        [['--shard', '0/100'], /^collapse-sim: --shard i\/n: n = 100 must not exceed --chains 60/],
        [['--shard', '0/2', '--rng', 'seedrandom'], /^collapse-sim: --rng seedrandom is one sequential stream and cannot be sharded/],
        [['--shard-count', '2'], /^collapse-sim: --shard-count goes with JOB_COMPLETION_INDEX/],
      ] as [string[], RegExp][]) {
        const result = cli([...base, ...extra, '--out', 'never.arrow'], cwd);
        expect(result.code, extra.join(' ')).toBe(2);
        expect(result.stderr).toMatch(message);
      }
      expect(readdirSync(cwd).filter((name) => name.includes('never'))).toEqual([]);
    });
  });
});
