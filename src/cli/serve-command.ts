/**
 * `collapse-sim serve`: the browser explorer (web/, built into dist/web by `npm run build:web`)
 * served on localhost. It opens nothing by itself; it prints the address and serves until
 * SIGINT or SIGTERM. Static files only: the simulation runs in the visitor's browser.
 */
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import type { Command } from 'commander';
import { InterruptedError, UsageError } from '../spec/errors.js';
import { parseNumber } from '../spec/parse.js';
import { packageRoot } from '../package-files.js';

export const DEFAULT_PORT = 8080;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

/** Where `npm run build:web` writes the page. */
export function explorerRoot(): string {
  return join(packageRoot(), 'dist', 'web');
}

export interface ExplorerServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves the files under `root` on 127.0.0.1:`port` (0: any free port). */
export async function startExplorerServer(root: string, port: number): Promise<ExplorerServer> {
  if (!existsSync(join(root, 'index.html'))) throw new UsageError(`the explorer is not built (${join(root, 'index.html')} is missing): run npm run build:web`);
  const server: Server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    // normalize() resolves '..'; a path that leaves the root is not served.
    const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
    if ((file !== root && !file.startsWith(root + sep)) || !existsSync(file) || !statSync(file).isFile()) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    response.writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
    response.end(request.method === 'HEAD' ? undefined : readFileSync(file));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new UsageError(`--port ${port} is in use: choose another (or 0 for any free port)`) : new UsageError(`--port ${port}: cannot listen (${error.code ?? error.message})`)),
    );
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  return {
    url: `http://127.0.0.1:${bound}/`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // A browser's keep-alive connections would hold close() open.
        server.closeAllConnections();
      }),
  };
}

export async function serveCommand(command: Command): Promise<void> {
  const options = command.opts();
  const port = options['port'] === undefined ? DEFAULT_PORT : parseNumber(options['port'], 'port', { min: 0, max: 65535, integer: true });
  const server = await startExplorerServer(explorerRoot(), port);
  process.stderr.write(`collapse-sim: the explorer is at ${server.url} (serving ${explorerRoot()}; Ctrl-C stops it)\n`);
  const signal = await new Promise<'SIGINT' | 'SIGTERM'>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  await server.close();
  throw new InterruptedError(signal, 'server stopped');
}
