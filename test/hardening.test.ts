/**
 * Findings of the outside review (issue 15), each with a test that failed before its fix: a random
 * source that does not fill its buffer, credential ids that are not well-formed Unicode, recovery
 * codes folded from non-ASCII letters, manual-entry labels that forge lines, and SVG titles XML
 * cannot hold.
 */
import { describe, expect, it } from 'vitest';
import { createVerifier, memoryStore } from '../src/guard/index.js';
import {
  consumeRecoveryCode,
  generateRecoveryCodes,
  generateSecret,
  manualEntry,
  sealSecret,
  startEnrollment,
  type Keyring,
} from '../src/index.js';
import { toSvg } from '../src/qr/index.js';
import { deterministicRandom } from '../src/testing/index.js';
import { enrolled, KEYRING } from './conformance.js';
import { errorCode } from './helpers.js';

const keyring: Keyring = KEYRING;

describe('a random source must fill the array it is given', () => {
  // The mistake from the review: returning new bytes instead of filling the buffer.
  const returnsNewBytes = (b: Uint8Array) => new Uint8Array(b.length).fill(7);
  const doesNothing = () => {};
  const calls: [string, (random: (b: Uint8Array) => unknown) => unknown][] = [
    ['generateSecret', (random) => generateSecret({ random })],
    ['startEnrollment', (random) => startEnrollment({ account: 'a', issuer: 'B', keyring, random })],
    [
      'startEnrollment (plaintext)',
      (random) => startEnrollment({ account: 'a', issuer: 'B', insecurePlaintext: true, random }),
    ],
    ['generateRecoveryCodes', (random) => generateRecoveryCodes({ random })],
    ['sealSecret', (random) => sealSecret(new Uint8Array(20).fill(1), { keyring, aad: 'c', random })],
  ];
  for (const [name, call] of calls) {
    it(`${name} refuses a source that leaves it unfilled`, () => {
      expect(errorCode(() => call(returnsNewBytes))).toBe('ERR_RANDOM_UNFILLED');
      expect(errorCode(() => call(doesNothing))).toBe('ERR_RANDOM_UNFILLED');
      expect(errorCode(() => call(deterministicRandom('ok')))).toBeUndefined();
    });
  }

  it('deterministicRandom (totpkit/testing) is reproducible per seed and differs between seeds', () => {
    const a = generateRecoveryCodes({ random: deterministicRandom('seed-1') }).codes;
    expect(generateRecoveryCodes({ random: deterministicRandom('seed-1') }).codes).toEqual(a);
    expect(generateRecoveryCodes({ random: deterministicRandom('seed-2') }).codes).not.toEqual(a);
    expect(new Set(a).size).toBe(a.length);
    // Fills lengths that are not a multiple of its 32-byte blocks, end to end.
    const bytes = new Uint8Array(45);
    deterministicRandom('x')(bytes);
    expect(bytes.subarray(32).some((b) => b !== 0)).toBe(true);
    expect(errorCode(() => deterministicRandom(1 as never))).toBe('ERR_INVALID_ARG_TYPE');
  });
});

describe('credential ids must be well-formed Unicode everywhere they enter', () => {
  const lone = ['victim\uD800', 'victim\uDBFF', '\uDC00', 'a\uD800b'];

  it('startEnrollment refuses them as credentialId', () => {
    for (const id of lone)
      expect(errorCode(() => startEnrollment({ account: 'a', issuer: 'B', keyring, credentialId: id }))).toBe(
        'ERR_OUT_OF_RANGE',
      );
    expect(
      errorCode(() => startEnrollment({ account: 'a', issuer: 'B', keyring, credentialId: 'ok-\uD83D\uDE00' })),
    ).toBeUndefined();
  });

  it('the guard refuses them in verify, useRecoveryCode and confirmEnrollment', async () => {
    const verifier = createVerifier({ store: memoryStore(), keyring });
    const { credential } = enrolled();
    const { set, codes } = generateRecoveryCodes();
    for (const id of lone) {
      await expect(verifier.verify({ credential: { ...credential, id }, code: '123456' })).rejects.toMatchObject({
        code: 'ERR_OUT_OF_RANGE',
      });
      await expect(verifier.useRecoveryCode({ credentialId: id, set, code: codes[0]! })).rejects.toMatchObject({
        code: 'ERR_OUT_OF_RANGE',
      });
      const s = startEnrollment({ account: 'a', issuer: 'B', keyring });
      await expect(
        verifier.confirmEnrollment({
          enrollment: { ...s.enrollment, credentialId: id },
          token: s.token,
          code: '123456',
        }),
      ).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    }
  });

  it('a store refuses them too, so a direct caller cannot merge two ids into one record', async () => {
    const store = memoryStore();
    const request = { now: 0, maxFailures: 10, lockUntil: 1000, verified: false };
    for (const id of [...lone, '', 'x'.repeat(257)])
      await expect(store.settle(id, request)).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    await expect(store.settle('x'.repeat(256), request)).resolves.toMatchObject({ status: 'failed' });
  });
});

