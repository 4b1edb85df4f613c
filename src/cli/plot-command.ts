import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { TopLevelSpec } from 'vega-lite';
import { histogramSpec, outcomesSpec, PLOT_KINDS, readTrajectories, survivalSpec, trajectoriesSpec, type PlotKind } from '../analysis/plots.js';
import { summarizeFiles } from '../analysis/summarize.js';
import { figureOutputs, writeSvgAndPng } from '../analysis/render.js';
import { planOutputs } from '../io/output-path.js';
import { expandShardPaths, readChainTable } from '../io/merge.js';
import { UsageError } from '../spec/errors.js';
import { parseChoice, parseNumber, parseText } from '../spec/parse.js';
import { defaultTrajectoriesPath } from '../spec/run-spec.js';

/** Collapse times of the summarized files, censored as −1. */
function collapseTimes(files: readonly string[], chains: number): Int32Array {
  const times = new Int32Array(chains);
  let at = 0;
  for (const file of files) {
    const column = readChainTable(file).table.getChild('collapse_time')!;
    for (let i = 0; i < column.length; i++) times[at++] = (column.get(i) as number | null) ?? -1;
  }
  return times;
}

export async function plotCommand(files: string[], command: Command): Promise<void> {
  const options = command.opts();
  if (files.length === 0) throw new UsageError('plot needs a chain file (or the shards of a run, or a trajectories file with --kind trajectories)');
  if (options['kind'] === undefined) throw new UsageError(`plot needs --kind ${PLOT_KINDS.join('|')}`);
  const kind = parseChoice(options['kind'], 'kind', PLOT_KINDS) as PlotKind;
  const lines = options['lines'] === undefined ? 50 : parseNumber(options['lines'], 'lines', { min: 1, max: 10000, integer: true });
  const out = options['out'] === undefined ? `${files[0].replace(/\/+$/, '').replace(/\.arrow$/, '')}.${kind}.svg` : parseText(options['out'], 'out');
  if (!/\.svg$/i.test(out)) throw new UsageError(`--out must name an .svg file (the PNG is written beside it); got ${JSON.stringify(out)}`);

  if (kind === 'trajectories' && files.length !== 1) throw new UsageError('plot --kind trajectories takes one file: the run\'s chain file or its trajectories file');
  // The chain file names its trajectories file beside it; a trajectories file is used as is.
  const trajectoriesPath = kind !== 'trajectories' ? null : files[0].endsWith('.trajectories.arrow') ? files[0] : defaultTrajectoriesPath(files[0]);
  // The figure's two files are planned against the inputs before any work.
  const inputs = trajectoriesPath !== null ? [...new Set([files[0], trajectoriesPath])] : expandShardPaths(files, 'plot');
  planOutputs(figureOutputs(out, 'out'), inputs);

  let spec: TopLevelSpec;
  if (trajectoriesPath !== null) {
    if (!existsSync(trajectoriesPath)) throw new UsageError(`plot --kind trajectories: ${trajectoriesPath} does not exist (run with --trajectories every:<k>,chains:<n>)`);
    spec = trajectoriesSpec(readTrajectories(trajectoriesPath, lines));
  } else {
    const summary = summarizeFiles(files);
    spec = kind === 'survival' ? survivalSpec(summary) : kind === 'outcomes' ? outcomesSpec(summary) : histogramSpec(summary, collapseTimes(summary.files, summary.chains));
  }
  const written = await writeSvgAndPng(out, 'out', spec, inputs);
  process.stdout.write(options['json'] === true ? `${JSON.stringify({ kind, ...written })}\n` : `wrote ${written.svg} and ${written.png}\n`);
}
