/**
 * Generating new secrets.
 *
 * @module
 */
import { DEFAULT_SECRET_BYTES, MAX_GENERATED_SECRET_BYTES, MIN_GENERATED_SECRET_BYTES } from './constants.js';
import { integerOption, optionsObject } from './internal/assert.js';
import { randomBytes, type RandomSource } from './internal/bytes.js';

export type { RandomSource } from './internal/bytes.js';

/** Options of {@link generateSecret}. */
export interface GenerateSecretOptions {
  /** Secret length in bytes, 16..64 (default 20 = 160 bits, RFC 4226 §4 R6). */
  bytes?: number;
  /**
   * Where randomness comes from. Defaults to the platform CSPRNG (`globalThis.crypto`,
   * available in Node ≥ 20, browsers, Deno, Bun and edge runtimes). Inject one only for
   * deterministic tests, or to use a hardware source; it must be a CSPRNG.
   */
  random?: RandomSource;
}

/**
 * Generate a new random secret.
 *
 * @param options - `bytes` (16..64, default 20), `random` (default `crypto.getRandomValues`)
 * @returns fresh key bytes
 * @throws RangeError `ERR_OUT_OF_RANGE` for fewer than 16 (128 bits, RFC 4226 R6) or more than 64 bytes
 * @throws TypeError `ERR_INVALID_ARG_TYPE` when `random` is not a function
 * @throws TotpkitError `ERR_RANDOM_UNAVAILABLE` when no CSPRNG exists on this platform
 * @example
 * ```ts
 * const secret = generateSecret()          // 160 bits
 * const text = encodeBase32(secret)        // for the otpauth URI
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc4226#section-4
 */
export function generateSecret(options?: GenerateSecretOptions): Uint8Array {
  const opts = optionsObject('options', options);
  const length = integerOption(
    'bytes',
    opts.bytes,
    DEFAULT_SECRET_BYTES,
    MIN_GENERATED_SECRET_BYTES,
    MAX_GENERATED_SECRET_BYTES,
  );
  return randomBytes(length, opts.random);
}
