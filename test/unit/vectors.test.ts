/**
 * The RFC test vectors, through both the raw-secret and the compiled OtpKey paths.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createOtpKey, hotp, totp, verifyHotp, verifyTotp, type Algorithm } from '../../src/index.js';
import { ascii } from '../helpers.js';
import rfc4226 from '../vectors/rfc4226.json' with { type: 'json' };
import rfc6238 from '../vectors/rfc6238.json' with { type: 'json' };

const ALGORITHMS: Algorithm[] = ['SHA1', 'SHA256', 'SHA512'];

describe(`RFC 4226 Appendix D (${rfc4226.source})`, () => {
  const secret = ascii(rfc4226.secretAscii);
  const key = createOtpKey(secret);

  it.each(rfc4226.cases)('counter $counter: HMAC $hmac → $hotp', ({ counter, hmac, truncated, hotp: expected }) => {
    // The intermediate values hold for the oracle too, so the data file itself is checked.
    const message = Buffer.alloc(8);
    message.writeBigUInt64BE(BigInt(counter));
    expect(createHmac('sha1', secret).update(message).digest('hex')).toBe(hmac);
    expect(truncated % 1e6).toBe(Number(expected));
    expect(hotp(secret, counter)).toBe(expected);
    expect(hotp(key, counter)).toBe(expected);
    expect(hotp(secret, BigInt(counter))).toBe(expected);
    // Ten digits is the whole truncated value.
    expect(hotp(secret, counter, { digits: 10 })).toBe(String(truncated).padStart(10, '0'));
    expect(verifyHotp(key, expected, { counter, window: 0 })).toEqual({ ok: true, counter, next: counter + 1 });
  });

  it('finds counter 9 from counter 0 with look-ahead 9, and not with 8', () => {
    expect(verifyHotp(secret, '520489', { counter: 0, window: 9 })).toEqual({ ok: true, counter: 9, next: 10 });
    expect(verifyHotp(secret, '520489', { counter: 0, window: 8 })).toEqual({ ok: false, reason: 'mismatch' });
  });
});

describe(`RFC 6238 Appendix B (${rfc6238.source})`, () => {
  for (const algorithm of ALGORITHMS) {
    const secret = ascii(rfc6238.seeds[algorithm]);
    const key = createOtpKey(secret, { algorithm });
    it.each(rfc6238.cases)(`${algorithm} at $time s`, (row) => {
      const expected = row[algorithm];
      const time = row.time * 1000;
      expect(
        BigInt(Math.floor(row.time / 30))
          .toString(16)
          .toUpperCase()
          .padStart(16, '0'),
      ).toBe(row.step);
      expect(totp(secret, { time, algorithm, digits: 8 })).toBe(expected);
      expect(totp(key, { time, digits: 8 })).toBe(expected);
      expect(totp(key, { time: new Date(time), digits: 8, algorithm })).toBe(expected);
      const step = Number.parseInt(row.step, 16);
      expect(verifyTotp(key, expected, { time, digits: 8 })).toEqual({ ok: true, step, delta: 0 });
    });
  }

  it('uses the key bytes as given: the 20-byte seed must NOT reproduce the SHA-256/512 vectors', () => {
    // Libraries that pad or repeat the SHA-1 seed to the hash size "pass" these rows by accident
    // and then disagree with every authenticator for real keys.
    const shortSeed = ascii(rfc6238.seeds.SHA1);
    for (const row of rfc6238.cases) {
      for (const algorithm of ['SHA256', 'SHA512'] as const) {
        expect(totp(shortSeed, { time: row.time * 1000, algorithm, digits: 8 })).not.toBe(row[algorithm]);
      }
    }
  });
});
