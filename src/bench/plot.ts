/**
 * The benchmark's figure: throughput (chain·generations per second, log scale) against
 * ensemble size (log scale), one line per engine and one panel per mode, the peer dashed,
 * with the configuration and machine in the caption. Specified in Vega-Lite, rendered
 * headless by Vega to SVG and by resvg to PNG — no hand-drawn SVG.
 */
import type { TopLevelSpec } from 'vega-lite';
import { writeSvgAndPng } from '../analysis/render.js';
import type { BenchReport } from './harness.js';

/**
 * The kind legend draws dashes, which need a stroke colour of their own (the colour scale
 * belongs to the engine legend). Vega-Lite passes legend.encode through to Vega; its types
 * omit it, hence the cast.
 */
const DASH_LEGEND = { symbolType: 'stroke', symbolStrokeWidth: 2, encode: { symbols: { update: { stroke: { value: '#444' } } } } } as never;

export function benchPlotSpec(report: BenchReport): TopLevelSpec {
  const c = report.configuration;
  // Ticks at the powers of ten the sizes span.
  const sizes = report.results.map((r) => r.chains);
  const decades: number[] = [];
  for (let e = Math.floor(Math.log10(Math.min(...sizes, 10))); e <= Math.ceil(Math.log10(Math.max(...sizes, 10))); e++) decades.push(10 ** e);
  const m = report.machine;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: `collapse-sim ${report.version}: throughput against ensemble size`,
      subtitle: [
        `${c['family']}, M = ${c['samples']}, run to collapse (at most ${c['generations']} generations); median of ${c['repeats']} runs, bars min–max; warm-up excluded`,
        `${m.cpu}, ${m.cores} cores, Node ${m.node}; peers dashed`,
      ],
      anchor: 'start',
    },
    data: { values: report.results.map((r) => ({ ...r, line: r.kind === 'peer' ? `${r.engine} (${r.form})` : r.engine })) },
    facet: { column: { field: 'mode', type: 'nominal', title: 'mode' } },
    spec: {
      width: 320,
      height: 260,
      layer: [
        {
          mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'chains', type: 'quantitative', scale: { type: 'log' }, title: 'chains (ensemble size)', axis: { values: decades, format: '~s' } },
            y: { field: 'chain_generations_per_s', type: 'quantitative', scale: { type: 'log' }, title: 'chain·generations per second', axis: { format: '.1e' } },
            color: { field: 'engine', type: 'nominal', title: 'engine' },
            strokeDash: { field: 'kind', type: 'nominal', title: 'kind', scale: { domain: ['engine', 'peer'], range: [[1, 0], [6, 4]] }, legend: DASH_LEGEND },
            detail: { field: 'line' },
            tooltip: [{ field: 'line' }, { field: 'chains' }, { field: 'chain_generations_per_s', format: '.3e' }],
          },
        },
        {
          mark: { type: 'rule' },
          encoding: {
            x: { field: 'chains', type: 'quantitative' },
            y: { field: 'chain_generations_per_s_min', type: 'quantitative' },
            y2: { field: 'chain_generations_per_s_max' },
            color: { field: 'engine', type: 'nominal' },
          },
        },
      ],
    },
    resolve: { scale: { y: 'shared' } },
  };
}

/** Writes `path` (SVG) and the PNG beside it (same name, .png), each atomically. */
export async function writeBenchPlot(path: string, flag: string, report: BenchReport, inputs: readonly string[] = []): Promise<{ svg: string; png: string }> {
  return writeSvgAndPng(path, flag, benchPlotSpec(report), inputs);
}
