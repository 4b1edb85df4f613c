/**
 * SIGINT and SIGTERM are honoured on every backend (issue 16): the reference path (also
 * inside one long chain), the worker-pool backends (simd, cpu), and the in-thread ones —
 * headlessgl and webgpu chain kernels, the categorical pipeline on cpu, the host-fit path —
 * which held the event loop for minutes before. A run stops within a moment of work, exits 130/143, writes
 * no output, and with --checkpoint keeps every batch it finished (a resume then writes the
 * uninterrupted run's file byte for byte). A second signal ends the process at once; an
 * interrupted bench writes what it measured and leaves no measuring process behind.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abortOnSignals } from '../../src/cli/run-command.js';
import { InterruptedError } from '../../src/spec/errors.js';
import { backendsUnderTest, type BackendUnderTest } from '../gpu/backends-under-test.js';
import { changedEntries, cliIn, settleSeconds, snapshotDirectory, temporaryDirectory } from '../helpers.js';

const CLI = resolve(import.meta.dirname, '../../dist/src/cli/main.js');
const [root, cleanup] = temporaryDirectory();
afterAll(cleanup);
/**
 * How long a stop may take after the signal. The work between two looks at the signal is
 * sized to about 0.3 s (engine/pacing.ts); the rest is slack for a loaded machine.
 */
const STOP_SECONDS = 3;

let backends: BackendUnderTest[] = [];
beforeAll(async () => {
  backends = await backendsUnderTest();
});

interface Stopped {
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  seconds: number;
}

function batchesSaved(checkpoint: string): number {
  try {
    return (JSON.parse(readFileSync(join(checkpoint, 'checkpoint.json'), 'utf8')) as { batches: unknown[] }).batches.length;
  } catch {
    return 0;
  }
}

/**
 * Starts the CLI, waits until `ready` (polled) and `settle` seconds more, sends the
 * signal(s), and returns how the process ended and how long after the first signal.
 */
async function interrupt(cwd: string, args: string[], signals: NodeJS.Signals[], ready: () => boolean, settle = 1.5, gap = 0.4): Promise<Stopped> {
  // Its own process group, so that what it started can be cleaned up with it.
  const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  let ended = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on('exit', (code, signal) => {
      ended = true;
      done({ code, signal });
    }),
  );
  while (!ready() && !ended) await new Promise((wait) => setTimeout(wait, 20));
  await new Promise((wait) => setTimeout(wait, settle * 1000));
  expect(ended, `the run ended before it was interrupted: ${stderr}`).toBe(false);
  const sent = performance.now();
  for (const [i, signal] of signals.entries()) {
    if (i > 0) await new Promise((wait) => setTimeout(wait, gap * 1000));
    if (!ended) child.kill(signal);
  }
  const result = await exited;
  // Dawn (webgpu) writes its own warnings to stderr as it starts; they are not collapse-sim's.
  const ours = stderr.split('\n').filter((line) => !line.startsWith('Warning: ')).join('\n');
  return { pid: child.pid!, ...result, stderr: ours, seconds: (performance.now() - sent) / 1000 };
}

/** Long runs on each engine path: [label, backend needed (null: reference), args]. */
const LONG_RUNS: [string, string | null, string[]][] = [
  ['reference, many chains', null, ['--backend', 'reference', '--samples', '200', '--chains', '2000000']],
  ['reference, inside one chain of 2·10⁹ generations', null, ['--backend', 'reference', '--family', 'gaussian', '--ground-truth', '1', '--samples', '10', '--chains', '1', '--generations', '2000000000']],
  ['simd workers (WebAssembly)', 'simd', ['--backend', 'simd', '--samples', '1000', '--chains', '4000000']],
  ['simd workers, coupled Ising', 'simd', ['--backend', 'simd', '--family', 'ising', '--spins', '20', '--learn', 'theta1,theta2', '--samples', '200', '--chains', '4000000']],
  ['cpu chain kernel (worker pool)', 'cpu', ['--backend', 'cpu', '--samples', '1000', '--chains', '4000000']],
  ['cpu, the categorical pipeline (in this thread)', 'cpu', ['--backend', 'cpu', '--family', 'categorical', '--categories', '1000', '--samples', '1000', '--chains', '2000', '--generations', '2000']],
  ['headlessgl chain kernel (in this thread)', 'headlessgl', ['--backend', 'headlessgl', '--samples', '1000', '--chains', '4000000']],
  ['headlessgl host-fit path (coupled Ising)', 'headlessgl', ['--backend', 'headlessgl', '--family', 'ising', '--spins', '20', '--learn', 'theta1,theta2', '--samples', '200', '--chains', '400000']],
  ['webgpu chain kernel', 'webgpu', ['--backend', 'webgpu', '--samples', '1000', '--chains', '4000000']],
];

