/**
 * inspectEnrollmentUri: look-alike and weakened enrollment QR codes ("quishing"), case by case,
 * plus the invariants: a URI built for the expected issuer and account is always clean, and the
 * function never throws for any string.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildOtpauthUri } from '../../src/index.js';
import { inspectEnrollmentUri } from '../../src/inspect.js';
import { labelArb, secretArb } from '../../src/testing/arbitraries.js';
import { errorCode } from '../helpers.js';

const SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const uri = (label: string, query = '') => `otpauth://totp/${label}?secret=${SECRET}${query}`;
const expected = { expectedIssuer: 'ACME', expectedAccount: 'alice@example.com' };
const codes = (u: string, o: { expectedIssuer?: string; expectedAccount?: string } = expected) =>
  inspectEnrollmentUri(u, o).risks.map((r) => `${r.code}:${r.severity}`);

describe('inspectEnrollmentUri', () => {
  it('passes the real thing', () => {
    const r = inspectEnrollmentUri(uri('ACME:alice%40example.com', '&issuer=ACME'), expected);
    expect(r).toMatchObject({ ok: true, risks: [] });
    expect(r.parsed?.issuer).toBe('ACME');
  });

  it.each([
    ['a web page', 'https://acme.example/login', ['NOT_OTPAUTH:danger']],
    ['a Google Authenticator transfer', 'otpauth-migration://offline?data=AAAA', ['NOT_OTPAUTH:danger']],
    ['no URI at all', 'scan me', ['NOT_OTPAUTH:danger']],
    ['an unreadable otpauth URI', 'otpauth://totp/ACME:alice?issuer=ACME', ['UNREADABLE:danger']],
    [
      'a label that disagrees with issuer=',
      uri('ACME:alice%40example.com', '&issuer=EVIL'),
      ['LABEL_ISSUER_MISMATCH:danger'],
    ],
    ['another issuer', uri('EVIL:alice%40example.com', '&issuer=EVIL'), ['ISSUER_DIFFERENT:danger']],
    ['no issuer', uri('alice%40example.com'), ['ISSUER_MISSING:danger']],
    [
      'a Cyrillic А',
      uri('%D0%90CME:alice%40example.com', '&issuer=%D0%90CME'),
      ['MIXED_SCRIPTS:danger', 'ISSUER_LOOKALIKE:danger'],
    ],
    [
      'a Greek Μ',
      uri('AC%CE%9CE:alice%40example.com', '&issuer=AC%CE%9CE'),
      ['MIXED_SCRIPTS:danger', 'ISSUER_LOOKALIKE:danger'],
    ],
    ['lower case', uri('acme:alice%40example.com', '&issuer=acme'), ['ISSUER_LOOKALIKE:danger']],
    [
      'full-width letters',
      uri('%EF%BC%A1%EF%BC%A3%EF%BC%AD%EF%BC%A5:alice%40example.com', '&issuer=%EF%BC%A1%EF%BC%A3%EF%BC%AD%EF%BC%A5'),
      ['ISSUER_LOOKALIKE:danger'],
    ],
    [
      'a zero-width space',
      uri('AC%E2%80%8BME:alice%40example.com', '&issuer=AC%E2%80%8BME'),
      ['INVISIBLE_CHARACTERS:danger', 'ISSUER_LOOKALIKE:danger'],
    ],
    ['a look-alike account', uri('ACME:a1ice%40example.com', '&issuer=ACME'), ['ACCOUNT_LOOKALIKE:danger']],
    ['another account', uri('ACME:mallory%40example.com', '&issuer=ACME'), ['ACCOUNT_DIFFERENT:danger']],
    [
      'a remote image',
      uri('ACME:alice%40example.com', '&issuer=ACME&image=https%3A%2F%2Ftrack.example%2Fp.png'),
      ['REMOTE_IMAGE:warning'],
    ],
    [
      'a protocol-relative image',
      uri('ACME:alice%40example.com', '&issuer=ACME&IMAGE=//track.example/p.png'),
      ['REMOTE_IMAGE:warning'],
    ],
    [
      'an 80-bit secret',
      'otpauth://totp/ACME:alice%40example.com?secret=GEZDGNBVGY3TQOJQ&issuer=ACME',
      ['WEAK_SECRET:danger'],
    ],
    ['a 10-minute period', uri('ACME:alice%40example.com', '&issuer=ACME&period=600'), ['NON_DEFAULT_PERIOD:danger']],
    ['a 15-second period', uri('ACME:alice%40example.com', '&issuer=ACME&period=15'), ['NON_DEFAULT_PERIOD:warning']],
  ])('flags %s', (_name, input, risks) => {
    expect(codes(input)).toEqual(risks);
    expect(inspectEnrollmentUri(input, expected).ok).toBe(!risks.some((r) => r.endsWith(':danger')));
  });

  it('without expectations, still flags what is wrong on its own, and leaves a bilingual name alone', () => {
    expect(codes(uri('%D0%90CME:alice', '&issuer=%D0%90CME'), {})).toEqual(['MIXED_SCRIPTS:danger']);
    expect(codes(uri('EVIL:alice', '&issuer=EVIL'), {})).toEqual([]);
    // Zeros for Os, a one for an l, rn for m.
    for (const fake of ['G00gle', 'Goog1e', 'GoogIe', 'Go-ogle'])
      expect(codes(uri(`${fake}:alice`, `&issuer=${fake}`), { expectedIssuer: 'Google' }), fake).toEqual([
        'ISSUER_LOOKALIKE:danger',
      ]);
    expect(codes(uri('Arnazon:alice', '&issuer=Arnazon'), { expectedIssuer: 'Amazon' })).toEqual([
      'ISSUER_LOOKALIKE:danger',
    ]);
    expect(codes(uri('%CE%97SBC:alice', '&issuer=%CE%97SBC'), { expectedIssuer: 'HSBC' })).toEqual([
      'MIXED_SCRIPTS:danger',
      'ISSUER_LOOKALIKE:danger',
    ]);
    expect(
      codes(
        uri('ACME%20%D0%A0%D0%BE%D1%81%D1%81%D0%B8%D1%8F:alice', '&issuer=ACME%20%D0%A0%D0%BE%D1%81%D1%81%D0%B8%D1%8F'),
        {},
      ),
    ).toEqual([]);
  });

  it('messages never carry the URI, the secret or the labels', () => {
    const hostile = uri(
      '%D0%90CME:alice%40example.com',
      '&issuer=%D0%90CME&image=https%3A%2F%2Ftrack.example%2Fp.png&period=600',
    );
    const text = JSON.stringify(inspectEnrollmentUri(hostile, expected).risks);
    for (const fragment of [SECRET, 'alice', 'track.example', 'otpauth', 'АCME']) expect(text).not.toContain(fragment);
  });

  it('property: a URI built for the expected issuer and account is clean', () => {
    fc.assert(
      fc.property(secretArb(), labelArb(40), labelArb(40), (secret, issuer, account) => {
        fc.pre(!account.startsWith(' ') && !/\p{Cf}/u.test(issuer + account));
        const built = buildOtpauthUri({ type: 'totp', secret, issuer, account });
        const r = inspectEnrollmentUri(built, { expectedIssuer: issuer, expectedAccount: account });
        expect(r.risks.filter((x) => x.code !== 'MIXED_SCRIPTS')).toEqual([]);
      }),
      { numRuns: 300, seed: 39 },
    );
  });

  it('property: never throws for a string, and answers quickly even for 1 MB', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ maxLength: 20 }), (text, tail) => {
        expect(typeof inspectEnrollmentUri(text).ok).toBe('boolean');
        expect(typeof inspectEnrollmentUri(`otpauth://totp/${text}?secret=${tail}`, expected).ok).toBe('boolean');
      }),
      { numRuns: 500, seed: 6238 },
    );
    const started = performance.now();
    expect(inspectEnrollmentUri(`otpauth://totp/a?secret=${'A'.repeat(1 << 20)}`).risks.map((r) => r.code)).toEqual([
      'UNREADABLE',
    ]);
    expect(performance.now() - started).toBeLessThan(200);
  });

  it('refuses arguments of the wrong type', () => {
    expect(errorCode(() => inspectEnrollmentUri(42 as never))).toBe('ERR_INVALID_ARG_TYPE');
    expect(errorCode(() => inspectEnrollmentUri('x', { expectedIssuer: 1 as never }))).toBe('ERR_INVALID_ARG_TYPE');
    expect(errorCode(() => inspectEnrollmentUri('x', 'ACME' as never))).toBe('ERR_INVALID_ARG_TYPE');
  });
});
