import { defineConfig } from 'vitest/config';

// Tests are grouped by what they need, one folder each:
//   test/unit         in-process only: no build, no outside tool, no server (`npm run test:fast`, seconds)
//   test/integration  the build, outside tools (oathtool, zbarimg, qrencode, Bun, Deno, workerd),
//                     real servers (Redis, PostgreSQL) and the npm registry
//   test/e2e          Chromium driving the example server and the browser build
// `npm test` (and CI) runs all three; `npm run test:fast` (TOTPKIT_TEST_FAST=1) runs test/unit.
const fast = process.env.TOTPKIT_TEST_FAST === '1';

export default defineConfig({
  test: {
    include: fast ? ['test/unit/**/*.test.ts'] : ['test/**/*.test.ts'],
    // Separate processes: the "returns quickly" checks measure this process's CPU time.
    pool: 'forks',
    // Type-level tests (*.test-d.ts) are checked by tsc and reported as tests, never executed.
    typecheck: { enabled: !fast, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
    reporters: ['default', './test/summary-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
