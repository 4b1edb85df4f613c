/**
 * Files of the installed package found from a module's location, whether that module runs
 * compiled (dist/src/…) or as TypeScript under the test runner (src/…): worker scripts
 * must be built JavaScript, and data files (bench/peers) sit at the package root.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: the nearest directory above this module whose package.json is collapse-sim's. */
export function packageRoot(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 8; depth++) {
    const manifest = join(directory, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'collapse-sim') return directory;
    directory = dirname(directory);
  }
  throw new Error(`collapse-sim's package root not found above ${fileURLToPath(import.meta.url)}`);
}

/** The compiled form of a module, e.g. 'src/engine/gpu/kernel-worker.js' → <root>/dist/src/engine/gpu/kernel-worker.js. */
export function compiledScript(relativePath: string): string {
  const script = join(packageRoot(), 'dist', relativePath);
  if (!existsSync(script)) throw new Error(`dist/${relativePath} not found: run npm run build`);
  return script;
}
