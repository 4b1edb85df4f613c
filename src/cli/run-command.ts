import type { Command } from 'commander';
import { InterruptedError } from '../spec/errors.js';
import { resolveRunSpec } from '../spec/run-spec.js';
import { runSimulation } from '../run.js';
import { collectRawOptions } from './options.js';
import { summaryJson, summaryText } from './format.js';
import { ProgressBar } from './progress.js';

/** Turns SIGINT/SIGTERM into an abort of the run (the engine stops between chains). */
export function abortOnSignals(): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((name) => {
    const handler = (): void => controller.abort(new InterruptedError(name));
    process.on(name, handler);
    return [name, handler] as const;
  });
  return {
    signal: controller.signal,
    release: () => handlers.forEach(([name, handler]) => process.off(name, handler)),
  };
}

export async function runCommand(command: Command): Promise<void> {
  const raw = collectRawOptions(command);
  const spec = resolveRunSpec(raw);
  const json = raw['json'] === true || raw['json'] === 'true';
  const quiet = raw['quiet'] === true || raw['quiet'] === 'true';
  const interactive = process.stderr.isTTY === true;
  const progress = new ProgressBar(spec.chains, !quiet && interactive);
  const interruption = abortOnSignals();
  // What --backend auto chose: at once on a terminal, else after a successful run, so that
  // an error stays the only line on stderr.
  let deferredNote: string | null = null;
  try {
    const result = await runSimulation(spec, {
      onProgress: (p) => progress.update(p),
      onNote: (note) => {
        if (quiet) return;
        if (interactive) process.stderr.write(`collapse-sim: ${note}\n`);
        else deferredNote = note;
      },
      signal: interruption.signal,
    });
    progress.finish();
    process.stdout.write(json ? `${JSON.stringify(summaryJson(result))}\n` : summaryText(result));
    if (deferredNote !== null) process.stderr.write(`collapse-sim: ${deferredNote}\n`);
  } finally {
    progress.finish();
    interruption.release();
  }
}
