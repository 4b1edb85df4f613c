/**
 * Writes bench/README.md's suite tables from the suite's JSON (bench/suite.ts), so the README's
 * numbers are exactly the measured ones: the text between the suite-tables markers is
 * replaced, the rest of the README left as it is.
 *
 *   node dist/bench/readme-tables.js [--suite bench/results/suite.json] [--readme bench/README.md]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { replaceReadmeTables, suiteMarkdown, type SuiteReport } from './suite-plan.js';

function flag(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 && index + 1 < process.argv.length ? process.argv[index + 1] : fallback;
}

const suitePath = flag('suite', 'bench/results/suite.json');
const readmePath = flag('readme', 'bench/README.md');
try {
  const suite = JSON.parse(readFileSync(suitePath, 'utf8')) as SuiteReport;
  if (!Array.isArray(suite.targets) || !Array.isArray(suite.stages)) throw new Error(`${suitePath} is not the suite's JSON (no stages and targets): run node dist/bench/suite.js first`);
  writeFileSync(readmePath, replaceReadmeTables(readFileSync(readmePath, 'utf8'), suiteMarkdown(suite)));
  process.stderr.write(`readme-tables: ${readmePath} now shows ${suitePath} (${suite.quick ? 'a --quick placeholder' : 'measured'} ${suite.measured_at})\n`);
} catch (error) {
  process.stderr.write(`readme-tables: ${(error as Error).message.split('\n')[0]}\n`);
  process.exit(2);
}
