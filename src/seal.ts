/**
 * Secrets at rest: AES-256-GCM envelopes bound to their credential, with key rotation.
 *
 * An envelope is one compact string, `tk1.<keyId>.<nonce>.<ciphertext+tag>` (base64url parts), so
 * it fits any text column. The associated data binds it to the credential id *and* the key id:
 * an envelope copied onto another user's row, or relabelled with another key id, fails to open.
 * Opening failures are all `ERR_SEAL_AUTH` (wrong key, wrong credential, tampering): GCM cannot
 * tell them apart, and neither should an attacker.
 *
 * @module
 * @see https://csrc.nist.gov/pubs/sp/800/38/d/final (GCM)
 */
import { gcm } from '@noble/ciphers/aes.js';
import { MAX_ENVELOPE_LENGTH, SEAL_KEY_BYTES, SEAL_NONCE_BYTES } from './constants.js';
import { TotpkitError } from './errors.js';
import { isBytes, optionsObject, rangeError, checkSecretBytes, typeError } from './internal/assert.js';
import { fromBase64url, randomBytes, toBase64url, utf8, type RandomSource } from './internal/bytes.js';

/** Sealing keys by id, and which one seals new envelopes. Keys are 32 random bytes each. */
export interface Keyring {
  /** Id of the key used by {@link sealSecret}; must be in `keys`. */
  current: string;
  /** Every key that may still open envelopes: keep retired keys until everything is resealed. */
  keys: Readonly<Record<string, Uint8Array>>;
}

/** Options of the sealing functions. */
export interface SealOptions {
  keyring: Keyring;
  /** What the envelope is bound to, normally the credential id. */
  aad: string;
  /** Randomness for the nonce (tests only); the platform CSPRNG by default. */
  random?: RandomSource;
}

const VERSION = 'tk1';
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

function checkKeyring(value: unknown): Keyring {
  const ring = optionsObject('keyring', value as Keyring, true);
  if (typeof ring.current !== 'string' || !KEY_ID.test(ring.current)) {
    throw rangeError('"keyring.current" must be a key id of 1..32 characters [A-Za-z0-9_-]');
  }
  if (typeof ring.keys !== 'object' || ring.keys === null) throw typeError('keyring.keys', 'an object', ring.keys);
  for (const [id, key] of Object.entries(ring.keys)) {
    if (!KEY_ID.test(id)) throw rangeError('"keyring.keys" ids must be 1..32 characters [A-Za-z0-9_-]');
    if (!isBytes(key) || key.length !== SEAL_KEY_BYTES)
      throw rangeError(`"keyring.keys" values must be ${SEAL_KEY_BYTES}-byte Uint8Arrays`);
  }
  if (!Object.hasOwn(ring.keys, ring.current)) throw rangeError('"keyring.current" names no key in "keyring.keys"');
  return ring as Keyring;
}

function associatedData(keyId: string, aad: unknown): Uint8Array {
  if (typeof aad !== 'string' || aad.length === 0) throw typeError('aad', 'a non-empty string', aad);
  return utf8(`${VERSION}|${keyId}|${aad}`);
}

/**
 * Encrypt a secret with the keyring's current key, bound to `aad`.
 *
 * @param secret - the raw secret bytes
 * @param options - `keyring`, `aad` (the credential id), optional `random`
 * @returns the envelope string
 * @throws TypeError `ERR_INVALID_ARG_TYPE` / RangeError `ERR_OUT_OF_RANGE` for an invalid secret, keyring or aad
 * @example
 * ```ts
 * const keyring = { current: '2026-11', keys: { '2026-11': key32 } }
 * const stored = sealSecret(secret, { keyring, aad: credential.id })
 * ```
 */
export function sealSecret(secret: Uint8Array, options: SealOptions): string {
  const opts = optionsObject('options', options, true);
  const plain = checkSecretBytes(secret);
  const ring = checkKeyring(opts.keyring);
  const nonce = randomBytes(SEAL_NONCE_BYTES, opts.random);
  const sealed = gcm(ring.keys[ring.current]!, nonce, associatedData(ring.current, opts.aad)).encrypt(plain);
  return `${VERSION}.${ring.current}.${toBase64url(nonce)}.${toBase64url(sealed)}`;
}

/** The key id an envelope was sealed with (to plan rotation), or `undefined` if it is not an envelope. */
export function envelopeKeyId(envelope: string): string | undefined {
  if (typeof envelope !== 'string') return undefined;
  const parts = envelope.split('.');
  return parts.length === 4 && parts[0] === VERSION && KEY_ID.test(parts[1]!) ? parts[1] : undefined;
}

/**
 * Decrypt an envelope made by {@link sealSecret}, with whichever keyring key sealed it.
 *
 * @param envelope - the stored string
 * @param options - `keyring`, `aad` (must equal the one used to seal)
 * @returns the secret bytes
 * @throws TotpkitError `ERR_SEAL_FORMAT` (not an envelope), `ERR_SEAL_KEY_UNKNOWN` (its key is not
 *   in the keyring), `ERR_SEAL_AUTH` (wrong key, wrong aad, or tampered: never garbage)
 * @example
 * ```ts
 * const secret = openSecret(row.secret, { keyring, aad: row.id })
 * ```
 */
export function openSecret(envelope: string, options: Omit<SealOptions, 'random'>): Uint8Array {
  if (typeof envelope !== 'string') throw typeError('envelope', 'a string', envelope);
  const opts = optionsObject('options', options, true);
  const ring = checkKeyring(opts.keyring);
  const parts = envelope.length <= MAX_ENVELOPE_LENGTH ? envelope.split('.') : [];
  const nonce = parts.length === 4 && parts[0] === VERSION ? fromBase64url(parts[2]!) : undefined;
  const sealed = nonce === undefined ? undefined : fromBase64url(parts[3]!);
  if (
    nonce === undefined ||
    sealed === undefined ||
    nonce.length !== SEAL_NONCE_BYTES ||
    sealed.length < 17 ||
    !KEY_ID.test(parts[1]!)
  ) {
    throw new TotpkitError('ERR_SEAL_FORMAT', 'not a totpkit secret envelope');
  }
  const keyId = parts[1]!;
  const key = Object.hasOwn(ring.keys, keyId) ? ring.keys[keyId] : undefined;
  if (key === undefined)
    throw new TotpkitError(
      'ERR_SEAL_KEY_UNKNOWN',
      `the envelope was sealed with key "${keyId}", which the keyring does not hold`,
    );
  try {
    return gcm(key, nonce, associatedData(keyId, opts.aad)).decrypt(sealed);
  } catch (cause) {
    throw new TotpkitError(
      'ERR_SEAL_AUTH',
      'the envelope does not open with this key and aad (wrong key, wrong credential or tampered)',
      { cause },
    );
  }
}

/**
 * Re-encrypt an envelope with the keyring's current key (key rotation). Returns the same string
 * when it already uses the current key, so a rotation job can skip unchanged rows.
 *
 * @param envelope - the stored string
 * @param options - `keyring` (holding both the old and the current key), `aad`
 * @returns the envelope sealed with `keyring.current`
 * @throws as {@link openSecret}
 */
export function resealSecret(envelope: string, options: SealOptions): string {
  optionsObject('options', options, true);
  const ring = checkKeyring(options.keyring);
  const secret = openSecret(envelope, options);
  if (envelopeKeyId(envelope) === ring.current) return envelope;
  return sealSecret(secret, options);
}
