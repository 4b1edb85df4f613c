/**
 * RunSpec: one run, validated and fully resolved. It is plain JSON (stored verbatim as
 * the provenance of every output file) and everything an engine needs.
 */
import { DEFAULT_FAMILY, FAMILIES, FAMILY_NAMES, type FamilyName } from '../families/index.js';
import { FLOAT64, hasMitigation, SAMPLING_MODES, type FamilyModel, type LoopConfig, type RangeContext, type Regime, type RunConfig, type SamplingMode } from '../families/family.js';
import { RNG_KINDS, type RngKind } from '../rng/streams.js';
import { BACKEND_CHOICES } from '../engine/names.js';
import { UsageError } from './errors.js';
import { MAX_TRAJECTORY_ROWS, trajectoryRowsRefusal } from '../engine/batch.js';
import { parseShard, shardOutputName, shardRange, type Shard } from './shard.js';
import { given, parseChoice, parseNumber, parseText, type RawOptions } from './parse.js';

export type { Regime } from '../families/family.js';
export { hasMitigation } from '../families/family.js';

export interface TrajectorySpec {
  /** Record every `every`-th generation (and the last one simulated). */
  readonly every: number;
  /** ... for chains 0 .. chains − 1. */
  readonly chains: number;
  readonly out: string;
}

/** A resolved run: the family's configuration (RunConfig) and everything about where it runs and what it writes. */
export interface RunSpec extends RunConfig {
  readonly family: FamilyName;
  readonly chains: number;
  readonly rng: RngKind;
  readonly backend: string;
  /** Chains per record batch (bounds memory; never changes results). */
  readonly batchSize: number;
  readonly out: string;
  readonly trajectories: TrajectorySpec | null;
  /** This run's part of the ensemble (src/spec/shard.ts), or null for all of it. */
  readonly shard: Shard | null;
}

/** auto, the reference path, the WebAssembly engine (simd), or a gpu.js backend. */
export const BACKENDS: readonly string[] = BACKEND_CHOICES;

/** Limits: chain indices and generations are 32-bit counter words; times are int32. */
export const MAX_CHAINS = 0xffffffff;
export const MAX_GENERATIONS = 0x7fffffff;
export const MAX_SAMPLES = 1e9;
export const DEFAULT_OUT = 'collapse-times.arrow';
/** Most numbers a chain keeps for --regime window:W (128 MB a chain). */
export const MAX_WINDOW_NUMBERS = 2 ** 24;

/** An option shared by every family. */
export interface CommonOption {
  readonly flag: string;
  readonly valueName?: string;
  readonly description: string;
  readonly defaultValue?: string;
  /** A switch (no value). */
  readonly boolean?: boolean;
}

export const COMMON_OPTIONS: readonly CommonOption[] = [
  { flag: 'family', valueName: '<name>', description: `exponential family: ${FAMILY_NAMES.join(', ')}`, defaultValue: DEFAULT_FAMILY },
  { flag: 'samples', valueName: '<M>', description: 'synthetic points drawn per generation, an integer ≥ 1', defaultValue: '100' },
  { flag: 'chains', valueName: '<n>', description: `independent chains, 1..${MAX_CHAINS}`, defaultValue: '10000' },
  { flag: 'generations', valueName: '<T>', description: 'generations at most per chain (chains not collapsed by then are censored)', defaultValue: '100000' },
  { flag: 'seed', valueName: '<seed>', description: 'an integer or any string', defaultValue: '0' },
  { flag: 'mode', valueName: '<mode>', description: 'per-sample (draw each point) or sufficient (draw the sufficient statistic from its exact law)', defaultValue: 'per-sample' },
  { flag: 'rng', valueName: '<kind>', description: 'philox (counter-based Philox4x32-10) or seedrandom (xor4096, independent check)', defaultValue: 'philox' },
  { flag: 'backend', valueName: '<name>', description: `engine: ${BACKENDS.join(', ')} (auto: the fastest that can run the configuration)`, defaultValue: 'auto' },
  { flag: 'ground-truth', valueName: '<K>', description: 'fresh ground-truth points added per generation, an integer ≥ 0', defaultValue: '0' },
  { flag: 'prior', valueName: '<a>', description: 'MAP: a ≥ 0 pseudo-observations with the ground truth\'s moments', defaultValue: '0' },
  { flag: 'l2', valueName: '<λ>', description: 'L2 penalty λ ≥ 0 on the natural parameters', defaultValue: '0' },
  { flag: 'regime', valueName: '<regime>', description: 'data each fit sees: replace (this generation), accumulate (all so far) or window:<W> (last W)', defaultValue: 'replace' },
  { flag: 'shard', valueName: '<i/n>', description: 'run shard i of n (0-based): chains ⌊i·C/n⌋ … ⌊(i+1)·C/n⌋ − 1; default from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX' },
  { flag: 'shard-count', valueName: '<n>', description: 'shards in all, with JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or SLURM_ARRAY_TASK_ID (task i runs shard i/n, so a task reruns alone)' },
  { flag: 'checkpoint', valueName: '<dir>', description: 'save a checkpoint in dir after every batch; SIGINT/SIGTERM then stop at once, keeping every batch finished' },
  { flag: 'resume', valueName: '<dir>', description: 'go on with the run checkpointed in dir (its configuration; no other run flags)' },
  {
    flag: 'from',
    valueName: '<file>',
    description: 'run again the configuration recorded in a file collapse-sim wrote (Arrow, Parquet, CSV with its .provenance.json, or a checkpoint dir); flags given here win',
  },
  { flag: 'batch-size', valueName: '<n>', description: 'chains per output record batch (memory bound; results do not depend on it)', defaultValue: '65536' },
  { flag: 'out', valueName: '<path>', description: 'Arrow IPC output file', defaultValue: DEFAULT_OUT },
  { flag: 'trajectories', valueName: '<spec>', description: 'also write per-generation parameters: every:<k>,chains:<n>' },
  { flag: 'trajectories-out', valueName: '<path>', description: 'trajectory file (default: <out>.trajectories.arrow)' },
  { flag: 'json', description: 'print one JSON object on stdout instead of the human summary', boolean: true },
  { flag: 'quiet', description: 'no progress bar', boolean: true },
  { flag: 'config', valueName: '<file.json>', description: 'read options from a JSON object with the flags as keys (flags given here win)' },
];

