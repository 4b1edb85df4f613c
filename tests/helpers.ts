/**
 * Shared test helpers. Tolerances come from sample sizes: a moment is checked within
 * Z_TOLERANCE standard errors (two-sided false-failure probability 6e-5), a distribution
 * with a test whose p-value must exceed P_VALUE_FLOOR.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import { createFamilyModel, ReferenceEngine } from '../src/engine/reference.js';
import { resolveRunSpec, type RunSpec } from '../src/spec/run-spec.js';
import type { RawOptions } from '../src/spec/parse.js';
import { ScalarGenerator } from '../src/rng/scalar-generator.js';
import type { StreamTag } from '../src/rng/streams.js';

export const Z_TOLERANCE = 4;
export const P_VALUE_FLOOR = 1e-3;

/** |estimate − expected| ≤ Z_TOLERANCE · standardError. */
export function expectWithinStandardErrors(estimate: number, expected: number, standardError: number, label = ''): void {
  const z = Math.abs(estimate - expected) / standardError;
  expect(z, `${label} estimate ${estimate} vs ${expected} (s.e. ${standardError}): ${z.toFixed(2)} s.e. apart`).toBeLessThanOrEqual(Z_TOLERANCE);
}

export function expectPValue(pValue: number, label = ''): void {
  expect(pValue, `${label} p-value`).toBeGreaterThan(P_VALUE_FLOOR);
}

export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
}

export function variance(values: ArrayLike<number>): number {
  const m = mean(values);
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += (values[i] - m) ** 2;
  return sum / (values.length - 1);
}

/** Standard error of the sample variance, from the sample's fourth central moment. */
export function varianceStandardError(values: ArrayLike<number>): number {
  const m = mean(values);
  let second = 0;
  let fourth = 0;
  for (let i = 0; i < values.length; i++) {
    const d = values[i] - m;
    second += d * d;
    fourth += d ** 4;
  }
  const n = values.length;
  second /= n;
  fourth /= n;
  return Math.sqrt((fourth - second * second) / n);
}

export interface Ensemble {
  spec: RunSpec;
  collapseTime: Int32Array;
  outcome: Float64Array;
  eventTimes: Int32Array[];
  /** By final column name. */
  finals: Record<string, Float64Array>;
  chainGenerations: number;
}

/** Runs the reference engine in memory (no files) and concatenates its batches. */
export async function simulate(options: RawOptions): Promise<Ensemble> {
  const spec = resolveRunSpec({ out: '/nonexistent/never-written.arrow', ...options });
  const engine = new ReferenceEngine();
  const collapseTime = new Int32Array(spec.chains);
  const outcome = new Float64Array(spec.chains);
  const finals: Record<string, Float64Array> = {};
  let chainGenerations = 0;
  const model = createFamilyModel(spec);
  const eventTimes = model.events.map(() => new Int32Array(spec.chains));
  for (const column of model.finalColumns) finals[column.name] = new Float64Array(spec.chains);
  for await (const batch of engine.run(spec)) {
    collapseTime.set(batch.collapseTime, batch.firstChain);
    outcome.set(batch.outcome, batch.firstChain);
    batch.eventTimes.forEach((times, e) => eventTimes[e].set(times, batch.firstChain));
    batch.finals.forEach((values, c) => finals[model.finalColumns[c].name].set(values, batch.firstChain));
    chainGenerations += batch.chainGenerations;
  }
  return { spec, collapseTime, outcome, eventTimes, finals, chainGenerations };
}

/** A fresh temporary directory, removed by the returned function. */
export function temporaryDirectory(): [string, () => void] {
  const directory = mkdtempSync(join(tmpdir(), 'collapse-sim-test-'));
  return [directory, () => rmSync(directory, { recursive: true, force: true })];
}

/** The built CLI, run as a child process in `cwd`: exit code, stdout and stderr. */
export function cliIn(cwd: string): (args: string[]) => { code: number | null; stdout: string; stderr: string } {
  const cli = resolve(import.meta.dirname, '../dist/src/cli/main.js');
  return (args) => {
    const result = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8' });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };
}

/** Expects a CLI result to be a usage error: exit 2, nothing on stdout, one line on stderr matching `message`. */
export function expectOneLineUsageError(result: { code: number | null; stdout: string; stderr: string }, message: RegExp): void {
  expect(result.code).toBe(2);
  expect(result.stdout).toBe('');
  const lines = result.stderr.split('\n').filter((line) => line.length > 0);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^collapse-sim: /);
  expect(lines[0]).toMatch(message);
}

