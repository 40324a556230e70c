/**
 * Opened secrets do not outlive their use (issue 15, item 7): the bytes decrypted from a sealed
 * credential are zeroed once its key is compiled, and those opened to confirm an enrollment once
 * its code is checked. The modules that receive them are wrapped here to keep a reference.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

const seen: Uint8Array[] = [];
vi.mock('../../src/key.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/key.js')>();
  return {
    ...real,
    createOtpKey: (secret: Uint8Array, options?: never) => {
      seen.push(secret);
      return real.createOtpKey(secret, options);
    },
  };
});
vi.mock('../../src/totp.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/totp.js')>();
  return {
    ...real,
    verifyTotp: (secret: Uint8Array, ...rest: never[]) => {
      seen.push(secret);
      return (real.verifyTotp as (...a: unknown[]) => unknown)(secret, ...rest);
    },
  };
});

const { confirmEnrollment, parseOtpauthUri, startEnrollment, totp, verifyCredential } = await import(
  '../../src/index.js'
);
const keyring = { current: 'k', keys: { k: new Uint8Array(32).fill(3) } };
const T = Date.UTC(2026, 10, 23, 12, 0, 0);
afterEach(() => {
  seen.length = 0;
});

describe('decrypted secret bytes are wiped after use', () => {
  it(
    'confirmEnrollment zeroes the opened secret once the code is checked, and ' +
      'verifyCredential once the key is compiled',
    () => {
      const s = startEnrollment({ account: 'a', issuer: 'B', keyring, now: T });
      const phone = parseOtpauthUri(s.uri).secret;
      seen.length = 0;
      const r = confirmEnrollment(s.enrollment, { token: s.token, code: totp(phone, { time: T }), keyring, now: T });
      if (!r.ok) throw new Error('enrollment failed');
      const opened = seen.filter((b) => b instanceof Uint8Array && b.length === phone.length);
      expect(opened.length).toBeGreaterThan(0);
      for (const bytes of opened)
        expect(
          [...bytes].every((b) => b === 0),
          'opened bytes are zero afterwards',
        ).toBe(true);

      seen.length = 0;
      const later = T + 60_000;
      const v = verifyCredential(r.credential, totp(phone, { time: later }), { keyring, now: later });
      expect(v.ok).toBe(true);
      const compiled = seen.filter((b) => b instanceof Uint8Array);
      expect(compiled.length).toBe(1);
      expect([...compiled[0]!].every((b) => b === 0)).toBe(true);
    },
  );
});