export function parseRegime(value: unknown): Regime {
  if (value === 'replace' || value === 'accumulate') return { kind: value };
  if (typeof value === 'string' && value.startsWith('window:')) {
    return { kind: 'window', width: parseNumber(value.slice(7), 'regime window:<W>', { min: 1, max: MAX_GENERATIONS, integer: true }) };
  }
  throw new UsageError(`--regime must be replace, accumulate or window:<W> (got ${JSON.stringify(value)})`);
}

export function regimeToString(regime: Regime): string {
  return regime.kind === 'window' ? `window:${regime.width}` : regime.kind;
}

/** Parses every:<k>,chains:<n>. */
export function parseTrajectories(value: unknown, out: string, trajectoriesOut: string | null): TrajectorySpec {
  const text = typeof value === 'string' ? value : '';
  const match = /^every:([^,]+),chains:([^,]+)$/.exec(text.trim());
  if (!match) throw new UsageError(`--trajectories must be every:<k>,chains:<n> (got ${JSON.stringify(value)})`);
  const every = parseNumber(match[1], 'trajectories every:<k>', { min: 1, max: MAX_GENERATIONS, integer: true });
  const chains = parseNumber(match[2], 'trajectories chains:<n>', { min: 1, max: MAX_CHAINS, integer: true });
  return { every, chains, out: trajectoriesOut ?? defaultTrajectoriesPath(out) };
}

export function defaultTrajectoriesPath(out: string): string {
  return out.endsWith('.arrow') ? `${out.slice(0, -6)}.trajectories.arrow` : `${out}.trajectories.arrow`;
}

