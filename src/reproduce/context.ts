/**
 * What every experiment of `collapse-sim reproduce` shares: the output folder, the
 * ensemble sizes of the small and full versions, running one configuration into an Arrow
 * dataset (through the library's runSimulation, exactly as `collapse-sim run` does), and
 * the interval estimates the verdicts rest on.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { tableFromIPC, type Table } from 'apache-arrow';
import type { TopLevelSpec } from 'vega-lite';
import type { Progress } from '../engine/batch.js';
import { writeSvgAndPng } from '../bench/plot.js';
import { readChainTable } from '../io/merge.js';
import { runSimulation } from '../run.js';
import type { RawOptions } from '../spec/parse.js';
import { resolveRunSpec, type RunSpec } from '../spec/run-spec.js';
import { Z95 } from '../stats/wilson.js';
import { erfc } from '../math/special.js';

/** Chains per point: the small version (minutes on 2 cores) and --full (≥ 10⁵ per point). */
export const ENSEMBLE_SIZES = {
  small: { fig1: 1000, mitigation: 10000, isingMitigation: 5000, tailLoss: 1000, gaussian: 10000 },
  full: { fig1: 100000, mitigation: 100000, isingMitigation: 100000, tailLoss: 100000, gaussian: 100000 },
} as const;
export type EnsembleKind = keyof typeof ENSEMBLE_SIZES.small;

/** The significance level of every verdict: a prediction is rejected when p < ALPHA. */
export const ALPHA = 0.01;

export type Verdict = 'supported' | 'not supported' | 'supported up to finite-size corrections';

/** One claim of a paper (or of theory) and what the simulation says of it. */
export interface Claim {
  readonly experiment: string;
  readonly claim: string;
  /** Where the claim comes from. */
  readonly source: string;
  /** Our number, with its interval. */
  readonly measured: string;
  readonly prediction: string;
  readonly verdict: Verdict;
  /** How the verdict was reached (the test and its p-value). */
  readonly basis: string;
  /** The p-value the verdict rests on, where it rests on one test against an exact prediction. */
  readonly pValue: number | null;
}

export interface ExperimentResult {
  readonly id: string;
  readonly title: string;
  /** Markdown: what was run and a table of the numbers. */
  readonly body: string;
  readonly claims: readonly Claim[];
  /** Paths relative to the output folder. */
  readonly figures: readonly string[];
}

export interface ReproduceSettings {
  readonly outDir: string;
  readonly full: boolean;
  /** Chains per point instead of the version's sizes. */
  readonly chains: number | null;
  readonly backend: string;
  readonly seed: string;
  readonly log: (line: string) => void;
  readonly onProgress?: (label: string, chains: number, progress: Progress | null) => void;
  readonly signal?: AbortSignal;
}

/** A finished run: its configuration and the dataset it wrote. */
export interface PointRun {
  readonly spec: RunSpec;
  readonly file: string;
  readonly trajectoriesFile: string | null;
  readonly backend: string;
  readonly table: Table;
}

export class ReproduceContext {
  chainGenerations = 0;
  readonly datasets: string[] = [];

  constructor(readonly settings: ReproduceSettings) {}

  chains(kind: EnsembleKind): number {
    return this.settings.chains ?? ENSEMBLE_SIZES[this.settings.full ? 'full' : 'small'][kind];
  }

  path(...parts: string[]): string {
    return join(this.settings.outDir, ...parts);
  }

  relative(path: string): string {
    return relative(this.settings.outDir, path);
  }

  /**
   * Runs one configuration (flags as `collapse-sim run` takes them) into
   * data/<experiment>/<point>.arrow and reads the table back. The seed is
   * "<seed>:<experiment>:<point>", so every point has streams of its own.
   */
  async run(experiment: string, point: string, options: RawOptions, trajectories: string | null = null): Promise<PointRun> {
    const directory = this.path('data', experiment);
    mkdirSync(directory, { recursive: true });
    const out = join(directory, `${point}.arrow`);
    const raw: RawOptions = {
      ...options,
      seed: `${this.settings.seed}:${experiment}:${point}`,
      backend: this.settings.backend,
      out,
      ...(trajectories === null ? {} : { trajectories }),
    };
    const spec = resolveRunSpec(raw);
    const label = `${experiment}/${point}`;
    this.settings.onProgress?.(label, spec.chains, null);
    const result = await runSimulation(spec, {
      onProgress: (progress) => this.settings.onProgress?.(label, spec.chains, progress),
      signal: this.settings.signal,
    });
    this.settings.onProgress?.(label, spec.chains, { chainsDone: spec.chains, chainGenerations: result.simulatedChainGenerations });
    this.settings.log(
      `${label}: ${spec.chains} chains, ${result.simulatedChainGenerations.toExponential(2)} chain·generations in ${result.elapsedSeconds.toFixed(1)} s on ${result.backend}`,
    );
    this.chainGenerations += result.simulatedChainGenerations;
    this.datasets.push(this.relative(out));
    if (result.trajectoriesOut !== null) this.datasets.push(this.relative(result.trajectoriesOut));
    return {
      spec,
      file: out,
      trajectoriesFile: result.trajectoriesOut,
      backend: result.backend,
      table: readChainTable(out).table,
    };
  }

