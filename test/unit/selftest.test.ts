/**
 * The known-answer self-test (issue 15, item 2): totpkit drives @noble/hashes' compression classes
 * through members outside noble's public API. Here those internals drift the way the review feared
 * (`set()` becomes a no-op, so every key and counter would give one code): no key may be compiled,
 * now or later, and nothing is computed. This file has its own module instances (vitest runs each
 * test file in a fresh process), so the broken hashes do not leak into other tests.
 */
import { describe, expect, it, vi } from 'vitest';

vi.mock('@noble/hashes/legacy.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('@noble/hashes/legacy.js')>();
  class DriftedSHA1 extends real._SHA1 {
    protected override set(): void {} // the plausible internal change: chaining state no longer loaded
  }
  return { ...real, _SHA1: DriftedSHA1 };
});

const { createOtpKey, hotp, totp, verifyTotp, TOTPKIT_ERROR_CODES } = await import('../../src/index.js');
const secret = new TextEncoder().encode('12345678901234567890');

describe('the HMAC self-test', () => {
  it('refuses to compile any key when the hash internals drift, on every path, every time', () => {
    for (let i = 0; i < 2; i++) {
      expect(() => createOtpKey(secret)).toThrow(
        expect.objectContaining({ code: 'ERR_SELF_TEST', name: 'TotpkitError' }),
      );
      expect(() => createOtpKey(new Uint8Array(32).fill(1), { algorithm: 'SHA256' })).toThrow(
        expect.objectContaining({ code: 'ERR_SELF_TEST' }),
      );
      expect(() => totp(secret, { time: 59_000 })).toThrow(expect.objectContaining({ code: 'ERR_SELF_TEST' }));
      expect(() => hotp(secret, 1)).toThrow(expect.objectContaining({ code: 'ERR_SELF_TEST' }));
      expect(() => verifyTotp(secret, '287082', { time: 59_000 })).toThrow(
        expect.objectContaining({ code: 'ERR_SELF_TEST' }),
      );
    }
    expect(TOTPKIT_ERROR_CODES).toContain('ERR_SELF_TEST');
  });
});
