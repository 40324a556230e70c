/**
 * The dual-package hazard: a program (or its dependencies) can load totpkit's ESM build and its CJS
 * build side by side, two copies with distinct classes. An `OtpKey` made by one copy must work
 * with the other's functions, and `isTotpkitError` of one copy must recognise the other's errors:
 * both rest on a brand (`Symbol.for('totpkit')`), never on `instanceof`.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { errorOf, root } from '../helpers.js';

type Index = typeof import('../../src/index.js');
const esm = (await import(pathToFileURL(join(root, 'dist/index.js')).href)) as Index;
const cjs = createRequire(import.meta.url)(join(root, 'dist/index.cjs')) as Index;
const SECRET = new TextEncoder().encode('12345678901234567890');

describe('the ESM and the CJS build loaded together', () => {
  it('are two copies: their classes are distinct, so instanceof fails across them', () => {
    expect(cjs.OtpKey).not.toBe(esm.OtpKey);
    expect(cjs.createOtpKey(SECRET) instanceof esm.OtpKey).toBe(false);
  });

  it("each computes with the other's OtpKey", () => {
    // RFC 6238 Appendix B, SHA-1, T = 59 s.
    expect(esm.totp(cjs.createOtpKey(SECRET), { time: 59_000, digits: 8 })).toBe('94287082');
    expect(cjs.totp(esm.createOtpKey(SECRET), { time: 59_000, digits: 8 })).toBe('94287082');
    expect(esm.verifyTotp(cjs.createOtpKey(SECRET), '94287082', { time: 59_000, digits: 8 })).toMatchObject({
      ok: true,
      step: 1,
    });
    const mismatch = errorOf(() => esm.totp(cjs.createOtpKey(SECRET), { algorithm: 'SHA256' }));
    expect(mismatch?.code).toBe('ERR_KEY_ALGORITHM_MISMATCH');
  });

  it("each recognises the other's errors, data and argument errors alike", () => {
    const data = errorOf(() => cjs.parseOtpauthUri('https://example.com'));
    expect(data).not.toBeInstanceOf(esm.TotpkitError);
    expect(esm.isTotpkitError(data, 'ERR_URI_SCHEME')).toBe(true);
    expect(
      cjs.isTotpkitError(
        errorOf(() => esm.totp(SECRET, { digits: 11 })),
        'ERR_OUT_OF_RANGE',
      ),
    ).toBe(true);
    expect(
      esm.isTotpkitError(
        errorOf(() => cjs.createOtpKey('JBSWY3DP' as never)),
        'ERR_INVALID_ARG_TYPE',
      ),
    ).toBe(true);
  });
});