/** Validates raw options (from flags and config) into a RunSpec. Throws UsageError. */
export function resolveRunSpec(raw: RawOptions, backends: readonly string[] = BACKENDS): RunSpec {
  const family = given(raw, 'family') ? parseChoice(raw['family'], 'family', FAMILY_NAMES) : DEFAULT_FAMILY;
  const definition = FAMILIES[family];

  // A flag of another family is a mistake worth naming, not something to ignore.
  const ownFlags = new Set(definition.options.map((option) => option.flag));
  for (const other of FAMILY_NAMES) {
    if (other === family) continue;
    for (const option of FAMILIES[other].options) {
      if (!ownFlags.has(option.flag) && given(raw, option.flag)) {
        throw new UsageError(`--${option.flag} belongs to --family ${other}, not ${family}`);
      }
    }
  }

  const samples = given(raw, 'samples') ? parseNumber(raw['samples'], 'samples', { min: 1, max: MAX_SAMPLES, integer: true }) : 100;
  const chains = given(raw, 'chains') ? parseNumber(raw['chains'], 'chains', { min: 1, max: MAX_CHAINS, integer: true }) : 10000;
  const generations = given(raw, 'generations')
    ? parseNumber(raw['generations'], 'generations', { min: 1, max: MAX_GENERATIONS, integer: true })
    : 100000;
  const seed = given(raw, 'seed') ? parseText(raw['seed'], 'seed') : '0';
  const mode = given(raw, 'mode') ? parseChoice(raw['mode'], 'mode', SAMPLING_MODES) : 'per-sample';
  const modes = FAMILIES[family].modes;
  if (!modes.includes(mode)) throw new UsageError(`--mode ${mode} is not offered by --family ${family} (it samples in ${modes.join(', ')} mode)`);
  const rng = given(raw, 'rng') ? parseChoice(raw['rng'], 'rng', RNG_KINDS) : 'philox';
  const backend = given(raw, 'backend') ? parseChoice(raw['backend'], 'backend', backends) : backends[0];
  const groundTruth = given(raw, 'ground-truth')
    ? parseNumber(raw['ground-truth'], 'ground-truth', { min: 0, max: MAX_SAMPLES, integer: true })
    : 0;
  const prior = given(raw, 'prior') ? parseNumber(raw['prior'], 'prior', { min: 0 }) : 0;
  const l2 = given(raw, 'l2') ? parseNumber(raw['l2'], 'l2', { min: 0 }) : 0;
  const regime = given(raw, 'regime') ? parseRegime(raw['regime']) : { kind: 'replace' as const };
  const batchSize = given(raw, 'batch-size') ? parseNumber(raw['batch-size'], 'batch-size', { min: 1, max: 1 << 24, integer: true }) : 65536;
  const shard = given(raw, 'shard') ? parseShard(raw['shard']) : null;
  if (shard !== null && shard.count > chains) throw new UsageError(`--shard i/n: n = ${shard.count} must not exceed --chains ${chains}`);
  if (shard !== null && shard.count > 1 && rng === 'seedrandom') throw new UsageError('--rng seedrandom is one sequential stream and cannot be sharded (--shard): use philox');
  if (given(raw, 'shard-count') && !given(raw, 'shard')) {
    throw new UsageError('--shard-count goes with JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or SLURM_ARRAY_TASK_ID (Slurm job array), neither of which is set: pass --shard i/n');
  }
  const out = given(raw, 'out') ? parseText(raw['out'], 'out') : shard !== null && shard.count > 1 ? shardOutputName(DEFAULT_OUT, shard) : DEFAULT_OUT;
  const trajectoriesOut = given(raw, 'trajectories-out') ? parseText(raw['trajectories-out'], 'trajectories-out') : null;
  if (trajectoriesOut !== null && !given(raw, 'trajectories')) {
    throw new UsageError('--trajectories-out needs --trajectories every:<k>,chains:<n>');
  }
  const trajectories = given(raw, 'trajectories') ? parseTrajectories(raw['trajectories'], out, trajectoriesOut) : null;
  if (trajectories !== null && trajectories.out === out) {
    throw new UsageError('--trajectories-out must differ from --out');
  }
  if (trajectories !== null && (groundTruth > 0 || prior > 0 || l2 > 0)) {
    // With a mitigation every chain runs all T generations, so the worst case is the case.
    // (Without, chains stop at collapse and the rows are counted as they come: engine/batch.ts.)
    const rows = Math.min(batchSize, trajectories.chains, chains) * (Math.floor(generations / trajectories.every) + 2);
    if (rows > MAX_TRAJECTORY_ROWS) throw new UsageError(trajectoryRowsRefusal(rows, batchSize));
  }
  if (rng === 'seedrandom' && backend !== 'reference' && backend !== 'auto') {
    throw new UsageError('--rng seedrandom is sequential and runs on --backend reference only');
  }

  const loop: LoopConfig = { samples, groundTruth, prior, l2 };
  const familyParams = definition.resolve(raw, loop);
  if (regime.kind === 'window') {
    // Each chain keeps the window's statistics: min(W, T) generations of them.
    const kept = Math.min(regime.width, generations) * definition.create(familyParams, loop).statsSize;
    if (kept > MAX_WINDOW_NUMBERS) {
      throw new UsageError(`--regime window:${regime.width} keeps ${kept} numbers per chain (min(W, --generations) generations of statistics), more than ${MAX_WINDOW_NUMBERS}: use a narrower window`);
    }
  }
  // The reference path computes in float64: a configuration beyond it is refused here, so
  // no engine ever runs it (the GPU kernels' float32 is checked in engine/gpu/plans).
  const refusal = definition.rangeRefusal?.(familyParams, rangeContext({ samples, groundTruth, prior, l2, generations, mode, regime }), FLOAT64) ?? null;
  if (refusal !== null) throw new UsageError(refusal);
  return {
    family,
    familyParams,
    samples,
    chains,
    generations,
    seed,
    rng,
    mode,
    backend,
    groundTruth,
    prior,
    l2,
    regime,
    batchSize,
    out,
    trajectories,
    shard: shard !== null && shard.count > 1 ? shard : null,
  };
}

/** What a family's numeric limits depend on (FamilyDefinition.rangeRefusal), from a run's settings. */
export function rangeContext(spec: Pick<RunSpec, 'samples' | 'groundTruth' | 'prior' | 'l2' | 'generations' | 'mode' | 'regime'>): RangeContext {
  const pooledGenerations = spec.regime.kind === 'replace' ? 1 : spec.regime.kind === 'accumulate' ? spec.generations : Math.min(spec.regime.width, spec.generations);
  return { samples: spec.samples, groundTruth: spec.groundTruth, prior: spec.prior, l2: spec.l2, generations: spec.generations, mode: spec.mode, pooledGenerations };
}

/** The chains this run simulates, [first, end): the whole ensemble or its shard. */
export function chainRangeOf(spec: Pick<RunSpec, 'chains' | 'shard'>): { first: number; end: number } {
  return shardRange(spec.chains, spec.shard);
}

/** Whether any mitigation feeds the chain outside data (then it never stops early). */

/** The family model a resolved configuration describes (what every engine simulates). */
export function createFamilyModel(spec: RunSpec): FamilyModel {
  return FAMILIES[spec.family].create(spec.familyParams, spec);
}
