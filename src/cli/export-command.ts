import type { Command } from 'commander';
import { defaultExportPath, EXPORT_FORMATS, exportRun, type ExportFormat } from '../io/export.js';
import { UsageError } from '../spec/errors.js';
import { parseChoice, parseText } from '../spec/parse.js';

export async function exportCommand(files: string[], command: Command): Promise<void> {
  const options = command.opts();
  if (files.length === 0) throw new UsageError('export needs a chain file (or the shards of a run, or a trajectories file)');
  if (options['to'] === undefined) throw new UsageError(`export needs --to ${EXPORT_FORMATS.join('|')}`);
  const format = parseChoice(options['to'], 'to', EXPORT_FORMATS) as ExportFormat;
  const out = options['out'] === undefined ? defaultExportPath(files[0], format) : parseText(options['out'], 'out');
  const notes: string[] = [];
  const result = exportRun(files, format, out, (note) => notes.push(note));
  process.stdout.write(
    options['json'] === true
      ? `${JSON.stringify({ format, out: result.out, rows: result.rows, provenance: result.provenanceOut })}\n`
      : `wrote ${result.rows} rows to ${result.out}${result.provenanceOut ? ` (provenance: ${result.provenanceOut})` : ''}\n`,
  );
  for (const note of notes) process.stderr.write(`collapse-sim: ${note}\n`);
}
