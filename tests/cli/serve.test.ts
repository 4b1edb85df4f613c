/**
 * `collapse-sim serve`: bad --port values are one-line errors with exit 2; a page that is not
 * built is said so; the server serves files under its root only. (The page itself, in
 * Chromium, and the command serving it are tested in tests/web/explorer.test.ts.)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startExplorerServer } from '../../src/cli/serve-command.js';
import { UsageError } from '../../src/spec/errors.js';
import { cliIn, temporaryDirectory } from '../helpers.js';

const [directory, removeDirectory] = temporaryDirectory();
afterAll(removeDirectory);
const cli = cliIn(directory);

describe('collapse-sim serve', () => {
  it.each([
    [['--port', 'abc'], 'abc'],
    [['--port', '70000'], '70000'],
    [['--port=-1'], '-1'],
    [['--port', '1.5'], '1.5'],
  ])('%j: exit 2, one line naming the flag and its range', (args, given) => {
    const result = cli(['serve', ...args]);
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(`collapse-sim: --port must be an integer in [0, 65535] (got "${given}")`);
  });

  it('a port in use is a one-line error naming --port', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const root = join(directory, 'built');
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>t</title>');
    await expect(startExplorerServer(root, port)).rejects.toThrow(new UsageError(`--port ${port} is in use: choose another (or 0 for any free port)`));
    blocker.close();
  });

  it('says how to build the page when it is not built', async () => {
    await expect(startExplorerServer(join(directory, 'empty'), 0)).rejects.toThrow(/the explorer is not built .*: run npm run build:web/);
  });

  it('serves the files under its root and nothing outside it', async () => {
    const root = join(directory, 'site');
    mkdirSync(join(root, 'sub'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>site</title>');
    writeFileSync(join(root, 'sub', 'a.js'), 'export {};');
    writeFileSync(join(directory, 'secret.txt'), 'secret');
    const server = await startExplorerServer(root, 0);
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const index = await fetch(server.url);
      expect(index.status).toBe(200);
      expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await index.text()).toContain('<title>site</title>');
      const script = await fetch(`${server.url}sub/a.js`);
      expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      for (const path of ['..%2Fsecret.txt', 'sub/..%2F..%2Fsecret.txt', '%2e%2e/secret.txt', 'missing.html', 'sub']) {
        expect((await fetch(`${server.url}${path}`)).status, path).toBe(404);
      }
    } finally {
      await server.close();
    }
  });
});
