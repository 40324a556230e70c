/**
 * Checks on text that reaches people or storage: control characters, well-formed Unicode, the one
 * rule for labels (issuer, account, device label), the one rule for credential ids, and the percent
 * encoding of URI text.
 *
 * @module
 */
import { MAX_CREDENTIAL_ID_LENGTH, MAX_LABEL_LENGTH } from '../constants.js';
import { TotpkitError } from '../errors.js';
import { rangeError, typeError } from './assert.js';

/** A control character (C0, DEL or C1): never legitimate in a label shown to people. */
export function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}

/**
 * Characters that do not show, or show as a blank: format characters (zero-width, bidirectional
 * controls, the byte-order mark), every default-ignorable code point (fillers, joiners, variation
 * selectors), blank symbols (U+2800 braille blank, U+1D159) and every space other than the ordinary
 * one (hair, thin, no-break, ideographic…), which can split or pad a name unseen. The one rule for
 * `parseOtpauthUri`'s `INVISIBLE_CHARACTERS` warning and `inspectEnrollmentUri`'s risk of that name.
 */
const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}\u2800\u{1D159}]|(?! )\p{Z}/u;

/** Whether `text` holds a character of {@link INVISIBLE}'s kinds. */
export function hasInvisible(text: string): boolean {
  return INVISIBLE.test(text);
}

/** No lone UTF-16 surrogates (they cannot be encoded as UTF-8). */
export function isWellFormed(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return false;
  }
  return true;
}

/**
 * A credential id (or any throttled subject) as it enters enrollment, the guard or a store: a
 * string of 1..256 UTF-16 code units, well-formed. Redis and PostgreSQL store text as UTF-8 and
 * turn every lone surrogate into U+FFFD, so `victim\uD800` and `victim\uDBFF` would share one
 * record: locking one would lock the other, and a consumed step would be consumed for both.
 *
 * @throws TypeError `ERR_INVALID_ARG_TYPE` for a non-string; RangeError `ERR_OUT_OF_RANGE` otherwise
 */
export function credentialId(label: string, value: unknown): string {
  if (typeof value !== 'string') throw typeError(label, 'a string', value);
  if (value.length === 0 || value.length > MAX_CREDENTIAL_ID_LENGTH)
    throw rangeError(`"${label}" must be 1..${MAX_CREDENTIAL_ID_LENGTH} characters, got ${value.length}`);
  if (!isWellFormed(value)) throw rangeError(`"${label}" must be well-formed Unicode (no lone surrogates)`);
  return value;
}

/** Percent-encodes a label or parameter value for an otpauth URI. Used by the URI builder and the transfer format. */
export function percentEncode(text: string): string {
  // encodeURIComponent also leaves the sub-delimiters ! ' ( ) * raw; encode them too so that no
  // app's query splitter or label parser can misread them.
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The reason a label part is unusable, or `undefined` when it is fine. */
export function labelProblem(text: string): string | undefined {
  if (text.length === 0) return 'must not be empty';
  if (text.length > MAX_LABEL_LENGTH) return `must be at most ${MAX_LABEL_LENGTH} characters, got ${text.length}`;
  if (text.includes(':')) return 'must not contain ":" (it separates issuer and account)';
  if (hasControl(text)) return 'must not contain control characters';
  if (!isWellFormed(text)) return 'must be well-formed Unicode (no lone surrogates)';
  return undefined;
}

/**
 * The one label rule: an issuer, an account or a device label as it may appear in a URI or on
 * screen (1..256 characters, no `:`, no control characters, well-formed; an account does not start
 * with a space). Enrollment, URIs and manual entry all check labels here.
 *
 * @throws TypeError `ERR_INVALID_ARG_TYPE` for a non-string; TotpkitError `ERR_URI_LABEL` otherwise
 */
export function checkLabel(label: 'issuer' | 'account' | 'deviceLabel', value: unknown): string {
  if (typeof value !== 'string') throw typeError(label, 'a string', value);
  const problem =
    labelProblem(value) ?? (label === 'account' && value.startsWith(' ') ? 'must not start with a space' : undefined);
  if (problem !== undefined) throw new TotpkitError('ERR_URI_LABEL', `"${label}" ${problem}`);
  return value;
}
