/**
 * Peak resident memory of a run against the number of chains: each size runs in its own
 * child process (so only that run counts), reading process.resourceUsage().maxRSS at the
 * end. Results stream to the Arrow file in batches, so memory should not grow with chains.
 *
 *   node dist/bench/peak-memory.js [--chains 1e5,1e6,1e7] [any run flags...]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveRunSpec } from '../src/spec/run-spec.js';
import { runSimulation } from '../src/run.js';

interface Measurement {
  chains: number;
  peak_rss_bytes: number;
  elapsed_s: number;
  chain_generations: number;
  file_bytes: number;
}

async function child(flags: Record<string, string>): Promise<void> {
  const result = await runSimulation(resolveRunSpec(flags));
  const measurement: Measurement = {
    chains: result.summary.chains,
    peak_rss_bytes: process.resourceUsage().maxRSS * 1024,
    elapsed_s: result.elapsedSeconds,
    chain_generations: result.summary.chainGenerations,
    file_bytes: statSync(result.out).size,
  };
  process.stdout.write(JSON.stringify(measurement) + '\n');
}

function parseFlags(argv: string[]): Record<string, string> {
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) flags[argv[i].replace(/^--/, '')] = argv[i + 1];
  return flags;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') return child(parseFlags(argv.slice(1)));
  const flags: Record<string, string> = { family: 'bernoulli', samples: '10', p0: '0.5', mode: 'sufficient', generations: '100000', ...parseFlags(argv) };
  const sizes = (flags['chains'] ?? '1e5,1e6,1e7').split(',').map(Number);
  delete flags['chains'];
  const directory = mkdtempSync(join(tmpdir(), 'collapse-sim-memory-'));
  const script = fileURLToPath(import.meta.url);
  const rows: Measurement[] = [];
  try {
    for (const chains of sizes) {
      const args = Object.entries({ ...flags, chains: String(chains), out: join(directory, `m${chains}.arrow`) }).flatMap(([k, v]) => [`--${k}`, v]);
      const run = spawnSync(process.execPath, [script, '--child', ...args], { encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`child failed: ${run.stderr}`);
      rows.push(JSON.parse(run.stdout));
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  process.stdout.write(`peak memory, ${JSON.stringify(flags)}\n`);
  process.stdout.write('chains        peak RSS      Arrow file    chain·generations   seconds\n');
  for (const row of rows) {
    process.stdout.write(
      `${String(row.chains).padEnd(13)} ${(row.peak_rss_bytes / 2 ** 20).toFixed(0).padStart(6)} MiB    ${(row.file_bytes / 2 ** 20).toFixed(0).padStart(6)} MiB    ${row.chain_generations.toExponential(3).padStart(12)}    ${row.elapsed_s.toFixed(1).padStart(7)}\n`,
    );
  }
}

await main();
