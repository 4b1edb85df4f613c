/**
 * points.arrow: one row per point of a sweep — the varied options, the chains run, P(absorbed
 * by T) and P(touched by T) with Wilson 95 % intervals, absorption and first-collapse times
 * with intervals, the restricted mean, outcome shares, the exact prediction where the family
 * has one, chain·generations and seconds. Written atomically, with the sweep's definition as
 * schema metadata (`collapse_sim`); readable by pandas, polars and DuckDB.
 */
import { Field, Float64, RecordBatch, Schema, Table, tableToIPC, Utf8, vectorFromArray, type DataType, type Vector } from 'apache-arrow';
import { exactTheory } from '../analysis/summarize.js';
import { AtomicFile } from '../io/atomic-file.js';
import { PROVENANCE_KEY } from '../io/tables.js';
import { createFamilyModel } from '../spec/run-spec.js';
import type { PassageTally } from '../stats/summary.js';
import { wilsonInterval } from '../stats/wilson.js';
import type { PointResult, SweepPlan } from './types.js';

const Z95 = 1.959963984540054;

interface ColumnOut {
  readonly name: string;
  readonly description: string;
  readonly type: 'float64' | 'utf8';
  readonly values: readonly (number | string | null)[];
}

/** The exact P(absorbed by T) for a point, and its source, where the family's theory gives one. */
export function exactAbsorption(result: PointResult): { value: number | null; source: string | null } {
  const spec = result.point.spec;
  // Under a mitigation that leaves no absorbing state, P(absorbed) = 0 exactly.
  if (createFamilyModel(spec).absorption === 'never') return { value: 0, source: 'no absorbing state under this mitigation' };
  const theory = exactTheory(spec);
  if (typeof theory === 'string' || theory.cdfAt === null) return { value: null, source: null };
  const value = theory.cdfAt(spec.generations);
  return Number.isNaN(value) ? { value: null, source: null } : { value, source: theory.source };
}

/** Distribution-free 95 % interval for the median of the chains that passed (order statistics). */
function medianInterval(tally: PassageTally): [number | null, number | null] {
  const n = tally.count;
  if (n === 0) return [null, null];
  const half = (Z95 * Math.sqrt(n)) / 2;
  const low = Math.floor(n / 2 - half); // 1-based rank
  const high = Math.ceil(n / 2 + half + 1);
  return [low >= 1 ? tally.timeOfRank(low - 1) : null, high <= n ? tally.timeOfRank(high - 1) : null];
}

function timeColumns(prefix: string, what: string, tally: (r: PointResult) => PassageTally, results: readonly PointResult[]): ColumnOut[] {
  const mean = results.map((r) => tally(r).mean());
  const se = results.map((r) => tally(r).meanStandardError());
  const medians = results.map((r) => medianInterval(tally(r)));
  return [
    { name: `mean_${prefix}_time`, type: 'float64', description: `mean ${what} time over the chains ${what} by T (null if none)`, values: mean },
    { name: `mean_${prefix}_time_lower`, type: 'float64', description: `95 % lower bound of mean_${prefix}_time (mean − 1.96 s.e.; null with fewer than two)`, values: mean.map((m, i) => (m === null || se[i] === null ? null : m - Z95 * se[i]!)) },
    { name: `mean_${prefix}_time_upper`, type: 'float64', description: `95 % upper bound of mean_${prefix}_time (mean + 1.96 s.e.)`, values: mean.map((m, i) => (m === null || se[i] === null ? null : m + Z95 * se[i]!)) },
    { name: `median_${prefix}_time`, type: 'float64', description: `median ${what} time over the chains ${what} by T`, values: results.map((r) => tally(r).median()) },
    { name: `median_${prefix}_time_lower`, type: 'float64', description: `distribution-free 95 % lower bound of median_${prefix}_time (order statistics; null where too few)`, values: medians.map((m) => m[0]) },
    { name: `median_${prefix}_time_upper`, type: 'float64', description: `distribution-free 95 % upper bound of median_${prefix}_time`, values: medians.map((m) => m[1]) },
  ];
}

function probabilityColumns(prefix: string, what: string, count: (r: PointResult) => number, results: readonly PointResult[]): ColumnOut[] {
  const intervals = results.map((r) => wilsonInterval(count(r), r.summary.chains));
  return [
    { name: `p_${prefix}`, type: 'float64', description: `P(${what} by T): fraction of chains`, values: intervals.map((i) => i.estimate) },
    { name: `p_${prefix}_lower`, type: 'float64', description: `Wilson 95 % lower bound of p_${prefix}`, values: intervals.map((i) => i.lower) },
    { name: `p_${prefix}_upper`, type: 'float64', description: `Wilson 95 % upper bound of p_${prefix}`, values: intervals.map((i) => i.upper) },
  ];
}

