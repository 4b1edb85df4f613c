import type { Command } from 'commander';
import { ENGINE_BACKENDS } from '../engine/names.js';
import { probeBackend, type BackendProbe } from '../engine/probe.js';

export function backendsText(probes: readonly BackendProbe[]): string {
  const lines = ['backend     available   start     chain·gen/s (Bernoulli, M = 100)   device / why not'];
  for (const probe of probes) {
    const rate = probe.chainGenerationsPerSecond === null ? '—' : probe.chainGenerationsPerSecond.toExponential(2);
    const start = probe.startSeconds === null ? '—' : `${probe.startSeconds.toFixed(2)} s`;
    const detail = probe.available ? `${probe.device}${probe.software ? ' [software]' : ''}${probe.error ? ` — probe failed: ${probe.error}` : ''}` : probe.reason;
    lines.push(`${probe.backend.padEnd(11)} ${(probe.available ? 'yes' : 'no').padEnd(11)} ${start.padEnd(9)} ${rate.padEnd(34)} ${detail}`);
  }
  lines.push('--backend auto takes, for each run, the engine expected to finish it first (start-up included); `collapse-sim run` says which on stderr');
  return lines.join('\n') + '\n';
}

export async function backendsCommand(command: Command): Promise<void> {
  const json = command.opts()['json'] === true;
  const probes: BackendProbe[] = [];
  for (const backend of ['reference', ...ENGINE_BACKENDS]) {
    if (!json && process.stderr.isTTY) process.stderr.write(`\rprobing ${backend}…\x1b[K`);
    probes.push(await probeBackend(backend));
  }
  if (!json && process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  process.stdout.write(json ? `${JSON.stringify({ backends: probes })}\n` : backendsText(probes));
}
