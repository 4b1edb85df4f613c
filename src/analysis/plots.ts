/**
 * `collapse-sim plot`: figures of a run, as Vega-Lite specifications (./plot-specs.ts, shared
 * with the browser page) rendered headless (SVG, and PNG through resvg) — the same stack as the
 * benchmark plot. This module reads the files.
 */
import { readRunTable } from '../io/read-table.js';
import type { TrajectorySeries } from './plot-specs.js';

export { histogramSpec, outcomesSpec, PLOT_KINDS, runCaption, survivalSpec, trajectoriesSpec, type PlotKind, type TrajectorySeries } from './plot-specs.js';

/** Reads a trajectories file (verified: io/read-table.ts): its provenance and rows (chain, generation, first parameter). */
export function readTrajectories(path: string, limit: number): TrajectorySeries {
  const { table, provenance } = readRunTable(path, { kind: 'trajectories', what: `plot --kind trajectories: ${path}` });
  const column = table.schema.fields[2].name;
  const chains = table.getChild('chain')!;
  const generations = table.getChild('generation')!;
  const values = table.getChild(column)!;
  const rows: { chain: number; generation: number; value: number }[] = [];
  for (let i = 0; i < table.numRows; i++) {
    const chain = chains.get(i) as number;
    if (chain < limit) rows.push({ chain, generation: generations.get(i) as number, value: values.get(i) as number });
  }
  return { provenance, column, rows };
}
