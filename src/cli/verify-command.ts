import type { Command } from 'commander';
import { UsageError } from '../spec/errors.js';
import { parseChoice, parseNumber } from '../spec/parse.js';
import { resolveRunSpec } from '../spec/run-spec.js';
import { ENGINE_BACKENDS } from '../engine/names.js';
import { verify, type VerificationReport } from '../verify.js';
import { collectRawOptions } from './options.js';

function p(value: number | undefined): string {
  return value === undefined ? '—' : value < 1e-3 ? value.toExponential(1) : value.toFixed(3);
}

export function verificationText(report: VerificationReport): string {
  const spec = report.spec;
  const lines = [
    `verify: ${spec.family}, M = ${spec.samples}, ${spec.chains} chains, T = ${spec.generations}, ${spec.mode}, seed ${JSON.stringify(spec.seed)}; reference ${report.reference.seconds.toFixed(2)} s`,
    'backend     exactness   identical       first generations   KS times p   χ² outcome p   KS final p   seconds   verdict',
  ];
  for (const b of report.backends) {
    if (b.skipped !== null) {
      lines.push(`${b.backend.padEnd(11)} not run: ${b.skipped}`);
      continue;
    }
    const first = b.firstGenerations ? `${b.firstGenerations.agreeing}/${b.chains} (≤ ${b.firstGenerations.tolerance})` : '—';
    lines.push(
      `${b.backend.padEnd(11)} ${String(b.exactness).padEnd(11)} ${`${b.identicalChains}/${b.chains}`.padEnd(15)} ${first.padEnd(19)} ` +
        `${p(b.law?.collapseTime.pValue).padEnd(12)} ${p(b.law?.outcome?.pValue).padEnd(14)} ${p(b.law?.firstFinal.pValue).padEnd(12)} ${(b.seconds ?? 0).toFixed(2).padEnd(9)} ${b.pass ? 'agrees' : 'DISAGREES'}`,
    );
    lines.push(`            on ${b.device}`);
    for (const failure of b.failures) lines.push(`            ${failure}`);
  }
  const g = report.generator.law;
  lines.push(
    `generator   reference with --rng seedrandom against philox: KS times p = ${p(g.collapseTime.pValue)}, χ² outcome p = ${p(g.outcome?.pValue)}, KS final p = ${p(g.firstFinal.pValue)}: ${report.generator.pass ? 'agrees' : 'DISAGREES'}`,
    report.pass ? 'everything agrees' : 'verification FAILED',
  );
  return lines.join('\n') + '\n';
}

export async function verifyCommand(command: Command): Promise<void> {
  const raw = { ...collectRawOptions(command) };
  const requested = raw['backends'];
  delete raw['backends'];
  const backends =
    requested === undefined
      ? ENGINE_BACKENDS
      : String(requested)
          .split(',')
          .map((name) => parseChoice(name.trim(), 'backends', ENGINE_BACKENDS));
  if (backends.length === 0) throw new UsageError(`--backends must list some of ${ENGINE_BACKENDS.join(', ')}`);
  const chains = raw['chains'] === undefined ? 2000 : parseNumber(raw['chains'], 'chains', { min: 1, max: 1e7, integer: true });
  const spec = resolveRunSpec({ ...raw, chains, backend: 'reference', out: 'verify.arrow' });
  const json = raw['json'] === true;
  const quiet = raw['quiet'] === true || json;
  const report = await verify(spec, {
    backends,
    requireAll: requested !== undefined,
    onProgress: (line) => {
      if (!quiet && process.stderr.isTTY) process.stderr.write(`\rverifying: ${line}\x1b[K`);
    },
  });
  if (!quiet && process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  process.stdout.write(json ? `${JSON.stringify(report)}\n` : verificationText(report));
  if (!report.pass) process.exitCode = 1;
}
