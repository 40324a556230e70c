import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildOtpauthUri,
  encodeBase32,
  parseOtpauthUri,
  type ErrorCode,
  type OtpauthParams,
  type UriWarningCode,
} from '../../src/index.js';
import { MAX_COUNTER } from '../../src/limits.js';
import { otpauthParamsArb } from '../../src/testing/arbitraries.js';
import { errorOf } from '../helpers.js';

const SECRET = new Uint8Array(Array.from({ length: 20 }, (_, i) => i * 13));
const B32 = encodeBase32(SECRET); // 32 characters, canonical

const warningCodes = (uri: string, mode: 'strict' | 'lenient' = 'strict'): UriWarningCode[] =>
  parseOtpauthUri(uri, { mode }).warnings.map((w) => w.code);

describe('buildOtpauthUri', () => {
  it('puts the issuer in the label and the parameter, percent-encodes with %20, omits defaults', () => {
    expect(buildOtpauthUri({ type: 'totp', secret: SECRET, account: 'alice@example.com', issuer: 'ACME Co' })).toBe(
      `otpauth://totp/ACME%20Co:alice%40example.com?secret=${B32}&issuer=ACME%20Co`,
    );
  });

  it('writes non-default parameters and the HOTP counter', () => {
    expect(
      buildOtpauthUri({
        type: 'hotp',
        secret: SECRET,
        account: 'bob',
        algorithm: 'SHA512',
        digits: 8,
        counter: 2n ** 64n - 1n,
      }),
    ).toBe(`otpauth://hotp/bob?secret=${B32}&algorithm=SHA512&digits=8&counter=18446744073709551615`);
    expect(buildOtpauthUri({ type: 'totp', secret: SECRET, account: 'bob', period: 60 })).toBe(
      `otpauth://totp/bob?secret=${B32}&period=60`,
    );
  });

  it("encodes everything outside the RFC 3986 unreserved set, including !'()*&=?#", () => {
    const uri = buildOtpauthUri({ type: 'totp', secret: SECRET, account: "a!'()*&=?#+/ b", issuer: 'Ünï 日本' });
    const path = uri.slice('otpauth://totp/'.length, uri.indexOf('?'));
    expect(path).toMatch(/^[A-Za-z0-9%._~-]+:[A-Za-z0-9%._~-]+$/);
    expect(uri).not.toContain('+');
    expect(parseOtpauthUri(uri)).toMatchObject({ account: "a!'()*&=?#+/ b", issuer: 'Ünï 日本' });
  });

  const bad: [string, Partial<OtpauthParams>, ErrorCode][] = [
    ['colon in account', { account: 'a:b' }, 'ERR_URI_LABEL'],
    ['colon in issuer', { issuer: 'A:B' }, 'ERR_URI_LABEL'],
    ['empty account', { account: '' }, 'ERR_URI_LABEL'],
    ['empty issuer', { issuer: '' }, 'ERR_URI_LABEL'],
    ['control character', { account: 'a\nb' }, 'ERR_URI_LABEL'],
    ['lone surrogate', { account: 'a\ud800' }, 'ERR_URI_LABEL'],
    ['leading space in account', { account: ' a' }, 'ERR_URI_LABEL'],
    ['over-long account', { account: 'a'.repeat(257) }, 'ERR_URI_LABEL'],
    ['short secret', { secret: new Uint8Array(10) }, 'ERR_OUT_OF_RANGE'],
    ['string secret', { secret: B32 as unknown as Uint8Array }, 'ERR_INVALID_ARG_TYPE'],
    ['digits 11', { digits: 11 }, 'ERR_OUT_OF_RANGE'],
    ['period 0', { period: 0 }, 'ERR_OUT_OF_RANGE'],
    ['unknown algorithm', { algorithm: 'MD5' as 'SHA1' }, 'ERR_OUT_OF_RANGE'],
    ['lower-case algorithm', { algorithm: 'sha1' as 'SHA1' }, 'ERR_OUT_OF_RANGE'],
    ['counter on totp', { counter: 1 } as Partial<OtpauthParams>, 'ERR_OUT_OF_RANGE'],
    ['unknown type', { type: 'motp' as 'totp' }, 'ERR_OUT_OF_RANGE'],
  ];
  it.each(bad)('rejects %s', (_, patch, code) => {
    const params = { type: 'totp', secret: SECRET, account: 'alice', issuer: 'ACME', ...patch } as OtpauthParams;
    expect(errorOf(() => buildOtpauthUri(params))?.code).toBe(code);
  });

  it('rejects HOTP without a valid counter', () => {
    expect(errorOf(() => buildOtpauthUri({ type: 'hotp', secret: SECRET, account: 'a' } as OtpauthParams))?.code).toBe(
      'ERR_INVALID_ARG_TYPE',
    );
    expect(errorOf(() => buildOtpauthUri({ type: 'hotp', secret: SECRET, account: 'a', counter: -1 }))?.code).toBe(
      'ERR_OUT_OF_RANGE',
    );
  });
});

