/**
 * Remembered devices (exported by `totpkit/account`): "remember this browser for 30 days" after a
 * login with a code. A token is an AES-256-GCM envelope bound to the account id, holding a random
 * device id and a 256-bit secret; the account keeps only the secret's SHA-256, the device's expiry
 * and the `generation` it was remembered in, so any security-relevant change revokes every device.
 *
 * @module
 */
import { sha256 } from '@noble/hashes/sha2.js';
import {
  DEFAULT_REMEMBER_DAYS,
  MAX_REMEMBER_DAYS,
  MAX_REMEMBERED_DEVICES,
  MIN_REMEMBER_DAYS,
  REMEMBER_DEVICE_ID_BYTES,
  REMEMBER_DEVICE_SECRET_BYTES,
} from '../constants.js';
import { TotpkitError } from '../errors.js';
import { integerOption, optionsObject, typeError } from '../internal/assert.js';
import { fromBase64url, randomBytes, type RandomSource, timingSafeEqual, toBase64url } from '../internal/bytes.js';
import { nowMs } from '../internal/time.js';
import { type Keyring, openSecret, sealSecret } from '../seal.js';
import {
  type Account,
  type AccountChange,
  authenticatorLabel,
  type ChangeOptions,
  checkAccount,
  next,
  type RememberedDevice,
} from './state.js';

/** Options of {@link rememberDevice}. */
export interface RememberDeviceOptions extends ChangeOptions {
  /** Seals the token; the same keyring checks it. */
  keyring: Keyring;
  /** How long, 1..400 days, 30 by default. */
  days?: number;
  /** The user's name for the browser ("Firefox on the office laptop"), URI label rules, ≤ 64 characters. */
  label?: string;
  /** Randomness (tests only). */
  random?: RandomSource;
}

/** Result of {@link rememberDevice}: store `account`, set `token` as the cookie's value. */
export interface RememberedDeviceChange extends AccountChange {
  /** The cookie value: sealed, bound to this account; shown to the browser only. */
  readonly token: string;
  readonly device: Pick<RememberedDevice, 'id' | 'label' | 'createdAt' | 'expiresAt'>;
}

const DEVICE_AAD = 'totpkit-remembered-device|';
const DAY_MS = 86_400_000;

/**
 * Remember this browser after a successful login with a code: for `days`, a login from it may skip
 * the code (never for an operation whose policy requires one; see `verifier.checkRememberedDevice`).
 *
 * The token is an AES-256-GCM envelope bound to the account id, holding a random device id and a
 * 256-bit secret; the account keeps only the secret's SHA-256. Set it as a cookie with the
 * `__Host-` prefix, `HttpOnly`, `Secure`, `SameSite=Lax` and `Max-Age` equal to the lifetime.
 *
 * @param account - the stored account
 * @param options - `keyring`, `days` (30, 1..400), `label`, `now`
 * @returns the change (a `device_remembered` notice), the token and the device's public fields
 * @throws RangeError `ERR_OUT_OF_RANGE` for `days` out of range; TotpkitError `ERR_URI_LABEL`
 */
