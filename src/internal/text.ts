/**
 * Checks on text that reaches people or storage: control characters, well-formed Unicode, and the
 * one rule for credential ids.
 *
 * @module
 */
import { MAX_CREDENTIAL_ID_LENGTH } from '../constants.js';
import { rangeError, typeError } from './assert.js';

/** A control character (C0, DEL or C1): never legitimate in a label shown to people. */
export function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
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
