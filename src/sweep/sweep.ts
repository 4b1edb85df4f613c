/**
 * `collapse-sim sweep`: a grid of ordinary runs (src/run.ts runSimulation), one Arrow file per
 * point and a table of the points (points.arrow, ./points-table.ts), in one process whose
 * engines are opened once (EnginePool). Planning resolves every point before anything is
 * written, so bad input leaves no file; a finished point is recorded by a sidecar
 * (point-NNNNN.json, written after its Arrow file), so a sweep started again skips it.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { emptyChainColumns, type Progress } from '../engine/batch.js';
import { EnginePool } from '../engine/select.js';
import { AtomicFile } from '../io/atomic-file.js';
import { Checkpoint } from '../io/checkpoint.js';
import { readChainTable } from '../io/merge.js';
import { copyChainRows } from '../io/tables.js';
import { runSimulation } from '../run.js';
import { InterruptedError, UsageError } from '../spec/errors.js';
import { parseChoice, parseNumber, type RawOptions } from '../spec/parse.js';
import { resolveRunSpec, type RunSpec } from '../spec/run-spec.js';
import { shardRange, type Shard } from '../spec/shard.js';
import { CollapseSummary } from '../stats/summary.js';
import { wilsonInterval } from '../stats/wilson.js';
import { gridPoints, pointSeed, type GridAxis } from './grid.js';
import { writePointsTable } from './points-table.js';
import { PRECISION_OF, type PlannedPoint, type PointResult, type Precision, type PrecisionOf, type SweepPlan } from './types.js';

export { PRECISION_OF, type PlannedPoint, type PointResult, type Precision, type PrecisionOf, type SweepPlan } from './types.js';

/** Chains of a point's first stage under --precision; each later stage doubles them, up to the cap. */
export const FIRST_STAGE_CHAINS = 1024;

/** z for a two-sided 95 % interval. */
const Z95 = 1.959963984540054;



export const SWEEP_FILE = 'sweep.json';
export const POINTS_FILE = 'points.arrow';

function pointName(index: number, count: number): string {
  return `point-${String(index).padStart(Math.max(5, String(count - 1).length), '0')}`;
}

/** The canonical JSON of a value: keys sorted, so equal definitions compare equal as text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Resolves every point of the grid (its run options: `base` plus the axis values, the derived
 * seed, the file) before anything runs; a point that cannot run is refused naming the point.
 */
export function planSweep(base: RawOptions, axes: readonly GridAxis[], outDir: string, precisionRaw: { target?: unknown; of?: unknown }): SweepPlan {
  const seed = base['seed'] === undefined ? '0' : String(base['seed']);
  let precision: Precision | null = null;
  if (precisionRaw.target !== undefined) {
    const of = precisionRaw.of === undefined ? 'probability' : parseChoice(precisionRaw.of, 'precision-of', PRECISION_OF);
    const target = parseNumber(precisionRaw.target, 'precision', of === 'probability' ? { min: 1e-6, max: 0.5 } : { min: 1e-9 });
    if (base['chains'] === undefined) throw new UsageError('--precision needs --chains as its cap (the most chains a point may run)');
    precision = { target, of, cap: parseNumber(base['chains'], 'chains', { min: 1, integer: true }) };
  } else if (precisionRaw.of !== undefined) {
    throw new UsageError('--precision-of needs --precision (the 95 % half-width to reach)');
  }
  const grid = gridPoints(axes);
  const points = grid.map((point) => {
    const name = pointName(point.index, grid.length);
    const raw: Record<string, unknown> = { ...base, seed: pointSeed(seed, axes, point), out: join(outDir, `${name}.arrow`) };
    axes.forEach((axis, a) => (raw[axis.option] = point.values[a]));
    let spec: RunSpec;
    try {
      spec = resolveRunSpec(raw);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      const where = axes.map((axis, a) => `${axis.option}=${point.values[a]}`).join(', ');
      throw new UsageError(`--grid point ${where}: ${error.message}`);
    }
    return { ...point, spec, file: `${name}.arrow`, sidecar: `${name}.json`, checkpoint: `${name}.checkpoint` };
  });
  const { out: _out, ...options } = base;
  const definition = { tool: 'collapse-sim', sweep: { options, seed, axes, precision } };
  return { outDir, seed, axes, precision, points, definition };
}

