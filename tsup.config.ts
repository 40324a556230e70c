import { defineConfig } from 'tsup';

// Entry points: the core, and one per heavier subpath as they land.
const entry = { index: 'src/index.ts' };

// @noble/hashes 2.x and base32-encode 2.x are ESM-only. The ESM build imports them as peers in
// node_modules (deduplicated, tree-shaken by the user's bundler). The CJS build bundles them, so
// `require('totpkit')` never depends on require(esm) support in the runtime or bundler.
const esmOnly = ['@noble/hashes', 'base32-encode', 'base32-decode', 'to-data-view'];

export default defineConfig([
  {
    entry,
    format: 'esm',
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    splitting: true,
    treeshake: true,
    minify: false,
  },
  {
    entry,
    format: 'cjs',
    dts: true,
    sourcemap: true,
    target: 'es2022',
    noExternal: esmOnly,
    treeshake: true,
    minify: false,
  },
]);
