import type { Command } from 'commander';
import { GPU_BACKENDS } from '../engine/gpu/names.js';
import { rankBackends } from '../engine/gpu/backends.js';
import { probeBackend, type BackendProbe } from '../engine/gpu/probe.js';

export function backendsText(probes: readonly BackendProbe[]): string {
  const ranked = rankBackends(probes);
  const lines = ['backend     available   compile   chain·gen/s (Bernoulli, M = 100)   device / why not'];
  for (const probe of probes) {
    const rate = probe.chainGenerationsPerSecond === null ? '—' : probe.chainGenerationsPerSecond.toExponential(2) + (probe.threads ? ` (${probe.threads} threads)` : '');
    const compile = probe.compileSeconds === null ? '—' : `${probe.compileSeconds.toFixed(2)} s`;
    const detail = probe.available ? `${probe.device}${probe.software ? ' [software]' : ''}${probe.error ? ` — probe failed: ${probe.error}` : ''}` : probe.reason;
    lines.push(`${probe.backend.padEnd(11)} ${(probe.available ? 'yes' : 'no').padEnd(11)} ${compile.padEnd(9)} ${rate.padEnd(34)} ${detail}`);
  }
  lines.push(ranked.length > 0 ? `--backend auto would choose ${ranked[0].backend}; the reference path (--backend reference) is always available` : '--backend auto would run on the reference path');
  return lines.join('\n') + '\n';
}

export async function backendsCommand(command: Command): Promise<void> {
  const json = command.opts()['json'] === true;
  const probes: BackendProbe[] = [];
  for (const backend of GPU_BACKENDS) {
    if (!json && process.stderr.isTTY) process.stderr.write(`\rprobing ${backend}…\x1b[K`);
    probes.push(await probeBackend(backend));
  }
  if (!json && process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  process.stdout.write(json ? `${JSON.stringify({ backends: probes })}\n` : backendsText(probes));
}