export function rememberDevice(account: Account, options: RememberDeviceOptions): RememberedDeviceChange {
  const a = checkAccount(account);
  const opts = optionsObject('options', options, true);
  const now = nowMs(opts.now);
  const days = integerOption('days', opts.days, DEFAULT_REMEMBER_DAYS, MIN_REMEMBER_DAYS, MAX_REMEMBER_DAYS);
  const label = authenticatorLabel(opts.label ?? 'This browser');
  const id = toBase64url(randomBytes(REMEMBER_DEVICE_ID_BYTES, opts.random));
  const secret = randomBytes(REMEMBER_DEVICE_SECRET_BYTES, opts.random);
  const payload = new Uint8Array(REMEMBER_DEVICE_ID_BYTES + REMEMBER_DEVICE_SECRET_BYTES);
  payload.set(fromBase64url(id)!, 0);
  payload.set(secret, REMEMBER_DEVICE_ID_BYTES);
  const token = sealSecret(payload, { keyring: opts.keyring as Keyring, aad: DEVICE_AAD + a.id, random: opts.random });
  const device: RememberedDevice = {
    id,
    label,
    createdAt: now,
    expiresAt: now + days * DAY_MS,
    generation: a.generation,
    secretHash: toBase64url(sha256(secret)),
  };
  payload.fill(0);
  secret.fill(0);
  // Bounded: expired devices go, then the oldest beyond the limit.
  const kept = a.devices.filter((d) => d.expiresAt > now && d.generation === a.generation);
  const devices = [...kept, device].slice(-MAX_REMEMBERED_DEVICES);
  return {
    account: next(a, { devices }, false),
    notices: [{ kind: 'device_remembered', time: now, deviceId: id, label }],
    token,
    device: { id, label, createdAt: device.createdAt, expiresAt: device.expiresAt },
  };
}

/** Why a remembered-device token was refused. */
export type RememberedDeviceFailureReason = 'expired' | 'revoked' | 'invalid';

/** Result of {@link checkRememberedDevice}. */
export type CheckRememberedDeviceResult =
  | { readonly ok: true; readonly deviceId: string }
  | { readonly ok: false; readonly reason: RememberedDeviceFailureReason };

/**
 * Check a remembered-device token (the cookie) against the account. Never throws for a bad token.
 *
 * `invalid`: not a token of this account (another account's, tampered, truncated, not a token at
 * all). `revoked`: forgotten, or the account changed since (`generation`). `expired`: past its
 * lifetime. The secret is compared in constant time.
 *
 * @param account - the stored account
 * @param token - the cookie's value
 * @param options - `keyring`, `now`
 * @returns `{ ok: true, deviceId }` or `{ ok: false, reason }`
 */
export function checkRememberedDevice(
  account: Account,
  token: string,
  options: ChangeOptions & { keyring: Keyring },
): CheckRememberedDeviceResult {
  const a = checkAccount(account);
  const opts = optionsObject('options', options, true);
  const now = nowMs(opts.now);
  let payload: Uint8Array;
  try {
    payload = openSecret(token, { keyring: opts.keyring as Keyring, aad: DEVICE_AAD + a.id });
  } catch {
    return { ok: false, reason: 'invalid' };
  }
  if (payload.length !== REMEMBER_DEVICE_ID_BYTES + REMEMBER_DEVICE_SECRET_BYTES)
    return { ok: false, reason: 'invalid' };
  const id = toBase64url(payload.subarray(0, REMEMBER_DEVICE_ID_BYTES));
  const hash = sha256(payload.subarray(REMEMBER_DEVICE_ID_BYTES));
  payload.fill(0);
  const device = a.devices.find((d) => d.id === id);
  if (device === undefined) return { ok: false, reason: 'revoked' };
  const stored = fromBase64url(device.secretHash);
  if (stored === undefined || !timingSafeEqual(hash, stored)) return { ok: false, reason: 'invalid' };
  if (device.generation !== a.generation) return { ok: false, reason: 'revoked' };
  if (device.expiresAt <= now) return { ok: false, reason: 'expired' };
  return { ok: true, deviceId: id };
}

/**
 * Forget one remembered device (a "forget" button in the device list).
 *
 * @param account - the stored account
 * @param deviceId - which one
 * @returns the change
 * @throws TotpkitError `ERR_ACCOUNT_DEVICE_UNKNOWN`
 */
export function forgetDevice(account: Account, deviceId: string): AccountChange {
  const a = checkAccount(account);
  if (typeof deviceId !== 'string') throw typeError('deviceId', 'a string', deviceId);
  if (!a.devices.some((d) => d.id === deviceId))
    throw new TotpkitError('ERR_ACCOUNT_DEVICE_UNKNOWN', 'the account has no remembered device with that id');
  return { account: next(a, { devices: a.devices.filter((d) => d.id !== deviceId) }, false), notices: [] };
}