describe('parseOtpauthUri', () => {
  const base = `otpauth://totp/ACME:alice?secret=${B32}&issuer=ACME`;

  it('parses the canonical form with every default filled in', () => {
    expect(parseOtpauthUri(base)).toEqual({
      type: 'totp',
      secret: SECRET,
      account: 'alice',
      issuer: 'ACME',
      algorithm: 'SHA1',
      digits: 6,
      period: 30,
      warnings: [],
    });
  });

  it('accepts what the Key Uri Format allows, in strict mode', () => {
    expect(parseOtpauthUri(`OTPAUTH://TOTP/ACME%3A%20%20alice?secret=${B32}&issuer=ACME`)).toMatchObject({
      issuer: 'ACME',
      account: 'alice',
    });
    expect(parseOtpauthUri(`otpauth://totp/alice?secret=${B32}&issuer=ACME`)).toMatchObject({
      issuer: 'ACME',
      account: 'alice',
    });
    const noIssuer = parseOtpauthUri(`otpauth://totp/alice?secret=${B32}`);
    expect(noIssuer.issuer).toBeUndefined();
    expect(noIssuer.warnings.map((w) => w.code)).toEqual(['NO_ISSUER']);
    expect(parseOtpauthUri(`otpauth://hotp/a?secret=${B32}&issuer=X&counter=18446744073709551615`).counter).toBe(
      MAX_COUNTER,
    );
    expect(parseOtpauthUri(`otpauth://hotp/a?secret=${B32}&issuer=X&counter=9007199254740991`).counter).toBe(
      Number.MAX_SAFE_INTEGER,
    );
  });

  it('warns about parameters many apps ignore, and unknown ones', () => {
    expect(warningCodes(`${base}&algorithm=SHA256&digits=8&period=60&image=x`)).toEqual([
      'UNKNOWN_PARAMETER',
      'NON_DEFAULT_ALGORITHM',
      'NON_DEFAULT_DIGITS',
      'NON_DEFAULT_PERIOD',
    ]);
    expect(warningCodes(`${base}&counter=5`)).toEqual(['IGNORED_PARAMETER']);
  });

  const lenientOnly: [string, string, ErrorCode, UriWarningCode[]][] = [
    [
      'lower-case secret',
      `otpauth://totp/ACME:alice?secret=${B32.toLowerCase()}&issuer=ACME`,
      'ERR_URI_SECRET_INVALID',
      ['SECRET_LOWERCASE'],
    ],
    [
      'padded secret',
      `otpauth://totp/ACME:alice?secret=${encodeBase32(SECRET.slice(0, 16))}%3D%3D%3D%3D%3D%3D&issuer=ACME`,
      'ERR_URI_SECRET_INVALID',
      ['SECRET_PADDED'],
    ],
    [
      'spaced secret',
      `otpauth://totp/ACME:alice?secret=${B32.slice(0, 4)}%20${B32.slice(4)}&issuer=ACME`,
      'ERR_URI_SECRET_INVALID',
      ['SECRET_SEPARATORS'],
    ],
    [
      '80-bit legacy secret',
      `otpauth://totp/ACME:alice?secret=${B32.slice(0, 16)}&issuer=ACME`,
      'ERR_URI_SECRET_TOO_SHORT',
      ['SECRET_SHORT'],
    ],
    [
      '40-bit secret (oathtool, pyotp and otpauth compute with it)',
      `otpauth://totp/ACME:alice?secret=${B32.slice(0, 8)}&issuer=ACME`,
      'ERR_URI_SECRET_TOO_SHORT',
      ['SECRET_SHORT'],
    ],
    [
      'one-byte secret',
      `otpauth://totp/ACME:alice?secret=${encodeBase32(new Uint8Array([7]))}&issuer=ACME`,
      'ERR_URI_SECRET_TOO_SHORT',
      ['SECRET_SHORT'],
    ],
    [
      'empty issuer prefix (otpauth suite)',
      `otpauth://totp/:alice?secret=${B32}&issuer=ACME`,
      'ERR_URI_LABEL',
      ['EMPTY_LABEL_ISSUER'],
    ],
    [
      'empty issuer prefix, no issuer=',
      `otpauth://totp/:alice?secret=${B32}`,
      'ERR_URI_LABEL',
      ['EMPTY_LABEL_ISSUER', 'NO_ISSUER'],
    ],
    [
      'empty encoded issuer prefix with a space',
      `otpauth://totp/%3A%20alice?secret=${B32}&issuer=ACME`,
      'ERR_URI_LABEL',
      ['EMPTY_LABEL_ISSUER'],
    ],
    [
      'upper-case parameter names',
      `otpauth://totp/ACME:alice?SECRET=${B32}&ISSUER=ACME`,
      'ERR_URI_PARAMETER_CASE',
      ['PARAMETER_CASE'],
    ],
    [
      'mixed-case parameter name',
      `otpauth://totp/ACME:alice?secret=${B32}&Issuer=ACME&Digits=6`,
      'ERR_URI_PARAMETER_CASE',
      ['PARAMETER_CASE'],
    ],
    [
      'issuer only in the label',
      `otpauth://totp/ACME:alice?secret=${B32}`,
      'ERR_URI_ISSUER_MISSING',
      ['ISSUER_ONLY_IN_LABEL'],
    ],
    [
      '+ for space in issuer',
      `otpauth://totp/Big%20Co:alice?secret=${B32}&issuer=Big+Co`,
      'ERR_URI_ISSUER_MISMATCH',
      ['ISSUER_PLUS_AS_SPACE'],
    ],
    [
      'algorithm spelled sha-256',
      `${base}&algorithm=sha-256`,
      'ERR_URI_ALGORITHM',
      ['ALGORITHM_SPELLING', 'NON_DEFAULT_ALGORITHM'],
    ],
    [
      'raw space',
      `otpauth://totp/ACME:alice smith?secret=${B32}&issuer=ACME`,
      'ERR_URI_ENCODING',
      ['UNENCODED_CHARACTERS'],
    ],
    ['empty parameter', `${base}&&`, 'ERR_URI_MALFORMED', ['EMPTY_PARAMETER']],
    ['fragment', `${base}#x`, 'ERR_URI_MALFORMED', ['FRAGMENT']],
  ];
  it.each(lenientOnly)('%s: strict throws, lenient warns', (_, uri, code, warnings) => {
    const e = errorOf(() => parseOtpauthUri(uri));
    expect(e?.code).toBe(code);
    expect(e?.name).toBe('TotpkitError');
    expect(warningCodes(uri, 'lenient')).toEqual(warnings);
  });

  it('lenient readings: the values behind the warnings', () => {
    const lenient = (uri: string) => parseOtpauthUri(uri, { mode: 'lenient' });
    expect(lenient(`otpauth://totp/:alice?secret=${B32}&issuer=ACME`)).toMatchObject({
      account: 'alice',
      issuer: 'ACME',
    });
    expect(lenient(`otpauth://totp/:alice?secret=${B32}`)).toMatchObject({ account: 'alice', issuer: undefined });
    expect(lenient(`otpauth://totp/ACME:alice?SECRET=${B32}&ISSUER=ACME`)).toMatchObject({
      secret: SECRET,
      issuer: 'ACME',
    });
    expect(lenient(`otpauth://totp/ACME:alice?secret=${B32.slice(0, 8)}&issuer=ACME`).secret).toEqual(
      SECRET.slice(0, 5),
    );
    // Any non-empty secret is read; an empty one is no secret.
    expect(errorOf(() => lenient(`otpauth://totp/A:b?secret=&issuer=A`))?.code).toBe('ERR_URI_SECRET_MISSING');
    // Two spellings of one parameter are still a duplicate, whichever case.
    expect(errorOf(() => lenient(`otpauth://totp/a?secret=${B32}&SECRET=${B32}`))?.code).toBe(
      'ERR_URI_DUPLICATE_PARAMETER',
    );
    // An unknown parameter keeps its case and stays unknown.
    expect(lenient(`${base}&Image=x`).warnings.map((w) => w.code)).toEqual(['UNKNOWN_PARAMETER']);
  });

  it(
    'issuer=My+TOTP+Code with no label prefix: strict reads it literally, lenient reads ' +
      'spaces (as pyotp does) and says so',
    () => {
      const uri = `otpauth://totp/alice?secret=${B32}&issuer=My+TOTP+Code`;
      expect(parseOtpauthUri(uri)).toMatchObject({ issuer: 'My+TOTP+Code', warnings: [] });
      const lenient = parseOtpauthUri(uri, { mode: 'lenient' });
      expect(lenient.issuer).toBe('My TOTP Code');
      expect(lenient.warnings.map((w) => w.code)).toEqual(['ISSUER_PLUS_AS_SPACE']);
      // %2B is a real plus, in both modes.
      expect(parseOtpauthUri(`otpauth://totp/alice?secret=${B32}&issuer=C%2B%2B`, { mode: 'lenient' })).toMatchObject({
        issuer: 'C++',
        warnings: [],
      });
    },
  );

  it('lenient parsing still yields the right secret', () => {
    expect(
      parseOtpauthUri(`otpauth://totp/ACME:alice?secret=${B32.toLowerCase()}&issuer=ACME`, { mode: 'lenient' }).secret,
    ).toEqual(SECRET);
  });

  const refused: [string, string, ErrorCode][] = [
    ['wrong scheme', `https://totp/ACME:alice?secret=${B32}&issuer=ACME`, 'ERR_URI_SCHEME'],
    ['no scheme', `totp/ACME:alice?secret=${B32}`, 'ERR_URI_SCHEME'],
    ['wrong type', `otpauth://motp/ACME:alice?secret=${B32}&issuer=ACME`, 'ERR_URI_TYPE'],
    ['type with port', `otpauth://totp:80/ACME:alice?secret=${B32}&issuer=ACME`, 'ERR_URI_TYPE'],
    ['no label', `otpauth://totp?secret=${B32}`, 'ERR_URI_LABEL'],
    ['empty account', `otpauth://totp/ACME:?secret=${B32}&issuer=ACME`, 'ERR_URI_LABEL'],
    ['two colons', `otpauth://totp/A:B:C?secret=${B32}&issuer=A`, 'ERR_URI_LABEL'],
    ['encoded colon in account', `otpauth://totp/A:B%3AC?secret=${B32}&issuer=A`, 'ERR_URI_LABEL'],
    ['encoded control character', `otpauth://totp/A:B%0AC?secret=${B32}&issuer=A`, 'ERR_URI_LABEL'],
    ['missing secret', `otpauth://totp/A:b?issuer=A`, 'ERR_URI_SECRET_MISSING'],
    ['one slash after the scheme', `otpauth:/totp/A:b?secret=${B32}&issuer=A`, 'ERR_URI_MALFORMED'],
    ['duplicate secret', `otpauth://totp/A:b?secret=${B32}&secret=${B32}&issuer=A`, 'ERR_URI_DUPLICATE_PARAMETER'],
    ['duplicate issuer', `otpauth://totp/A:b?secret=${B32}&issuer=A&issuer=B`, 'ERR_URI_DUPLICATE_PARAMETER'],
    ['invalid secret', `otpauth://totp/A:b?secret=${B32.slice(0, 31)}1&issuer=A`, 'ERR_URI_SECRET_INVALID'],
    ['unknown algorithm', `${base}&algorithm=MD5`, 'ERR_URI_ALGORITHM'],
    ['digits 5', `${base}&digits=5`, 'ERR_URI_DIGITS'],
    ['digits 11', `${base}&digits=11`, 'ERR_URI_DIGITS'],
    ['digits with sign', `${base}&digits=%2B6`, 'ERR_URI_DIGITS'],
    ['digits with leading zero', `${base}&digits=06`, 'ERR_URI_DIGITS'],
    ['period 0', `${base}&period=0`, 'ERR_URI_PERIOD'],
    ['period fractional', `${base}&period=1.5`, 'ERR_URI_PERIOD'],
    ['period huge', `${base}&period=99999999999999999999`, 'ERR_URI_PERIOD'],
    ['HOTP without counter', `otpauth://hotp/A:b?secret=${B32}&issuer=A`, 'ERR_URI_COUNTER_MISSING'],
    ['HOTP counter 2^64', `otpauth://hotp/A:b?secret=${B32}&issuer=A&counter=18446744073709551616`, 'ERR_URI_COUNTER'],
    ['HOTP counter negative', `otpauth://hotp/A:b?secret=${B32}&issuer=A&counter=-1`, 'ERR_URI_COUNTER'],
    ['issuer mismatch', `otpauth://totp/A:b?secret=${B32}&issuer=B`, 'ERR_URI_ISSUER_MISMATCH'],
    ['bad percent-encoding', `otpauth://totp/A%ZZ:b?secret=${B32}&issuer=A`, 'ERR_URI_ENCODING'],
    ['invalid UTF-8', `otpauth://totp/A%FF:b?secret=${B32}&issuer=A%FF`, 'ERR_URI_ENCODING'],
    ['raw control character', `otpauth://totp/A:b\n?secret=${B32}&issuer=A`, 'ERR_URI_ENCODING'],
    ['too long', `${base}&image=${'x'.repeat(5000)}`, 'ERR_URI_TOO_LONG'],
  ];
  it.each(refused)('refuses %s in both modes', (_, uri, code) => {
    expect(errorOf(() => parseOtpauthUri(uri))?.code).toBe(code);
    expect(errorOf(() => parseOtpauthUri(uri, { mode: 'lenient' }))?.code).toBe(code);
  });

  it('never puts the secret or URI text in an error message', () => {
    const marker = 'ZZSECRETZZ';
    const uris = [
      ...refused.map(([, uri]) => uri.replace(B32, `${marker}${B32.slice(marker.length)}`)),
      `otpauth://totp/${marker}:b?secret=${marker}&issuer=${marker}x`,
      `otpauth://totp/${marker}:b?secret=${marker}1&issuer=${marker}`,
    ];
    for (const uri of uris) {
      for (const mode of ['strict', 'lenient'] as const) {
        const e = errorOf(() => parseOtpauthUri(uri, { mode }));
        if (e === undefined) continue;
        expect(e.message).not.toContain(marker);
        expect(e.message).not.toContain(B32.slice(8, 20));
        expect(e.message).not.toContain('otpauth://');
      }
    }
  });
});

