/**
 * collapse-sim: a thin command-line layer over the library. Exit codes: 0 done,
 * 2 bad input (one line on stderr, nothing written), 130/143 interrupted, 1 a bug.
 */
import { Command, CommanderError } from 'commander';
import { InterruptedError, UsageError } from '../spec/errors.js';
import { TOOL_VERSION } from '../version.js';
import { addOptions, addRunOptions } from './options.js';
import { runCommand } from './run-command.js';
import { addSweepOptions, sweepCommand } from './sweep-command.js';
import { verifyCommand } from './verify-command.js';
import { backendsCommand } from './backends-command.js';
import { mergeCommand } from './merge-command.js';
import { summarizeCommand } from './summarize-command.js';
import { plotCommand } from './plot-command.js';
import { exportCommand } from './export-command.js';
import { REPRODUCE_OPTIONS, reproduceCommand } from './reproduce-command.js';
import { PLOT_KINDS } from '../analysis/plots.js';
import { BENCH_OPTIONS, NOT_BENCH_RUN_FLAGS, benchCommand } from './bench-command.js';
import { COMMON_OPTIONS } from '../spec/run-spec.js';
import { DEFAULT_PORT, serveCommand } from './serve-command.js';

/** A subcommand that reports errors through runCli (one line, exit 2) and takes no stray arguments. */
function subcommand(program: Command, name: string, description: string): Command {
  return program.command(name).description(description).allowExcessArguments(false).exitOverride().configureOutput({ outputError: () => {} });
}

export function buildProgram(): Command {
  const program = new Command('collapse-sim')
    .description(
      'Large-ensemble simulator of closed-loop retraining ("model collapse") in exponential families:\n' +
        'many independent chains each sample data from their current model, refit, and repeat;\n' +
        'the tool records when and how each chain collapses.',
    )
    .version(TOOL_VERSION)
    .exitOverride()
    .configureOutput({ outputError: () => {} })
    .showSuggestionAfterError(true);

  const run = subcommand(program, 'run', 'simulate an ensemble of chains and write one row per chain to an Arrow file')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  collapse-sim run                                   # Bernoulli, M = 100, 10000 chains\n' +
        '  collapse-sim run --family ising --spins 10 --samples 50 --m0 0.2 --json\n' +
        '  collapse-sim run --family gaussian --estimator unbiased --samples 20 --generations 5000\n' +
        '  collapse-sim run --family categorical --categories 1000 --init zipf:1.1 --top-k 50\n',
    )
    .action(async (_options, command: Command) => runCommand(command));
  addRunOptions(run);

  const sweep = subcommand(program, 'sweep', 'run a grid of configurations (--grid option=values; several axes: their product) into a directory: one Arrow file per point and points.arrow with P(absorbed by T), P(touched by T), times and exact theory per point')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  collapse-sim sweep --samples 20 --generations 1000 --grid ground-truth=0,1,2 --grid p0=0.1:0.9:0.2 --chains 2000 --out-dir sweep-k\n' +
        '  collapse-sim sweep --grid samples=10,20,40 --generations 1000 --precision 0.01 --chains 100000 --out-dir sweep-m\n',
    )
    .action(async (_options, command: Command) => sweepCommand(command));
  addSweepOptions(sweep);

  const verify = subcommand(program, 'verify', 'run one configuration on the reference path and on GPU backends and compare them chain by chain and in law (exit 0 only if all agree)')
    .action(async (_options, command: Command) => verifyCommand(command));
  addRunOptions(
    verify,
    COMMON_OPTIONS.filter((option) => !['backend', 'out', 'trajectories', 'trajectories-out', 'batch-size', 'shard', 'shard-count', 'checkpoint', 'resume', 'from'].includes(option.flag)).map((option) =>
      option.flag === 'chains' ? { ...option, defaultValue: '2000' } : option,
    ),
  );
  addOptions(verify, [{ flag: 'backends', valueName: '<list>', description: 'comma-separated GPU backends to check (default: all; a listed one that cannot run fails)' }], 'Run options:');

  const bench = subcommand(program, 'bench', 'measure throughput (chain·generations/s) of the reference path, the gpu.js backends and peers (NumPy, JAX, CuPy) on one configuration, per mode and ensemble size; table, JSON, Arrow file and plot')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  collapse-sim bench                                         # Bernoulli, M = 100, p0 = 0.5, 1e3..1e5 chains\n' +
        '  collapse-sim bench --chains 1e5,1e6 --modes sufficient --backends reference,cpu --repeats 5\n' +
        '  collapse-sim bench --family gaussian --samples 20 --collapse-threshold 1e-3 --json\n',
    )
    .action(async (_options, command: Command) => benchCommand(command));
  addOptions(bench, BENCH_OPTIONS, 'Bench options:');
  addRunOptions(
    bench,
    COMMON_OPTIONS.filter((option) => !NOT_BENCH_RUN_FLAGS.includes(option.flag)),
  );

  subcommand(program, 'summarize', 'summarize a run: P(collapse) by t with Wilson intervals, the Kaplan–Meier curve of the collapse time, quantiles, outcomes, and exact theory beside them where there is one')
    .argument('[files...]', 'the chain file, or the shard files or directories of a sharded run')
    .option('--json', 'print one JSON object (with the whole survival curve)')
    .action(async (files: string[], _options, command: Command) => summarizeCommand(files, command));

  subcommand(program, 'plot', 'draw a run as SVG and PNG: --kind survival (Kaplan–Meier with band and exact law), histogram (first collapse times), outcomes (with intervals and exact probabilities) or trajectories; or a sweep\'s points.arrow: --kind phase (P(absorbed by T) as a heatmap over two axes, or a line with its band over one, exact values beside)')
    .argument('[files...]', 'the chain file (or the shards of a run); for trajectories, the chain file or its trajectories file')
    .option('--kind <kind>', `what to draw: ${PLOT_KINDS.join(', ')}`)
    .option('--out <path.svg>', 'the SVG to write; the PNG goes beside it (default: <file>.<kind>.svg)')
    .option('--lines <n>', 'trajectories: how many chains to draw (default 50)')
    .option('--json', 'print one JSON object')
    .action(async (files: string[], _options, command: Command) => plotCommand(files, command));

  subcommand(program, 'export', 'write a run (chain file, shards, or a trajectories file) as Parquet or CSV, with its provenance')
    .argument('[files...]', 'the chain file, the shards of a run or their directory, or a trajectories file')
    .option('--to <format>', `parquet or csv`)
    .option('--out <path>', 'the file to write (default: <file>.parquet or <file>.csv)')
    .option('--json', 'print one JSON object')
    .action(async (files: string[], _options, command: Command) => exportCommand(files, command));

  subcommand(program, 'merge', 'merge the shard files of a sharded run (--shard i/n) into the file the whole run would have written; checks they share one configuration and cover every chain once')
    .argument('<out>', 'the merged Arrow file to write')
    .argument('[shards...]', 'shard files, or directories holding them')
    .option('--json', 'print one JSON object')
    .action(async (out: string, shards: string[], _options, command: Command) => mergeCommand(out, shards, command));

  const reproduceProgram = subcommand(program, 'reproduce', 'check the published claims: PRL 136, 197301 Fig. 1 (a)–(d), the coupling across its critical value, the mitigations (one and two learned parameters), relaxation, the equations of motion, categorical tail loss and Gaussian variance collapse; Arrow datasets, figures and a REPORT.md with each claim, its source, our number and interval, and the verdict')
    .addHelpText('after', '\nExamples:\n  collapse-sim reproduce                          # small version, minutes on 2 cores\n  collapse-sim reproduce --full --out-dir full    # 10^5 chains per point; re-run to continue after an interruption\n  collapse-sim reproduce --full --plan            # list the points of the full version, running nothing\n  collapse-sim reproduce --only fig1c,mitigation --chains 20000\n')
    .action(async (_options, command: Command) => reproduceCommand(command));
  for (const option of REPRODUCE_OPTIONS) {
    if ('defaultValue' in option) reproduceProgram.option(option.flag, `${option.description} (default: ${option.defaultValue})`);
    else reproduceProgram.option(option.flag, option.description);
  }

  subcommand(program, 'serve', 'serve the browser explorer (build it first: npm run build:web) on localhost: run ensembles on your own GPU with live plots, the equivalent CLI command, and Arrow/Parquet downloads; opens nothing by itself')
    .option('--port <n>', `TCP port on 127.0.0.1, 0 for any free one (default: ${DEFAULT_PORT})`)
    .action(async (_options, command: Command) => serveCommand(command));

  subcommand(program, 'backends', 'list the gpu.js backends this machine offers, with a short throughput probe, the device found, and why an absent one is absent')
    .option('--json', 'print one JSON object')
    .action(async (_options, command: Command) => backendsCommand(command));
  return program;
}

