/**
 * The processes the harness measures in: one per engine (ours, forked with an IPC channel)
 * and one per peer (NumPy, JAX, CuPy: a Python process speaking JSON lines). Each answers
 * one timed run at a time; a process that dies or answers an error fails that engine, not
 * the run.
 */
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { delimiter, join } from 'node:path';
import { compiledScript, packageRoot } from '../package-files.js';
import type { RawOptions } from '../spec/parse.js';
import type { OpenedReply, TimingReply, WorkerMessage } from './protocol.js';
import { PEER_DEFINITIONS, type PeerName } from './peers.js';

export interface MeasuringProcess {
  /** The engine or peer, as reported: 'reference', 'cpu', …, 'numpy'. */
  readonly name: string;
  readonly device: string;
  readonly warmUpSeconds: number;
  measure(chains: number, seed: string): Promise<TimingReply>;
  /** Lets the process finish and exit. */
  close(): void;
  /** Ends the process (and anything it started) at once, mid-measurement. */
  kill(): void;
}

// Measuring processes run in process groups of their own (detached): a ^C at the terminal
// reaches the harness alone, which kills the one measuring (its group) and reports what was
// measured. They end when the harness closes them or dies (IPC disconnect, or end of stdin).

/**
 * Ends `child` if `signal` aborts before `opening` settles: a process still warming up is
 * killed, so an interrupted benchmark never waits for a warm-up, nor leaves one behind.
 */
async function openUnlessAborted<T>(child: ChildProcess, opening: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return opening;
  const abandon = (): void => killGroup(child);
  if (signal.aborted) abandon();
  signal.addEventListener('abort', abandon, { once: true });
  try {
    return await opening;
  } finally {
    signal.removeEventListener('abort', abandon);
  }
}

/** SIGKILL to a detached child's process group (its worker threads and children with it). */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

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

  /** Starts the process, opens the engine on `options` (run flags) and warms it up; `signal` kills it mid-way. */
  static async open(engine: string, options: RawOptions, signal?: AbortSignal): Promise<EngineProcess> {
    const child = fork(compiledScript('src/bench/engine-process.js'), [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], detached: true });
    const conversation = new Conversation<unknown>(engine, child, stderrTail(child));
    child.on('message', (message: WorkerMessage) => conversation.receive(message));
    try {
      const opened = (await openUnlessAborted(child, conversation.ask(() => child.send({ engine, options })), signal)) as OpenedReply;
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

  kill(): void {
    killGroup(this.child);
  }
}

export interface PythonStatus {
  readonly available: boolean;
  /** The interpreter that runs the peer, or null. */
  readonly python: string | null;
  /** The library, its version and the device it runs on, as the peer reports it. */
  readonly device: string;
  /** Where it computes, as the peer reports it. */
  readonly processor: 'cpu' | 'gpu';
  /** Why no interpreter can run it, with the fix. */
  readonly reason: string;
}

/** The folder of the peers' scripts (they import numpy_peer.py, so it is on their PYTHONPATH). */
function peersDirectory(): string {
  return join(packageRoot(), 'bench', 'peers');
}

/**
 * The peers' environment: their folder on PYTHONPATH, and JAX told not to take 75 % of the
 * GPU's memory up front (the benchmark's other processes share the GPU with it).
 */
function peerEnvironment(): NodeJS.ProcessEnv {
  const path = process.env['PYTHONPATH'];
  return {
    ...process.env,
    PYTHONPATH: path ? `${peersDirectory()}${delimiter}${path}` : peersDirectory(),
    XLA_PYTHON_CLIENT_PREALLOCATE: process.env['XLA_PYTHON_CLIENT_PREALLOCATE'] ?? 'false',
  };
}

const probes = new Map<PeerName, PythonStatus>();

/**
 * A Python that can run the peer: COLLAPSE_SIM_PYTHON if set, else python3 on the PATH,
 * else Debian's /usr/bin/python3. The peer's own probe must run there (import its library
 * and reach its device), and what it prints is the device reported beside its timings.
 */
