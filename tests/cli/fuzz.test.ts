/**
 * Fuzzing the command line, the config loader, the files collapse-sim reads back and its
 * checkpoints: thousands of generated argument lists and config files, each with at least
 * one bad part (wrong types, NaN, ±Infinity, huge and negative numbers, unknown keys and
 * flags, unicode, empty files, truncated JSON), and hundreds of damaged chain and
 * trajectory tables (flipped bytes, truncations, edited provenance and columns) and
 * tampered checkpoints (edited state, with and without its digest recomputed, damaged,
 * removed or swapped batch files). The property: never a stack trace or an internal
 * error; bad input is exit 2 with exactly one line on stderr and no file written; the
 * rare case that is valid after all runs and exits 0 — and a resume that exits 0 writes
 * the uninterrupted run's file, byte for byte: nothing silently wrong.
 */
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { makeData, RecordBatch, Schema, Struct, Table, tableFromIPC, tableToIPC } from 'apache-arrow';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { checkpointDigest, temporaryDirectory } from '../helpers.js';

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

  it('300 damaged chain and trajectory tables read by summarize, export and merge: exit 2 with the reason, or 0 where harmless', async () => {
    const source = join(directory, 'source');
    mkdirSync(source);
    const run = await capture(['run', '--chains', '40', '--samples', '12', '--generations', '60', '--seed', 'fuzz', '--backend', 'reference', '--quiet', '--trajectories', 'every:3,chains:4', '--out', join(source, 'r.arrow')]);
    expect(run.code, run.stderr).toBe(0);
    const originals = [readFileSync(join(source, 'r.arrow')), readFileSync(join(source, 'r.trajectories.arrow'))];
    const mutants: [string, (bytes: Buffer) => Buffer][] = [
      ['flipped bytes', (bytes) => {
        const copy = Buffer.from(bytes);
        for (let k = 1 + Math.floor(random() * 8); k > 0; k--) copy[Math.floor(random() * copy.length)] = Math.floor(random() * 256);
        return copy;
      }],
      ['truncated', (bytes) => bytes.subarray(0, Math.floor(random() * bytes.length))],
      ['provenance edited', (bytes) => {
        const table = tableFromIPC(bytes);
        const provenance = JSON.parse(table.schema.metadata.get('collapse_sim')!);
        const target = random() < 0.7 ? provenance.config : provenance;
        const keys = Object.keys(target);
        const key = pick(keys);
        target[key] = random() < 0.5 ? pick(BAD_VALUES) : typeof target[key] === 'number' ? pick([0, -1, target[key] * 2, target[key] + 1, 1e308]) : pick(BAD_VALUES);
        if (random() < 0.3 && typeof target.familyParams === 'object' && target.familyParams !== null) {
          const param = pick(Object.keys(target.familyParams));
          target.familyParams[param] = pick([7, -3, null, 'x', 1e300, [], {}]);
        }
        const schema = new Schema(table.schema.fields, new Map([['collapse_sim', JSON.stringify(provenance)]]));
        return Buffer.from(tableToIPC(new Table(schema, table.batches.map((batch) => new RecordBatch(schema, batch.data))), 'file'));
      }],
      ['column values edited', (bytes) => {
        const table = tableFromIPC(bytes);
        const batches = table.batches.map((batch) => {
          const children = batch.data.children.map((child) => {
            if (random() < 0.6) return child;
            const values = (child.values as Int32Array | Float64Array | Uint32Array).slice();
            for (let k = 0; k < 1 + random() * 4; k++) values[Math.floor(random() * values.length)] = pick([-1, 1e9, 3, 2 ** 31 - 1, 0, 61, NaN, -7]);
            return makeData({ type: child.type, length: child.length, nullCount: child.nullCount, nullBitmap: child.nullBitmap, data: values } as never);
          });
          return new RecordBatch(table.schema, makeData({ type: new Struct(table.schema.fields), length: batch.numRows, nullCount: 0, children }));
        });
        return Buffer.from(tableToIPC(new Table(table.schema, batches), 'file'));
      }],
    ];
    const outcomes = { refused: 0, accepted: 0 };
    for (let i = 0; i < 300; i++) {
      const caseDirectory = join(directory, `file-${i}`);
      mkdirSync(caseDirectory);
      const [kind, mutate] = pick(mutants);
      const original = originals[i % 2];
      const input = join(directory, `file-${i}.arrow`);
      writeFileSync(input, mutate(original));
      const command = pick([
        ['summarize', input],
        ['summarize', '--json', input],
        ['export', '--to', pick(['csv', 'parquet']), '--out', join(caseDirectory, 'x'), input],
        ['merge', join(caseDirectory, 'm.arrow'), input],
      ]);
      const started = Date.now();
      const outcome = await capture(command);
      expect(Date.now() - started, `${kind}: ${command.join(' ')}`).toBeLessThan(20_000);
      expectWellBehaved(outcome, caseDirectory, `${kind}: ${command.join(' ')}`);
      expect(outcome.stderr).not.toMatch(/Cannot read properties|fieldsLength|is not a function|Maximum call stack/);
      if (outcome.code === 2) outcomes.refused++;
      else outcomes.accepted++;
    }
    // Most damage is refused; a flipped byte in padding or a value edit within range is harmless.
    console.log(`damaged tables: ${outcomes.refused} of 300 refused, ${outcomes.accepted} harmless`);
    expect(outcomes.refused).toBeGreaterThan(150);
  });

  it('150 tampered checkpoints resumed: exit 2 with the reason, or exit 0 with exactly the uninterrupted file', async () => {
    const base = join(directory, 'checkpointed');
    mkdirSync(base);
    const args = ['run', '--chains', '300', '--samples', '12', '--batch-size', '50', '--seed', 'fuzz-resume', '--backend', 'reference', '--quiet', '--trajectories', 'every:4,chains:60'];
    // The uninterrupted run, to the path the checkpointed one writes (the path is in the provenance).
    const out = join(base, 'out.arrow');
    const trajectoriesOut = join(base, 'out.trajectories.arrow');
    const whole = await capture([...args, '--out', out]);
    expect(whole.code, whole.stderr).toBe(0);
    const expected = readFileSync(out);
    const expectedTrajectories = readFileSync(trajectoriesOut);
    rmSync(out);
    rmSync(trajectoriesOut);
    // A checkpoint of the same run stopped after three batches, as SIGINT would leave it.
    const { resolveRunSpec } = await import('../../src/spec/run-spec.js');
    const { runSimulation } = await import('../../src/run.js');
    const { InterruptedError } = await import('../../src/spec/errors.js');
    const controller = new AbortController();
    const spec = resolveRunSpec({ chains: 300, samples: 12, 'batch-size': 50, seed: 'fuzz-resume', backend: 'reference', trajectories: 'every:4,chains:60', out });
    await expect(
      runSimulation(spec, {
        checkpointDirectory: join(base, 'ck'),
        signal: controller.signal,
        onProgress: (progress) => {
          if (progress.chainsDone >= 150) controller.abort(new InterruptedError('SIGINT'));
        },
      }),
    ).rejects.toThrow(InterruptedError);
    const genuine = join(base, 'ck');
    const files = readdirSync(genuine).filter((name) => name.endsWith('.arrow'));
    expect(files.length).toBeGreaterThanOrEqual(4);

    const tamper = (ck: string): string => {
      const statePath = join(ck, 'checkpoint.json');
      const kind = pick(['state', 'state', 'file bytes', 'file swap', 'file removed', 'file duplicated']);
      if (kind === 'state') {
        const state = JSON.parse(readFileSync(statePath, 'utf8'));
        const holder = pick([state, state, state.spec, state.spec.familyParams, pick(state.batches.length > 0 ? state.batches : [state])]);
        const key = pick(Object.keys(holder));
        const before = holder[key];
        holder[key] = pick([...BAD_VALUES, 0, 1, 7, -1, 50, 100, 1e15, 'fuzz', holder[key]]);
        const redigest = random() < 0.6;
        if (redigest) state.digest = checkpointDigest(state);
        writeFileSync(statePath, JSON.stringify(state));
        return `state: ${key} ${JSON.stringify(before)} → ${JSON.stringify(holder[key])}${redigest ? ', digest recomputed' : ''}`;
      } else if (kind === 'file bytes') {
        const file = join(ck, pick(files));
        const bytes = Buffer.from(readFileSync(file));
        for (let k = 1 + Math.floor(random() * 4); k > 0; k--) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
        writeFileSync(file, bytes);
      } else if (kind === 'file swap') {
        const a = pick(files);
        const b = pick(files.filter((name) => name !== a));
        const temporary = join(ck, 'swap');
        renameSync(join(ck, a), temporary);
        renameSync(join(ck, b), join(ck, a));
        renameSync(temporary, join(ck, b));
      } else if (kind === 'file removed') unlinkSync(join(ck, pick(files)));
      else {
        const a = pick(files);
        copyFileSync(join(ck, a), join(ck, pick(files.filter((name) => name !== a))));
      }
      return kind;
    };

    let refused = 0;
    for (let i = 0; i < 150; i++) {
      const ck = join(directory, `ck-${i}`);
      cpSync(genuine, ck, { recursive: true });
      const kind = tamper(ck);
      const outcome = await capture(['run', '--resume', ck, '--quiet']);
      const label = `${kind} (case ${i}): ${outcome.stderr}`;
      expect([0, 2], label).toContain(outcome.code);
      expect(outcome.stderr, label).not.toMatch(/\n\s+at |internal error|TypeError|Cannot read properties/);
      if (outcome.code === 2) {
        refused++;
        expect(outcome.stderr, label).toMatch(/^collapse-sim: [^\n]+\n$/);
        expect(existsSync(out), label).toBe(false);
        expect(existsSync(trajectoriesOut), label).toBe(false);
      } else {
        // Accepted only when nothing that matters changed: then the files are exactly right.
        expect(readFileSync(out).equals(expected), label).toBe(true);
        expect(readFileSync(trajectoriesOut).equals(expectedTrajectories), label).toBe(true);
        rmSync(out);
        rmSync(trajectoriesOut);
      }
      rmSync(ck, { recursive: true, force: true });
    }
    console.log(`tampered checkpoints: ${refused} of 150 refused, ${150 - refused} harmless and resumed to the exact file`);
    expect(refused).toBeGreaterThan(100);
  });
});