/** The columns of points.arrow for a sweep's results, in order. */
export function pointColumns(plan: SweepPlan, results: readonly PointResult[]): ColumnOut[] {
  const axisColumns: ColumnOut[] = plan.axes.map((axis, a) => {
    const numeric = axis.values.every((value) => value.trim() !== '' && Number.isFinite(Number(value)));
    return {
      name: axis.option.replace(/-/g, '_'),
      type: numeric ? 'float64' : 'utf8',
      description: `--${axis.option} at this point (a grid axis)`,
      values: results.map((r) => (numeric ? Number(r.point.values[a]) : r.point.values[a])),
    };
  });
  const outcomeValues = [...new Set(results.flatMap((r) => Object.keys(r.summary.outcomes()).map(Number)))].sort((x, y) => x - y);
  const exact = results.map(exactAbsorption);
  return [
    { name: 'point', type: 'float64', description: 'the point\'s index in the grid (first axis slowest)', values: results.map((r) => r.point.index) },
    ...axisColumns,
    { name: 'file', type: 'utf8', description: 'the point\'s Arrow file, in the sweep directory', values: results.map((r) => r.point.file) },
    // run_seed and run_backend, not seed and backend: those may be axes (run options).
    { name: 'run_seed', type: 'utf8', description: 'the seed the point ran with: the sweep seed / its axis values (or a seed axis\'s value)', values: results.map((r) => r.point.spec.seed) },
    { name: 'horizon', type: 'float64', description: 'T: generations at most per chain', values: results.map((r) => r.point.spec.generations) },
    { name: 'chains_run', type: 'float64', description: 'chains in the point\'s file (under --precision, where the stopping rule stopped)', values: results.map((r) => r.summary.chains) },
    { name: 'stages', type: 'float64', description: 'runs of doubling size the point took (1 without --precision)', values: results.map((r) => r.stages) },
    ...probabilityColumns('absorbed', 'absorbed (collapsed and unable to leave: the paper\'s collapse)', (r) => r.summary.absorbed.count, results),
    ...probabilityColumns('touched', 'touched collapse (collapsed at least once; the same as absorbed without a mitigation)', (r) => r.summary.collapsed, results),
    ...timeColumns('absorption', 'absorption', (r) => r.summary.absorbed, results),
    ...timeColumns('collapse', 'first collapse', (r) => r.summary.touched, results),
    {
      name: 'restricted_mean_absorption_time',
      type: 'float64',
      description: 'mean of min(absorption time, T) over all chains (never absorbed counts T)',
      values: results.map((r) => r.summary.absorbed.restrictedMean(r.summary.chains, r.point.spec.generations)?.mean ?? null),
    },
    {
      name: 'mean_collapsed_generations',
      type: 'float64',
      description: 'mean generations 0..T a chain spent collapsed (null where the engine did not count them)',
      values: results.map((r) => r.summary.meanCollapsedGenerations()),
    },
    ...outcomeValues.map<ColumnOut>((value) => ({
      name: `share_outcome_${value}`,
      type: 'float64',
      description: `fraction of chains whose first collapse was at outcome ${value}`,
      values: results.map((r) => (r.summary.outcomes()[String(value)] ?? 0) / r.summary.chains),
    })),
    { name: 'exact_p_absorbed', type: 'float64', description: 'P(absorbed by T) from the family\'s exact theory (null where it has none)', values: exact.map((e) => e.value) },
    { name: 'exact_source', type: 'utf8', description: 'where exact_p_absorbed comes from', values: exact.map((e) => e.source) },
    { name: 'run_backend', type: 'utf8', description: 'the backend that produced the point\'s rows', values: results.map((r) => r.backend) },
    { name: 'chain_generations', type: 'float64', description: 'chain·generations simulated for the point (every stage under --precision; a point resumed from its checkpoint: since the resume)', values: results.map((r) => r.chainGenerations) },
    { name: 'seconds', type: 'float64', description: 'seconds the point\'s runs took (its engines\' work, not the sweep\'s start-up; a resumed point: since the resume)', values: results.map((r) => r.seconds) },
  ];
}

/** Writes points.arrow (atomically). */
export function writePointsTable(path: string, plan: SweepPlan, results: readonly PointResult[]): void {
  const columns = pointColumns(plan, results);
  const names = columns.map((column) => column.name);
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated !== undefined) throw new Error(`points.arrow would hold two columns named ${repeated}`);
  const vectors: Vector[] = columns.map((column) => vectorFromArray(column.values as (number | string | null)[], (column.type === 'float64' ? new Float64() : new Utf8()) as DataType));
  const fields = columns.map((column, c) => new Field(column.name, vectors[c].type, true, new Map([['description', column.description]])));
  const schema = new Schema(fields, new Map([[PROVENANCE_KEY, JSON.stringify(plan.definition)]]));
  // Table aligns the vectors' chunks into record batches; the schema then gains the descriptions and metadata.
  const plain = new Table(Object.fromEntries(columns.map((column, c) => [column.name, vectors[c]])));
  const table = new Table(schema, plain.batches.map((batch) => new RecordBatch(schema, batch.data)));
  const file = AtomicFile.create(path, 'out-dir');
  try {
    file.write(tableToIPC(table, 'file'));
    file.commit();
  } finally {
    file.discard();
  }
}
