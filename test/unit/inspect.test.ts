/**
 * inspectEnrollmentUri: look-alike and weakened enrollment QR codes ("quishing"), case by case,
 * plus the invariants: a URI built for the expected issuer and account is always clean, and the
 * function never throws for any string.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildOtpauthUri } from '../../src/index.js';
import { CONFUSABLE_WITH_ASCII } from '../../src/internal/confusables.js';
import { inspectEnrollmentUri } from '../../src/inspect.js';
import { labelArb, secretArb } from '../../src/testing/arbitraries.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorCode, root } from '../helpers.js';

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

  // Found by an outside review: each of these was rated ok with no risk at all.
  const enc = encodeURIComponent;
  const named = (issuer: string, query = '') =>
    uri(`${enc(issuer)}:alice%40example.com`, `&issuer=${enc(issuer)}${query}`);
  it.each([
    ['a Cyrillic А behind a hair space', 'А\u200ACME', ['MIXED_SCRIPTS', 'INVISIBLE_CHARACTERS']],
    ['a Cyrillic А behind a thin space', 'А\u2009CME', ['MIXED_SCRIPTS', 'INVISIBLE_CHARACTERS']],
    ['a Lisu ꓮ', 'ꓮCME', ['MIXED_SCRIPTS']],
    ['a mathematical sans-serif 𝖠', '𝖠CME', ['MIXED_SCRIPTS']],
    ['a Hangul filler U+3164', 'AC\u3164ME', ['INVISIBLE_CHARACTERS']],
    ['a braille blank U+2800', 'AC\u2800ME', ['INVISIBLE_CHARACTERS']],
    ['a combining grapheme joiner U+034F', 'AC\u034FME', ['INVISIBLE_CHARACTERS']],
    ['a variation selector U+FE0F', 'AC\uFE0FME', ['INVISIBLE_CHARACTERS']],
  ])('flags %s, with and without an expected issuer', (_name, issuer, risks) => {
    const without = inspectEnrollmentUri(named(issuer));
    expect(without.ok).toBe(false);
    for (const code of risks) expect(without.risks.map((r) => r.code)).toContain(code);
    const withExpected = inspectEnrollmentUri(named(issuer), { expectedIssuer: 'ACME' });
    expect(withExpected.ok).toBe(false);
    expect(withExpected.risks.map((r) => r.code)).toContain('ISSUER_LOOKALIKE');
  });

  it.each([
    ['https: without slashes', '&image=https:evil.example/p.png'],
    ['one slash', '&image=https:/evil.example/p.png'],
    ['a UNC path', `&image=${encodeURIComponent('\\\\evil.example\\p.png')}`],
    ['a second image after an upper-case one', '&IMAGE=x.png&image=https://evil.example/p.png'],
    ['a percent-encoded name', '&im%61ge=https://evil.example/p.png'],
    ['a relative name', '&image=logo.png'],
  ])('reads every image the way apps do, and flags one that is not data: (%s)', (_name, query) => {
    expect(codes(named('ACME', query), {})).toEqual(['REMOTE_IMAGE:warning']);
    expect(codes(named('ACME', query))).toEqual(['REMOTE_IMAGE:warning']);
  });

  it('leaves an embedded data: image alone', () => {
    expect(codes(named('ACME', `&image=${enc('data:image/png;base64,iVBORw0KGgo=')}`))).toEqual([]);
  });

  it('leaves ordinary names alone: accents, bilingual names, other scripts on their own', () => {
    for (const issuer of ['Société Générale', 'Müller & Söhne', 'ACME Россия', 'Ελληνική Τράπεζα', 'ソニー', 'Işık'])
      expect(codes(named(issuer), {}), issuer).toEqual([]);
  });

  it('property: a confusable form of a common issuer is always flagged, with and without expecting it', () => {
    const issuers = [
      'Google',
      'Microsoft',
      'Apple',
      'Amazon',
      'Facebook',
      'GitHub',
      'GitLab',
      'PayPal',
      'Twitter',
      'Dropbox',
      'Slack',
      'Discord',
      'Reddit',
      'Binance',
      'Coinbase',
      'Kraken',
      'Stripe',
      'Shopify',
      'Okta',
      'Cloudflare',
      'DigitalOcean',
      'Heroku',
      'Atlassian',
      'Bitbucket',
      'Salesforce',
      'Zoom',
      'Adobe',
      'Yahoo',
      'LinkedIn',
      'Instagram',
      'Twitch',
      'Steam',
      'Epic Games',
      'Nintendo',
      'Sony',
      'Proton',
      'Fastmail',
      'Namecheap',
      'GoDaddy',
      'Vercel',
      'Netlify',
      'npm',
      'Docker',
      'Mozilla',
      'WordPress',
      'Bitwarden',
      'LastPass',
      'HSBC',
      'Revolut',
      'Wise',
    ];
    // Unicode's look-alikes of each ASCII letter that are not Latin letters themselves.
    const lookalikes = new Map<string, string[]>();
    for (const entry of CONFUSABLE_WITH_ASCII.split(' ').filter(Boolean)) {
      const ch = String.fromCodePoint(entry.codePointAt(0)!);
      const to = entry.slice(ch.length);
      if (to.length === 1 && /[A-Za-z]/.test(to) && !/\p{Script=Latin}/u.test(ch) && ch.normalize('NFKC') !== to)
        lookalikes.set(to, [...(lookalikes.get(to) ?? []), ch]);
    }
    const invisibles = ['\u200B', '\u200A', '\u2009', '\u3164', '\u2800', '\u034F', '\uFE0F', '\u2060', '\u00A0'];
    const form = fc
      .record({
        issuer: fc.constantFrom(...issuers),
        picks: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
        invisible: fc.option(fc.tuple(fc.constantFrom(...invisibles), fc.nat()), { nil: undefined }),
      })
      .map(({ issuer, picks, invisible }) => {
        const letters = [...issuer];
        const replaceable = letters.flatMap((c, i) => (lookalikes.has(c) ? [i] : []));
        // Replace some letters but keep at least one of the original ones (a wholly foreign
        // spelling is caught only against an expected issuer: see the module comment).
        for (const p of picks.slice(0, Math.max(1, replaceable.length - 1))) {
          const i = replaceable[p % replaceable.length]!;
          const options = lookalikes.get(issuer[i]!)!;
          letters[i] = options[p % options.length]!;
        }
        if (invisible !== undefined) letters.splice(1 + (invisible[1] % (letters.length - 1)), 0, invisible[0]);
        return { issuer, fake: letters.join('') };
      })
      .filter(({ issuer, fake }) => fake !== issuer);
    fc.assert(
      fc.property(form, ({ issuer, fake }) => {
        expect(inspectEnrollmentUri(named(fake)).ok, `${JSON.stringify(fake)} alone`).toBe(false);
        const r = inspectEnrollmentUri(named(fake), { expectedIssuer: issuer });
        expect(r.ok).toBe(false);
        expect(
          r.risks.map((x) => x.code),
          JSON.stringify(fake),
        ).toContain('ISSUER_LOOKALIKE');
      }),
      { numRuns: 1000, seed: 39 },
    );
  });

  it('answers quickly for a 1 MB expected issuer', () => {
    const started = performance.now();
    const r = inspectEnrollmentUri(named('ACME'), { expectedIssuer: `𝖠${'C'.repeat(1 << 20)}` });
    expect(r.risks.map((x) => x.code)).toEqual(['ISSUER_DIFFERENT']);
    expect(performance.now() - started).toBeLessThan(200);
  });

  it('refuses arguments of the wrong type', () => {
    expect(errorCode(() => inspectEnrollmentUri(42 as never))).toBe('ERR_INVALID_ARG_TYPE');
    expect(errorCode(() => inspectEnrollmentUri('x', { expectedIssuer: 1 as never }))).toBe('ERR_INVALID_ARG_TYPE');
    expect(errorCode(() => inspectEnrollmentUri('x', 'ACME' as never))).toBe('ERR_INVALID_ARG_TYPE');
  });
});

describe('the confusables table (src/internal/confusables.ts)', () => {
  it('is exactly what scripts/confusables.mjs generates from the Unicode data', async () => {
    const { generate } = (await import(join(root, 'scripts/confusables.mjs'))) as { generate: () => string };
    expect(readFileSync(join(root, 'src/internal/confusables.ts'), 'utf8')).toBe(generate());
    expect(CONFUSABLE_WITH_ASCII.split(' ').filter(Boolean).length).toBeGreaterThan(1400);
  });
});