/** What a finished point records beside its Arrow file. */
interface Sidecar {
  readonly seed: string;
  readonly chains: number;
  readonly backend: string;
  readonly seconds: number;
  readonly chainGenerations: number;
  readonly stages: number;
}


/** The 95 % half-width --precision looks at. */
export function precisionHalfWidth(summary: CollapseSummary, of: PrecisionOf): number {
  if (of === 'probability') {
    const interval = wilsonInterval(summary.absorbed.count, summary.chains);
    return (interval.upper - interval.lower) / 2;
  }
  const se = summary.absorbed.meanStandardError();
  return se === null ? Infinity : Z95 * se;
}

/** Stage sizes under --precision: 1024, 2048, … chains, the last one the cap. */
export function precisionStages(cap: number): number[] {
  const stages: number[] = [];
  for (let n = Math.min(cap, FIRST_STAGE_CHAINS); ; n = Math.min(cap, 2 * n)) {
    stages.push(n);
    if (n === cap) return stages;
  }
}

export interface SweepOptions {
  readonly onNote?: (note: string) => void;
  /** Chains done within the point being run. */
  readonly onProgress?: (point: PlannedPoint, progress: Progress) => void;
  readonly onPointDone?: (result: PointResult, done: number, total: number) => void;
  readonly signal?: AbortSignal;
  /** Files the sweep reads (a --config file). */
  readonly inputs?: readonly string[];
  /**
   * Run only this block of the points (--shard i/n: points ⌊i·P/n⌋ … ⌊(i+1)·P/n⌋ − 1) and write
   * no points.arrow: the same sweep started again without a shard reads every finished point
   * back and writes it.
   */
  readonly shard?: Shard | null;
}

/** Checks the output directory: new, empty, or this same sweep's (then it resumes). Creates it. */
function prepareDirectory(plan: SweepPlan, onNote?: (note: string) => void): void {
  const { outDir } = plan;
  const definition = canonical(plan.definition);
  if (existsSync(outDir)) {
    if (!statSync(outDir).isDirectory()) throw new UsageError(`--out-dir ${outDir} is not a directory`);
    // Hidden names are the atomic writer's temporaries (another shard writing sweep.json).
    const entries = readdirSync(outDir).filter((name) => !name.startsWith('.'));
    if (entries.length > 0) {
      if (!entries.includes(SWEEP_FILE)) throw new UsageError(`--out-dir ${outDir} is not empty and holds no ${SWEEP_FILE}: give a new or empty directory`);
      let stored: unknown;
      try {
        stored = JSON.parse(readFileSync(join(outDir, SWEEP_FILE), 'utf8'));
      } catch {
        throw new UsageError(`--out-dir ${outDir}: its ${SWEEP_FILE} cannot be read as JSON`);
      }
      if (canonical(stored) !== definition) throw new UsageError(`--out-dir ${outDir} holds another sweep (its ${SWEEP_FILE} differs): give a new directory`);
      onNote?.(`resuming the sweep in ${outDir}: finished points are read back`);
      return;
    }
  } else {
    mkdirSync(outDir, { recursive: true });
  }
  writeText(join(outDir, SWEEP_FILE), `${JSON.stringify(plan.definition, null, 2)}\n`);
}

function writeText(path: string, text: string): void {
  const file = AtomicFile.create(path, 'out-dir');
  try {
    file.write(Buffer.from(text, 'utf8'));
    file.commit();
  } finally {
    file.discard();
  }
}

/** A finished point of an earlier run of the same sweep, read back; null if there is none. */
function readFinishedPoint(plan: SweepPlan, point: PlannedPoint): PointResult | null {
  const sidecarPath = join(plan.outDir, point.sidecar);
  const filePath = join(plan.outDir, point.file);
  if (!existsSync(sidecarPath) || !existsSync(filePath)) return null;
  let sidecar: Sidecar;
  try {
    sidecar = JSON.parse(readFileSync(sidecarPath, 'utf8')) as Sidecar;
  } catch {
    return null;
  }
  const { table, provenance, model } = readChainTable(filePath);
  const stored = provenance.config;
  // The same run but for the chains (--precision stops where it stops) and the backend auto chose.
  const same = (spec: RunSpec) => canonical({ ...spec, chains: 0, backend: '' });
  if (same(stored) !== same(point.spec) || stored.chains !== sidecar.chains) return null;
  const summary = new CollapseSummary();
  const columns = emptyChainColumns(model, table.numRows);
  copyChainRows(table, model, 0, table.numRows, columns, 0, filePath, stored.generations);
  summary.add(columns.collapseTime, columns.outcome, 0, columns.absorbedTime, columns.collapsedGenerations);
  summary.chainGenerations = sidecar.chainGenerations;
  return { point, summary, backend: sidecar.backend, seconds: sidecar.seconds, chainGenerations: sidecar.chainGenerations, stages: sidecar.stages, resumed: true };
}

