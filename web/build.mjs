/**
 * `npm run build:web`: the browser explorer (web/explorer.ts and the library it imports,
 * src/) bundled by esbuild into dist/web, with its page and parquet-wasm's WebAssembly. The
 * page runs the library's own code; only three kinds of module are swapped, all Node-only:
 * src/version.ts (reads package.json from disk) becomes the version string, src/environment.ts
 * (node:os) describes the browser's machine from `navigator`, and the modules
 * that open backends and worker threads in Node (loaded lazily by GpuEngine.open, never
 * called by the page, which opens its own backends) become a module that says so.
 */
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'dist', 'web');
const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;

const NODE_ONLY = [join(ROOT, 'src/engine/gpu/backends.ts'), join(ROOT, 'src/engine/gpu/worker-pool-runner.ts')];

/** src/environment.ts's interface, answered from what a browser says of its machine. */
const BROWSER_ENVIRONMENT = `
const agent = typeof navigator === 'undefined' ? null : navigator;
export function operatingSystem() {
  return agent?.userAgentData?.platform ?? agent?.platform ?? 'unknown';
}
export function machineDescription() {
  return {
    cpu: 'unknown (a browser does not name it)',
    cores: agent?.hardwareConcurrency ?? 1,
    memory_bytes: Math.round((agent?.deviceMemory ?? 0) * 2 ** 30),
    node: 'none (a browser: ' + (agent?.userAgent ?? 'unknown') + ')',
    platform: operatingSystem(),
    os: operatingSystem(),
  };
}
`;

/** The library's imports name .js files compiled from .ts sources: resolve them to the sources. */
const browserLibrary = {
  name: 'collapse-sim-browser',
  setup(builder) {
    builder.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (!args.importer.startsWith(join(ROOT, 'src'))) return undefined;
      const target = resolve(args.resolveDir, args.path).replace(/\.js$/, '.ts');
      if (target === join(ROOT, 'src/version.ts')) return { path: target, namespace: 'version' };
      if (target === join(ROOT, 'src/environment.ts')) return { path: target, namespace: 'environment' };
      if (NODE_ONLY.includes(target)) return { path: target, namespace: 'node-only' };
      return undefined;
    });
    builder.onLoad({ filter: /.*/, namespace: 'version' }, () => ({ contents: `export const TOOL_VERSION = ${JSON.stringify(version)};`, loader: 'js' }));
    builder.onLoad({ filter: /.*/, namespace: 'environment' }, () => ({ contents: BROWSER_ENVIRONMENT, loader: 'js' }));
    builder.onLoad({ filter: /.*/, namespace: 'node-only' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`${args.path.slice(ROOT.length + 1)} runs in Node only: the page opens its backends itself (web/backends.ts)`)});`,
      loader: 'js',
    }));
  },
};

// A fresh folder: chunk names carry hashes, and stale ones would pile up.
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
const result = await build({
  // The page, and the worker each of its engines runs in (web/engine-worker.ts).
  entryPoints: [join(ROOT, 'web/explorer.ts'), join(ROOT, 'web/engine-worker.ts')],
  outdir: OUT,
  bundle: true,
  format: 'esm',
  // Shared code in chunks, loaded when imported: the engine worker loads gpu.js only to open a GPU.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  // The engine checks the mode gpu.js ran by its kernel's class name (kernel-runner.ts kernelMode).
  keepNames: true,
  sourcemap: true,
  // gpu.js's browser build (its package's "browser" field) and parquet-wasm's web build.
  mainFields: ['browser', 'module', 'main'],
  plugins: [browserLibrary],
  logLevel: 'warning',
  metafile: true,
});
copyFileSync(join(ROOT, 'web/index.html'), join(OUT, 'index.html'));
copyFileSync(join(ROOT, 'web/explorer.css'), join(OUT, 'explorer.css'));
copyFileSync(join(ROOT, 'node_modules/parquet-wasm/esm/parquet_wasm_bg.wasm'), join(OUT, 'parquet_wasm_bg.wasm'));
const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
process.stderr.write(`collapse-sim: the explorer is built in ${OUT} (${(bytes / 1e6).toFixed(1)} MB with its source map)\n`);
