/**
 * Shards: shard i of n (0-based) runs the contiguous block of chains
 * [⌊i·C/n⌋, ⌊(i+1)·C/n⌋) of a C-chain ensemble. Every draw is addressed by (seed, chain,
 * generation, draw), so the union of the shards is the unsharded run, row for row;
 * `collapse-sim merge` puts them back together.
 *
 * On a cluster the shard can come from the environment instead of --shard: a Slurm job
 * array (SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN of SLURM_ARRAY_TASK_COUNT; with
 * --shard-count n, SLURM_ARRAY_TASK_ID of n, so one task can rerun alone) or a Kubernetes
 * Indexed Job (JOB_COMPLETION_INDEX, with --shard-count n).
 */
import { UsageError } from './errors.js';
import { given, parseNumber, type RawOptions } from './parse.js';

export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** Most shards of one ensemble. */
export const MAX_SHARDS = 1 << 20;

/** The chains a shard runs: [first, end). */
export function shardRange(chains: number, shard: Shard | null): { first: number; end: number } {
  if (shard === null) return { first: 0, end: chains };
  // Exact in float64: chains < 2^32 and count ≤ 2^20.
  return { first: Math.floor((shard.index * chains) / shard.count), end: Math.floor(((shard.index + 1) * chains) / shard.count) };
}

/** Parses --shard i/n (0 ≤ i < n). */
export function parseShard(value: unknown): Shard {
  const text = typeof value === 'string' ? value.trim() : '';
  const match = /^(\d+)\/(\d+)$/.exec(text);
  if (match === null) throw new UsageError(`--shard must be i/n with 0 ≤ i < n, e.g. 0/4 (got ${JSON.stringify(value)})`);
  const count = parseNumber(match[2], 'shard i/n: n', { min: 1, max: MAX_SHARDS, integer: true });
  const index = parseNumber(match[1], 'shard i/n: i', { min: 0, max: count - 1, integer: true });
  return { index, count };
}

/**
 * The shard a cluster's environment assigns, as a --shard value, with a note saying where
 * it came from; null outside a job array. --shard-count (in `raw`) is the number of shards
 * in all: needed with Kubernetes, optional with Slurm.
 */
export function shardFromEnvironment(env: NodeJS.ProcessEnv, raw: RawOptions): { shard: string; note: string } | null {
  if (given(raw, 'shard')) return null;
  const slurmId = env['SLURM_ARRAY_TASK_ID'];
  const slurmCount = env['SLURM_ARRAY_TASK_COUNT'];
  if (slurmId !== undefined && slurmCount !== undefined) {
    if (given(raw, 'shard-count')) {
      // The whole array's size is given: task i runs shard i/n, whichever tasks this
      // submission holds — so a failed task reruns alone as `sbatch --array=7 …`.
      const count = parseNumber(raw['shard-count'], 'shard-count', { min: 1, max: MAX_SHARDS, integer: true });
      const index = parseNumber(slurmId, 'shard (SLURM_ARRAY_TASK_ID)', { min: 0, integer: true });
      if (index >= count) throw new UsageError(`--shard-count ${count}: Slurm task ${slurmId} is outside 0..${count - 1}; number the array from 0 (--array=0-${count - 1}), or pass --shard i/n`);
      return { shard: `${index}/${count}`, note: `shard ${index}/${count} from the Slurm job array (SLURM_ARRAY_TASK_ID ${slurmId}, --shard-count ${count})` };
    }
    if (slurmCount === '1') {
      // `sbatch --array=7` (a rerun of one task, task 0 included) is an array of one task:
      // read as shard 0/1 it would run the whole ensemble in place of that task's share.
      throw new UsageError(
        `--shard from Slurm: an array of one task (task ${slurmId}) does not say how many shards the ensemble has: pass --shard-count n (the whole array's size; task i then runs shard i/n), or --shard i/n (--shard 0/1: the whole ensemble)`,
      );
    }
    const minimum = env['SLURM_ARRAY_TASK_MIN'] ?? '0';
    const maximum = env['SLURM_ARRAY_TASK_MAX'];
    if (maximum !== undefined && Number(maximum) - Number(minimum) + 1 !== Number(slurmCount)) {
      // A list or a step (--array=3,7 or 0-15:2: a rerun of some tasks) numbers no ensemble's shards.
      throw new UsageError(
        `--shard from Slurm: the array's tasks ${minimum}..${maximum} are not ${slurmCount} consecutive numbers (a list or a step, as a rerun of some tasks makes): pass --shard-count n (the whole array's size; task i then runs shard i/n), or --shard i/n`,
      );
    }
    const index = parseNumber(slurmId, 'shard (SLURM_ARRAY_TASK_ID)', { min: 0, integer: true }) - parseNumber(minimum, 'shard (SLURM_ARRAY_TASK_MIN)', { min: 0, integer: true });
    const count = parseNumber(slurmCount, 'shard (SLURM_ARRAY_TASK_COUNT)', { min: 1, max: MAX_SHARDS, integer: true });
    if (index < 0 || index >= count) {
      throw new UsageError(`--shard from Slurm: task ${slurmId} − min ${minimum} is outside 0..${count - 1}; use a contiguous array such as --array=0-${count - 1}, or pass --shard i/n`);
    }
    return { shard: `${index}/${count}`, note: `shard ${index}/${count} from the Slurm job array (SLURM_ARRAY_TASK_ID ${slurmId}); --shard 0/1 runs the whole ensemble` };
  }
  const completionIndex = env['JOB_COMPLETION_INDEX'];
  if (completionIndex !== undefined) {
    if (!given(raw, 'shard-count')) {
      throw new UsageError('--shard-count is needed with JOB_COMPLETION_INDEX (Kubernetes Indexed Job): pass the Job\'s completions, or --shard i/n');
    }
    const count = parseNumber(raw['shard-count'], 'shard-count', { min: 1, max: MAX_SHARDS, integer: true });
    const index = parseNumber(completionIndex, 'shard (JOB_COMPLETION_INDEX)', { min: 0, max: count - 1, integer: true });
    return { shard: `${index}/${count}`, note: `shard ${index}/${count} from the Kubernetes Indexed Job (JOB_COMPLETION_INDEX ${completionIndex})` };
  }
  return null;
}

/** What names a shard's files: shard-0003-of-0016. */
export function shardSuffix(shard: Shard): string {
  const width = Math.max(4, String(shard.count - 1).length);
  return `shard-${String(shard.index).padStart(width, '0')}-of-${String(shard.count).padStart(width, '0')}`;
}

/** Default output name of a shard: collapse-times.arrow → collapse-times.shard-0003-of-0016.arrow. */
export function shardOutputName(out: string, shard: Shard): string {
  const suffix = shardSuffix(shard);
  return out.endsWith('.arrow') ? `${out.slice(0, -6)}.${suffix}.arrow` : `${out}.${suffix}`;
}
