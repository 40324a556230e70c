/**
 * Recovery codes: normalisation of what a user types.
 */
import { describe, expect, it } from 'vitest';
import { consumeRecoveryCode, generateRecoveryCodes, type Keyring } from '../../src/index.js';
import { deterministicRandom } from '../../src/testing/index.js';
import { KEYRING } from '../conformance.js';

const _keyring: Keyring = KEYRING;

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
