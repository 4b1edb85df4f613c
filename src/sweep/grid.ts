/**
 * A sweep's grid: axes over run options (`--grid samples=50,100,200`, `--grid p0=0.1:0.9:0.1`,
 * or `"grid": {"samples": [50, 100], "p0": "0.1:0.9:0.1"}` in --config), their product, and
 * each point's seed. Values stay text, as a flag's would: the run's own validation checks them
 * when the points are resolved, and its messages name the flag.
 */
import { UsageError } from '../spec/errors.js';

export interface GridAxis {
  /** The run option, as its flag without dashes (`ground-truth`). */
  readonly option: string;
  /** Its values, as text, in the order given (ranges expanded). */
  readonly values: readonly string[];
}

/** One point of the product: a value for every axis, in axis order. */
export interface GridPoint {
  readonly index: number;
  readonly values: readonly string[];
}

/** Most points one sweep takes. */
export const MAX_POINTS = 100_000;
/** Most values one range expands to (a typo such as 0:1:1e-9 stops here, not in memory). */
const MAX_RANGE_VALUES = MAX_POINTS;

/** Run options a sweep sets itself, per point or for the whole sweep: never an axis. */
export const NOT_AN_AXIS: ReadonlySet<string> = new Set(['out', 'trajectories', 'trajectories-out', 'shard', 'shard-count', 'checkpoint', 'resume', 'config', 'json', 'quiet']);

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Digits after the point a decimal literal has (0.25 → 2, 1e-3 → 3, 100 → 0). */
function decimals(text: string): number {
  const [mantissa, exponent] = text.toLowerCase().split('e');
  const fraction = mantissa.includes('.') ? mantissa.split('.')[1].length : 0;
  return Math.max(0, fraction - Number(exponent ?? 0));
}

/**
 * a:b:step → a, a + step, …, up to b (included when it lies on the grid). Values are a + i·step
 * rounded to the literals' decimals, so 0.1:0.9:0.1 gives 0.1 … 0.9 as written, never
 * 0.30000000000000004.
 */
function expandRange(option: string, text: string): string[] {
  const [from, to, step] = text.split(':');
  const a = Number(from);
  const b = Number(to);
  const s = Number(step);
  if (!(s > 0)) throw new UsageError(`--grid ${option}=${text}: the step must be positive (a range is from:to:step)`);
  if (b < a) throw new UsageError(`--grid ${option}=${text}: the range is inverted (${to} < ${from}); write from:to:step with from ≤ to`);
  const places = Math.min(15, Math.max(decimals(from), decimals(to), decimals(step)));
  const count = Math.floor((b - a) / s + 1e-9) + 1;
  if (count > MAX_RANGE_VALUES) throw new UsageError(`--grid ${option}=${text} expands to ${count} values, more than the ${MAX_POINTS} points a sweep takes`);
  return Array.from({ length: count }, (_, i) => {
    const value = Number((a + i * s).toFixed(places));
    return String(value);
  });
}

/** The values of one axis from its text: comma-separated items, each a literal or a range from:to:step. */
function axisValues(option: string, text: string): string[] {
  if (text.trim() === '') throw new UsageError(`--grid ${option}= has no values (give a list a,b,c or a range from:to:step)`);
  const values: string[] = [];
  for (const item of text.split(',')) {
    const trimmed = item.trim();
    if (trimmed === '') throw new UsageError(`--grid ${option}=${text} has an empty value`);
    const parts = trimmed.split(':');
    if (parts.length === 3 && parts.every((part) => NUMBER.test(part))) values.push(...expandRange(option, trimmed));
    else values.push(trimmed);
  }
  const repeated = values.find((value, i) => values.indexOf(value) !== i);
  if (repeated !== undefined) throw new UsageError(`--grid ${option} lists ${repeated} twice`);
  return values;
}

/** One --grid flag: option=values. */
export function parseAxisFlag(text: string): GridAxis {
  const at = text.indexOf('=');
  if (at <= 0) throw new UsageError(`--grid ${text}: write option=values, e.g. --grid samples=50,100,200 or --grid p0=0.1:0.9:0.1`);
  const option = text.slice(0, at).trim().replace(/^--/, '');
  return { option, values: axisValues(option, text.slice(at + 1)) };
}

