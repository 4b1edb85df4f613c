/**
 * The processes the harness measures in: one per engine (ours, forked with an IPC channel)
 * and one per peer (NumPy, a Python process speaking JSON lines). Each answers one timed
 * run at a time; a process that dies or answers an error fails that engine, not the run.
 */
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { compiledScript, packageRoot } from '../package-files.js';
import type { RawOptions } from '../spec/parse.js';
import type { OpenedReply, TimingReply, WorkerMessage } from './protocol.js';

export interface MeasuringProcess {
  /** The engine or peer, as reported: 'reference', 'cpu', …, 'numpy'. */
  readonly name: string;
  readonly device: string;
  readonly warmUpSeconds: number;
  measure(chains: number, seed: string): Promise<TimingReply>;
  close(): void;
}

// Measuring processes run in process groups of their own (detached): a ^C at the terminal
// reaches the harness alone, which finishes the measurement under way and reports. They
// end when the harness closes them or dies (IPC disconnect, or end of stdin).

/** Keeps the last lines a child wrote to stderr, for the message when it dies. */
function stderrTail(child: ChildProcess): () => string {
  let tail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    tail = (tail + text).slice(-2000);
  });
  return () =>
    tail
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.length > 0 && !line.startsWith('Warning: maxDynamic'))
      .slice(-1)[0] ?? '';
}

/** One request, one reply, or an Error when the child answers an error or exits. */
class Conversation<Reply> {
  private pending: { resolve: (reply: Reply) => void; reject: (error: Error) => void } | null = null;
  private exited: string | null = null;

  constructor(
    private readonly label: string,
    child: ChildProcess,
    lastError: () => string,
  ) {
    child.on('exit', (code, signal) => {
      const why = lastError();
      this.exited = `${label}: its process ended (${signal ?? `exit code ${code}`})${why ? `: ${why}` : ''}`;
      this.pending?.reject(new Error(this.exited));
      this.pending = null;
    });
    child.on('error', (error) => {
      this.exited = `${label}: ${error.message}`;
      this.pending?.reject(new Error(this.exited));
      this.pending = null;
    });
  }

  receive(message: WorkerMessage): void {
    const pending = this.pending;
    this.pending = null;
    if (pending === null) return;
    if ('error' in message) pending.reject(new Error(`${this.label}: ${message.error}`));
    else pending.resolve(message.ok as Reply);
  }

  ask(send: () => void): Promise<Reply> {
    if (this.exited !== null) return Promise.reject(new Error(this.exited));
    if (this.pending !== null) throw new Error(`${this.label}: one request at a time`);
    return new Promise<Reply>((resolve, reject) => {
      this.pending = { resolve, reject };
      send();
    });
  }
}

/** One of our engines (the reference path or a gpu.js backend) in a forked process. */
export class EngineProcess implements MeasuringProcess {
  private constructor(
    readonly name: string,
    readonly device: string,
    readonly warmUpSeconds: number,
    private readonly child: ChildProcess,
    private readonly conversation: Conversation<unknown>,
  ) {}

  /** Starts the process, opens the engine on `options` (run flags) and warms it up. */
  static async open(engine: string, options: RawOptions): Promise<EngineProcess> {
    const child = fork(compiledScript('src/bench/engine-process.js'), [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], detached: true });
    const conversation = new Conversation<unknown>(engine, child, stderrTail(child));
    child.on('message', (message: WorkerMessage) => conversation.receive(message));
    try {
      const opened = (await conversation.ask(() => child.send({ engine, options }))) as OpenedReply;
      return new EngineProcess(engine, opened.device, opened.warmUpSeconds, child, conversation);
    } catch (error) {
      child.kill();
      throw error;
    }
  }

  async measure(chains: number, seed: string): Promise<TimingReply> {
    return (await this.conversation.ask(() => this.child.send({ chains, seed }))) as TimingReply;
  }

  close(): void {
    if (this.child.connected) this.child.disconnect();
  }
}

export interface PythonStatus {
  readonly available: boolean;
  /** The interpreter that has NumPy, or why none does. */
  readonly python: string | null;
  readonly device: string;
  readonly reason: string;
}

