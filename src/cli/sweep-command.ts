/**
 * `collapse-sim sweep`: the CLI over src/sweep/. Every run option, plus grid axes (--grid
 * option=values, or "grid" in --config), --out-dir, --precision and --precision-of.
 */
import { Option, type Command } from 'commander';
import { join } from 'node:path';
import { UsageError } from '../spec/errors.js';
import { parseText } from '../spec/parse.js';
import { parseShard } from '../spec/shard.js';
import { COMMON_OPTIONS } from '../spec/run-spec.js';
import { parseGrid } from '../sweep/grid.js';
import { planSweep, POINTS_FILE, PRECISION_OF, runSweep, type PointResult } from '../sweep/sweep.js';
import { exactAbsorption } from '../sweep/points-table.js';
import { addOptions, addRunOptions, collectRawOptions, configInputs, knownKeys } from './options.js';
import { abortOnSignals } from './run-command.js';

/** Run options a sweep does not take: it names each point's file, and resumes by its directory. */
const NOT_SWEEP_FLAGS = ['out', 'trajectories', 'trajectories-out', 'checkpoint', 'resume', 'shard', 'shard-count'];
/** The sweep's own options (not run options, never an axis). */
const SWEEP_FLAGS = ['grid', 'out-dir', 'precision', 'precision-of', 'shard'];

export function addSweepOptions(command: Command): void {
  addRunOptions(
    command,
    COMMON_OPTIONS.filter((option) => !NOT_SWEEP_FLAGS.includes(option.flag)),
  );
  command.addOption(
    new Option('--grid <option=values>', 'an axis: a run option and its values, a list (samples=50,100,200) or a range from:to:step (p0=0.1:0.9:0.1); several axes give their product')
      .argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value])
      .helpGroup('Sweep options:'),
  );
  addOptions(
    command,
    [
      { flag: 'out-dir', valueName: '<dir>', description: `directory for the points' Arrow files and ${POINTS_FILE} (new, empty, or this sweep's to resume)`, defaultValue: 'sweep' },
      { flag: 'precision', valueName: '<h>', description: 'run each point in doubling stages (1024, 2048, … chains, --chains the cap) until the 95 % half-width of --precision-of is at most h' },
      { flag: 'shard', valueName: '<i/n>', description: 'run points ⌊i·P/n⌋ … ⌊(i+1)·P/n⌋ − 1 of the P points only (a Slurm array task: --shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT), without points.arrow; the same command without --shard then writes it' },
      { flag: 'precision-of', valueName: '<what>', description: `${PRECISION_OF.join(' or ')}: P(absorbed by T) (Wilson) or the mean absorption time (mean ± 1.96 s.e.)`, defaultValue: 'probability' },
    ],
    'Sweep options:',
  );
}

function fixed(value: number | null, digits: number): string {
  return value === null || Number.isNaN(value) ? '—' : value.toFixed(digits);
}

function pointLine(result: PointResult, axes: readonly { option: string }[]): string {
  const { summary, point } = result;
  const absorbed = summary.absorptionProbability();
  const touched = summary.collapseProbability();
  const exact = exactAbsorption(result).value;
  const where = axes.map((axis, a) => `${axis.option}=${point.values[a]}`).join(' ');
  return (
    `${where.padEnd(32)} ${String(summary.chains).padStart(8)} chains   P(absorbed by T) ${fixed(absorbed.estimate, 4)} [${fixed(absorbed.lower, 4)}, ${fixed(absorbed.upper, 4)}]` +
    `${exact === null ? '' : ` exact ${fixed(exact, 4)}`}   P(touched) ${fixed(touched.estimate, 4)}${result.resumed ? '   (read back)' : ''}`
  );
}

export async function sweepCommand(command: Command): Promise<void> {
  const raw: Record<string, unknown> = { ...collectRawOptions(command) };
  const flags = raw['grid'];
  const outDir = parseText(raw['out-dir'] ?? 'sweep', 'out-dir');
  const precision = { target: raw['precision'], of: raw['precision-of'] };
  const json = raw['json'] === true || raw['json'] === 'true';
  const quiet = raw['quiet'] === true || raw['quiet'] === 'true';
  const shard = raw['shard'] === undefined ? null : parseShard(raw['shard']);
  for (const key of [...SWEEP_FLAGS, 'json', 'quiet']) delete raw[key];
  for (const flag of NOT_SWEEP_FLAGS) if (raw[flag] !== undefined) throw new UsageError(`--${flag} is not a sweep option (the sweep names each point's file in --out-dir)`);

  // --grid flags are strings; a --config "grid" is an object (collectRawOptions merged it under the flags).
  const gridFlags = Array.isArray(flags) || typeof flags === 'string' ? flags : undefined;
  const gridConfig = flags !== undefined && gridFlags === undefined ? flags : undefined;
  const runOptions = new Set([...knownKeys(command)].filter((key) => !SWEEP_FLAGS.includes(key)));
  const axes = parseGrid(gridFlags, gridConfig, runOptions, new Set(Object.keys(raw)));
  const plan = planSweep(raw, axes, outDir, precision);

  const interactive = process.stderr.isTTY === true && !quiet;
  const interruption = abortOnSignals();
  const started = Date.now();
  const total = plan.points.length;
  let done = 0;
  const status = (line: string): void => {
    if (interactive) process.stderr.write(`\r${line}\x1b[K`);
  };
  try {
    const results = await runSweep(plan, {
      shard,
      inputs: configInputs(command),
      signal: interruption.signal,
      onNote: (note) => {
        if (!quiet && interactive) process.stderr.write(`\rcollapse-sim: ${note}\x1b[K\n`);
      },
      onProgress: (point, progress) => {
        const elapsed = (Date.now() - started) / 1000;
        const eta = done > 0 ? (elapsed / done) * (total - done) : NaN;
        status(`point ${point.index + 1}/${total}  ${progress.chainsDone} chains  ${(elapsed).toFixed(0)} s elapsed${Number.isFinite(eta) ? `  ETA ${eta.toFixed(0)} s` : ''}`);
      },
      onPointDone: (result) => {
        done++;
        if (interactive) process.stderr.write(`\r\x1b[K`);
        if (!json) process.stdout.write(`${pointLine(result, axes)}\n`);
      },
    });
    if (interactive) process.stderr.write('\r\x1b[K');
    const chainGenerations = results.reduce((sum, r) => sum + r.chainGenerations, 0);
    const seconds = results.reduce((sum, r) => sum + r.seconds, 0);
    if (json) {
      process.stdout.write(
        `${JSON.stringify({ out_dir: outDir, points: results.length, points_file: shard === null ? join(outDir, POINTS_FILE) : null, read_back: results.filter((r) => r.resumed).length, chain_generations: chainGenerations, seconds })}\n`,
      );
    } else if (shard !== null) {
      process.stdout.write(`shard ${shard.index}/${shard.count}: ${results.length} points in ${outDir}; when every shard is done, the same command without --shard writes ${join(outDir, POINTS_FILE)}\n`);
    } else {
      process.stdout.write(`${results.length} points in ${join(outDir, POINTS_FILE)} (${chainGenerations.toExponential(3)} chain·generations, ${seconds.toFixed(2)} s of runs)\n`);
    }
  } finally {
    interruption.release();
  }
}
