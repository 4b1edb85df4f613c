import type { Command } from 'commander';
import { InterruptedError, UsageError } from '../spec/errors.js';
import { Checkpoint } from '../io/checkpoint.js';
import { readRunSource, type RunSource } from '../io/run-source.js';
import { rerunSpec, sameRun, SAME_RUN_FLAGS } from '../spec/stored.js';
import type { RawOptions } from '../spec/parse.js';
import { TOOL_VERSION } from '../version.js';
import { parseText } from '../spec/parse.js';
import { chainRangeOf, resolveRunSpec, type RunSpec } from '../spec/run-spec.js';
import { parseShard, shardFromEnvironment, shardOutputName, shardSuffix } from '../spec/shard.js';
import { runSimulation } from '../run.js';
import { collectRawOptions, configInputs } from './options.js';
import { summaryJson, summaryText } from './format.js';
import { ProgressBar } from './progress.js';

/**
 * Turns SIGINT/SIGTERM into an abort of the run: the engines see it within a moment
 * (engine/pacing.ts), a checkpointed run keeps every batch it finished, and the command
 * exits 130/143. After the first signal the handlers are removed, so a second one ends
 * the process at once (the system's default action), whatever it is doing; what a
 * checkpoint saved stays, since each of its files is renamed into place whole.
 */
export function abortOnSignals(): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const names = ['SIGINT', 'SIGTERM'] as const;
  const release = (): void => names.forEach((name) => process.off(name, handler));
  function handler(name: NodeJS.Signals): void {
    release();
    if (process.stderr.isTTY === true) process.stderr.write(`\ncollapse-sim: ${name}: stopping (send it again to exit at once)\n`);
    controller.abort(new InterruptedError(name === 'SIGTERM' ? 'SIGTERM' : 'SIGINT'));
  }
  names.forEach((name) => process.on(name, handler));
  return { signal: controller.signal, release };
}

/** What a re-run should say: another tool version, and flags that make it another run. */
function rerunNotes(source: RunSource, spec: RunSpec, given: RawOptions): string[] {
  const notes: string[] = [];
  if (source.version !== TOOL_VERSION) notes.push(`${source.path} was written by collapse-sim ${source.version}; this is ${TOOL_VERSION} (same random stream version)`);
  if (!sameRun(source.spec, spec)) {
    const changed = Object.keys(given).filter((flag) => !SAME_RUN_FLAGS.includes(flag));
    notes.push(`--from ${source.path} with ${changed.map((flag) => `--${flag}`).join(', ')} changed: another run than the file's, whose rows will differ`);
  }
  return notes;
}

export async function runCommand(command: Command): Promise<void> {
  const raw = { ...collectRawOptions(command) };
  const checkpointDirectory = raw['checkpoint'] === undefined ? undefined : parseText(raw['checkpoint'], 'checkpoint');
  const resumeDirectory = raw['resume'] === undefined ? undefined : parseText(raw['resume'], 'resume');
  const fromPath = raw['from'] === undefined ? undefined : parseText(raw['from'], 'from');
  delete raw['checkpoint'];
  delete raw['resume'];
  delete raw['from'];
  let resume: Checkpoint | undefined;
  let environmentShard: { shard: string; note: string } | null = null;
  let spec: RunSpec;
  const inputs = configInputs(command);
  const fromNotes: string[] = [];
  if (fromPath !== undefined) {
    if (resumeDirectory !== undefined) throw new UsageError('--from runs a recorded configuration again from its start, --resume goes on with a checkpointed one: give one of them');
    if (inputs.length > 0) throw new UsageError('--from and --config both give the run\'s configuration: give one of them (flags beside --from override its values)');
    const source = readRunSource(fromPath);
    spec = rerunSpec(source.spec, raw);
    inputs.push(...source.inputs);
    fromNotes.push(...rerunNotes(source, spec, raw));
  } else if (resumeDirectory !== undefined) {
    // The checkpoint holds the whole configuration; another flag would contradict it.
    const other = Object.keys(raw).find((key) => key !== 'quiet' && key !== 'json');
    if (other !== undefined) throw new UsageError(`--resume takes the run's configuration from its checkpoint: drop --${other}`);
    if (checkpointDirectory !== undefined) throw new UsageError('--resume goes on checkpointing into its own directory: drop --checkpoint');
    resume = Checkpoint.open(resumeDirectory);
    spec = resume.spec;
  } else {
    // On a Slurm job array or a Kubernetes Indexed Job, the shard comes from the environment.
    environmentShard = shardFromEnvironment(process.env, raw);
    if (environmentShard !== null) {
      raw['shard'] = environmentShard.shard;
      // Every task of the array gets the same flags: an explicit --out (or --trajectories-out)
      // would be one path written by all of them. Each task writes its own, named by its
      // shard (unless the name already says it, as a script may have made it).
      const shard = parseShard(environmentShard.shard);
      for (const flag of ['out', 'trajectories-out'] as const) {
        if (raw[flag] === undefined || shard.count === 1) continue;
        const given = parseText(raw[flag], flag);
        if (given.includes(shardSuffix(shard))) continue;
        raw[flag] = shardOutputName(given, shard);
        environmentShard = { ...environmentShard, note: `${environmentShard.note}; --${flag} ${given} becomes ${raw[flag] as string}` };
      }
    }
    spec = resolveRunSpec(raw);
  }
  const json = raw['json'] === true || raw['json'] === 'true';
  const quiet = raw['quiet'] === true || raw['quiet'] === 'true';
  const interactive = process.stderr.isTTY === true;
  const range = chainRangeOf(spec);
  const progress = new ProgressBar(range.end - (resume?.nextChain ?? range.first), !quiet && interactive);
  const interruption = abortOnSignals();
  // What --backend auto chose: at once on a terminal, else after a successful run, so that
  // an error stays the only line on stderr.
  const deferredNotes: string[] = [];
  for (const note of fromNotes) {
    if (quiet) continue;
    if (interactive) process.stderr.write(`collapse-sim: ${note}\n`);
    else deferredNotes.push(note);
  }
  if (environmentShard !== null && !quiet) {
    if (interactive) process.stderr.write(`collapse-sim: ${environmentShard.note}\n`);
    else deferredNotes.push(environmentShard.note);
  }
  try {
    const result = await runSimulation(spec, {
      onProgress: (p) => progress.update(p),
      onNote: (note) => {
        if (quiet) return;
        if (interactive) process.stderr.write(`collapse-sim: ${note}\n`);
        else deferredNotes.push(note);
      },
      signal: interruption.signal,
      checkpointDirectory,
      resume,
      inputs,
    });
    progress.finish();
    process.stdout.write(json ? `${JSON.stringify(summaryJson(result))}\n` : summaryText(result));
    for (const note of deferredNotes) process.stderr.write(`collapse-sim: ${note}\n`);
  } finally {
    progress.finish();
    interruption.release();
  }
}
