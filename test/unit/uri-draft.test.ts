/**
 * parseOtpauthUri against draft-andesco-otpauth-uri-01 (IETF, October 2026), one test per row of
 * the README's table: what strict and lenient parsing do with each of the draft's rules.
 */
import { describe, expect, it } from 'vitest';
import { buildOtpauthUri, decodeBase32, parseOtpauthUri } from '../../src/index.js';
import { errorCode } from '../helpers.js';

const S = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
/** 17 bytes ("12345678901234567"): 28 base32 characters, padded to 32. */
const PADDED = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3Q====';
const strict = (uri: string) => parseOtpauthUri(uri);
const lenient = (uri: string) => parseOtpauthUri(uri, { mode: 'lenient' });
const codes = (uri: string) => lenient(uri).warnings.map((w) => w.code);

describe('draft-andesco-otpauth-uri-01, rule by rule', () => {
  it('the secret is unpadded base32 (A–Z, 2–7): strict refuses anything else; lenient reads what apps emit', () => {
    expect(strict(`otpauth://totp/A:b?secret=${S}&issuer=A`).secret).toEqual(decodeBase32(S));
    for (const secret of [S.toLowerCase(), PADDED, 'GEZD GNBV GY3T QOJQ', 'GEZD-GNBV-GY3T-QOJQ'])
      expect(
        errorCode(() => strict(`otpauth://totp/A:b?secret=${encodeURIComponent(secret)}&issuer=A`)),
        secret,
      ).toBe('ERR_URI_SECRET_INVALID');
    expect(codes(`otpauth://totp/A:b?secret=${S.toLowerCase()}&issuer=A`)).toContain('SECRET_LOWERCASE');
    expect(codes(`otpauth://totp/A:b?secret=${encodeURIComponent(PADDED)}&issuer=A`)).toContain('SECRET_PADDED');
    expect(codes('otpauth://totp/A:b?secret=GEZD%20GNBV%20GY3T%20QOJQ&issuer=A')).toContain('SECRET_SEPARATORS');
    // Outside the alphabet: no mode reads it.
    expect(errorCode(() => lenient(`otpauth://totp/A:b?secret=${S.slice(0, -1)}1&issuer=A`))).toBe(
      'ERR_URI_SECRET_INVALID',
    );
  });

  it('a known parameter appears at most once: refused in both modes', () => {
    const base = `otpauth://totp/A:b?secret=${S}&issuer=A&algorithm=SHA1&digits=6&period=30`;
    expect(strict(base).issuer).toBe('A');
    for (const extra of [`secret=${S}`, 'issuer=A', 'algorithm=SHA1', 'digits=8', 'period=30'])
      for (const parse of [strict, lenient])
        expect(
          errorCode(() => parse(`${base}&${extra}`)),
          extra,
        ).toBe('ERR_URI_DUPLICATE_PARAMETER');
  });

  it('the decoded issuer or account contains no colon: refused in both modes', () => {
    for (const uri of [
      `otpauth://totp/A:b%3Ac?secret=${S}&issuer=A`,
      `otpauth://totp/A:b:c?secret=${S}&issuer=A`,
      `otpauth://totp/b?secret=${S}&issuer=A%3AB`,
    ])
      for (const parse of [strict, lenient])
        expect(
          errorCode(() => parse(uri)),
          uri,
        ).toBe('ERR_URI_LABEL');
  });

  it('issuer= is authoritative: strict needs it and a label that agrees; lenient reads a label prefix alone', () => {
    expect(strict(`otpauth://totp/Label:b?secret=${S}&issuer=Label`).issuer).toBe('Label');
    expect(errorCode(() => strict(`otpauth://totp/A:b?secret=${S}&issuer=B`))).toBe('ERR_URI_ISSUER_MISMATCH');
    expect(errorCode(() => lenient(`otpauth://totp/A:b?secret=${S}&issuer=B`))).toBe('ERR_URI_ISSUER_MISMATCH');
    expect(errorCode(() => strict(`otpauth://totp/A:b?secret=${S}`))).toBe('ERR_URI_ISSUER_MISSING');
    expect(lenient(`otpauth://totp/A:b?secret=${S}`)).toMatchObject({
      issuer: 'A',
      warnings: [expect.objectContaining({ code: 'ISSUER_ONLY_IN_LABEL' })],
    });
    // issuer= alone, no label prefix: read in both modes.
    expect(strict(`otpauth://totp/b?secret=${S}&issuer=A`).issuer).toBe('A');
  });

  it('digits are 6 or 8: strict refuses the rest; lenient reads 6..10 with a warning; the builder writes them', () => {
    for (const digits of [6, 8])
      expect(strict(`otpauth://totp/A:b?secret=${S}&issuer=A&digits=${digits}`).digits).toBe(digits);
    for (const digits of [7, 9, 10]) {
      const uri = buildOtpauthUri({ type: 'totp', secret: decodeBase32(S), account: 'b', issuer: 'A', digits });
      expect(
        errorCode(() => strict(uri)),
        String(digits),
      ).toBe('ERR_URI_DIGITS');
      expect(lenient(uri)).toMatchObject({
        digits,
        warnings: [expect.objectContaining({ code: 'NON_DEFAULT_DIGITS' })],
      });
    }
    for (const digits of [5, 11])
      expect(errorCode(() => lenient(`otpauth://totp/A:b?secret=${S}&issuer=A&digits=${digits}`))).toBe(
        'ERR_URI_DIGITS',
      );
  });
});
