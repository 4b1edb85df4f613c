/**
 * Turning --backend into an engine. A named backend that cannot run the configuration is a
 * usage error naming the reason and the fix; `auto` takes the engine expected to finish the
 * run soonest among those that can run it exactly (./cost.ts), and says on stderr what it chose
 * and why others were passed over.
 */
import { UsageError } from '../spec/errors.js';
import type { RunSpec } from '../spec/run-spec.js';
import type { Engine } from './engine.js';
import { assertKnownBackend, backendRefusal, backendStatus, ENGINE_BACKENDS, openBackend, type BackendStatus } from './backends.js';
import { chooseEngine, defaultCores, estimatedSeconds, formatSeconds, leastStartSeconds, type Candidate } from './cost.js';
import { ReferenceEngine } from './reference.js';

export interface EngineChoice {
  readonly engine: Engine;
  /** A line for stderr about what auto chose, or null. */
  readonly note: string | null;
}

export async function openEngine(spec: RunSpec): Promise<EngineChoice> {
  return openChosen(spec, async (backend) => (backend === 'reference' ? new ReferenceEngine() : openBackend(backend)));
}

/**
 * Engines kept open across runs (a sweep's points): each backend is opened once, so its
 * start-up (worker threads, a GPU context, compiled kernels) is paid once. `close` ends them all.
 */
export class EnginePool {
  private readonly open = new Map<string, Promise<Engine>>();

  /** The engine `spec` runs on (as openEngine chooses it), reusing one already open. */
  engineFor(spec: RunSpec): Promise<EngineChoice> {
    return openChosen(spec, (backend) => {
      let engine = this.open.get(backend);
      if (engine === undefined) {
        engine = backend === 'reference' ? Promise.resolve(new ReferenceEngine()) : openBackend(backend);
        this.open.set(backend, engine);
      }
      return engine;
    });
  }

  async close(): Promise<void> {
    const engines = [...this.open.values()];
    this.open.clear();
    for (const engine of engines) await (await engine).close();
  }
}

async function openChosen(spec: RunSpec, open: (backend: string) => Promise<Engine>): Promise<EngineChoice> {
  const requested = spec.backend;
  if (requested === 'reference') return { engine: await open('reference'), note: null };
  if (requested !== 'auto') {
    assertKnownBackend(requested);
    const refusal = await backendRefusal(spec, requested);
    if (refusal !== null) throw new UsageError(refusal);
    const status = await backendStatus(requested);
    if (!status.available) throw new UsageError(`--backend ${requested} is not available here: ${status.reason}`);
    return { engine: await open(requested), note: null };
  }
  const cores = defaultCores();
  let bestSeconds = estimatedSeconds('reference', null, spec, cores);
  const candidates: Candidate[] = [];
  const passedOver: string[] = [];
  const unasked: string[] = [];
  // Cheapest to start first, so that the best estimate so far rules out the rest unasked.
  for (const backend of [...ENGINE_BACKENDS].sort((a, b) => leastStartSeconds(a) - leastStartSeconds(b))) {
    if (leastStartSeconds(backend) >= bestSeconds) {
      unasked.push(backend);
      continue;
    }
    const status: BackendStatus = await backendStatus(backend);
    if (!status.available) {
      passedOver.push(`${backend}: ${status.reason}`);
      continue;
    }
    const refusal = await backendRefusal(spec, backend);
    if (refusal !== null) passedOver.push(`${backend}: ${refusal}`);
    else {
      candidates.push({ backend, status });
      bestSeconds = Math.min(bestSeconds, estimatedSeconds(backend, status, spec, cores));
    }
  }
  if (unasked.length > 0) passedOver.push(`${unasked.join(', ')}: not asked, as starting takes longer than the run is expected to take`);
  const chosen = chooseEngine(spec, candidates, cores);
  const choice =
    chosen.backend === 'reference' && candidates.length === 0 && unasked.length > 0
      ? { backend: 'reference', reason: `a run this small is fastest without starting another engine (expected ${formatSeconds(bestSeconds)})` }
      : chosen;
  const absent = passedOver.length > 0 ? `; passed over: ${passedOver.join('; ')}` : '';
  if (choice.backend === 'reference') return { engine: await open('reference'), note: `--backend auto: running on the reference path (${choice.reason})${absent}` };
  return { engine: await open(choice.backend), note: `--backend auto chose ${choice.backend} (${choice.reason})${absent}` };
}
