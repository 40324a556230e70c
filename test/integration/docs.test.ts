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
    // Module pages are named by import specifier (totpkit/qr → totpkit_qr), not by source file.
    for (const page of [
      'index.html',
      'modules/totpkit.html',
      'modules/totpkit_limits.html',
      'modules/totpkit_compat.html',
      'modules/totpkit_inspect.html',
      'modules/totpkit_migration.html',
      'modules/totpkit_account.html',
      'modules/totpkit_guard.html',
      'modules/totpkit_qr.html',
      'modules/totpkit_redis.html',
      'modules/totpkit_postgres.html',
      'modules/totpkit_sqlite.html',
      'modules/totpkit_cloudflare.html',
      'modules/totpkit_dynamodb.html',
      'modules/totpkit_testing.html',
      'modules/totpkit_testing_arbitraries.html',
    ]) {
      expect(existsSync(join(out, page)), page).toBe(true);
    }
    expect(readFileSync(join(out, 'modules/totpkit_qr.html'), 'utf8')).toMatch(/<title>totpkit\/qr/);
    // The JSDoc made it in, @throws with its error codes included.
    expect(readFileSync(join(out, 'functions/totpkit.verifyTotp.html'), 'utf8')).toMatch(/Throws.*ERR_OUT_OF_RANGE/s);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}, 120_000);
