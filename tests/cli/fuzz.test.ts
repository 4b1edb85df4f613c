/**
 * Fuzzing the command line and the config loader: thousands of generated argument lists
 * and config files, each with at least one bad part (wrong types, NaN, ±Infinity, huge and
 * negative numbers, unknown keys and flags, unicode, empty files, truncated JSON). The
 * property: never a stack trace or an internal error; bad input is exit 2 with exactly one
 * line on stderr and no file written; the rare case that is valid after all (a mutation
 * that happens to be in range) runs its tiny ensemble and exits 0.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { temporaryDirectory } from '../helpers.js';

const [directory, cleanup] = temporaryDirectory();
afterAll(cleanup);
const random = seedrandom('collapse-sim fuzz');
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];

const NUMERIC_FLAGS = ['chains', 'samples', 'generations', 'batch-size', 'ground-truth', 'prior', 'l2', 'p0', 'truth-p'];
const BAD_NUMBERS = ['NaN', 'Infinity', '-Infinity', '', ' ', 'abc', '1e400', '１２', '💥', '0x10', '99999999999999999999', '-1', '1,2', 'null', 'true', '[1]', '{"a":1}', '\u202e3', '1e', '.', '--', '-0.5e', '3abc'];
const CHOICE_FLAGS: Record<string, string[]> = {
  family: ['beta', 'Bernoulli', '', 'ising ', 'gaußian', 'poisson,exponential'],
  mode: ['fast', 'per_sample', '', 'SUFFICIENT'],
  rng: ['mt19937', '', 'philox4x64'],
  backend: ['cuda', 'gpu', '', 'WEBGPU', 'reference,cpu'],
  regime: ['window:0', 'window:-1', 'window:abc', 'windows', 'accumulate:2', '', 'window:1e400'],
  trajectories: ['every:0,chains:1', 'every:x', '', 'chains:1', 'every:1,chains:-1', 'every:1,chains:1,foo:2'],
  shard: ['3/2', '1/0', '-1/2', 'a/b', '1/2/3', '', '0/99999999'],
  'shard-count': ['0', 'x'],
  seed: [''],
  'collapse-threshold': ['0', '1', '2'],
  spins: ['3'],
  categories: ['5'],
};
const UNKNOWN_FLAGS = ['--chain', '--sample', '--über', '--💥', '--p', '--seed-', '--out-dir', '--', '-x', '---chains'];

function baseArgs(out: string): string[] {
  return ['run', '--chains', '3', '--samples', '2', '--generations', '3', '--backend', 'reference', '--quiet', '--out', out];
}

/** Replaces or adds `--flag value`. */
function withFlag(args: string[], flag: string, value: string): string[] {
  const index = args.indexOf(`--${flag}`);
  if (index >= 0) return [...args.slice(0, index + 1), value, ...args.slice(index + 2)];
  return [...args, `--${flag}`, value];
}

function mutate(args: string[]): string[] {
  const kind = pick(['number', 'choice', 'unknown', 'extra', 'missing-value']);
  if (kind === 'number') return withFlag(args, pick(NUMERIC_FLAGS), pick(BAD_NUMBERS));
  if (kind === 'choice') {
    const flag = pick(Object.keys(CHOICE_FLAGS));
    return withFlag(args, flag, pick(CHOICE_FLAGS[flag]));
  }
  if (kind === 'unknown') return random() < 0.5 ? [...args, pick(UNKNOWN_FLAGS)] : [...args, pick(UNKNOWN_FLAGS), '1'];
  if (kind === 'extra') return [...args.slice(0, 1), pick(['extra', '1', '💥']), ...args.slice(1)];
  return [...args, `--${pick(NUMERIC_FLAGS)}`];
}

const VALID_CONFIG = JSON.stringify({ family: 'bernoulli', chains: 3, samples: 2, generations: 3, p0: 0.4, seed: 'x' });
const BAD_VALUES: unknown[] = [null, 'NaN', Number.MAX_VALUE, -1, 1.5, [], {}, [1, 2], { nested: { deeper: [1] } }, true, '', '💥', 'Infinity', '1e400'];
const CONFIG_KEYS = ['family', 'chains', 'samples', 'generations', 'p0', 'seed', 'mode', 'rng', 'regime', 'prior', 'l2', 'shard', 'trajectories', 'batch-size'];

