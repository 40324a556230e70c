/**
 * Base32 (RFC 4648 §6), the text form of OTP secrets.
 *
 * Encoding always gives the canonical form authenticator apps expect: upper case, no padding.
 * Decoding has two documented modes:
 *
 * | input                                  | `strict` (default) | `lenient`              |
 * | -------------------------------------- | ------------------ | ---------------------- |
 * | `A–Z`, `2–7`                           | yes                | yes                    |
 * | lower case `a–z`                       | `ERR_BASE32_CHARACTER` | yes (folded)       |
 * | spaces and `-` between characters      | `ERR_BASE32_CHARACTER` | yes (ignored)      |
 * | `=` padding                            | `ERR_BASE32_PADDING`   | yes, if the count is exactly right |
 * | non-zero unused bits in the last char  | `ERR_BASE32_NONCANONICAL` | yes (dropped)   |
 * | impossible length (1, 3 or 6 mod 8)    | `ERR_BASE32_LENGTH`    | `ERR_BASE32_LENGTH` |
 * | any other character (`0`, `1`, `8`, …) | `ERR_BASE32_CHARACTER` | `ERR_BASE32_CHARACTER` |
 *
 * Strict decoding accepts exactly the strings {@link encodeBase32} produces, so one secret has one
 * spelling. Error messages give the position of a bad character, never the character.
 *
 * @module
 */
import base32Decode from 'base32-decode';
import base32Encode from 'base32-encode';
import { MAX_BASE32_LENGTH } from './constants.js';
import { TotpkitError } from './errors.js';
import { isBytes, optionsObject, rangeError, typeError } from './internal/assert.js';
import { enumOption, MODES } from './internal/options.js';

/** How forgiving {@link decodeBase32} is; see the module table. */
export type Base32Mode = 'strict' | 'lenient';

/** Options of {@link decodeBase32}. */
export interface DecodeBase32Options {
  /** `'strict'` (default): canonical text only. `'lenient'`: case, separators and padding tolerated. */
  mode?: Base32Mode;
}

/** Unpadded lengths mod 8 that a whole number of bytes can produce (RFC 4648 §6). */
const VALID_TAIL = /* @__PURE__ */ Object.freeze([true, false, true, false, true, true, false, true]);
/** Unused low bits in the last character, by unpadded length mod 8. */
const UNUSED_BITS = /* @__PURE__ */ Object.freeze([0, 0, 2, 0, 4, 1, 0, 3]);
/** `=` characters that complete each unpadded length mod 8 to a full 8-character group. */
const PAD_COUNT = /* @__PURE__ */ Object.freeze([0, 0, 6, 0, 4, 3, 0, 1]);

/** The 5-bit value of an RFC 4648 base32 character code (upper case only), or −1. */
function value5(c: number): number {
  if (c >= 65 && c <= 90) return c - 65; // A–Z
  if (c >= 50 && c <= 55) return c - 24; // 2–7
  return -1;
}

/**
 * Encode bytes as RFC 4648 base32: upper case, no padding (what `otpauth://` URIs carry).
 *
 * @param bytes - the data
 * @returns the base32 text
 * @throws TypeError `ERR_INVALID_ARG_TYPE` when `bytes` is not a `Uint8Array`
 * @example
 * ```ts
 * encodeBase32(new TextEncoder().encode('foobar')) // 'MZXW6YTBOI'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc4648#section-6
 */
export function encodeBase32(bytes: Uint8Array): string {
  if (!isBytes(bytes)) throw typeError('bytes', 'a Uint8Array', bytes);
  return base32Encode(bytes, 'RFC4648', { padding: false });
}

/**
 * Decode RFC 4648 base32 text. See the module documentation for the exact rules of each mode.
 *
 * @param text - base32 text, at most 4096 characters
 * @param options - `mode`: `'strict'` (default) or `'lenient'`
 * @returns the decoded bytes
 * @throws TypeError `ERR_INVALID_ARG_TYPE` when `text` is not a string
 * @throws RangeError `ERR_OUT_OF_RANGE` when `text` is longer than 4096 characters or `mode` is unknown
 * @throws TotpkitError `ERR_BASE32_CHARACTER`, `ERR_BASE32_LENGTH`, `ERR_BASE32_PADDING` or `ERR_BASE32_NONCANONICAL`
 * @example
 * ```ts
 * decodeBase32('MZXW6YTBOI')                           // strict
 * decodeBase32('mzxw 6ytb oi======', { mode: 'lenient' }) // same bytes
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc4648#section-6
 */
export function decodeBase32(text: string, options?: DecodeBase32Options): Uint8Array {
  if (typeof text !== 'string') throw typeError('text', 'a string', text);
  const opts = optionsObject('options', options);
  const mode = enumOption('mode', opts.mode, MODES, 'strict');
  if (text.length > MAX_BASE32_LENGTH) {
    throw rangeError(`"text" must be at most ${MAX_BASE32_LENGTH} characters, got ${text.length}`);
  }
  const lenient = mode === 'lenient';

  // One pass, no regular expressions: check every character, count padding, and (lenient only)
  // collect the significant characters; strict input that passes is already the clean text.
  let clean = '';
  let last = 0;
  let padding = 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c === 61 /* = */) {
      if (!lenient)
        throw new TotpkitError('ERR_BASE32_PADDING', `base32 padding is not allowed in strict mode (index ${i})`);
      padding++;
      continue;
    }
    if (padding > 0) throw new TotpkitError('ERR_BASE32_PADDING', `base32 padding may only end the text (index ${i})`);
    if (lenient) {
      if (c === 32 /* space */ || c === 45 /* - */) continue;
      if (c >= 97 && c <= 122) c -= 32; // fold a–z
    }
    const v = value5(c);
    if (v < 0) throw new TotpkitError('ERR_BASE32_CHARACTER', `invalid base32 character at index ${i}`);
    if (lenient) clean += String.fromCharCode(c);
    last = v;
  }
  if (!lenient) clean = text;

  const tail = clean.length % 8;
  if (!VALID_TAIL[tail]) {
    throw new TotpkitError('ERR_BASE32_LENGTH', `base32 text of ${clean.length} characters cannot encode whole bytes`);
  }
  if (padding > 0 && padding !== PAD_COUNT[tail]) {
    throw new TotpkitError(
      'ERR_BASE32_PADDING',
      `base32 text of ${clean.length} characters needs ${PAD_COUNT[tail]} padding characters, got ${padding}`,
    );
  }
  if (!lenient && (last & ((1 << UNUSED_BITS[tail]!) - 1)) !== 0) {
    throw new TotpkitError('ERR_BASE32_NONCANONICAL', 'base32 text has non-zero unused bits in its last character');
  }
  return new Uint8Array(base32Decode(clean, 'RFC4648'));
}
