/**
 * `totpkit/limits`: every public default and limit, as named constants. A caller validates input
 * against them or tunes an option from them; each is a semver promise. The subsystems re-export
 * their own (`totpkit/qr` its QR limits, `totpkit/guard` the guard's, the adapters theirs,
 * `totpkit/migration` the transfer format's), so one import serves either way. Private sizes
 * (cache sizes, nonce and token lengths, record lifetimes, retry back-off) are not exported.
 *
 * @module totpkit/limits
 */
// Codes, secrets, URIs, enrollment, credentials and recovery codes (the root entry point)
export {
  ALGORITHMS,
  DEFAULT_ALGORITHM,
  DEFAULT_DIGITS,
  DEFAULT_ENROLLMENT_TTL_SECONDS,
  DEFAULT_HOTP_RESYNC_WINDOW,
  DEFAULT_HOTP_WINDOW,
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
  MAX_HOTP_RESYNC_WINDOW,
  MAX_HOTP_WINDOW,
  MAX_LABEL_LENGTH,
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

// Google Authenticator transfer (totpkit/migration)
export {
  MAX_MIGRATION_ACCOUNTS,
  MAX_MIGRATION_URI_LENGTH,
} from './constants.js';

// Accounts (totpkit/account)
export {
  DEFAULT_REMEMBER_DAYS,
  MAX_AUTHENTICATOR_LABEL_LENGTH,
  MAX_AUTHENTICATORS,
  MAX_REMEMBER_DAYS,
  MAX_REMEMBERED_DEVICES,
  MIN_REMEMBER_DAYS,
  RECOVERY_CODES_LOW,
} from './constants.js';

// QR codes (totpkit/qr)
export {
  DEFAULT_QR_BACKGROUND,
  DEFAULT_QR_EC_LEVEL,
  DEFAULT_QR_FOREGROUND,
  DEFAULT_QR_LOGO_SCALE,
  DEFAULT_QR_MODULE_SIZE,
  MAX_QR_LOGO_LENGTH,
  MAX_QR_LOGO_SCALE,
  MAX_QR_MODULE_SIZE,
  MAX_QR_QUIET_ZONE,
  MAX_QR_TITLE_LENGTH,
  MIN_QR_CONTRAST,
  MIN_QR_LOGO_SCALE,
  MIN_QR_QUIET_ZONE,
} from './constants.js';

// The guard and its memory store (totpkit/guard)
export {
  DEFAULT_GUARD_TIMEOUT_MS,
  DEFAULT_LOCK_SECONDS,
  DEFAULT_MAX_FAILURES,
  DEFAULT_MEMORY_STORE_ENTRIES,
  MAX_GUARD_TIMEOUT_MS,
  MAX_LOCK_SECONDS,
  MAX_MAX_FAILURES,
  MAX_MEMORY_STORE_ENTRIES,
  MIN_GUARD_TIMEOUT_MS,
} from './constants.js';

// Redis adapter (totpkit/redis)
export {
  DEFAULT_REDIS_PREFIX,
  DEFAULT_REDIS_REPLICA_TIMEOUT_MS,
  MAX_REDIS_PREFIX_LENGTH,
  MAX_REDIS_REPLICAS,
} from './constants.js';

// SQLite and Cloudflare adapters (totpkit/sqlite, totpkit/cloudflare)
export { DEFAULT_SQLITE_BUSY_TIMEOUT_MS, DEFAULT_SQLITE_PREFIX } from './constants.js';

// DynamoDB adapter (totpkit/dynamodb)
export { DEFAULT_DYNAMODB_RETRIES, MAX_DYNAMODB_RETRIES } from './constants.js';

// PostgreSQL adapter (totpkit/postgres)
export {
  DEFAULT_POSTGRES_PREFIX,
  DEFAULT_POSTGRES_RETRIES,
  MAX_POSTGRES_RETRIES,
} from './constants.js';
