/**
 * Clarity (issue 16): --init parses numbers exactly as --p0 does (it took 0x1, 0b1 and
 * " 1e0 " through Number()); a Slurm job array with an explicit --out no longer makes
 * every task write one path — each task's file is named by its shard, and merging them
 * gives the unsharded run byte for byte. (Read-only checkpoint locations:
 * checkpoint-trust.test.ts; parser internals never reaching messages: hostile-files.test.ts.)
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliIn, expectOnlyChanged, temporaryDirectory } from '../helpers.js';

const CLI = resolve(import.meta.dirname, '../../dist/src/cli/main.js');
const [cwd, cleanup] = temporaryDirectory();
afterAll(cleanup);
const cli = cliIn(cwd);
const TINY = ['--chains', '4', '--generations', '5', '--backend', 'reference', '--quiet', '--out', 'r.arrow'];

describe('--init reads numbers as --p0 does', () => {
  // [the number, an --init law of it that sums to 1 if read as a number, whether both accept it]
  const CASES: [string, string, boolean][] = [
    ['0.5', '0.5,0.5', true],
    ['.5', '.5,.5', true],
    ['5e-1', '5e-1,5e-1', true],
    ['+0.5', '+0.5,+0.5', true],
    [' 0.5', ' 0.5, 0.5', true],
    ['0.5e+0', '0.5e+0,0.5e+0', true],
    ['0x1', '0x1,0', false],
    ['0b1', '0b1,0', false],
    ['0o1', '0o1,0', false],
    ['1_0', '1_0,0', false],
    ['Infinity', 'Infinity,0', false],
    ['NaN', 'NaN,1', false],
    ['1e', '1e,0', false],
    ['١', '١,0', false],
    ['\u202e1', '\u202e1,0', false],
  ];
  it.each(CASES)('%j', (token, law, accepted) => {
    const p0 = cli(['run', '--p0', token, ...TINY]);
    expect(p0.code, p0.stderr).toBe(accepted ? 0 : 2);
    const init = expectOnlyChanged(cwd, accepted ? ['r.arrow'] : [], () => cli(['run', '--family', 'categorical', '--init', law, ...TINY]));
    expect(init.code, init.stderr).toBe(accepted ? 0 : 2);
    if (!accepted) expect(init.stderr).toMatch(/^collapse-sim: --init must be uniform, zipf:<s> or a list of probabilities ≥ 0 \(got .*; .* is not a decimal number ≥ 0\)\n$/);
  });
});

describe('a Slurm job array with an explicit --out', () => {
  it('names each task’s files by its shard, and the merge is the unsharded run', () => {
    const work = join(cwd, 'slurm');
    mkdirSync(work);
    const args = ['run', '--chains', '900', '--samples', '30', '--seed', 'array', '--backend', 'reference', '--out', 'results.arrow', '--trajectories', 'every:5,chains:3', '--trajectories-out', 'paths.arrow'];
    for (const task of [4, 5, 6]) {
      const env = { ...process.env, SLURM_ARRAY_TASK_ID: String(task), SLURM_ARRAY_TASK_MIN: '4', SLURM_ARRAY_TASK_COUNT: '3' };
      const result = spawnSync(process.execPath, [CLI, ...args], { cwd: work, env, encoding: 'utf8' });
      expect(result.status, result.stderr).toBe(0);
      const shard = `shard-${String(task - 4).padStart(4, '0')}-of-0003`;
      expect(result.stderr).toContain(`--out results.arrow becomes results.${shard}.arrow`);
      expect(result.stderr).toContain(`--trajectories-out paths.arrow becomes paths.${shard}.arrow`);
    }
    expect(readdirSync(work).sort()).toEqual([
      'paths.shard-0000-of-0003.arrow',
      'paths.shard-0001-of-0003.arrow',
      'paths.shard-0002-of-0003.arrow',
      'results.shard-0000-of-0003.arrow',
      'results.shard-0001-of-0003.arrow',
      'results.shard-0002-of-0003.arrow',
    ]);
    const merged = cliIn(work)(['merge', 'whole.arrow', 'results.shard-0000-of-0003.arrow', 'results.shard-0001-of-0003.arrow', 'results.shard-0002-of-0003.arrow']);
    expect(merged.code, merged.stderr).toBe(0);
    const single = join(cwd, 'single');
    mkdirSync(single);
    expect(cliIn(single)(['run', '--chains', '900', '--samples', '30', '--seed', 'array', '--backend', 'reference', '--quiet', '--out', 'whole.arrow']).code).toBe(0);
    expect(readFileSync(join(work, 'whole.arrow')).equals(readFileSync(join(single, 'whole.arrow')))).toBe(true);
  });

  it('a name that already holds the task’s shard is kept', () => {
    const env = { ...process.env, SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '3' };
    const result = expectOnlyChanged(cwd, ['named.shard-0001-of-0003.arrow'], () =>
      spawnSync(process.execPath, [CLI, 'run', '--chains', '9', '--generations', '5', '--backend', 'reference', '--quiet', '--out', 'named.shard-0001-of-0003.arrow'], { cwd, env, encoding: 'utf8' }),
    );
    expect(result.status, result.stderr).toBe(0);
  });

  it('an explicit --shard is the user’s choice and is kept as given', () => {
    const result = expectOnlyChanged(cwd, ['mine.arrow'], () => cli(['run', '--shard', '1/3', '--chains', '9', '--generations', '5', '--backend', 'reference', '--quiet', '--out', 'mine.arrow']));
    expect(result.code, result.stderr).toBe(0);
  });
});
