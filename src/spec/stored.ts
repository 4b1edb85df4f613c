/**
 * A RunSpec read back from a file (an output's provenance, a checkpoint) is checked, not
 * trusted: it is turned back into flags, resolved again with the same validation as the
 * command line, and must come out as stored (up to the last bits of derived numbers). So a
 * p0 of 7, a batch size of 0, an unknown family, a missing field or a wrong type is refused
 * with the reason, before anything reads or allocates by it.
 */
import { FAMILIES, FAMILY_NAMES } from '../families/index.js';
import type { FamilyName } from '../families/index.js';
import { UsageError } from './errors.js';
import type { RawOptions } from './parse.js';
import { regimeToString, resolveRunSpec, type RunSpec } from './run-spec.js';

/**
 * Agreement required of numbers a resolve derives (a normalised law, a magnetisation from a
 * field and back): relative, or absolute near zero (m = 0 comes back as 5e-19).
 */
const RELATIVE_TOLERANCE = 1e-9;
const ABSOLUTE_TOLERANCE = 1e-15;

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Where `stored` and `resolved` differ, as "field (stored X, valid Y)", or null where they agree. */
function difference(stored: unknown, resolved: unknown, path: string): string | null {
  if (typeof stored === 'number' && typeof resolved === 'number') {
    const scale = Math.max(Math.abs(stored), Math.abs(resolved));
    return stored === resolved || Math.abs(stored - resolved) <= RELATIVE_TOLERANCE * scale + ABSOLUTE_TOLERANCE ? null : `${path} (stored ${stored}, valid ${resolved})`;
  }
  if (Array.isArray(stored) && Array.isArray(resolved)) {
    if (stored.length !== resolved.length) return `${path} (${stored.length} entries, valid ${resolved.length})`;
    for (let i = 0; i < stored.length; i++) {
      const found = difference(stored[i], resolved[i], `${path}[${i}]`);
      if (found !== null) return found;
    }
    return null;
  }
  if (isObject(stored) && isObject(resolved)) {
    for (const key of new Set([...Object.keys(stored), ...Object.keys(resolved)])) {
      if (!(key in resolved)) return `${path ? `${path}.` : ''}${key} (not a field collapse-sim writes)`;
      if (!(key in stored)) return `${path ? `${path}.` : ''}${key} (missing)`;
      const found = difference(stored[key], resolved[key], path ? `${path}.${key}` : key);
      if (found !== null) return found;
    }
    return null;
  }
  return stored === resolved ? null : `${path} (stored ${JSON.stringify(stored) ?? typeof stored}, valid ${JSON.stringify(resolved)})`;
}

/** The flags that resolve to a stored spec (its shape checked on the way). */
function toOptions(spec: Record<string, unknown>): RawOptions {
  const family = spec['family'];
  if (typeof family !== 'string' || !(FAMILY_NAMES as string[]).includes(family)) {
    throw new UsageError(`unknown family ${JSON.stringify(family) ?? typeof family} (known: ${FAMILY_NAMES.join(', ')})`);
  }
  if (!isObject(spec['familyParams'])) throw new UsageError('familyParams is not an object');
  const regime = spec['regime'];
  if (!isObject(regime) || !['replace', 'accumulate', 'window'].includes(regime['kind'] as string)) throw new UsageError(`regime ${JSON.stringify(regime)} is not one`);
  const trajectories = spec['trajectories'];
  if (trajectories !== null && !isObject(trajectories)) throw new UsageError('trajectories is neither null nor an object');
  const shard = spec['shard'];
  if (shard !== null && !isObject(shard)) throw new UsageError('shard is neither null nor an object');
  const definition = FAMILIES[family as FamilyName];
  let familyOptions: RawOptions;
  try {
    familyOptions = definition.toOptions(spec['familyParams']);
  } catch {
    throw new UsageError(`familyParams do not describe a ${family} model`);
  }
  return {
    family,
    ...familyOptions,
    samples: spec['samples'],
    chains: spec['chains'],
    generations: spec['generations'],
    seed: spec['seed'],
    rng: spec['rng'],
    mode: spec['mode'],
    backend: spec['backend'],
    'ground-truth': spec['groundTruth'],
    prior: spec['prior'],
    l2: spec['l2'],
    regime: regimeToString(regime as RunSpec['regime']),
    'batch-size': spec['batchSize'],
    out: spec['out'],
    ...(trajectories === null
      ? {}
      : { trajectories: `every:${String(trajectories['every'])},chains:${String(trajectories['chains'])}`, 'trajectories-out': trajectories['out'] }),
    ...(shard === null ? {} : { shard: `${String(shard['index'])}/${String(shard['count'])}` }),
  };
}

/**
 * The flags that resolve to a RunSpec (one storedRunSpec accepted): `run --from FILE` lays
 * the flags given beside it over these and resolves the whole again, as --config does.
 */
export function storedRunOptions(spec: RunSpec): RawOptions {
  return toOptions(spec as unknown as Record<string, unknown>);
}

/** Flags that change where and how a run runs, not its rows (a shard is part of the same run). */
export const SAME_RUN_FLAGS: readonly string[] = ['out', 'trajectories-out', 'backend', 'batch-size', 'shard', 'json', 'quiet'];

/** Whether two configurations are one run (they may differ in SAME_RUN_FLAGS only). */
export function sameRun(a: RunSpec, b: RunSpec): boolean {
  const result = ({ out: _out, backend: _backend, batchSize: _batchSize, shard: _shard, trajectories, ...rest }: RunSpec): string =>
    JSON.stringify({ ...rest, trajectories: trajectories === null ? null : { every: trajectories.every, chains: trajectories.chains } });
  return result(a) === result(b);
}

/**
 * The run `run --from` describes: the recorded configuration as flags, with the flags given
 * beside --from laid over them (as over a --config file), resolved again. A new --out takes
 * the trajectories file with it unless --trajectories-out names one, so a re-run never
 * writes over the original's companion file.
 */
export function rerunSpec(recorded: RunSpec, given: RawOptions): RunSpec {
  if (given['family'] !== undefined && given['family'] !== recorded.family) {
    throw new UsageError(`--family cannot change under --from: the file records a ${recorded.family} run (its family's flags would not apply)`);
  }
  if (given['shard-count'] !== undefined) throw new UsageError('--shard-count goes with JOB_COMPLETION_INDEX, which --from does not read: pass --shard i/n');
  const base: Record<string, unknown> = { ...storedRunOptions(recorded) };
  if (given['out'] !== undefined && given['trajectories-out'] === undefined) delete base['trajectories-out'];
  // A shard file re-runs as its shard; --shard 0/1 asks for the whole run.
  return resolveRunSpec({ ...base, ...given });
}

/**
 * The RunSpec stored in `what` (an output's provenance, a checkpoint), validated as flags
 * are: throws a UsageError "<what>: <reason>" where it is not one collapse-sim writes.
 */
export function storedRunSpec(value: unknown, what: string): RunSpec {
  try {
    if (!isObject(value)) throw new UsageError('no configuration object');
    if (value['seed'] !== undefined && typeof value['seed'] !== 'string') throw new UsageError(`seed ${JSON.stringify(value['seed'])} is not text`);
    const resolved = resolveRunSpec(toOptions(value));
    const found = difference(value, resolved, '');
    if (found !== null) throw new UsageError(`the configuration differs from any valid one in ${found}`);
    return value as unknown as RunSpec;
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`${what}: ${error.message}`);
    throw new UsageError(`${what}: the configuration cannot be read back (${(error as Error).message.split('\n')[0]})`);
  }
}
