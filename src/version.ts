import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The tool's version, from the package.json above this module (in src/ or dist/src/). */
export const TOOL_VERSION: string = (() => {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const manifest = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'collapse-sim' && manifest.version) return manifest.version;
    } catch {
      // not here: look one level up
    }
    directory = dirname(directory);
  }
  return 'unknown';
})();
