/**
 * The layering of docs/architecture.md, checked (tests/architecture.test.ts): no import cycle,
 * type-only imports included, and the back-ties that would tangle the layers forbidden.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle (type-only imports count) ties modules that should stack.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'io-below-engines',
      severity: 'error',
      comment: 'Files are read and written without knowing which engine made the rows.',
      from: { path: '^src/io/' },
      to: { path: '^src/engine/' , pathNot: '^src/engine/batch\\.ts$' },
    },
    {
      name: 'reproduce-not-bench',
      severity: 'error',
      comment: 'Reproducing the paper does not depend on the benchmark harness.',
      from: { path: '^src/reproduce/' },
      to: { path: '^src/bench/' },
    },
    {
      name: 'spec-basics-below-families',
      severity: 'error',
      comment: 'Option parsing and errors sit below the families that use them.',
      from: { path: '^src/spec/(parse|errors)\\.ts$' },
      to: { path: '^src/(?!spec/(parse|errors)\\.ts$)' },
    },
    {
      name: 'math-and-rng-at-the-bottom',
      severity: 'error',
      comment: 'Special functions and random streams depend on nothing above them.',
      from: { path: '^src/(math|rng)/' },
      to: { path: '^src/(?!math/|rng/|constants\\.ts$|package-files\\.ts$)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: require('node:path').join(__dirname, 'tsconfig.json') },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.d.ts'] },
  },
};
