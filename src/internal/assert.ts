/**
 * Argument checks shared by every export. They throw the built-in `TypeError` / `RangeError`
 * with a stable `code` and a labelled message. A message names the parameter and, for numbers,
 * the value; for strings and byte arrays it names only the type and length, because the value
 * may be a secret or a code.
 *
 * @module
 */
import { MAX_SECRET_BYTES } from '../constants.js';
import type { ArgumentError, ArgumentErrorCode } from '../errors.js';
import { BRAND } from './brand.js';

/** The error with its stable code, branded as totpkit's (Node's own errors use the same codes). */
function withCode<E extends Error>(error: E, code: ArgumentErrorCode): E & ArgumentError {
  (error as { code?: unknown }).code = code;
  (error as { [BRAND]?: unknown })[BRAND] = 'error';
  return error as E & ArgumentError;
}

/**
 * A short description of a value's type for error messages. Never the value itself: a number or
 * string in the wrong place may well be a code or a secret.
 */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return `string of length ${value.length}`;
  if (typeof value !== 'object') return typeof value;
  const ctor = (value as { constructor?: { name?: unknown } }).constructor;
  return typeof ctor?.name === 'string' && ctor.name !== '' ? ctor.name : 'object';
}

/** `TypeError` with code `ERR_INVALID_ARG_TYPE`: `"label" must be EXPECTED, got …`. */
export function typeError(label: string, expected: string, got: unknown): TypeError & ArgumentError {
  return withCode(new TypeError(`"${label}" must be ${expected}, got ${describe(got)}`), 'ERR_INVALID_ARG_TYPE');
}

/** `RangeError` with code `ERR_OUT_OF_RANGE` (or the given one). */
export function rangeError(message: string, code: ArgumentErrorCode = 'ERR_OUT_OF_RANGE'): RangeError & ArgumentError {
  return withCode(new RangeError(message), code);
}

/** An integer option in `min..max`, or its default when `undefined`. */
export function integerOption(label: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw typeError(label, 'an integer', value);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw rangeError(`"${label}" must be an integer in ${min}..${max}, got ${value}`);
  }
  return value === 0 ? 0 : value; // folds -0 into 0
}

/** A non-negative safe integer (milliseconds, seconds, steps). */
export function nonNegativeSafeInteger(label: string, value: unknown): number {
  if (typeof value !== 'number') throw typeError(label, 'a non-negative safe integer', value);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw rangeError(`"${label}" must be a non-negative safe integer, got ${value}`);
  }
  return value === 0 ? 0 : value;
}

/**
 * A `Uint8Array` (a Node `Buffer` is one), also from another realm (a `vm` context, an iframe),
 * where `instanceof` alone would fail. `Uint8ClampedArray` and other views are not bytes here.
 */
export function isBytes(value: unknown): value is Uint8Array {
  return (
    value instanceof Uint8Array ||
    (ArrayBuffer.isView(value) && Object.prototype.toString.call(value) === '[object Uint8Array]')
  );
}

/** A secret given as raw bytes: a `Uint8Array` (a Node `Buffer` is one) of 1..MAX_SECRET_BYTES. */
export function checkSecretBytes(value: unknown, label = 'secret', expected = 'a Uint8Array'): Uint8Array {
  if (!isBytes(value)) throw typeError(label, expected, value);
  if (value.length === 0 || value.length > MAX_SECRET_BYTES) {
    throw rangeError(`"${label}" must be 1..${MAX_SECRET_BYTES} bytes, got ${value.length}`);
  }
  return value;
}

/** A plain options object, or `{}` when omitted (unless `required`). Rejects arrays, `null` and primitives. */
export function optionsObject<T extends object>(label: string, value: T | undefined, required = false): Partial<T> {
  if (value === undefined && !required) return {};
  // Only ordinary objects: a Map, array, Date or typed array passed by mistake has no options to
  // read, and silently treating it as `{}` would hide the bug.
  // The tag alone also refuses null ("[object Null]") and every primitive ("[object Number]", …).
  if (Object.prototype.toString.call(value) !== '[object Object]') throw typeError(label, 'an object', value);
  return value as T;
}
