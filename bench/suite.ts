/**
 * The benchmark suite behind bench/README.md: every issue-10 target measured in one run, each
 * stage one run of the harness (src/bench/harness.ts, the same as `collapse-sim bench`) with
 * our engines and the NumPy peer side by side; the plan and the verdicts are in
 * src/bench/suite.ts. Writes suite.{txt,json,arrow} and the Bernoulli throughput plot
 * suite.{svg,png} to --out-dir; `node dist/bench/readme-tables.js` then writes the README's
 * tables from suite.json.
 *
 *   xvfb-run -a node dist/bench/suite.js [--quick] [--repeats 3] [--large-repeats 1]
 *        [--max-seconds 5] [--memory-generations 10|collapse] [--stages bernoulli,bernoulli-1e6,gaussian,categorical,memory]
 *        [--out-dir bench/results] [--quiet]
 *
 * --quick: tiny sizes and one repeat, a smoke test of every stage and target (numbers meaningless).
 * Progress (stage, measurement, runs done of planned, time elapsed) goes to stderr on a terminal
 * unless --quiet. ^C or SIGTERM abandons the run under way and writes what was measured.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runBench, type BenchReport } from '../src/bench/harness.js';
import { benchText, writeBenchArrow } from '../src/bench/report.js';
import { writeBenchPlot } from '../src/bench/plot.js';
import { STAGE_NAMES, suitePlan, suiteTargets, suiteTargetsText, type SuiteReport } from './suite-plan.js';
import { abortOnSignals } from '../src/cli/run-command.js';
import { UsageError } from '../src/spec/errors.js';
import { parseNumber } from '../src/spec/parse.js';
import { TOOL_VERSION } from '../src/version.js';
import { machineDescription } from '../src/environment.js';

const FLAGS = ['quick', 'quiet', 'repeats', 'large-repeats', 'max-seconds', 'memory-generations', 'stages', 'out-dir', 'seed'];
const SWITCHES = new Set(['quick', 'quiet']);

function parseFlags(argv: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].replace(/^--/, '');
    if (!argv[i].startsWith('--') || !FLAGS.includes(name)) throw new UsageError(`unknown argument ${JSON.stringify(argv[i])} (flags: ${FLAGS.map((f) => `--${f}`).join(', ')})`);
    if (SWITCHES.has(name)) flags.set(name, 'true');
    else {
      if (i + 1 >= argv.length) throw new UsageError(`--${name} needs a value`);
      flags.set(name, argv[++i]);
    }
  }
  return flags;
}

async function main(): Promise<number> {
  const flags = parseFlags(process.argv.slice(2));
  const quick = flags.has('quick');
  const memory = flags.get('memory-generations') ?? '10';
  const plan = suitePlan({
    quick,
    repeats: parseNumber(flags.get('repeats') ?? '3', 'repeats', { min: 1, max: 100, integer: true }),
    largeRepeats: parseNumber(flags.get('large-repeats') ?? '1', 'large-repeats', { min: 1, max: 100, integer: true }),
    maxSeconds: parseNumber(flags.get('max-seconds') ?? '5', 'max-seconds', { min: 0, minOpen: true }),
    memoryGenerations: memory === 'collapse' ? null : parseNumber(memory, 'memory-generations', { min: 1, integer: true }),
    seed: flags.get('seed') ?? 'bench',
  });
  const stages = (flags.get('stages') ?? STAGE_NAMES.join(',')).split(',');
  for (const stage of stages) {
    if (!(STAGE_NAMES as readonly string[]).includes(stage)) throw new UsageError(`--stages: unknown stage ${JSON.stringify(stage)} (${STAGE_NAMES.join(', ')})`);
  }
  const outDir = flags.get('out-dir') ?? 'bench/results';
  const interactive = process.stderr.isTTY === true && !flags.has('quiet');
  const planned = plan.stages.filter((stage) => stages.includes(stage.name));

  const interruption = abortOnSignals();
  const started = performance.now();
  const elapsed = (): string => {
    const seconds = Math.round((performance.now() - started) / 1000);
    return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  };
  const reports = new Map<string, BenchReport>();
  const done: SuiteReport['stages'][number][] = [];
  let interrupted: 'SIGINT' | 'SIGTERM' | null = null;
  try {
    for (const [index, stage] of planned.entries()) {
      if (interruption.signal.aborted) break;
      if (interactive) process.stderr.write(`suite: stage ${index + 1}/${planned.length} ${stage.name} (${elapsed()} elapsed): ${stage.description}\n`);
      const report = await runBench(stage.config, {
        signal: interruption.signal,
        onProgress: (p) => {
          if (interactive) process.stderr.write(`\r  ${p.mode}, ${p.chains} chains, repeat ${p.repeat + 1}: ${p.engine} [${p.done}/${p.planned} runs, ${elapsed()}]\x1b[K`);
        },
      });
      if (interactive) process.stderr.write('\r\x1b[K');
      reports.set(stage.name, report);
      done.push({ name: stage.name, description: stage.description, report });
      if (report.interrupted !== null) {
        interrupted = report.interrupted;
        break;
      }
    }
  } finally {
    interruption.release();
  }
  if (done.length === 0) throw new UsageError('--stages: nothing was measured');

  const targets = suiteTargets(plan, reports);
  const suite: SuiteReport = {
    tool: 'collapse-sim',
    version: TOOL_VERSION,
    measured_at: new Date().toISOString(),
    command: `node dist/bench/suite.js${process.argv.length > 2 ? ` ${process.argv.slice(2).join(' ')}` : ''}`,
    quick,
    machine: machineDescription(),
    stages: done,
    targets,
    interrupted,
  };
  const text =
    done.map((stage) => `== stage ${stage.name}: ${stage.description}\n${benchText(stage.report)}`).join('\n') + `\n${suiteTargetsText(targets)}`;

  // Every stage's rows in one Arrow file (the family column tells them apart), each stage's
  // configuration in its provenance; the plot shows the Bernoulli scaling stages.
  const merged: BenchReport = {
    ...done[0].report,
    configuration: { suite: suite.command, stages: Object.fromEntries(done.map((stage) => [stage.name, stage.report.configuration])) },
    warm_up: done.flatMap((stage) => stage.report.warm_up),
    skipped: done.flatMap((stage) => stage.report.skipped),
    results: done.flatMap((stage) => stage.report.results),
    interrupted,
  };
  const bernoulli = done.filter((stage) => stage.name === 'bernoulli' || stage.name === 'bernoulli-1e6');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'suite.json'), JSON.stringify(suite, null, 1) + '\n');
  writeFileSync(join(outDir, 'suite.txt'), text);
  writeBenchArrow(join(outDir, 'suite.arrow'), 'out-dir', merged);
  if (bernoulli.length > 0) {
    await writeBenchPlot(join(outDir, 'suite.svg'), 'out-dir', {
      ...bernoulli[0].report,
      configuration: { ...bernoulli[0].report.configuration, repeats: bernoulli.map((stage) => stage.report.configuration['repeats']).join('/') },
      results: bernoulli.flatMap((stage) => stage.report.results),
    });
  }
  process.stdout.write(text);
  return interrupted === null ? 0 : interrupted === 'SIGINT' ? 130 : 143;
}

try {
  process.exit(await main());
} catch (error) {
  if (error instanceof UsageError) {
    process.stderr.write(`suite: ${error.message}\n`);
    process.exit(2);
  }
  throw error;
}