/** Runs one point: one ordinary run, or under --precision ordinary runs of doubling size until the target is met. */
async function runPoint(plan: SweepPlan, point: PlannedPoint, engines: EnginePool, options: SweepOptions): Promise<PointResult> {
  const stages = plan.precision === null ? [point.spec.chains] : precisionStages(plan.precision.cap);
  let seconds = 0;
  let chainGenerations = 0;
  const checkpointDirectory = join(plan.outDir, point.checkpoint);
  for (let s = 0; s < stages.length; s++) {
    const planned: RunSpec = { ...point.spec, chains: stages[s] };
    // An interrupted run of this very stage goes on from its checkpoint (on the backend it
    // started on); a checkpoint of anything else (another stage) is dropped.
    let resume: Checkpoint | undefined;
    if (existsSync(join(checkpointDirectory, 'checkpoint.json'))) {
      const saved = Checkpoint.open(checkpointDirectory);
      if (canonical({ ...saved.spec, backend: '' }) === canonical({ ...planned, backend: '' })) resume = saved;
      else saved.remove();
    }
    const spec = resume?.spec ?? planned;
    const choice = await engines.engineFor(spec);
    if (choice.note !== null) options.onNote?.(choice.note);
    const result = await runSimulation(spec, {
      engine: choice.engine,
      signal: options.signal,
      inputs: options.inputs,
      resume,
      checkpointDirectory: resume === undefined ? checkpointDirectory : undefined,
      onProgress: (progress) => options.onProgress?.(point, progress),
    });
    seconds += result.elapsedSeconds;
    chainGenerations += result.simulatedChainGenerations;
    const last = s === stages.length - 1 || precisionHalfWidth(result.summary, plan.precision!.of) <= plan.precision!.target;
    if (last) {
      const sidecar: Sidecar = { seed: spec.seed, chains: spec.chains, backend: result.backend, seconds, chainGenerations, stages: s + 1 };
      writeText(join(plan.outDir, point.sidecar), `${JSON.stringify(sidecar)}\n`);
      return { point, summary: result.summary, backend: result.backend, seconds, chainGenerations, stages: s + 1, resumed: false };
    }
  }
  throw new Error('unreachable: the last stage always ends the point');
}

/** Runs (or resumes) a planned sweep: every point's file and sidecar, then points.arrow. */
export async function runSweep(plan: SweepPlan, options: SweepOptions = {}): Promise<PointResult[]> {
  const created = !existsSync(plan.outDir);
  prepareDirectory(plan, options.onNote);
  const engines = new EnginePool();
  const results: PointResult[] = [];
  const shard = options.shard ?? null;
  const range = shardRange(plan.points.length, shard);
  const points = plan.points.slice(range.first, range.end);
  try {
    for (const point of points) {
      const result = readFinishedPoint(plan, point) ?? (await runPoint(plan, point, engines, options));
      results.push(result);
      options.onPointDone?.(result, results.length, points.length);
    }
  } catch (error) {
    if (error instanceof InterruptedError) {
      throw new InterruptedError(
        error.signal,
        `${results.length} of ${points.length} points finished in ${plan.outDir}, the point in hand checkpointed; go on with the same sweep command`,
      );
    }
    // Nothing finished yet: leave no directory behind (a resumable sweep keeps what it did).
    if (created && results.length === 0) removeIfOnlySweepFile(plan.outDir);
    throw error;
  } finally {
    await engines.close();
  }
  if (shard === null) writePointsTable(join(plan.outDir, POINTS_FILE), plan, results);
  return results;
}

/** Removes a directory this sweep created and that holds only its sweep.json (a failure before any point finished). */
function removeIfOnlySweepFile(dir: string): void {
  try {
    const entries = readdirSync(dir);
    if (entries.length === 1 && entries[0] === SWEEP_FILE) {
      unlinkSync(join(dir, SWEEP_FILE));
      rmdirSync(dir);
    }
  } catch {
    // Best effort: a failure here must not hide the error being reported.
  }
}
