import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tableFromIPC } from 'apache-arrow';
import { FAMILY_NAMES } from '../../src/families/index.js';
import { expectOneLineUsageError, settleSeconds, temporaryDirectory } from '../helpers.js';

const CLI = resolve(import.meta.dirname, '../../dist/src/cli/main.js');
const [directory, cleanup] = temporaryDirectory();
afterAll(cleanup);

function cli(args: string[], cwd = directory) {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Nothing named like `name` (finished or partial) exists in `folder`. */
function expectNoOutput(folder: string, name: string): void {
  expect(readdirSync(folder).filter((entry) => entry.includes(name))).toEqual([]);
}

describe('collapse-sim run', () => {
  it('runs, writes the Arrow file and prints one JSON object with the documented keys', () => {
    const result = cli(['run', '--chains', '300', '--samples', '20', '--out', 'ok.arrow', '--json', '--backend', 'reference']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const summary = JSON.parse(lines[0]);
    for (const key of [
      'chains', 'generations', 'collapsed', 'collapse_probability', 'mean_collapse_time', 'mean_collapse_time_se',
      'median_collapse_time', 'outcomes', 'backend', 'mode', 'seed', 'elapsed_s', 'chain_generations_per_s', 'out',
    ]) expect(summary).toHaveProperty(key);
    expect(summary.chains).toBe(300);
    expect(summary.collapsed).toBe(300);
    expect(Object.keys(summary.collapse_probability)).toEqual(['estimate', 'lower', 'upper']);
    expect(summary.outcomes['0'] + summary.outcomes['1']).toBe(300);
    expect(summary.backend).toBe('reference');
    const table = tableFromIPC(readFileSync(join(directory, 'ok.arrow')));
    expect(table.numRows).toBe(300);
    const times = table.getChild('collapse_time')!.toArray() as Int32Array;
    expect(summary.mean_collapse_time).toBeCloseTo(times.reduce((a, b) => a + b, 0) / 300, 10);
  });

  it('prints a human summary by default', () => {
    const result = cli(['run', '--family', 'categorical', '--categories', '3', '--chains', '200', '--samples', '10', '--out', 'human.arrow']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/absorbed +200 of 200 +P = 1\.0000/);
    expect(result.stdout).toMatch(/touched +200 of 200 +P = 1\.0000/);
    expect(result.stdout).toMatch(/outcomes +0: \d+ +1: \d+ +2: \d+/);
    expect(result.stdout).toMatch(/chain·generations in/);
  });

  it('reads a config file, and flags win over it', () => {
    writeFileSync(join(directory, 'config.json'), JSON.stringify({ family: 'poisson', samples: 7, lambda0: 0.5, chains: 50, seed: 'from-config', out: 'config.arrow' }));
    const result = cli(['run', '--config', 'config.json', '--seed', 'from-flag', '--json']);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect([summary.family, summary.samples, summary.chains, summary.seed, summary.out]).toEqual(['poisson', 7, 50, 'from-flag', 'config.arrow']);
  });

  it('shows progress on a terminal and not with --quiet', () => {
    const run = (extra: string) =>
      spawnSync('script', ['-qec', `${process.execPath} ${CLI} run --chains 4000 --samples 100 --out tty.arrow ${extra}`, '/dev/null'], { cwd: directory, encoding: 'utf8' });
    expect(run('').stdout).toMatch(/chain·gen\/s {2}ETA/);
    expect(run('--quiet').stdout).not.toMatch(/ETA/);
  });

  it('--help lists every family’s flags', () => {
    const result = cli(['run', '--help']);
    expect(result.code).toBe(0);
    for (const text of ['--family bernoulli:', '--family ising:', '--p0 <p>', '--top-k <k>', '--estimator <name>', '--ground-truth <K>']) {
      expect(result.stdout).toContain(text);
    }
  });
});

describe('bad input: exit 2, one line naming the flag, no output file', () => {
  mkdirSync(join(directory, 'a-directory'), { recursive: true });
  writeFileSync(join(directory, 'not-json.json'), '{"samples": 5,');
  writeFileSync(join(directory, 'unknown-key.json'), '{"sample": 5}');
  writeFileSync(join(directory, 'array.json'), '[1, 2]');
  it.each([
    // The registry's order: a new family must not need this test changed.
    [['--family', 'nope'], new RegExp(`--family must be one of ${FAMILY_NAMES.join(', ')} \\(got "nope"\\)`)],
    [['--p0', '1.5'], /--p0 must be a number in \[0, 1\] \(got "1\.5"\)/],
    [['--p0', 'NaN'], /--p0 must be a number in \[0, 1\] \(got "NaN"\)/],
    [['--samples', '0'], /--samples must be an integer in \[1, 1000000000\]/],
    [['--chains', '2.5'], /--chains must be an integer/],
    [['--generations', '-3'], /--generations must be an integer/],
    [['--seed', ''], /--seed must be a non-empty string/],
    [['--mode', 'fast'], /--mode must be one of per-sample, sufficient/],
    [['--rng', 'mt19937'], /--rng must be one of philox, seedrandom/],
    [['--backend', 'gpu'], /--backend must be one of auto, reference, simd, webgpu, headlessgl, webasm, cpu \(got "gpu"\)/],
    [['--backend', 'webasm', '--regime', 'window:3'], /--regime window:<W> with --family bernoulli runs on --backend simd or reference/],
    [['--backend', 'cpu', '--rng', 'seedrandom'], /--rng seedrandom is sequential and runs on --backend reference only/],
    [['--backend', 'cpu', '--family', 'categorical', '--l2', '0.1'], /--l2 with --family categorical runs on --backend simd or reference/],
    [['--backend', 'webasm', '--family', 'categorical', '--top-k', '3', '--top-p', '0.5'], /--top-k together with --top-p runs on --backend simd or reference/],
    [['--backend', 'cpu', '--generations', '9000000'], /--generations must be below 8388608 on --backend cpu/],
    [['--regime', 'window:0'], /--regime window:<W> must be an integer/],
    [['--regime', 'sometimes'], /--regime must be replace, accumulate or window:<W>/],
    [['--ground-truth', '-1'], /--ground-truth must be an integer/],
    [['--prior', 'Infinity'], /--prior must be a number ≥ 0/],
    [['--trajectories', 'every:0,chains:3'], /--trajectories every:<k> must be an integer/],
    [['--trajectories', 'sometimes'], /--trajectories must be every:<k>,chains:<n>/],
    [['--frobnicate'], /unknown option '--frobnicate'/],
    [['--p0'], /option '--p0 <p>' argument missing/],
    [['extra-argument'], /too many arguments/],
    [['--family', 'gaussian', '--p0', '0.3'], /--p0 belongs to --family bernoulli, not gaussian/],
    [['--family', 'gaussian', '--var0', '0'], /--var0 must be a number > 0/],
    [['--family', 'gaussian', '--estimator', 'unbiased', '--samples', '1'], /--estimator unbiased needs at least 2 points/],
    [['--family', 'gaussian', '--collapse-threshold', '1'], /--collapse-threshold must be a number in \(0, 1\)/],
    [['--family', 'categorical', '--top-k', '0'], /--top-k must be an integer in \[1, 10\]/],
    [['--family', 'categorical', '--init', '0.5,0.6'], /--init probabilities must sum to 1/],
    [['--family', 'categorical', '--temperature', '0'], /--temperature must be a number > 0/],
    [['--family', 'ising', '--m0', '0.2', '--theta1', '1'], /--m0 and --theta1 both set the same parameter/],
    [['--family', 'ising', '--spins', '1', '--learn', 'theta1,theta2'], /--learn theta1,theta2 needs --spins ≥ 2/],
    [['--family', 'poisson', '--lambda0', '-1'], /--lambda0 must be a number ≥ 0/],
    [['--config', 'missing.json'], /--config missing\.json: cannot read it \(ENOENT\)/],
    [['--config', 'not-json.json'], /--config not-json\.json is not valid JSON/],
    [['--config', 'unknown-key.json'], /--config unknown-key\.json: unknown key "sample"/],
    [['--config', 'array.json'], /--config array\.json must hold a JSON object/],
    [['--out', '/nonexistent-directory/x.arrow'], /--out \/nonexistent-directory\/x\.arrow: cannot write there \(ENOENT/],
    [['--out', 'a-directory'], /--out a-directory is a directory/],
  ])('%j', (args, message) => {
    const result = cli(['run', '--chains', '20', '--out', 'bad.arrow', ...args]);
    expectOneLineUsageError(result, message);
    expectNoOutput(directory, 'bad.arrow');
  });

  it('a full disk (writes failing with EFBIG) is a one-line error and leaves nothing', () => {
    // With SIGXFSZ ignored, writes past RLIMIT_FSIZE fail with EFBIG, as they would with ENOSPC.
    const result = spawnSync('bash', ['-c', `trap '' XFSZ; ulimit -f 1; exec "${process.execPath}" "${CLI}" run --chains 100000 --samples 2 --out full.arrow`], {
      cwd: directory,
      encoding: 'utf8',
    });
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^collapse-sim: --out full\.arrow: write failed \(EFBIG/);
    expectNoOutput(directory, 'full.arrow');
  });

  it('no command prints the help and exits 2', () => {
    const result = cli([]);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('Usage: collapse-sim');
  });
});

describe('interruption', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s stops the run with exit %i and leaves no output file', async (signal, code) => {
    const args = ['--chains', '100000000', '--backend', 'reference', '--out', `interrupted-${signal}.arrow`];
    const settle = settleSeconds(directory, args);
    const child = spawn(process.execPath, [CLI, 'run', ...args], { cwd: directory });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    await new Promise((r) => setTimeout(r, settle * 1000));
    expect(existsSync(join(directory, `interrupted-${signal}.arrow`))).toBe(false);
    child.kill(signal);
    const exitCode = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(exitCode).toBe(code);
    expect(stderr.trim()).toBe(`collapse-sim: interrupted by ${signal}: stopped, no output file written`);
    expectNoOutput(directory, `interrupted-${signal}`);
  });
});
