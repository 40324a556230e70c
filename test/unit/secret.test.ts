/**
 * The random source behind generateSecret, recovery codes and enrollment tokens.
 */
import { describe, expect, it } from 'vitest';
import { generateRecoveryCodes, generateSecret, sealSecret, startEnrollment, type Keyring } from '../../src/index.js';
import { deterministicRandom } from '../../src/testing/index.js';
import { KEYRING } from '../conformance.js';
import { errorCode } from '../helpers.js';

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
