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
  const progress = new ProgressBar(spec.chains, !quiet && process.stderr.isTTY === true);
  const interruption = abortOnSignals();
  try {
    const result = await runSimulation(spec, { onProgress: (p) => progress.update(p), signal: interruption.signal });
    progress.finish();
    process.stdout.write(json ? `${JSON.stringify(summaryJson(result))}\n` : summaryText(result));
  } finally {
    progress.finish();
    interruption.release();
  }
}
