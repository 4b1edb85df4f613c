/**
 * `collapse-sim plot --kind phase`: a sweep's points.arrow as a phase diagram of P(absorbed by
 * T) — a heatmap over two axes (each cell the estimate, with the exact value where the family
 * has one), or over one axis the estimate with its Wilson band and the exact curve dashed.
 */
import type { TopLevelSpec } from 'vega-lite';
import { readPointsTable } from '../io/read-table.js';
import { UsageError } from '../spec/errors.js';

interface SweepAxis {
  readonly option: string;
  readonly values: readonly string[];
}

/** The points table of a sweep and its axes. */
export function readPhase(path: string): { rows: Record<string, unknown>[]; axes: SweepAxis[]; caption: string } {
  const points = readPointsTable(path);
  if (points === null) throw new UsageError(`plot --kind phase: ${path} is not a sweep's points.arrow`);
  const definition = JSON.parse(points.definition) as { sweep: { axes: SweepAxis[]; options: Record<string, unknown>; seed: string } };
  const { table } = points;
  const names = table.schema.fields.map((field) => field.name);
  const rows = Array.from({ length: table.numRows }, (_, row) => Object.fromEntries(names.map((name) => [name, table.getChild(name)!.get(row) as unknown])));
  const options = Object.entries(definition.sweep.options)
    .map(([key, value]) => `--${key} ${String(value)}`)
    .join(' ');
  return { rows, axes: definition.sweep.axes, caption: `sweep: ${options}, seed ${JSON.stringify(definition.sweep.seed)}` };
}

const columnOf = (option: string): string => option.replace(/-/g, '_');

export function phaseSpec(phase: ReturnType<typeof readPhase>): TopLevelSpec {
  const { rows, axes, caption } = phase;
  const horizon = rows[0]?.['horizon'];
  const title = { text: `P(absorbed by T = ${String(horizon)}): collapsed and unable to leave`, subtitle: [caption, 'absorbed, not touched: under a mitigation a chain may touch collapse and leave it'], anchor: 'start' as const };
  if (axes.length === 2) {
    const [x, y] = axes.map((axis) => columnOf(axis.option));
    const cells = rows.map((row) => ({
      ...row,
      label: `${Number(row['p_absorbed']).toFixed(3)}${row['exact_p_absorbed'] === null ? '' : ` (${Number(row['exact_p_absorbed']).toFixed(3)})`}\ntouched ${Number(row['p_touched']).toFixed(3)}`,
    }));
    return {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title: { ...title, subtitle: [...title.subtitle, 'each cell: P(absorbed by T), in brackets its exact value where the family has one, and P(touched by T) below'] },
      data: { values: cells },
      width: Math.max(240, 110 * axes[0].values.length),
      height: Math.max(160, 44 * axes[1].values.length),
      encoding: {
        x: { field: x, type: 'ordinal', title: `--${axes[0].option}`, sort: null },
        y: { field: y, type: 'ordinal', title: `--${axes[1].option}`, sort: 'descending' },
      },
      layer: [
        { mark: 'rect', encoding: { color: { field: 'p_absorbed', type: 'quantitative', title: 'P(absorbed by T)', scale: { domain: [0, 1], scheme: 'viridis' } } } },
        {
          mark: { type: 'text', fontSize: 10, lineBreak: '\n' },
          encoding: { text: { field: 'label', type: 'nominal' }, color: { condition: { test: 'datum.p_absorbed > 0.5', value: 'black' }, value: 'white' } },
        },
      ],
    } as TopLevelSpec;
  }
  if (axes.length === 1) {
    const x = columnOf(axes[0].option);
    const numeric = axes[0].values.every((value) => Number.isFinite(Number(value)));
    const estimate = rows.map((row) => ({ [x]: row[x], p: row['p_absorbed'], lower: row['p_absorbed_lower'], upper: row['p_absorbed_upper'], curve: 'estimate (Wilson 95 % band)' }));
    const exact = rows.filter((row) => row['exact_p_absorbed'] !== null).map((row) => ({ [x]: row[x], p: row['exact_p_absorbed'], curve: `exact: ${String(row['exact_source'])}` }));
    const xEncoding = { field: x, type: numeric ? ('quantitative' as const) : ('ordinal' as const), title: `--${axes[0].option}` };
    return {
      $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
      title,
      width: 520,
      height: 300,
      layer: [
        { data: { values: estimate }, mark: { type: 'area', opacity: 0.25 }, encoding: { x: xEncoding, y: { field: 'lower', type: 'quantitative' }, y2: { field: 'upper' }, color: { field: 'curve', type: 'nominal' } } },
        {
          data: { values: [...estimate, ...exact] },
          mark: { type: 'line', point: true },
          encoding: {
            x: xEncoding,
            y: { field: 'p', type: 'quantitative', title: 'P(absorbed by T)', scale: { domain: [0, 1] } },
            color: { field: 'curve', type: 'nominal', title: null, legend: { orient: 'top', labelLimit: 480 } },
            strokeDash: { field: 'curve', type: 'nominal', legend: null },
          },
        },
      ],
    } as TopLevelSpec;
  }
  throw new UsageError(`plot --kind phase draws one or two axes; this sweep has ${axes.length} (${axes.map((axis) => axis.option).join(', ')}): sweep fewer at once`);
}
