import { defineConfig } from 'vitest/config';

// `npm run test:fast` (TOTPKIT_TEST_FAST=1): the whole suite minus what needs a build, Chromium,
// running servers or the npm registry, so a change to the core is checked in seconds. `npm test`
// (and CI) always runs everything.
const fast = process.env.TOTPKIT_TEST_FAST === '1';
const NEEDS_BUILD_BROWSER_OR_NETWORK = [
  'test/browser.test.ts', // Chromium
  'test/e2e.test.ts', // Chromium and the example server
  'test/example-login.test.ts', // imports the built package by name
  'test/dist.test.ts', // the build, the tarball install
  'test/cli.test.ts', // the built CLI
  'test/faults.test.ts', // private Redis and PostgreSQL servers
  'test/noble-latest.test.ts', // the npm registry
  'test/runtimes.test.ts', // the build, Bun, Deno and workerd
  'test/docs.test.ts', // TypeDoc over the whole API (seconds)
  'test/readme.test.ts', // runs the quick start against the build
  'test/migrating.test.ts', // docs/migrating.md against the build and the peers
];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: fast ? NEEDS_BUILD_BROWSER_OR_NETWORK : [],
    // Separate processes: the "returns quickly" checks measure this process's CPU time.
    pool: 'forks',
    // Type-level tests (*.test-d.ts) are checked by tsc and reported as tests, never executed.
    typecheck: { enabled: !fast, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
    reporters: ['default', './test/summary-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
