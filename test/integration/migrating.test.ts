/**
 * docs/migrating.md is true: every ```js block runs, against the real peer library (installed in
 * bench/peers, as for the benchmarks) or the built totpkit, and prints exactly what its `// →`
 * comments say. Side-by-side blocks carry the same comments, so the peers and totpkit are shown to
 * agree. Without bench/peers/node_modules the test skips with the reason; under CI=true it fails.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { inCI, root } from '../helpers.js';

const peers = join(root, 'bench', 'peers');
const havePeers = existsSync(join(peers, 'node_modules', 'otplib'));
if (!havePeers) {
  const reason = 'bench/peers/node_modules is missing (npm ci --prefix bench/peers)';
  if (inCI) throw new Error(`${reason}: required under CI=true`);
  console.warn(`skipping docs/migrating.md checks: ${reason}`);
}

const doc = readFileSync(join(root, 'docs/migrating.md'), 'utf8');
const blocks = [...doc.matchAll(/^( *)```js (\w+)\n([\s\S]*?)^\1```$/gm)].map((m, i) => ({
  i,
  library: m[2]!,
  code: m[3]!
    .split('\n')
    .map((l) => l.slice(m[1]!.length))
    .join('\n'),
}));

describe.runIf(havePeers)('docs/migrating.md', () => {
  // Inside bench/peers, so that `import 'otplib'` finds the peers; totpkit comes from the build.
  const dir = join(peers, '.migrating-check');
  mkdirSync(dir, { recursive: true });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const dist = (path: string) => pathToFileURL(join(root, 'dist', path)).href;

  it('has side-by-side blocks for every peer', () => {
    expect(new Set(blocks.map((b) => b.library))).toEqual(new Set(['otplib', 'otpauth', 'speakeasy', 'totpkit']));
    expect(blocks.length).toBeGreaterThanOrEqual(14);
  });

  for (const block of blocks) {
    it(`block ${block.i + 1} (${block.library}) prints what its comments say`, () => {
      const expected = [...block.code.matchAll(/\/\/ → (.*)$/gm)].map((m) => m[1]!.trim());
      expect(expected.length, 'a block states what it prints').toBeGreaterThan(0);
      const code = block.code.replace(
        /from 'totpkit(\/qr)?'/g,
        (_, sub: string | undefined) => `from '${dist(sub === undefined ? 'index.js' : 'qr/index.js')}'`,
      );
      const file = join(dir, `block-${block.i + 1}.mjs`);
      writeFileSync(file, code);
      const out = execFileSync(process.execPath, [file], { cwd: dir, encoding: 'utf8' });
      expect(
        out
          .trim()
          .split('\n')
          .map((l) => l.trim()),
      ).toEqual(expected);
    });
  }
});
