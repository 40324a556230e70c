/**
 * The README's quick start runs as written: its code block is extracted, saved inside the package
 * (so `import 'totpkit'` resolves to the built package, as it would for a user) and run with Node.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { decodeQrMatrix } from '../../src/testing/index.js';
import { readTerminalQr, root } from '../helpers.js';

it('the quick start runs as written: a QR code, a login, and the same code refused as a replay', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('## API'));
  const code = /```js\n([\s\S]*?)```/.exec(section)?.[1];
  expect(code, 'a js block under "Quick start"').toBeDefined();
  const dir = join(root, '.artifacts', 'readme');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'quickstart.mjs');
  writeFileSync(file, code!);
  try {
    const out = execFileSync(process.execPath, [file], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(out).toMatch(/\{ ok: true, step: \d+, delta: 0 \}/);
    expect(out).toContain("{ ok: false, reason: 'replayed' }");
    // The terminal QR code reads back to an enrollment URI.
    expect(decodeQrMatrix(readTerminalQr(out))).toMatch(
      /^otpauth:\/\/totp\/ACME:alice%40example\.com\?secret=[A-Z2-7]{32}&issuer=ACME$/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