export function findPeer(name: PeerName): PythonStatus {
  const known = probes.get(name);
  if (known !== undefined) return known;
  const explicit = process.env['COLLAPSE_SIM_PYTHON'];
  const candidates = explicit ? [explicit] : ['python3', '/usr/bin/python3'];
  const failures: string[] = [];
  let status: PythonStatus | null = null;
  for (const python of candidates) {
    const probe = spawnSync(python, ['-c', PEER_DEFINITIONS[name].probe], { encoding: 'utf8', env: peerEnvironment(), timeout: 180_000 });
    // The probe's last line: "cpu" or "gpu", a tab, and the device description.
    const [processor, device] = (probe.stdout ?? '').trim().split('\n').slice(-1)[0].split('\t');
    if (probe.status === 0 && (processor === 'cpu' || processor === 'gpu') && device) {
      status = { available: true, python, device, processor, reason: '' };
      break;
    }
    const why = probe.error?.message ?? (probe.stderr ?? '').trim().split('\n').filter((line) => line.trim() !== '').slice(-1)[0] ?? `exit ${probe.status}`;
    failures.push(`${python}: ${why}`);
  }
  status ??= {
    available: false,
    python: null,
    device: '',
    processor: 'cpu',
    reason: `no Python can run the ${name} peer (${failures.join('; ')}) — ${PEER_DEFINITIONS[name].install}, or set COLLAPSE_SIM_PYTHON`,
  };
  probes.set(name, status);
  return status;
}

/** A peer (bench/peers/<name>_peer.py --serve), given the request body for this configuration. */
export class PeerProcess implements MeasuringProcess {
  warmUpSeconds = 0;

  private constructor(
    readonly name: PeerName,
    readonly device: string,
    private readonly child: ChildProcess,
    private readonly conversation: Conversation<unknown>,
    private readonly request: Record<string, unknown>,
  ) {}

  static async open(name: PeerName, python: string, device: string, request: Record<string, unknown>, signal?: AbortSignal): Promise<PeerProcess> {
    const child = spawn(python, [join(peersDirectory(), PEER_DEFINITIONS[name].script), '--serve'], { stdio: ['pipe', 'pipe', 'pipe'], detached: true, env: peerEnvironment() });
    const conversation = new Conversation<unknown>(name, child, stderrTail(child));
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
    const peer = new PeerProcess(name, device, child, conversation, request);
    try {
      // Warm-up: the library's first calls (imports, JAX's compilation, the page cache) outside the timings.
      peer.warmUpSeconds = (await openUnlessAborted(child, peer.measure(100, 'warm-up'), signal)).seconds;
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

  kill(): void {
    killGroup(this.child);
  }
}

/** Peers' seeds are integers: the text seed hashed to 32 bits (FNV-1a). */
export function peerSeed(seed: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(seed, 'utf8')) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash;
}

/**
 * One run of a peer outside the harness, returning its reply — with the per-chain collapse
 * times and outcomes when `returnChains` — for checking its law against ours.
 */
export function runPeerOnce(name: PeerName, python: string, request: Record<string, unknown>, chains: number, seed: string, returnChains = true): Record<string, unknown> {
  const line = JSON.stringify({ ...request, chains, seed: peerSeed(seed), return_chains: returnChains });
  const result = spawnSync(python, [join(peersDirectory(), PEER_DEFINITIONS[name].script), '--serve'], { input: line + '\n', encoding: 'utf8', maxBuffer: 1 << 28, env: peerEnvironment() });
  if (result.status !== 0) throw new Error(`${name} peer: exit ${result.status}: ${result.stderr.trim().split('\n').slice(-1)[0]}`);
  const reply = JSON.parse(result.stdout) as Record<string, unknown>;
  if ('error' in reply) throw new Error(`${name} peer: ${String(reply['error'])}`);
  return reply;
}