function failure(message: string, code: number): number {
  process.stderr.write(`collapse-sim: ${message}\n`);
  return code;
}

/**
 * Runs the command line `argv` (node, script, args…) and returns the exit code: 0 done,
 * 2 bad input, 130/143 interrupted, 1 a bug. Every error is one line on stderr.
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  if (argv.length <= 2) {
    process.stdout.write(program.helpInformation());
    return 2;
  }
  try {
    await program.parseAsync(argv as string[]);
    const code = typeof process.exitCode === 'number' ? process.exitCode : 0;
    process.exitCode = undefined;
    return code;
  } catch (error) {
    process.exitCode = undefined;
    if (error instanceof UsageError) return failure(error.message, 2);
    if (error instanceof InterruptedError) return failure(`${error.message}: ${error.detail ?? 'stopped, no output file written'}`, error.signal === 'SIGINT' ? 130 : 143);
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      return failure(`${error.message.replace(/^error: /, '').replace(/\n/g, ' ')} (see collapse-sim --help)`, 2);
    }
    const detail = error instanceof Error ? (process.env['COLLAPSE_SIM_DEBUG'] ? error.stack : error.message) : String(error);
    return failure(`internal error: ${detail} (set COLLAPSE_SIM_DEBUG=1 for a stack trace)`, 1);
  }
}

export async function main(argv: readonly string[]): Promise<void> {
  // Explicitly: a webgpu run keeps Dawn's GPU object, which holds the event loop open.
  process.exit(await runCli(argv));
}
