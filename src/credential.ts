/**
 * Active credentials: what a server stores per enrolled authenticator, and how it verifies a login
 * against one.
 *
 * A credential is plain JSON. Its secret is an AES-256-GCM envelope bound to the credential id
 * (see `seal.ts`), so `JSON.stringify(credential)` never shows the raw secret; only a caller that
 * explicitly chose `insecurePlaintext` at enrollment gets a readable `plain:` secret.
 *
 * @module
 */
import { decodeBase32, encodeBase32 } from './base32.js';
import { MAX_WINDOW } from './constants.js';
import { optionsObject, rangeError, typeError } from './internal/assert.js';
import { nowMs } from './internal/time.js';
import { createOtpKey, type OtpKey } from './key.js';
import { openSecret, sealSecret, type Keyring } from './seal.js';
import { verifyTotp, type TotpWindow, type VerifyTotpResult } from './totp.js';
import type { Algorithm, Moment } from './types.js';

/** An enrolled TOTP authenticator, as stored by the server. JSON-serializable. */
export interface Credential {
  readonly v: 1;
  /** Stable id; the secret envelope is bound to it. */
  readonly id: string;
  readonly type: 'totp';
  readonly account: string;
  readonly issuer: string;
  readonly algorithm: Algorithm;
  readonly digits: number;
  readonly period: number;
  /** `tk1.…` envelope (sealed) or `plain:BASE32` (only with `insecurePlaintext`). */
  readonly secret: string;
  /** Last accepted time step: a code for this step or an older one is a replay. */
  readonly lastStep: number;
  /** The `delta` of the last success, in steps (how far the phone is off), used to re-centre the window when asked. */
  readonly delta: number;
  /** A label for the device, chosen by the user at enrollment. */
  readonly deviceLabel: string | null;
  /** Epoch milliseconds. */
  readonly createdAt: number;
  readonly lastUsedAt: number;
}

/** How secrets are protected at rest: a keyring (recommended), or plaintext by explicit choice. */
export type SecretProtection =
  | { keyring: Keyring; insecurePlaintext?: undefined }
  | { keyring?: undefined; insecurePlaintext: true };

const PLAIN = 'plain:';

/** The stored form of a secret for credential `id`. @internal */
export function storeSecret(
  secret: Uint8Array,
  id: string,
  protection: Partial<SecretProtection>,
  random?: unknown,
): string {
  if (protection.keyring !== undefined)
    return sealSecret(secret, { keyring: protection.keyring, aad: id, random: random as never });
  if (protection.insecurePlaintext === true) return PLAIN + encodeBase32(secret);
  throw typeError('keyring', 'a Keyring (or insecurePlaintext: true)', protection.keyring);
}

/**
 * The raw secret of a stored credential (or pending enrollment).
 *
 * @param stored - the `secret` field
 * @param id - the credential id it is bound to
 * @param protection - `{ keyring }`, or `{ insecurePlaintext: true }` for a `plain:` secret
 * @returns the secret bytes
 * @throws TotpkitError `ERR_SEAL_FORMAT`, `ERR_SEAL_KEY_UNKNOWN` or `ERR_SEAL_AUTH`
 */
export function loadSecret(stored: string, id: string, protection: Partial<SecretProtection>): Uint8Array {
  if (typeof stored === 'string' && stored.startsWith(PLAIN)) {
    if (protection.insecurePlaintext !== true)
      throw rangeError('this secret is stored in plaintext; pass insecurePlaintext: true to read it');
    return decodeBase32(stored.slice(PLAIN.length));
  }
  if (protection.keyring === undefined) throw typeError('keyring', 'a Keyring', protection.keyring);
  return openSecret(stored, { keyring: protection.keyring, aad: id });
}

