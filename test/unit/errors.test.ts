/**
 * `isTotpkitError` recognises totpkit's own errors and nothing else. (Across two copies of the
 * package, the ESM and the CJS build, see test/integration/dual-package.test.ts.)
 */
import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { createOtpKey, isTotpkitError, parseOtpauthUri, totp } from '../../src/index.js';
import { errorOf } from '../helpers.js';

const SECRET = new TextEncoder().encode('12345678901234567890');

describe('isTotpkitError recognises only totpkit errors', () => {
  it("is false for Node's own errors that share our codes", () => {
    const nodeType = errorOf(() => Buffer.from(123 as never));
    expect(nodeType).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' }); // the same code as ours
    expect(isTotpkitError(nodeType)).toBe(false);
    expect(isTotpkitError(nodeType, 'ERR_INVALID_ARG_TYPE')).toBe(false);
    const nodeRange = errorOf(() => Buffer.alloc(-1));
    expect(nodeRange).toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    expect(isTotpkitError(nodeRange)).toBe(false);
  });

  it('is false for look-alikes: a code copied onto a plain error, a non-error with a code', () => {
    expect(isTotpkitError(Object.assign(new TypeError('x'), { code: 'ERR_INVALID_ARG_TYPE' }))).toBe(false);
    expect(isTotpkitError(Object.assign(new Error('x'), { code: 'ERR_URI_SCHEME' }))).toBe(false);
    expect(isTotpkitError({ name: 'TotpkitError', code: 'ERR_URI_SCHEME' })).toBe(false);
  });

  it('is true for its own errors, and matches the code when one is given', () => {
    const data = errorOf(() => parseOtpauthUri('https://example.com'));
    expect(isTotpkitError(data)).toBe(true);
    expect(isTotpkitError(data, 'ERR_URI_SCHEME')).toBe(true);
    expect(isTotpkitError(data, 'ERR_URI_TYPE')).toBe(false);
    const type = errorOf(() => createOtpKey('JBSWY3DP' as never));
    expect(type).toBeInstanceOf(TypeError);
    // Base32 text where bytes belong: the message points to decodeBase32, as totp() and hotp() do.
    expect(type?.message).toBe('"secret" must be a Uint8Array (see decodeBase32), got string of length 8');
    expect(isTotpkitError(type, 'ERR_INVALID_ARG_TYPE')).toBe(true);
    const range = errorOf(() => totp(SECRET, { digits: 11 }));
    expect(isTotpkitError(range, 'ERR_OUT_OF_RANGE')).toBe(true);
  });
});
