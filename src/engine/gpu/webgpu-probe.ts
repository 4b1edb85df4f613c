/**
 * Asks Dawn (the `webgpu` package) for an adapter and prints what it found as one JSON
 * line. Run as a child process by backends.ts: Dawn writes driver notices straight to file
 * descriptor 2, which a child's stderr keeps out of the tool's own output.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

async function main(): Promise<void> {
  let webgpu: { create(flags: string[]): { requestAdapter(): Promise<{ info: Record<string, string> } | null> } };
  try {
    webgpu = require('webgpu');
  } catch (error) {
    process.stdout.write(JSON.stringify({ error: `the webgpu package does not load (${(error as Error).message.split('\n')[0]}) — run npm ci` }) + '\n');
    return;
  }
  const adapter = await webgpu.create([]).requestAdapter();
  if (adapter === null) {
    process.stdout.write(JSON.stringify({ adapter: null }) + '\n');
    return;
  }
  const { vendor, architecture, device, description } = adapter.info;
  process.stdout.write(JSON.stringify({ adapter: { vendor, architecture, device, description } }) + '\n');
}

await main();
process.exit(0);