/** A --config file's "grid": an object whose keys are options and values lists or range strings. */
function axesFromConfig(grid: unknown): GridAxis[] {
  if (grid === null || typeof grid !== 'object' || Array.isArray(grid)) {
    throw new UsageError('--config "grid" must be an object: {"samples": [50, 100], "p0": "0.1:0.9:0.1"}');
  }
  return Object.entries(grid as Record<string, unknown>).map(([option, value]) => {
    if (Array.isArray(value)) {
      if (value.length === 0) throw new UsageError(`--config "grid".${option} is an empty list`);
      if (!value.every((item) => ['string', 'number', 'boolean'].includes(typeof item))) throw new UsageError(`--config "grid".${option}: values must be numbers or strings`);
      return { option, values: axisValues(option, value.map(String).join(',')) };
    }
    if (typeof value === 'string' || typeof value === 'number') return { option, values: axisValues(option, String(value)) };
    throw new UsageError(`--config "grid".${option} must be a list or a range string "from:to:step"`);
  });
}

/**
 * The grid's axes from the --grid flags (a string or several) and a --config "grid", checked
 * against the run options: known, not set by the sweep itself, given once, not also as a flag.
 */
export function parseGrid(flags: unknown, config: unknown, runOptions: ReadonlySet<string>, givenOptions: ReadonlySet<string>): GridAxis[] {
  const texts = flags === undefined ? [] : Array.isArray(flags) ? flags.map(String) : [String(flags)];
  const axes = [...texts.map(parseAxisFlag), ...(config === undefined ? [] : axesFromConfig(config))];
  if (axes.length === 0) throw new UsageError('--grid: a sweep needs at least one axis, e.g. --grid samples=50,100,200');
  const seen = new Set<string>();
  for (const axis of axes) {
    if (NOT_AN_AXIS.has(axis.option)) throw new UsageError(`--grid ${axis.option}: the sweep sets --${axis.option} itself; it cannot be an axis`);
    if (!runOptions.has(axis.option)) throw new UsageError(`--grid ${axis.option}: unknown run option (axes are run options, e.g. samples, ground-truth, p0)`);
    if (seen.has(axis.option)) throw new UsageError(`--grid ${axis.option} is given twice: give one axis per option`);
    if (givenOptions.has(axis.option)) throw new UsageError(`--grid ${axis.option}: --${axis.option} is also given as a flag; give it one way`);
    seen.add(axis.option);
  }
  const count = axes.reduce((product, axis) => product * axis.values.length, 1);
  if (count > MAX_POINTS) throw new UsageError(`--grid: ${axes.map((axis) => `${axis.option} (${axis.values.length})`).join(' × ')} = ${count} points, more than the ${MAX_POINTS} a sweep takes`);
  return axes;
}

/** The product of the axes, the first axis varying slowest. */
export function gridPoints(axes: readonly GridAxis[]): GridPoint[] {
  const count = axes.reduce((product, axis) => product * axis.values.length, 1);
  return Array.from({ length: count }, (_, index) => {
    const values: string[] = new Array(axes.length);
    let rest = index;
    for (let a = axes.length - 1; a >= 0; a--) {
      const n = axes[a].values.length;
      values[a] = axes[a].values[rest % n];
      rest = Math.floor(rest / n);
    }
    return { index, values };
  });
}

/**
 * A point's seed: the sweep's seed, a slash, and the point's axis values as option=value in
 * axis order (`0/samples=50,ground-truth=1`). It is an ordinary seed string, so
 * `collapse-sim run --samples 50 --ground-truth 1 --seed "0/samples=50,ground-truth=1"`
 * (with the sweep's other flags) gives that point's rows.
 */
export function pointSeed(sweepSeed: string, axes: readonly GridAxis[], point: GridPoint): string {
  return `${sweepSeed}/${axes.map((axis, a) => `${axis.option}=${point.values[a]}`).join(',')}`;
}