/**
 * A Python with NumPy: COLLAPSE_SIM_PYTHON if set, else python3 on the PATH, else Debian's
 * /usr/bin/python3 (python3-numpy).
 */
export function findNumpy(): PythonStatus {
  const explicit = process.env['COLLAPSE_SIM_PYTHON'];
  const candidates = explicit ? [explicit] : ['python3', '/usr/bin/python3'];
  for (const python of candidates) {
    const probe = spawnSync(python, ['-c', 'import numpy, platform; print(numpy.__version__, platform.python_version())'], { encoding: 'utf8' });
    if (probe.status === 0) {
      const [numpyVersion, pythonVersion] = probe.stdout.trim().split(' ');
      return { available: true, python, device: `NumPy ${numpyVersion} (Python ${pythonVersion}), CPU, one thread`, reason: '' };
    }
  }
  return {
    available: false,
    python: null,
    device: '',
    reason: `no Python with NumPy (tried ${candidates.join(', ')}) — install python3-numpy, or set COLLAPSE_SIM_PYTHON`,
  };
}

/** The NumPy peer (bench/peers/numpy_peer.py --serve), given the request body for this configuration. */
export class NumpyPeerProcess implements MeasuringProcess {
  readonly name = 'numpy';
  warmUpSeconds = 0;

  private constructor(
    readonly device: string,
    private readonly child: ChildProcess,
    private readonly conversation: Conversation<unknown>,
    private readonly request: Record<string, unknown>,
  ) {}

  static async open(python: string, device: string, request: Record<string, unknown>): Promise<NumpyPeerProcess> {
    const child = spawn(python, [join(packageRoot(), 'bench', 'peers', 'numpy_peer.py'), '--serve'], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const conversation = new Conversation<unknown>('numpy', child, stderrTail(child));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        conversation.receive({ error: `not a JSON reply: ${line.slice(0, 200)}` });
        return;
      }
      conversation.receive('error' in parsed ? { error: String(parsed['error']) } : { ok: parsed as never });
    });
    const peer = new NumpyPeerProcess(device, child, conversation, request);
    try {
      // Warm-up: NumPy's first calls (and the page cache) outside the timings.
      peer.warmUpSeconds = (await peer.measure(100, 'warm-up')).seconds;
      return peer;
    } catch (error) {
      child.kill();
      throw error;
    }
  }

  async measure(chains: number, seed: string): Promise<TimingReply> {
    const reply = (await this.conversation.ask(() =>
      this.child.stdin!.write(JSON.stringify({ ...this.request, chains, seed: peerSeed(seed) }) + '\n'),
    )) as Record<string, number>;
    return { seconds: reply['seconds'], chainGenerations: reply['chain_generations'], peakRssBytes: reply['peak_rss_bytes'] };
  }

  close(): void {
    this.child.stdin?.end();
  }
}

/** NumPy seeds are integers: the text seed hashed to 32 bits (FNV-1a). */
export function peerSeed(seed: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(seed, 'utf8')) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash;
}

/**
 * One run of the NumPy peer outside the harness, returning its reply — with the per-chain
 * collapse times and outcomes when `returnChains` — for checking its law against ours.
 */
export function runNumpyOnce(python: string, request: Record<string, unknown>, chains: number, seed: string, returnChains = true): Record<string, unknown> {
  const line = JSON.stringify({ ...request, chains, seed: peerSeed(seed), return_chains: returnChains });
  const result = spawnSync(python, [join(packageRoot(), 'bench', 'peers', 'numpy_peer.py'), '--serve'], { input: line + '\n', encoding: 'utf8', maxBuffer: 1 << 28 });
  if (result.status !== 0) throw new Error(`numpy peer: exit ${result.status}: ${result.stderr.trim().split('\n').slice(-1)[0]}`);
  const reply = JSON.parse(result.stdout) as Record<string, unknown>;
  if ('error' in reply) throw new Error(`numpy peer: ${String(reply['error'])}`);
  return reply;
}
