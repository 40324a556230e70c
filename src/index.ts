/**
 * totpkit: HOTP/TOTP (RFC 4226/6238) for auth servers, safe by default.
 *
 * The core entry point is pure and small: code generation and verification, secrets, base32 and
 * `otpauth://` URIs. QR rendering, storage adapters and testing helpers live under subpaths so
 * that importing `totpkit` pulls in none of them.
 *
 * @module
 */
export { decodeBase32, encodeBase32, type Base32Mode, type DecodeBase32Options } from './base32.js';
export * from './constants.js';
export {
  ARGUMENT_ERROR_CODES,
  isTotpkitError,
  TOTPKIT_ERROR_CODES,
  TotpkitError,
  type ArgumentError,
  type ArgumentErrorCode,
  type ErrorCode,
  type TotpkitErrorCode,
} from './errors.js';
export { hotp, verifyHotp, type HotpFailureReason, type VerifyHotpOptions, type VerifyHotpResult } from './hotp.js';
export { createOtpKey, OtpKey } from './key.js';
export { manualEntry, type ManualEntry } from './manual.js';
export { generateSecret, type GenerateSecretOptions, type RandomSource } from './secret.js';
export {
  timeStep,
  totp,
  verifyTotp,
  type TotpFailureReason,
  type TotpOptions,
  type TotpWindow,
  type VerifyTotpOptions,
  type VerifyTotpResult,
} from './totp.js';
export type { Algorithm, CodeOptions, TimeOptions } from './types.js';
export {
  buildOtpauthUri,
  parseOtpauthUri,
  type OtpauthParams,
  type ParsedOtpauthUri,
  type ParseOtpauthUriOptions,
  type UriWarning,
  type UriWarningCode,
} from './uri.js';
