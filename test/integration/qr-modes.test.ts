/**
 * decodeQrMatrix reads every segment mode a text payload uses, checked against symbols made by two
 * independent encoders: `qrencode` (numeric, alphanumeric, mixed segments, byte, Kanji; every
 * error-correction level; count-field widths of versions 1–9, 10–26 and 27–40) and ZXing (ECI for
 * UTF-8, ISO-8859-1 and Shift_JIS). A symbol it cannot read fails with ERR_QR_UNREADABLE.
 */
import { execFileSync } from 'node:child_process';
import { BarcodeFormat, EncodeHintType, QRCodeWriter, ZXingStringEncoding } from '@zxing/library';
import { describe, expect, it } from 'vitest';
import { decodeQrMatrix } from '../../src/testing/index.js';
import { haveTool } from '../helpers.js';

const haveQrencode = haveTool('qrencode', '--version', 'apt-get install qrencode');
const haveIconv = haveTool('iconv', '--version', 'apt-get install libc-bin');

/** The module matrix of what qrencode makes of `input` (bytes on standard input). */
function qrencode(input: Buffer | string, args: string[] = []): boolean[][] {
  const text = execFileSync('qrencode', ['-t', 'ASCII', '-m', '0', ...args, '-o', '-'], { input, encoding: 'utf8' });
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => Array.from({ length: line.length / 2 }, (_, i) => line[2 * i] === '#'));
}
const sjis = (text: string): Buffer => execFileSync('iconv', ['-f', 'UTF-8', '-t', 'SHIFT_JIS'], { input: text });
const URI =
  'otpauth://totp/ACME:alice@example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=ACME&period=30&digits=6';

describe.runIf(haveQrencode)('decodeQrMatrix on qrencode output', () => {
  const cases: [string, string, string[]][] = [
    ['numeric', '0123456789012345678901', []],
    ['numeric, odd lengths (2- and 1-digit tails)', '12345678', []],
    ['alphanumeric', 'OTPAUTH://TOTP/ACME:ALICE $%*+-./', []],
    ['alphanumeric, odd length', 'ABC', []],
    ['mixed segments (the default for a URI with digit runs)', `${URI}&counter=123456789012345678`, []],
    ['byte only (-8)', URI, ['-8']],
    ['byte, UTF-8 label', 'otpauth://totp/%C3%9Cn%C3%AF:b?secret=JBSWY3DP&issuer=Ünï', ['-8']],
    ['versions 10–26: long numeric', '9'.repeat(900), []],
    ['versions 10–26: long alphanumeric', 'ABC123'.repeat(100), []],
    ['versions 10–26: long URI, byte', `${URI}&x=${'y'.repeat(300)}`, ['-8']],
    ['versions 27–40: very long numeric', '1234567890'.repeat(300), ['-l', 'L']],
  ];
  for (const [name, text, args] of cases) {
    it(`${name}`, () => expect(decodeQrMatrix(qrencode(text, args))).toBe(text));
  }
  for (const level of ['L', 'M', 'Q', 'H']) {
    it(`mixed segments at level ${level}`, () => expect(decodeQrMatrix(qrencode(URI, ['-l', level]))).toBe(URI));
  }
  it.runIf(haveIconv)('Kanji (-k), alone and mixed with ASCII', () => {
    for (const text of ['日本語の認証コード', 'ACME 認証 123456'])
      expect(decodeQrMatrix(qrencode(sjis(text), ['-k']))).toBe(text);
  });
});

describe.runIf(haveIconv)('decodeQrMatrix on ZXing output (ECI)', () => {
  const zxing = (text: string, charset: string): boolean[][] => {
    const hints = new Map<EncodeHintType, unknown>([
      [EncodeHintType.CHARACTER_SET, charset],
      [EncodeHintType.MARGIN, 0],
    ]);
    const m = new QRCodeWriter().encode(text, BarcodeFormat.QR_CODE, 0, 0, hints);
    return Array.from({ length: m.getHeight() }, (_, y) => Array.from({ length: m.getWidth() }, (_, x) => m.get(x, y)));
  };
  // ZXing-js encodes text with TextEncoder, which only writes UTF-8, whatever character set (and
  // ECI) it declares: give it real ISO-8859-1 and Shift_JIS encoders.
  ZXingStringEncoding.customEncoder = (text: string, encoding: string): Uint8Array => {
    if (/^iso-?8859-?1$/i.test(encoding)) return Uint8Array.from(text, (ch) => ch.charCodeAt(0));
    if (/^s(hift)?_?jis$/i.test(encoding)) return new Uint8Array(sjis(text));
    return new TextEncoder().encode(text);
  };
  it('UTF-8 (ECI 26), ISO-8859-1 (ECI 3) and Shift_JIS', () => {
    expect(decodeQrMatrix(zxing('otpauth://totp/Ünïcødé:bøb?secret=JBSWY3DP&issuer=Ünïcødé', 'UTF-8'))).toBe(
      'otpauth://totp/Ünïcødé:bøb?secret=JBSWY3DP&issuer=Ünïcødé',
    );
    expect(decodeQrMatrix(zxing('Ünï Çødé', 'ISO-8859-1'))).toBe('Ünï Çødé');
    expect(decodeQrMatrix(zxing('認証 ACME', 'Shift_JIS'))).toBe('認証 ACME');
  });
});