describe('parseOtpauthUri(buildOtpauthUri(x)) equals x', () => {
  // The parameters arbitrary that totpkit/testing exports: wide Unicode labels (astral planes,
  // combining marks, RTL, emoji, inner spaces) minus what the format forbids, every algorithm,
  // 6..10 digits, any period and any counter up to 2^64 − 1. One definition, used here and by users.
  const paramsArb = otpauthParamsArb();

  it('for wide Unicode accounts and issuers, every algorithm, digits, period and counter', () => {
    fc.assert(
      fc.property(paramsArb, (params) => {
        const uri = buildOtpauthUri(params);
        expect(uri).toMatch(/^[\x21-\x7e]+$/); // printable ASCII only: safe in any QR mode
        // Strict parsing reads 6 or 8 digits (the Key Uri Format); lenient reads the rest.
        const mode = params.digits === undefined || params.digits === 6 || params.digits === 8 ? 'strict' : 'lenient';
        const { warnings, ...parsed } = parseOtpauthUri(uri, { mode });
        expect(parsed).toEqual(params);
        const expected = (w: { code: string }) =>
          w.code.startsWith('NON_DEFAULT_') || w.code === 'NO_ISSUER' || w.code === 'INVISIBLE_CHARACTERS';
        expect(warnings.every(expected)).toBe(true);
        // Invisible characters are kept, and said: exactly when a label holds one.
        const invisible = /[\p{Cf}\p{Default_Ignorable_Code_Point}\u2800\u{1D159}]|(?! )\p{Z}/u;
        expect(warnings.some((w) => w.code === 'INVISIBLE_CHARACTERS')).toBe(
          invisible.test(params.account) || invisible.test(params.issuer ?? ''),
        );
      }),
      { numRuns: 500 },
    );
  });
});
