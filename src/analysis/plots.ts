/**
 * `collapse-sim plot`: figures of a run, as Vega-Lite specifications (./plot-specs.ts, shared
 * with the browser page) rendered headless (SVG, and PNG through resvg) — the same stack as the
 * benchmark plot. This module reads the files.
 */
import { readFileSync } from 'node:fs';
import { tableFromIPC } from 'apache-arrow';
import { PROVENANCE_KEY } from '../io/tables.js';
import type { Provenance } from '../io/provenance.js';
import { UsageError } from '../spec/errors.js';
import type { TrajectorySeries } from './plot-specs.js';

export { histogramSpec, outcomesSpec, PLOT_KINDS, runCaption, survivalSpec, trajectoriesSpec, type PlotKind, type TrajectorySeries } from './plot-specs.js';

/** Reads a trajectories file: its provenance and rows (chain, generation, first parameter). */
export function readTrajectories(path: string, limit: number): TrajectorySeries {
  let table;
  try {
    table = tableFromIPC(readFileSync(path));
  } catch (error) {
    throw new UsageError(`plot --kind trajectories: ${path}: cannot be read as an Arrow file (${(error as Error).message.split('\n')[0]})`);
  }
  const metadata = table.schema.metadata.get(PROVENANCE_KEY);
  if (metadata === undefined || table.getChild('generation') === null) {
    throw new UsageError(`plot --kind trajectories: ${path} is not a collapse-sim trajectories file (run with --trajectories every:<k>,chains:<n>)`);
  }
  const column = table.schema.fields[2]?.name;
  if (column === undefined) throw new UsageError(`plot --kind trajectories: ${path} has no parameter column`);
  const chains = table.getChild('chain')!;
  const generations = table.getChild('generation')!;
  const values = table.getChild(column)!;
  const rows: { chain: number; generation: number; value: number }[] = [];
  for (let i = 0; i < table.numRows; i++) {
    const chain = chains.get(i) as number;
    if (chain < limit) rows.push({ chain, generation: generations.get(i) as number, value: values.get(i) as number });
  }
  return { provenance: JSON.parse(metadata) as Provenance, column, rows };
}

