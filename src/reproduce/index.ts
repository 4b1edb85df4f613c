/**
 * `collapse-sim reproduce`: runs the experiments that check the published claims, writes
 * their Arrow datasets under data/, their figures under figures/, and REPORT.md +
 * results.json stating each claim, our number with its interval, and the verdict.
 */
import { mkdirSync } from 'node:fs';
import { machineDescription } from '../bench/harness.js';
import { AtomicFile } from '../io/atomic-file.js';
import { UsageError } from '../spec/errors.js';
import { TOOL_VERSION } from '../version.js';
import { ReproduceContext, type ExperimentResult, type ReproduceSettings } from './context.js';
import { fig1a, fig1b, fig1c, fig1d } from './fig1.js';
import { gaussianVariance } from './gaussian-variance.js';
import { isingMitigation, mitigation } from './mitigation.js';
import { reportMarkdown } from './report.js';
import { tailLoss } from './tail-loss.js';

export const EXPERIMENTS: Readonly<Record<string, (context: ReproduceContext) => Promise<ExperimentResult>>> = {
  fig1a,
  fig1b,
  fig1c,
  fig1d,
  mitigation,
  'ising-mitigation': isingMitigation,
  'tail-loss': tailLoss,
  gaussian: gaussianVariance,
};
export const EXPERIMENT_NAMES = Object.keys(EXPERIMENTS);

/** An experiment's result with what the context measured while it ran. */
export type ExperimentRecord = ExperimentResult & { readonly datasets: readonly string[]; readonly chainGenerations: number; readonly seconds: number };

export interface ReproduceResult {
  readonly tool: 'collapse-sim';
  readonly version: string;
  readonly command: string;
  readonly full: boolean;
  readonly seed: string;
  readonly backend: string;
  readonly chainsOverride: number | null;
  readonly machine: ReturnType<typeof machineDescription>;
  readonly started: string;
  readonly seconds: number;
  readonly chainGenerations: number;
  readonly experiments: readonly ExperimentRecord[];
  readonly report: string;
}

/** Parses --only: experiment names, comma-separated. */
export function parseExperimentList(value: string): string[] {
  const names = value.split(',').map((name) => name.trim()).filter((name) => name !== '');
  const unknown = names.find((name) => !EXPERIMENT_NAMES.includes(name));
  if (names.length === 0 || unknown !== undefined) throw new UsageError(`--only takes experiment names from ${EXPERIMENT_NAMES.join(', ')} (got ${JSON.stringify(value)})`);
  return EXPERIMENT_NAMES.filter((name) => names.includes(name));
}

export async function reproduce(settings: ReproduceSettings & { readonly only: readonly string[]; readonly command: string }): Promise<ReproduceResult> {
  try {
    mkdirSync(settings.outDir, { recursive: true });
  } catch (error) {
    throw new UsageError(`--out-dir ${settings.outDir}: cannot create it (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const context = new ReproduceContext(settings);
  const started = new Date();
  const experiments: ExperimentRecord[] = [];
  for (const name of settings.only) {
    settings.log(`${name}: running`);
    const datasets = context.datasets.length;
    const chainGenerations = context.chainGenerations;
    const experimentStarted = Date.now();
    const result = await EXPERIMENTS[name](context);
    experiments.push({
      ...result,
      datasets: context.datasets.slice(datasets),
      chainGenerations: context.chainGenerations - chainGenerations,
      seconds: (Date.now() - experimentStarted) / 1000,
    });
  }
  const result: ReproduceResult = {
    tool: 'collapse-sim',
    version: TOOL_VERSION,
    command: settings.command,
    full: settings.full,
    seed: settings.seed,
    backend: settings.backend,
    chainsOverride: settings.chains,
    machine: machineDescription(),
    started: started.toISOString(),
    seconds: (Date.now() - started.getTime()) / 1000,
    chainGenerations: context.chainGenerations,
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