  /** The last caption line of every figure: how it was made. */
  captionLine(): string {
    return `collapse-sim reproduce${this.settings.full ? ' --full' : ''}, seed ${JSON.stringify(this.settings.seed)}, sufficient mode`;
  }

  async figure(name: string, spec: TopLevelSpec): Promise<string[]> {
    mkdirSync(this.path('figures'), { recursive: true });
    const { svg, png } = await writeSvgAndPng(this.path('figures', `${name}.svg`), 'out-dir', spec);
    return [this.relative(svg), this.relative(png)];
  }
}

/** A column as float64, NaN where null. */
export function numericColumn(table: Table, name: string): Float64Array {
  const column = table.getChild(name);
  if (column === null) throw new Error(`no column ${name}`);
  const values = new Float64Array(column.length);
  for (let i = 0; i < column.length; i++) {
    const value = column.get(i) as number | null;
    values[i] = value === null ? NaN : Number(value);
  }
  return values;
}

/** A trajectories file's rows. */
export function readTrajectoryTable(path: string): Table {
  return tableFromIPC(readFileSync(path));
}

/** Mean with a normal 95 % interval and its standard error. */
export interface MeanEstimate {
  readonly n: number;
  readonly mean: number;
  readonly standardError: number;
  readonly lower: number;
  readonly upper: number;
}

export function meanEstimate(values: ArrayLike<number>): MeanEstimate {
  let n = 0;
  let sum = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) (n++, (sum += values[i]));
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) squares += (values[i] - mean) ** 2;
  const standardError = Math.sqrt(squares / (n - 1) / n);
  return { n, mean, standardError, lower: mean - Z95 * standardError, upper: mean + Z95 * standardError };
}

/** Sample variance with the asymptotic 95 % interval from the fourth moment: Var s² ≈ (m₄ − s⁴)/n. */
export function varianceEstimate(values: ArrayLike<number>): MeanEstimate {
  const { mean, n } = meanEstimate(values);
  let m2 = 0;
  let m4 = 0;
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i])) continue;
    const d = (values[i] - mean) ** 2;
    m2 += d;
    m4 += d * d;
  }
  const variance = m2 / (n - 1);
  const standardError = Math.sqrt(Math.max(0, m4 / n - (m2 / n) ** 2) / n);
  return { n, mean: variance, standardError, lower: variance - Z95 * standardError, upper: variance + Z95 * standardError };
}

/** Two-sided p-value of a z-score. */
export function twoSidedP(z: number): number {
  return Math.min(1, erfc(Math.abs(z) / Math.SQRT2));
}

export const fmt = (value: number, digits = 4): string => (Number.isFinite(value) ? Number(value.toPrecision(digits)).toString() : String(value));
export const fmtInterval = (estimate: { mean?: number; estimate?: number; lower: number; upper: number }, digits = 4): string =>
  `${fmt(estimate.mean ?? estimate.estimate ?? NaN, digits)} [${fmt(estimate.lower, digits)}, ${fmt(estimate.upper, digits)}]`;
export const fmtP = (p: number): string => (p < 1e-4 ? p.toExponential(1) : p.toFixed(4));

/** A markdown table. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

/**
 * Means over generations with their 95 % bands (rows with lower/upper), one line per
 * `series`, and exact curves (rows without) dashed: the tail-loss and Gaussian figures.
 */
export function bandedSeriesSpec(options: {
  title: string;
  subtitle: string[];
  rows: Record<string, unknown>[];
  x: { field: string; title: string };
  y: { field: string; title: string; log?: boolean };
  series: string;
  dashed: string;
  legend: 'top-right' | 'bottom-left';
}): TopLevelSpec {
  const { x, y, series } = options;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: options.title, subtitle: options.subtitle, anchor: 'start' },
    width: 560,
    height: 330,
    data: { values: options.rows },
    layer: [
      { transform: [{ filter: 'isValid(datum.lower)' }], mark: { type: 'area', opacity: 0.25 }, encoding: { x: { field: x.field, type: 'quantitative' }, y: { field: 'lower', type: 'quantitative' }, y2: { field: 'upper' }, color: { field: series, type: 'nominal' } } },
      {
        mark: { type: 'line', point: { size: 12 } },
        encoding: {
          x: { field: x.field, type: 'quantitative', title: x.title },
          y: { field: y.field, type: 'quantitative', title: y.title, ...(y.log === true ? { scale: { type: 'log' } } : {}) },
          color: { field: series, type: 'nominal', title: null, legend: { orient: options.legend, labelLimit: 320 } },
          strokeDash: { condition: { test: options.dashed, value: [6, 4] }, value: [1, 0] },
        },
      },
    ],
  };
}