/** Options of {@link verifyCredential}. */
export type VerifyCredentialOptions = Partial<SecretProtection> & {
  /** The moment of the login: a `Date` or epoch ms; `Date.now()` by default. */
  now?: Moment;
  /** The acceptance window in steps (default ±1). Use `0` or `{ past: 1, future: 0 }` for high-risk actions. */
  window?: TotpWindow;
  /** Centre the window on the `delta` learned from the last success (|delta| ≤ 10). */
  recenter?: boolean;
};

/** Result of {@link verifyCredential}: on success, the updated credential to store. */
export type VerifyCredentialResult =
  | { readonly ok: true; readonly credential: Credential; readonly step: number; readonly delta: number }
  | { readonly ok: false; readonly reason: Exclude<VerifyTotpResult, { ok: true }>['reason'] };

/**
 * Verify a login code against a stored credential, refusing replays of `lastStep` and older.
 *
 * This function is pure: store the returned credential with a compare-and-set on `lastStep`
 * ("update only if the stored lastStep is still the one I read") so two concurrent logins with the
 * same code cannot both succeed; the guard module does this for you.
 *
 * @param credential - the stored record
 * @param code - what the user typed
 * @param options - `keyring` (or `insecurePlaintext`), `now`, `window`, `recenter`
 * @returns `{ ok: true, credential, step, delta }` or `{ ok: false, reason }`
 * @throws TotpkitError `ERR_SEAL_*` when the secret cannot be opened; argument errors for bad options
 * @example
 * ```ts
 * const r = verifyCredential(row, input, { keyring, now: new Date() })
 * if (r.ok) await db.update(r.credential, { where: { lastStep: row.lastStep } })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6238#section-5.2
 */
export function verifyCredential(
  credential: Credential,
  code: string,
  options: VerifyCredentialOptions,
): VerifyCredentialResult {
  const c = checkCredential(credential);
  const opts = optionsObject('options', options, true);
  return verifyWithKey(c, openKey(c, opts), code, opts);
}

/** A credential record, checked: `TypeError` for a non-object, `RangeError` for a malformed record. @internal */
export function checkCredential(value: unknown): Credential {
  const c = optionsObject('credential', value as Credential, true) as Credential;
  if (c.v !== 1 || c.type !== 'totp' || typeof c.id !== 'string')
    throw rangeError('"credential" is not a totpkit TOTP credential record');
  if (!Number.isSafeInteger(c.delta)) throw rangeError('"credential.delta" must be an integer number of steps');
  return c;
}

/** Opens a checked credential's sealed secret and compiles its HMAC key. */
function openKey(c: Credential, protection: Partial<SecretProtection>): OtpKey {
  const secret = loadSecret(c.secret, c.id, protection);
  try {
    return createOtpKey(secret, { algorithm: c.algorithm });
  } finally {
    secret.fill(0); // the key holds its own padded copy; the opened bytes must not linger
  }
}

/** The compiled key of a credential, after checking the record (the guard caches these). @internal */
export function credentialKey(credential: Credential, protection: Partial<SecretProtection>): OtpKey {
  return openKey(checkCredential(credential), protection);
}

/** {@link verifyCredential} with the key already compiled (the guard caches keys). @internal */
export function verifyWithKey(
  c: Credential,
  key: OtpKey,
  code: string,
  opts: VerifyCredentialOptions,
): VerifyCredentialResult {
  const now = nowMs(opts.now);
  const shift = opts.recenter === true ? Math.max(-MAX_WINDOW, Math.min(MAX_WINDOW, c.delta)) : 0;
  // Re-centring moves the moment we look at by the learned delta; replay protection is absolute.
  const shifted = now + shift * c.period * 1000;
  const r = verifyTotp(key, code, {
    time: Math.max(shifted, 0),
    period: c.period,
    digits: c.digits,
    window: opts.window,
    afterStep: c.lastStep,
  });
  if (!r.ok) return r;
  const delta = r.delta + shift;
  return { ok: true, step: r.step, delta, credential: { ...c, lastStep: r.step, delta, lastUsedAt: now } };
}
