import type { Command } from 'commander';
import { EXPERIMENT_NAMES, parseExperimentList, planReproduction, reproduce } from '../reproduce/index.js';
import { headline, planMarkdown, verdictText } from '../reproduce/report.js';
import { parseChoice, parseNumber, parseText } from '../spec/parse.js';
import { BACKENDS, MAX_CHAINS } from '../spec/run-spec.js';
import { abortOnSignals } from './run-command.js';
import { ProgressBar } from './progress.js';

export const REPRODUCE_OPTIONS = [
  { flag: '--out-dir <dir>', description: 'folder for the datasets (data/), figures (figures/), REPORT.md and results.json', defaultValue: 'reproduction' },
  { flag: '--full', description: 'the full version: 10⁵ chains per point (hours on 2 cores). Points already in --out-dir with the same configuration, seed, chains and version are read back, so re-running continues an interrupted run' },
  { flag: '--plan', description: 'list the points (one run each: flags, chains, generations) as markdown, or JSON with --json, and exit without running' },
  { flag: '--chains <n>', description: 'chains per point instead of the version\'s sizes, 2..' + MAX_CHAINS },
  { flag: '--only <list>', description: `experiments to run, comma-separated: ${EXPERIMENT_NAMES.join(', ')} (default: all)` },
  { flag: '--backend <name>', description: `engine for every run: ${BACKENDS.join(', ')}`, defaultValue: 'auto' },
  { flag: '--seed <seed>', description: 'base seed; each point runs on "<seed>:<experiment>:<point>"', defaultValue: '0' },
  { flag: '--quiet', description: 'no progress bar and no per-run lines on stderr' },
  { flag: '--json', description: 'print the results (every claim, number, interval and verdict) as one JSON object' },
] as const;

export async function reproduceCommand(command: Command): Promise<void> {
  const options = command.opts();
  const outDir = options['outDir'] === undefined ? 'reproduction' : parseText(options['outDir'], 'out-dir');
  const chains = options['chains'] === undefined ? null : parseNumber(options['chains'], 'chains', { min: 2, max: MAX_CHAINS, integer: true });
  const only = options['only'] === undefined ? EXPERIMENT_NAMES : parseExperimentList(String(options['only']));
  const backend = options['backend'] === undefined ? 'auto' : parseChoice(options['backend'], 'backend', BACKENDS);
  const seed = options['seed'] === undefined ? '0' : parseText(options['seed'], 'seed');
  const full = options['full'] === true;
  const quiet = options['quiet'] === true;
  const json = options['json'] === true;
  if (options['plan'] === true) {
    const plan = planReproduction({ full, chains, only });
    process.stdout.write(json ? `${JSON.stringify(plan)}\n` : planMarkdown(plan, full));
    return;
  }
  const interactive = process.stderr.isTTY === true && !quiet;
  // Held in an object: TypeScript cannot see the callbacks assign it.
  const progress: { bar: ProgressBar | null } = { bar: null };
  const interruption = abortOnSignals();
  try {
    const result = await reproduce({
      outDir,
      full,
      chains,
      backend,
      seed,
      only,
      command: ['collapse-sim reproduce', ...process.argv.slice(3)].join(' '),
      signal: interruption.signal,
      log: (line) => {
        if (quiet) return;
        progress.bar?.finish();
        process.stderr.write(`collapse-sim reproduce: ${line}\n`);
      },
      onProgress: (_label, total, update) => {
        if (!interactive) return;
        if (update === null) progress.bar = new ProgressBar(total, true);
        else progress.bar?.update(update);
      },
    });
    progress.bar?.finish();
    if (json) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return;
    }
    const claims = result.experiments.flatMap((experiment) => experiment.claims);
    const lines = [
      `collapse-sim reproduce (${full ? 'full' : 'small'} version): ${headline(claims)}; ${result.simulatedChainGenerations.toExponential(3)} chain·generations simulated in ${result.seconds.toFixed(0)} s`,
      ...claims.map((claim) => `  ${verdictText(claim).padEnd(40)} ${claim.experiment}: ${claim.claim.length > 110 ? `${claim.claim.slice(0, 107)}…` : claim.claim}`),
      `report: ${result.report}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    progress.bar?.finish();
    interruption.release();
  }
}
