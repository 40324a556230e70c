/**
 * Errors. Data errors are {@link TotpkitError}; programmer mistakes are the built-in `TypeError`
 * and `RangeError`. Every one of them carries a stable string `code`, so callers can `switch`
 * on `err.code` whether or not two copies of this package (ESM and CJS) are loaded: match on
 * `code`, not on `instanceof`.
 *
 * No message ever contains a secret, a code, or the text of a URI: only the name of what was
 * wrong, and for numbers the offending value.
 *
 * @module
 */
import { BRAND } from './internal/brand.js';

/** Codes for data that is well-typed but invalid (bad base32, bad `otpauth://` URI, …). */
export const TOTPKIT_ERROR_CODES = /* @__PURE__ */ Object.freeze([
  'ERR_BASE32_CHARACTER',
  'ERR_BASE32_LENGTH',
  'ERR_BASE32_PADDING',
  'ERR_BASE32_NONCANONICAL',
  'ERR_URI_TOO_LONG',
  'ERR_URI_SCHEME',
  'ERR_URI_TYPE',
  'ERR_URI_MALFORMED',
  'ERR_URI_ENCODING',
  'ERR_URI_LABEL',
  'ERR_URI_DUPLICATE_PARAMETER',
  'ERR_URI_PARAMETER_CASE',
  'ERR_URI_SECRET_MISSING',
  'ERR_URI_SECRET_INVALID',
  'ERR_URI_SECRET_TOO_SHORT',
  'ERR_URI_ALGORITHM',
  'ERR_URI_DIGITS',
  'ERR_URI_PERIOD',
  'ERR_URI_COUNTER',
  'ERR_URI_COUNTER_MISSING',
  'ERR_URI_ISSUER_MISMATCH',
  'ERR_URI_ISSUER_MISSING',
  'ERR_RANDOM_UNAVAILABLE',
  'ERR_RANDOM_UNFILLED',
  'ERR_SELF_TEST',
  'ERR_QR_CAPACITY',
  'ERR_QR_CONTRAST',
  'ERR_QR_INVERTED',
  'ERR_QR_LOGO',
  'ERR_QR_UNREADABLE',
  'ERR_MIGRATION_URI',
  'ERR_MIGRATION_DATA',
  'ERR_SEAL_FORMAT',
  'ERR_SEAL_KEY_UNKNOWN',
  'ERR_SEAL_AUTH',
  'ERR_ACCOUNT_AUTHENTICATORS_FULL',
  'ERR_ACCOUNT_AUTHENTICATOR_EXISTS',
  'ERR_ACCOUNT_AUTHENTICATOR_UNKNOWN',
  'ERR_ACCOUNT_LABEL_TAKEN',
  'ERR_ACCOUNT_DEVICE_UNKNOWN',
] as const);

/** A code carried by a {@link TotpkitError}. */
export type TotpkitErrorCode = (typeof TOTPKIT_ERROR_CODES)[number];

/** Codes set on the built-in `TypeError` / `RangeError` that totpkit throws for misuse. */
export const ARGUMENT_ERROR_CODES = /* @__PURE__ */ Object.freeze([
  'ERR_INVALID_ARG_TYPE',
  'ERR_OUT_OF_RANGE',
  'ERR_KEY_ALGORITHM_MISMATCH',
] as const);

/** A code carried by a `TypeError` / `RangeError` thrown by totpkit. */
export type ArgumentErrorCode = (typeof ARGUMENT_ERROR_CODES)[number];

/** Every `code` any error thrown by totpkit can carry. */
export type ErrorCode = TotpkitErrorCode | ArgumentErrorCode;

/**
 * The base class for totpkit's data errors.
 *
 * @example
 * ```ts
 * try { parseOtpauthUri(input) } catch (e) {
 *   if ((e as { code?: string }).code === 'ERR_URI_SECRET_MISSING') { … }
 * }
 * ```
 */
export class TotpkitError extends Error {
  /** Stable, machine-readable reason. */
  readonly code: TotpkitErrorCode;

  /**
   * @param code - stable reason
   * @param message - human text; must not contain secrets, codes or URI text
   * @param options - `cause` for chaining
   */
  constructor(code: TotpkitErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TotpkitError';
    this.code = code;
  }
}

/** A `TypeError` or `RangeError` with a stable `code`, as totpkit throws for misuse. */
export type ArgumentError = (TypeError | RangeError) & { readonly code: ArgumentErrorCode };

/**
 * `true` when `value` is an error thrown by totpkit with the given code (or any totpkit code when
 * `code` is omitted). Works across duplicate copies of the package, unlike `instanceof`, and only
 * for totpkit's own errors: Node's `ERR_INVALID_ARG_TYPE` (from `Buffer.from(123)`, say) is not one,
 * though it shares the code. A `TotpkitError` is recognised by its name and code, an argument
 * error by totpkit's brand (a `Symbol.for('totpkit')` property set where it is thrown).
 *
 * @param value - anything caught
 * @param code - the code to look for
 * @returns whether `value` is such an error
 * @example
 * ```ts
 * if (isTotpkitError(e, 'ERR_URI_ISSUER_MISMATCH')) showWarning()
 * ```
 */
export function isTotpkitError<C extends ErrorCode>(value: unknown, code?: C): value is Error & { code: C } {
  if (!(value instanceof Error)) return false;
  const actual = (value as { code?: unknown }).code;
  const ours =
    value.name === 'TotpkitError'
      ? (TOTPKIT_ERROR_CODES as readonly unknown[]).includes(actual)
      : (value as { [BRAND]?: unknown })[BRAND] === 'error' &&
        (ARGUMENT_ERROR_CODES as readonly unknown[]).includes(actual);
  return ours && (code === undefined || actual === code);
}
