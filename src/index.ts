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
// The limits and defaults a caller validates against or tunes; the QR, guard and adapter ones are
// exported by their own entry points, and purely internal sizes stay private (src/constants.ts).
export {
  ALGORITHMS,
  DEFAULT_ALGORITHM,
  DEFAULT_DIGITS,
  DEFAULT_ENROLLMENT_TTL_SECONDS,
  DEFAULT_HOTP_WINDOW,
  DEFAULT_HOTP_RESYNC_WINDOW,
  DEFAULT_PERIOD_SECONDS,
  DEFAULT_RECOVERY_CODES,
  DEFAULT_SECRET_BYTES,
  DEFAULT_WINDOW,
  MAX_COUNTER,
  MAX_CREDENTIAL_ID_LENGTH,
  MAX_DIGITS,
  MAX_ENROLLMENT_ATTEMPTS,
  MAX_ENROLLMENT_TTL_SECONDS,
  MAX_GENERATED_SECRET_BYTES,
  MAX_HOTP_WINDOW,
  MAX_HOTP_RESYNC_WINDOW,
  MAX_LABEL_LENGTH,
  MAX_MIGRATION_ACCOUNTS,
  MAX_MIGRATION_URI_LENGTH,
  MAX_PERIOD_SECONDS,
  MAX_RECOVERY_CODES,
  MAX_SECRET_BYTES,
  MAX_URI_LENGTH,
  MAX_WINDOW,
  MIN_DIGITS,
  MIN_ENROLLMENT_TTL_SECONDS,
  MIN_GENERATED_SECRET_BYTES,
  MIN_PERIOD_SECONDS,
  MIN_RECOVERY_PEPPER_BYTES,
  MIN_SECRET_BYTES_STRICT,
  RECOVERY_ALPHABET,
  RECOVERY_CODE_LENGTH,
} from './constants.js';
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
export {
  AUTHENTICATOR_APPS,
  authenticatorConcerns,
  type AppParameter,
  type AppSupport,
  type AppSupportCell,
  type AuthenticatorApp,
  type AuthenticatorConcern,
} from './compat.js';
export { createOtpKey, OtpKey } from './key.js';
export {
  inspectEnrollmentUri,
  type EnrollmentInspection,
  type EnrollmentRisk,
  type EnrollmentRiskCode,
  type InspectEnrollmentUriOptions,
} from './inspect.js';
export { manualEntry, type ManualEntry } from './manual.js';
export {
  buildMigrationUris,
  parseMigrationUri,
  type BuildMigrationUrisOptions,
  type MigrationWarning,
  type MigrationWarningCode,
  type ParsedMigration,
  type ParseMigrationUriOptions,
} from './migration.js';
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
