/**
 * Checkpoint and resume with real signals to a child process: a run interrupted by
 * SIGINT/SIGTERM (checkpoint saved, exit 130/143) or killed by SIGKILL (last checkpoint)
 * and then resumed writes the uninterrupted run's files byte for byte.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { temporaryDirectory } from '../helpers.js';

const CLI = resolve(import.meta.dirname, '../../dist/src/cli/main.js');
const [directory, cleanup] = temporaryDirectory();
afterAll(cleanup);

function cli(args: string[], cwd: string) {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function folder(name: string): string {
  const path = join(directory, name);
  mkdirSync(path, { recursive: true });
  return path;
}

function batchesSaved(checkpoint: string): number {
  try {
    return (JSON.parse(readFileSync(join(checkpoint, 'checkpoint.json'), 'utf8')) as { batches: unknown[] }).batches.length;
  } catch {
    return 0;
  }
}

/** Starts a checkpointed run, sends `signal` once `batches` batches are saved, and returns its exit. */
async function interrupt(args: string[], cwd: string, signal: NodeJS.Signals, batches: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.on('exit', (code, killedBy) => done({ code, signal: killedBy })));
  const checkpoint = join(cwd, 'ck');
  let finishedEarly = false;
  void exited.then(() => (finishedEarly = true));
  while (batchesSaved(checkpoint) < batches && !finishedEarly) await new Promise((wait) => setTimeout(wait, 20));
  expect(finishedEarly, 'the run ended before it could be interrupted: make it longer').toBe(false);
  child.kill(signal);
  return { ...(await exited), stderr };
}

const RUNS: [string, string[], NodeJS.Signals][] = [
  ['reference, SIGINT', ['--samples', '60', '--chains', '12000', '--batch-size', '800', '--backend', 'reference'], 'SIGINT'],
  ['cpu backend with trajectories, SIGTERM', ['--samples', '100', '--chains', '40000', '--batch-size', '2000', '--backend', 'cpu', '--trajectories', 'every:3,chains:5000'], 'SIGTERM'],
  ['reference, SIGKILL (no chance to save)', ['--samples', '60', '--chains', '12000', '--batch-size', '800', '--backend', 'reference'], 'SIGKILL'],
];

describe('checkpoint and resume', () => {
  it.each(RUNS)('%s: the resumed run writes the uninterrupted files byte for byte', async (label, args, signal) => {
    const name = label.split(/[ ,]+/).join('-');
    const whole = folder(`whole-${name}`);
    const broken = folder(`broken-${name}`);
    const resumed = folder(`resumed-${name}`);
    const common = [...args, '--seed', 'checkpoint', '--out', 'r.arrow', '--quiet'];
    const uninterrupted = cli(['run', ...common, '--json'], whole);
    expect(uninterrupted.code).toBe(0);

    const stopped = await interrupt(['run', ...common, '--checkpoint', 'ck'], broken, signal, 2);
    if (signal === 'SIGKILL') {
      expect(stopped.signal).toBe('SIGKILL');
    } else {
      expect(stopped.code).toBe(signal === 'SIGINT' ? 130 : 143);
      expect(stopped.stderr).toMatch(new RegExp(`^collapse-sim: interrupted by ${signal}: checkpoint saved in ck \\(\\d+ of \\d+ chains done\\); go on with: collapse-sim run --resume ck\\n$`));
    }
    expect(existsSync(join(broken, 'r.arrow'))).toBe(false);
    expect(batchesSaved(join(broken, 'ck'))).toBeGreaterThanOrEqual(2);

    // Resumed from another directory: the outputs go where the run was writing them.
    const result = cli(['run', '--resume', join(broken, 'ck'), '--json'], resumed);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.chains).toBe(Number(args[args.indexOf('--chains') + 1]));
    // The totals include the replayed batches; the speed counts only what this process simulated.
    expect(summary.chain_generations).toBe(JSON.parse(uninterrupted.stdout).chain_generations);
    expect(readFileSync(join(broken, 'r.arrow')).equals(readFileSync(join(whole, 'r.arrow')))).toBe(true);
    if (args.includes('--trajectories')) {
      expect(readFileSync(join(broken, 'r.trajectories.arrow')).equals(readFileSync(join(whole, 'r.trajectories.arrow')))).toBe(true);
    }
    // The checkpoint is gone once the outputs are in place, and no temporary file is left.
    expect(existsSync(join(broken, 'ck'))).toBe(false);
    expect(readdirSync(broken).sort()).toEqual(args.includes('--trajectories') ? ['r.arrow', 'r.trajectories.arrow'] : ['r.arrow']);
  });

  it('refuses a resume with other run flags, a missing or damaged checkpoint, and a second run into one checkpoint', async () => {
    const cwd = folder('refusals');
    const args = ['run', '--samples', '60', '--chains', '12000', '--batch-size', '800', '--backend', 'reference', '--quiet', '--out', 'r.arrow'];
    await interrupt([...args, '--checkpoint', 'ck'], cwd, 'SIGINT', 1);
    for (const [extra, message] of [
      [['--resume', 'ck', '--seed', '3'], /^collapse-sim: --resume takes the run's configuration from its checkpoint: drop --seed\n$/],
      [['--resume', 'ck', '--checkpoint', 'other'], /^collapse-sim: --resume goes on checkpointing into its own directory: drop --checkpoint\n$/],
      [['--resume', 'nowhere'], /^collapse-sim: --resume nowhere: no checkpoint there \(ENOENT/],
      [[...args.slice(1), '--checkpoint', 'ck'], /^collapse-sim: --checkpoint ck already holds a checkpoint: resume it with --resume ck/],
    ] as [string[], RegExp][]) {
      const result = cli(['run', ...extra], cwd);
      expect(result.code, extra.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
    }
    expect(existsSync(join(cwd, 'r.arrow'))).toBe(false);
  });
});