function badConfig(): string {
  const kind = pick(['truncated', 'value', 'unknown-key', 'not-object', 'junk', 'big-number', 'empty']);
  if (kind === 'truncated') return VALID_CONFIG.slice(0, 1 + Math.floor(random() * (VALID_CONFIG.length - 2)));
  if (kind === 'value') return JSON.stringify({ ...JSON.parse(VALID_CONFIG), [pick(CONFIG_KEYS)]: pick(BAD_VALUES) });
  if (kind === 'unknown-key') return JSON.stringify({ ...JSON.parse(VALID_CONFIG), [pick(['Chains', 'über', '💥', '', '__proto__x', 'out-dir'])]: 1 });
  if (kind === 'not-object') return pick(['[]', 'null', '3', '"chains"', 'true', '[{"chains": 3}]']);
  if (kind === 'junk') return Array.from({ length: 1 + Math.floor(random() * 40) }, () => String.fromCharCode(Math.floor(random() * 0x3000))).join('');
  if (kind === 'big-number') return VALID_CONFIG.replace('"chains":3', `"chains":${pick(['1e400', '-1e400', '18446744073709551616', '3.5', '-3'])}`);
  return pick(['', ' ', '\n', '\ufeff' + VALID_CONFIG]);
}

interface Outcome {
  code: number;
  stderr: string;
}

async function capture(argv: string[]): Promise<Outcome> {
  let stderr = '';
  const errorSpy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  const outputSpy = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    return { code: await runCli(['node', 'collapse-sim', ...argv]), stderr };
  } finally {
    errorSpy.mockRestore();
    outputSpy.mockRestore();
  }
}

function expectWellBehaved(outcome: Outcome, caseDirectory: string, label: string): void {
  expect([0, 2], `${label}: exit ${outcome.code}: ${outcome.stderr}`).toContain(outcome.code);
  expect(outcome.stderr, label).not.toMatch(/\n\s+at |internal error|TypeError|ReferenceError/);
  if (outcome.code === 2) {
    expect(outcome.stderr, label).toMatch(/^collapse-sim: [^\n]+\n$/);
    expect(readdirSync(caseDirectory), label).toEqual([]);
  }
}

describe('fuzzed command lines and config files', () => {
  it('2000 argument lists with bad parts: exit 2, one line, no file — never a stack trace', async () => {
    let refused = 0;
    for (let i = 0; i < 2000; i++) {
      const caseDirectory = join(directory, `args-${i}`);
      mkdirSync(caseDirectory);
      let args = baseArgs(join(caseDirectory, 'out.arrow'));
      const mutations = 1 + Math.floor(random() * 3);
      for (let m = 0; m < mutations; m++) args = mutate(args);
      const outcome = await capture(args);
      expectWellBehaved(outcome, caseDirectory, JSON.stringify(args));
      if (outcome.code === 2) refused++;
    }
    // The generator is meant to produce bad input: nearly every case must be refused.
    expect(refused).toBeGreaterThan(1900);
  });

  it('500 config files with bad contents: exit 2, one line naming --config or the key, no file', async () => {
    let refused = 0;
    for (let i = 0; i < 500; i++) {
      const caseDirectory = join(directory, `config-${i}`);
      mkdirSync(caseDirectory);
      const config = join(directory, `config-${i}.json`);
      const text = badConfig();
      writeFileSync(config, text);
      const outcome = await capture(['run', '--config', config, '--backend', 'reference', '--quiet', '--out', join(caseDirectory, 'out.arrow')]);
      expectWellBehaved(outcome, caseDirectory, JSON.stringify(text));
      if (outcome.code === 2) {
        refused++;
        expect(outcome.stderr, JSON.stringify(text)).toMatch(/--(config|[a-z0-9-]+)/);
      }
    }
    expect(refused).toBeGreaterThan(450);
  });

  it('other commands: merge, bench, verify and reproduce with bad parts', async () => {
    const cases: string[][] = [
      ['merge'],
      ['merge', 'out.arrow', '/nonexistent/shard.arrow'],
      ['merge', 'out.arrow', directory + '/nothing-here'],
      ['bench', '--chains', 'NaN'],
      ['bench', '--repeats', '1e400'],
      ['bench', '--modes', ''],
      ['bench', '--peers', '💥'],
      ['bench', '--reference-limit', '-1'],
      ['verify', '--chains', '0'],
      ['verify', '--backends', 'cuda'],
      ['verify', '--family', 'gaußian'],
      ['backends', '--chains', '3'],
      ['nonsense'],
      ['run', '--config', '/nonexistent/config.json'],
      ['run', '--config', directory],
      ['reproduce', '--only', 'fig9'],
      ['reproduce', '--only', ''],
      ['reproduce', '--chains', '1'],
      ['reproduce', '--chains', 'NaN'],
      ['reproduce', '--backend', 'cuda'],
      ['reproduce', '--out-dir', '/dev/null/not-a-directory'],
    ];
    for (const args of cases) {
      const caseDirectory = join(directory, `command-${cases.indexOf(args)}`);
      mkdirSync(caseDirectory);
      const outcome = await capture(args);
      expect(outcome.code, `${args.join(' ')}: ${outcome.stderr}`).toBe(2);
      expectWellBehaved(outcome, caseDirectory, args.join(' '));
    }
  });
});
