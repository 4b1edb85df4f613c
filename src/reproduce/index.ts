/**
 * `collapse-sim reproduce`: runs the experiments that check the published claims (each a
 * plan of points, every point an ordinary run), writes their Arrow datasets under data/,
 * their figures under figures/, and REPORT.md + results.json stating each claim, our
 * number with its interval, and the verdict. A point whose dataset is already in data/
 * with the same configuration is read back, so an interrupted run goes on where it stopped.
 */
import { mkdirSync } from 'node:fs';
import { machineDescription } from '../environment.js';
import { AtomicFile } from '../io/atomic-file.js';
import { UsageError } from '../spec/errors.js';
import { TOOL_VERSION } from '../version.js';
import { SCHEMA_VERSION } from '../io/provenance.js';
import { STREAM_VERSION } from '../rng/streams.js';
import {
  ENSEMBLE_SIZES,
  type ChainsOf,
  type EnsembleKind,
  type Experiment,
  type ExperimentCost,
  type ExperimentRecord,
  type ExperimentResult,
  type PlannedPoint,
  type PlannedRun,
  type PointRecord,
  type ReproduceResult,
  type ReproduceSettings,
} from './context.js';
import { ReproduceContext } from './disk-context.js';

export type { ExperimentCost, ExperimentRecord, PlannedPoint, ReproduceResult } from './context.js';
import { coupling } from './coupling.js';
import { fig1a, fig1b, fig1c, fig1d } from './fig1.js';
import { gaussianVariance } from './gaussian-variance.js';
import { isingMitigation, mitigation } from './mitigation.js';
import { motion } from './motion.js';
import { multiMitigation } from './multi-mitigation.js';
import { relaxation } from './relaxation.js';
import { reportMarkdown } from './report.js';
import { tailLoss } from './tail-loss.js';

/** Every experiment, in the report's order. */
export const EXPERIMENTS: readonly Experiment[] = [fig1a, fig1b, fig1c, fig1d, coupling, mitigation, isingMitigation, multiMitigation, relaxation, motion, tailLoss, gaussianVariance];
export const EXPERIMENT_NAMES = EXPERIMENTS.map((experiment) => experiment.id);


/** Parses --only: experiment names, comma-separated. */
export function parseExperimentList(value: string): string[] {
  const names = value.split(',').map((name) => name.trim()).filter((name) => name !== '');
  const unknown = names.find((name) => !EXPERIMENT_NAMES.includes(name));
  if (names.length === 0 || unknown !== undefined) throw new UsageError(`--only takes experiment names from ${EXPERIMENT_NAMES.join(', ')} (got ${JSON.stringify(value)})`);
  return EXPERIMENT_NAMES.filter((name) => names.includes(name));
}

const experimentNamed = (name: string): Experiment => EXPERIMENTS.find((experiment) => experiment.id === name)!;

/** Chains per point of each kind in a version (or the --chains override). */
export function chainsOf(full: boolean, chains: number | null): ChainsOf {
  return (kind: EnsembleKind) => chains ?? ENSEMBLE_SIZES[full ? 'full' : 'small'][kind];
}

/** Every point the selected experiments of a version run, without running anything. */
export function planReproduction(options: { readonly full: boolean; readonly chains: number | null; readonly only: readonly string[] }): PlannedPoint[] {
  const chains = chainsOf(options.full, options.chains);
  return options.only.flatMap((name) =>
    experimentNamed(name)
      .plan(chains)
      .map((point) => {
        const { family, chains: pointChains, generations, ...flags } = point.options;
        return {
          experiment: name,
          folder: point.folder,
          point: point.point,
          kind: point.kind,
          family: String(family),
          chains: Number(pointChains),
          generations: Number(generations),
          trajectories: point.trajectories,
          flags,
        };
      }),
  );
}

/** The full version's cost, scaled point by point from what these points cost. */
function fullEstimate(records: readonly PointRecord[]): { chainGenerations: number; seconds: number } {
  let chainGenerations = 0;
  let seconds = 0;
  for (const record of records) {
    const scale = record.kind === null ? 1 : ENSEMBLE_SIZES.full[record.kind] / record.chains;
    chainGenerations += record.chainGenerations * scale;
    seconds += record.seconds * scale;
  }
  return { chainGenerations, seconds };
}

export async function reproduce(settings: ReproduceSettings & { readonly only: readonly string[]; readonly command: string }): Promise<ReproduceResult> {
  try {
    mkdirSync(settings.outDir, { recursive: true });
  } catch (error) {
    throw new UsageError(`--out-dir ${settings.outDir}: cannot create it (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const context = new ReproduceContext(settings);
  const chains = chainsOf(settings.full, settings.chains);
  const started = new Date();
  const experiments: ExperimentRecord[] = [];
  for (const name of settings.only) {
    const experiment = experimentNamed(name);
    settings.log(`${name}: running`);
    const datasets = context.datasets.length;
    const records = context.records.length;
    const simulated = context.simulatedChainGenerations;
    const experimentStarted = Date.now();
    const runs: PlannedRun[] = [];
    for (const point of experiment.plan(chains)) runs.push({ ...point, run: await context.run(point) });
    const result = await experiment.analyse(context, runs);
    const points = context.records.slice(records);
    experiments.push({
      ...result,
      datasets: context.datasets.slice(datasets),
      points,
      chainGenerations: points.reduce((total, point) => total + point.chainGenerations, 0),
      simulatedChainGenerations: context.simulatedChainGenerations - simulated,
      seconds: (Date.now() - experimentStarted) / 1000,
      fullEstimate: fullEstimate(points),
    });
  }
  const result: ReproduceResult = {
    tool: 'collapse-sim',
    schema_version: SCHEMA_VERSION,
    version: TOOL_VERSION,
    stream: STREAM_VERSION,
    command: settings.command,
    full: settings.full,
    seed: settings.seed,
    backend: settings.backend,
    chainsOverride: settings.chains,
    machine: machineDescription(),
    started: started.toISOString(),
    seconds: (Date.now() - started.getTime()) / 1000,
    chainGenerations: experiments.reduce((total, experiment) => total + experiment.chainGenerations, 0),
    simulatedChainGenerations: context.simulatedChainGenerations,
    readBackCheckChainGenerations: context.checkChainGenerations,
    experiments,
    report: context.path('REPORT.md'),
  };
  for (const [name, text] of [
    ['REPORT.md', reportMarkdown(result)],
    ['results.json', `${JSON.stringify(result, null, 2)}\n`],
  ] as const) {
    const file = AtomicFile.create(context.path(name), 'out-dir');
    file.write(new TextEncoder().encode(text));
    file.commit();
  }
  return result;
}