describe('a signal stops a run within a moment, on every engine path', () => {
  it.each(LONG_RUNS.flatMap(([label, backend, args]) => [
    [`${label}, SIGINT`, backend, args, 'SIGINT' as const],
    [`${label}, SIGTERM with --checkpoint`, backend, [...args, '--checkpoint', 'ck', '--batch-size', '4096'], 'SIGTERM' as const],
  ]))('%s', async (label, backend, args, signal) => {
    const underTest = backends.find((b) => b.backend === backend);
    if (backend !== null && !underTest?.run) {
      console.log(`skipped: --backend ${backend} is not available here (${underTest?.status.reason})`);
      return;
    }
    const cwd = join(root, label.replace(/\W+/g, '-'));
    mkdirSync(cwd);
    const before = snapshotDirectory(cwd);
    const stopped = await interrupt(cwd, ['run', ...args, '--quiet', '--out', 'r.arrow'], [signal], () => true, settleSeconds(cwd, args));
    expect(stopped.code, stopped.stderr).toBe(signal === 'SIGINT' ? 130 : 143);
    console.log(`${label}: stopped ${stopped.seconds.toFixed(2)} s after ${signal}`);
    expect(stopped.seconds).toBeLessThan(STOP_SECONDS);
    const checkpointed = args.includes('--checkpoint');
    expect(stopped.stderr).toMatch(
      checkpointed
        ? new RegExp(`^collapse-sim: interrupted by ${signal}: checkpoint saved in ck \\(\\d+ of \\d+ chains done\\); go on with: collapse-sim run --resume ck\\n$`)
        : new RegExp(`^collapse-sim: interrupted by ${signal}: stopped, no output file written\\n$`),
    );
    // No output; a checkpoint's directory is all that may have appeared.
    expect(changedEntries(before, snapshotDirectory(cwd)).filter((path) => !path.startsWith('ck'))).toEqual([]);
    expect(existsSync(join(cwd, 'r.arrow'))).toBe(false);
  });

  it('an in-thread backend interrupted after a saved batch resumes to the uninterrupted file, byte for byte', async () => {
    const backend = backends.find((b) => b.backend === 'headlessgl');
    if (!backend?.run) return;
    const args = ['run', '--backend', 'headlessgl', '--samples', '30', '--chains', '24000', '--batch-size', '2048', '--seed', 'resume', '--quiet', '--out', 'r.arrow'];
    const whole = join(root, 'whole-headlessgl');
    const broken = join(root, 'broken-headlessgl');
    mkdirSync(whole);
    mkdirSync(broken);
    expect(cliIn(whole)(args).code).toBe(0);
    const stopped = await interrupt(broken, [...args, '--checkpoint', 'ck'], ['SIGINT'], () => batchesSaved(join(broken, 'ck')) >= 1, 0);
    expect(stopped.code, stopped.stderr).toBe(130);
    const resumed = cliIn(broken)(['run', '--resume', 'ck', '--quiet']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(readFileSync(join(broken, 'r.arrow')).equals(readFileSync(join(whole, 'r.arrow')))).toBe(true);
  });
});

describe('a second signal ends the process at once', () => {
  it('abortOnSignals aborts on the first signal and then lets the system’s default action have the next', () => {
    const listeners = process.listenerCount('SIGINT');
    const terminators = process.listenerCount('SIGTERM');
    const interruption = abortOnSignals();
    expect(process.listenerCount('SIGINT')).toBe(listeners + 1);
    process.emit('SIGINT', 'SIGINT');
    expect(interruption.signal.aborted).toBe(true);
    expect(interruption.signal.reason).toBeInstanceOf(InterruptedError);
    expect(process.listenerCount('SIGINT')).toBe(listeners);
    expect(process.listenerCount('SIGTERM')).toBe(terminators);
    interruption.release();
  });

  it('bench abandons the measurement under way at a SIGINT, writes what it measured, and leaves no measuring process behind', async () => {
    const cwd = join(root, 'bench-interrupted');
    mkdirSync(cwd);
    const stopped = await interrupt(
      cwd,
      ['bench', '--backends', 'reference', '--peers', 'none', '--modes', 'per-sample', '--chains', '20000', '--samples', '2000', '--repeats', '1', '--quiet'],
      ['SIGINT'],
      () => true,
      3,
    );
    let groupAlive = true;
    try {
      process.kill(-stopped.pid, 0);
    } catch {
      groupAlive = false;
    }
    if (groupAlive) process.kill(-stopped.pid, 'SIGKILL');
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.seconds).toBeLessThan(STOP_SECONDS);
    expect(groupAlive, 'a measuring process outlived the interrupted bench').toBe(false);
    expect(stopped.stderr).toMatch(/collapse-sim: bench SIGINT: the measurements so far are written to bench\.arrow/);
    const provenance = JSON.parse(tableFromIPC(readFileSync(join(cwd, 'bench.arrow'))).schema.metadata.get('collapse_sim')!) as { interrupted: string; skipped: { engine: string; reason: string }[] };
    expect(provenance.interrupted).toBe('SIGINT');
    expect(provenance.skipped).toContainEqual(expect.objectContaining({ engine: 'reference', reason: expect.stringMatching(/interrupted \(SIGINT\)/) }));
  });
});
