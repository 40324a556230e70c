/**
 * totpkit: HOTP/TOTP (RFC 4226/6238) for auth servers, safe by default.
 *
 * The root entry point holds what a login path needs: codes, verification, keys, secrets, base32,
 * `otpauth://` URIs, enrollment, credentials, recovery codes, sealing and errors. Everything else
 * has a subpath of its own, so that importing `totpkit` pulls in none of it: `totpkit/limits`
 * (every default and limit), `totpkit/qr`, `totpkit/guard`, the store adapters, `totpkit/compat`
 * (which apps honour which settings), `totpkit/inspect` (look-alike enrollment QR codes),
 * `totpkit/migration` (Google Authenticator transfer) and `totpkit/testing`.
 *
 * @module totpkit
 */
export { decodeBase32, encodeBase32, type Base32Mode, type DecodeBase32Options } from './base32.js';
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
export {
  hotp,
  resyncHotp,
  verifyHotp,
  type HotpFailureReason,
  type ResyncHotpOptions,
  type VerifyHotpOptions,
  type VerifyHotpResult,
} from './hotp.js';
export {
  loadSecret,
  verifyCredential,
  type Credential,
  type SecretProtection,
  type VerifyCredentialOptions,
  type VerifyCredentialResult,
} from './credential.js';
export {
  confirmEnrollment,
  revokeEnrollment,
  showEnrollment,
  startEnrollment,
  type ConfirmEnrollmentOptions,
  type ConfirmEnrollmentResult,
  type ConfirmFailureReason,
  type Enrollment,
  type ShowEnrollmentFailureReason,
  type ShowEnrollmentOptions,
  type ShowEnrollmentResult,
  type StartedEnrollment,
  type StartEnrollmentOptions,
} from './enrollment.js';
export {
  consumeRecoveryCode,
  generateRecoveryCodes,
  type ConsumeRecoveryCodeResult,
  type GeneratedRecoveryCodes,
  type GenerateRecoveryCodesOptions,
  type RecoveryCodeSet,
} from './recovery.js';
export { envelopeKeyId, openSecret, resealSecret, sealSecret, type Keyring, type SealOptions } from './seal.js';
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
export type { Algorithm, CodeOptions, Moment, TimeOptions } from './types.js';
export {
  buildOtpauthUri,
  parseOtpauthUri,
  type OtpauthCommon,
  type OtpauthParams,
  type ParsedOtpauthUri,
  type ParseOtpauthUriOptions,
  type UriWarning,
  type UriWarningCode,
} from './uri.js';