describe('recovery codes are normalised over ASCII only', () => {
  it('a letter folded from a non-ASCII character is malformed, not a match', () => {
    // Find a set whose first code has an S (most do), then spell that S as ſ (U+017F), which
    // toUpperCase() turns into S, and an SS pair as ß.
    let found: { set: ReturnType<typeof generateRecoveryCodes>['set']; code: string } | undefined;
    for (let i = 0; found === undefined; i++) {
      const g = generateRecoveryCodes({ random: deterministicRandom(`s-${i}`) });
      if (g.codes[0]!.includes('S')) found = { set: g.set, code: g.codes[0]! };
    }
    const { set, code } = found;
    expect(consumeRecoveryCode(set, code.replace('S', '\u017F'))).toEqual({ ok: false, reason: 'malformed' });
    expect(consumeRecoveryCode(set, code.replace('S', 's'))).toMatchObject({ ok: true }); // ASCII case folding stays
    expect(consumeRecoveryCode(set, code.toLowerCase().replaceAll('-', ' '))).toMatchObject({ ok: true });
    for (const odd of ['\u00DF', '\uFB00', '\u0130', '\uFF21']) {
      expect(consumeRecoveryCode(set, code.slice(0, -1) + odd)).toEqual({ ok: false, reason: 'malformed' });
    }
  });
});

describe('manualEntry applies the URI label rules', () => {
  const secret = new Uint8Array(20).fill(5);
  it('refuses an account or issuer that would forge a line', () => {
    expect(errorCode(() => manualEntry({ type: 'totp', secret, account: 'bob\nKey: AAAA BBBB' }))).toBe(
      'ERR_URI_LABEL',
    );
    expect(errorCode(() => manualEntry({ type: 'totp', secret, account: 'bob', issuer: 'ACME\r\nKey: X' }))).toBe(
      'ERR_URI_LABEL',
    );
    expect(errorCode(() => manualEntry({ type: 'totp', secret, account: 'a:b' }))).toBe('ERR_URI_LABEL');
    expect(errorCode(() => manualEntry({ type: 'totp', secret, account: 'bob\uD800' }))).toBe('ERR_URI_LABEL');
    expect(
      manualEntry({ type: 'totp', secret, account: 'bøb@example.com', issuer: 'ACME Ünïcode' }).text.split('\n'),
    ).toHaveLength(4);
  });
});

describe('an SVG title holds only what XML allows, and is bounded', () => {
  const uri = 'otpauth://totp/ACME:a?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=ACME';
  it('refuses NUL, other C0 controls, U+FFFE/U+FFFF, lone surrogates and more than 256 characters', () => {
    for (const title of [
      'a\u0000b',
      'a\u0001',
      '\uFFFE',
      '\uFFFF',
      'x\uD800',
      '\uDC00y',
      'x'.repeat(257),
      'x'.repeat(5_000_000),
    ]) {
      expect(
        errorCode(() => toSvg(uri, { title })),
        JSON.stringify(title.slice(0, 8)),
      ).toBe('ERR_OUT_OF_RANGE');
    }
  });
  it('accepts tab, line breaks, astral characters and exactly 256 characters', () => {
    for (const title of ['Scan\tthis\r\nplease', 'Scan 😀 <&>', 'x'.repeat(256)])
      expect(toSvg(uri, { title })).toContain('<title>');
  });
});
