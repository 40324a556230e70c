import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase32, encodeBase32, type ErrorCode } from '../../src/index.js';
import { ascii, errorCode } from '../helpers.js';
import rfc4648 from '../vectors/rfc4648.json' with { type: 'json' };

describe(`RFC 4648 vectors (${rfc4648.source})`, () => {
  it.each(rfc4648.cases)('"$ascii" ↔ $unpadded', ({ ascii: text, padded, unpadded }) => {
    expect(encodeBase32(ascii(text))).toBe(unpadded);
    expect(decodeBase32(unpadded)).toEqual(ascii(text));
    expect(decodeBase32(padded, { mode: 'lenient' })).toEqual(ascii(text));
    expect(decodeBase32(padded.toLowerCase(), { mode: 'lenient' })).toEqual(ascii(text));
  });
});

describe('decodeBase32 rules', () => {
  const table: [input: string, strict: ErrorCode | 'ok', lenient: ErrorCode | 'ok'][] = [
    ['MZXW6YTBOI', 'ok', 'ok'],
    ['mzxw6ytboi', 'ERR_BASE32_CHARACTER', 'ok'],
    ['MZXW 6YTB OI', 'ERR_BASE32_CHARACTER', 'ok'],
    ['MZXW-6YTB-OI', 'ERR_BASE32_CHARACTER', 'ok'],
    ['MZXW6YTBOI======', 'ERR_BASE32_PADDING', 'ok'],
    ['MZXW6YTBOI=====', 'ERR_BASE32_PADDING', 'ERR_BASE32_PADDING'],
    ['MZXW6YTBOI=======', 'ERR_BASE32_PADDING', 'ERR_BASE32_PADDING'],
    ['MZ=XW6YTBOI', 'ERR_BASE32_PADDING', 'ERR_BASE32_PADDING'],
    ['MZXW6YTBOJ', 'ERR_BASE32_NONCANONICAL', 'ok'], // J sets an unused low bit
    ['M', 'ERR_BASE32_LENGTH', 'ERR_BASE32_LENGTH'],
    ['MZX', 'ERR_BASE32_LENGTH', 'ERR_BASE32_LENGTH'],
    ['MZXW6Y', 'ERR_BASE32_LENGTH', 'ERR_BASE32_LENGTH'],
    ['MZXW0YTB', 'ERR_BASE32_CHARACTER', 'ERR_BASE32_CHARACTER'],
    ['MZXW1YTB', 'ERR_BASE32_CHARACTER', 'ERR_BASE32_CHARACTER'],
    ['MZXW8YTB', 'ERR_BASE32_CHARACTER', 'ERR_BASE32_CHARACTER'],
    ['MZXW\tYTB', 'ERR_BASE32_CHARACTER', 'ERR_BASE32_CHARACTER'],
    ['ＭZXW6YTB', 'ERR_BASE32_CHARACTER', 'ERR_BASE32_CHARACTER'], // full-width M
  ];
  it.each(table)('%j: strict %s, lenient %s', (input, strict, lenient) => {
    expect(errorCode(() => decodeBase32(input)) ?? 'ok').toBe(strict);
    expect(errorCode(() => decodeBase32(input, { mode: 'lenient' })) ?? 'ok').toBe(lenient);
  });

  it('names the position of a bad character, never the character or the text', () => {
    const secretish = 'SECRETSECRET8SECRET';
    try {
      decodeBase32(secretish);
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toContain('index 12');
      expect((e as Error).message).not.toContain('8');
      expect((e as Error).message).not.toContain('SECRET');
    }
  });
});

describe('base32 properties', () => {
  it('decode(encode(bytes)) is bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(decodeBase32(encodeBase32(bytes))).toEqual(bytes);
      }),
    );
  });

  it(
    'strict decoding accepts exactly the canonical strings: decode(s) succeeds iff ' +
      'encode(decode_lenient(s)) === s',
    () => {
      const alphabet = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567');
      fc.assert(
        fc.property(fc.string({ unit: alphabet, maxLength: 40 }), (text) => {
          let lenient: Uint8Array;
          try {
            lenient = decodeBase32(text, { mode: 'lenient' });
          } catch {
            expect(errorCode(() => decodeBase32(text))).toBeDefined();
            return;
          }
          const canonical = encodeBase32(lenient) === text;
          expect(errorCode(() => decodeBase32(text)) === undefined).toBe(canonical);
        }),
      );
    },
  );

  it('lenient decoding ignores case, separators and correct padding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 1, max: 8 }), (bytes, group) => {
        const text = encodeBase32(bytes);
        const spaced = (text.match(new RegExp(`.{1,${group}}`, 'g')) ?? []).join(' ').toLowerCase();
        const padded = text + '='.repeat((8 - (text.length % 8)) % 8);
        expect(decodeBase32(spaced, { mode: 'lenient' })).toEqual(bytes);
        expect(decodeBase32(padded, { mode: 'lenient' })).toEqual(bytes);
      }),
    );
  });
});
