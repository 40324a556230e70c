import { defineConfig } from 'tsup';

// Public entry points: the core, and one per subpath (limits, compat, inspect, migration, account, QR, guard,
// adapters, testing).
const entry = {
  index: 'src/index.ts',
  limits: 'src/limits.ts',
  compat: 'src/compat.ts',
  inspect: 'src/inspect.ts',
  migration: 'src/migration.ts',
  'account/index': 'src/account/index.ts',
  'qr/index': 'src/qr/index.ts',
  'guard/index': 'src/guard/index.ts',
  'adapters/redis': 'src/adapters/redis.ts',
  'adapters/postgres': 'src/adapters/postgres.ts',
  'adapters/sqlite': 'src/adapters/sqlite.ts',
  'adapters/cloudflare': 'src/adapters/cloudflare.ts',
  'adapters/dynamodb': 'src/adapters/dynamodb.ts',
  'testing/index': 'src/testing/index.ts',
  'testing/arbitraries': 'src/testing/arbitraries.ts',
};

// ESM: one output module per source module (bundle: false). Bundlers then see the real module
// graph and, with "sideEffects": false, drop every module a program does not use together with
// its dependencies; a single bundled file would keep every dependency it imports.
//
// CJS: @noble/hashes 2.x and base32-encode 2.x are ESM-only, so the CJS build bundles them.
// `require('totpkit')` then never depends on require(esm) support in the runtime or bundler.
const esmOnly = ['@noble/hashes', '@noble/ciphers', 'base32-encode', 'base32-decode', 'to-data-view'];
// qrcode-generator ships CJS itself and stays external in both builds.

export default defineConfig([
  {
    entry: ['src/**/*.ts'],
    format: 'esm',
    bundle: false,
    // Declarations come from tsc (tsconfig.build.json), one per source file: tsup's bundled .d.ts
    // scattered types into hashed chunks under renamed exports.
    dts: false,
    // No source maps: the output is unminified, readable ES2022, and maps would triple the package.
    sourcemap: false,
    target: 'es2022',
    minify: false,
  },
  {
    entry,
    format: 'cjs',
    // Shared chunks: one copy of the core (and of TotpkitError) for every CJS entry point.
    splitting: true,
    dts: false,
    sourcemap: false,
    target: 'es2022',
    noExternal: esmOnly,
    treeshake: true,
    minify: false,
  },
]);
