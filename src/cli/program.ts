/**
 * collapse-sim: a thin command-line layer over the library. Exit codes: 0 done,
 * 2 bad input (one line on stderr, nothing written), 130/143 interrupted, 1 a bug.
 */
import { Command, CommanderError } from 'commander';
import { InterruptedError, UsageError } from '../spec/errors.js';
import { TOOL_VERSION } from '../version.js';
import { addOptions, addRunOptions } from './options.js';
import { runCommand } from './run-command.js';
import { verifyCommand } from './verify-command.js';
import { backendsCommand } from './backends-command.js';
import { BENCH_OPTIONS, NOT_BENCH_RUN_FLAGS, benchCommand } from './bench-command.js';
import { COMMON_OPTIONS } from '../spec/run-spec.js';

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

  const run = program
    .command('run')
    .description('simulate an ensemble of chains and write one row per chain to an Arrow file')
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ outputError: () => {} })
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

  const verify = program
    .command('verify')
    .description('run one configuration on the reference path and on GPU backends and compare them chain by chain and in law (exit 0 only if all agree)')
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ outputError: () => {} })
    .action(async (_options, command: Command) => verifyCommand(command));
  addRunOptions(
    verify,
    COMMON_OPTIONS.filter((option) => !['backend', 'out', 'trajectories', 'trajectories-out', 'batch-size'].includes(option.flag)).map((option) =>
      option.flag === 'chains' ? { ...option, defaultValue: '2000' } : option,
    ),
  );
  addOptions(verify, [{ flag: 'backends', valueName: '<list>', description: 'comma-separated GPU backends to check (default: all; a listed one that cannot run fails)' }], 'Run options:');

  const bench = program
    .command('bench')
    .description('measure throughput (chain·generations/s) of the reference path, the gpu.js backends and a NumPy peer on one configuration, per mode and ensemble size; table, JSON, Arrow file and plot')
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ outputError: () => {} })
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

  program
    .command('backends')
    .description('list the gpu.js backends this machine offers, with a short throughput probe, the device found, and why an absent one is absent')
    .option('--json', 'print one JSON object')
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ outputError: () => {} })
    .action(async (_options, command: Command) => backendsCommand(command));
  return program;
}

function fail(message: string, code: number): never {
  process.stderr.write(`collapse-sim: ${message}\n`);
  process.exit(code);
}

export async function main(argv: readonly string[]): Promise<void> {
  const program = buildProgram();
  if (argv.length <= 2) {
    process.stdout.write(program.helpInformation());
    process.exit(2);
  }
  try {
    await program.parseAsync(argv as string[]);
    // Explicitly: a webgpu run keeps Dawn's GPU object, which holds the event loop open.
    process.exit(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof UsageError) fail(error.message, 2);
    if (error instanceof InterruptedError) fail(`${error.message}: stopped, no output file written`, error.signal === 'SIGINT' ? 130 : 143);
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') process.exit(0);
      fail(`${error.message.replace(/^error: /, '').replace(/\n/g, ' ')} (see collapse-sim --help)`, 2);
    }
    const detail = error instanceof Error ? (process.env['COLLAPSE_SIM_DEBUG'] ? error.stack : error.message) : String(error);
    fail(`internal error: ${detail} (set COLLAPSE_SIM_DEBUG=1 for a stack trace)`, 1);
  }
}

