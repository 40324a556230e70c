/**
 * QR SVG output: the accessible title.
 */
import { describe, expect, it } from 'vitest';
import type { Keyring } from '../../src/index.js';
import { toSvg } from '../../src/qr/index.js';
import { KEYRING } from '../conformance.js';
import { errorCode } from '../helpers.js';

const _keyring: Keyring = KEYRING;

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