/** `args` with `flag`'s value replaced (or the flag added). */
export function withFlag(args: readonly string[], flag: string, value: string): string[] {
  const at = args.indexOf(flag);
  return at < 0 ? [...args, flag, value] : args.map((arg, i) => (i === at + 1 ? value : arg));
}

/**
 * How long to wait before signalling a `run` with `args`, so that the signal lands in its
 * work, not in start-up (imports, a GL context, shader compilation: synchronous, so no
 * signal is seen there, and seconds long on a loaded machine): 1.5 times what the same run
 * with one chain and one generation takes here and now, plus a second.
 */
export function settleSeconds(cwd: string, args: readonly string[]): number {
  const plain = args.filter((arg, i) => arg !== '--checkpoint' && args[i - 1] !== '--checkpoint');
  const probe = [...withFlag(withFlag(withFlag(plain, '--chains', '1'), '--generations', '1'), '--out', 'settle-probe.arrow'), '--quiet'];
  const started = performance.now();
  const result = cliIn(cwd)(['run', ...probe]);
  const seconds = (performance.now() - started) / 1000;
  rmSync(join(cwd, 'settle-probe.arrow'), { force: true });
  expect(result.code, result.stderr).toBe(0);
  return 1.5 * seconds + 1;
}

/** The reference's generator with one lane, drawing from `chain`'s streams at (generation, tag). */
export function oneLane(seed: string, chain: number, generation: number, tag: StreamTag): ScalarGenerator {
  const generator = new ScalarGenerator({ kind: 'philox', seed }, 1);
  generator.assign(0, chain);
  generator.active[0] = 0;
  generator.activeCount = 1;
  generator.open(generation, tag);
  return generator;
}

/**
 * Every entry under `directory` (recursively, links not followed): a file's SHA-256, a
 * link's target, or the kind of a special file. Compared before and after a command, it
 * shows exactly what the command changed.
 */
export function snapshotDirectory(directory: string): Map<string, string> {
  const entries = new Map<string, string>();
  const walk = (relative: string): void => {
    for (const name of readdirSync(join(directory, relative)).sort()) {
      const path = join(relative, name);
      const stats = lstatSync(join(directory, path));
      if (stats.isSymbolicLink()) entries.set(path, `link → ${readlinkSync(join(directory, path))}`);
      else if (stats.isDirectory()) {
        entries.set(path, 'directory');
        walk(path);
      } else if (stats.isFile()) entries.set(path, `file ${createHash('sha256').update(readFileSync(join(directory, path))).digest('hex')}`);
      else entries.set(path, stats.isFIFO() ? 'FIFO' : stats.isCharacterDevice() ? 'character device' : 'special file');
    }
  };
  walk('');
  return entries;
}

/** The entries that differ between two snapshots: added, removed or changed, sorted. */
export function changedEntries(before: Map<string, string>, after: Map<string, string>): string[] {
  const changed = new Set<string>();
  for (const [path, value] of before) if (after.get(path) !== value) changed.add(path);
  for (const path of after.keys()) if (!before.has(path)) changed.add(path);
  return [...changed].sort();
}

/**
 * Runs `action` and checks it changed nothing under `directory` but `allowed` (paths
 * relative to it); returns what action returned.
 */
export function expectOnlyChanged<T>(directory: string, allowed: readonly string[], action: () => T): T {
  const before = snapshotDirectory(directory);
  const result = action();
  expect(changedEntries(before, snapshotDirectory(directory)), 'files changed').toEqual([...allowed].sort());
  return result;
}

/** JSON with object keys sorted at every level, as collapse-sim digests checkpoint.json. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The digest a forger would recompute for an edited checkpoint.json (its other fields). */
export function checkpointDigest(state: Record<string, unknown>): string {
  const { digest: _digest, ...content } = state;
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}
