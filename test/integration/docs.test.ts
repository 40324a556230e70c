/**
 * The API reference: `npm run docs` (TypeDoc over every public entry point) must build without a
 * single warning. typedoc.json treats warnings as errors and requires documentation on every
 * exported function, class, interface, type, variable and method, and every type a public
 * signature mentions must itself be exported and documented.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { root } from '../helpers.js';

it('npm run docs builds the API reference without warnings, with a page per entry point', () => {
  const out = mkdtempSync(join(tmpdir(), 'totpkit-api-'));
  try {
    const r = spawnSync(process.execPath, [join(root, 'node_modules/typedoc/bin/typedoc'), '--out', out], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    const output = `${r.stdout}${r.stderr}`;
    expect(output).not.toMatch(/\[warning\]|\[error\]/);
    expect(r.status, output).toBe(0);
    for (const page of [
      'index.html',
      'modules/index.html',
      'modules/guard.html',
      'modules/qr.html',
      'modules/adapters_redis.html',
      'modules/adapters_postgres.html',
      'modules/testing.html',
      'modules/testing_arbitraries.html',
    ]) {
      expect(existsSync(join(out, page)), page).toBe(true);
    }
    // The JSDoc made it in, @throws with its error codes included.
    expect(readFileSync(join(out, 'functions/index.verifyTotp.html'), 'utf8')).toMatch(/Throws.*ERR_OUT_OF_RANGE/s);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}, 120_000);
