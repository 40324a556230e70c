/**
 * Account state (exported by `totpkit/account`): the account around the credentials. An auth
 * server works with accounts: a person may enroll several authenticators, keep recovery codes,
 * remember a browser for a while, and must hear about every change to any of it. This module holds
 * that state as plain JSON and changes it with pure functions, in the style of enrollment; the guard
 * (`totpkit/guard`) verifies codes against a whole account.
 *
 * **Storing it.** Every change returns `{ account, notices }` with `version` one higher. Persist with
 * a compare-and-set on the version you read:
 *
 * ```sql
 * UPDATE accounts SET state = $new WHERE id = $1 AND (state->>'version')::int = $old
 * ```
 *
 * No row updated means another request changed the account since you read it: reload it, then
 * retry or refuse. Two concurrent requests can then never both apply a change to the same version,
 * so no change is lost and no stale copy is written back.
 *
 * **Generation.** `generation` goes up on every security-relevant change: an authenticator added or
 * removed, recovery codes replaced, two-factor login turned off, or {@link bumpGeneration} (for the
 * application's own events, such as a new password). Remembered devices die with it: a device is
 * valid only for the generation it was remembered in. Use it the same way for sessions.
 *
 * **Notices** are what NIST SP 800-63B-4 §4.1.2.1 and OWASP ASVS 6.3.7 ask a verifier to tell the
 * account holder about (binding and removal of authenticators, recovery codes used or replaced),
 * plus a low-recovery-codes warning and a remembered device: the outbox a server mails from.
 *
 * @module
 */
import {
  MAX_AUTHENTICATOR_LABEL_LENGTH,
  MAX_AUTHENTICATORS,
  MAX_REMEMBERED_DEVICES,
  RECOVERY_CODES_LOW,
} from '../constants.js';
import type { Credential } from '../credential.js';
import type { Enrollment } from '../enrollment.js';
import { TotpkitError } from '../errors.js';
import { optionsObject, rangeError, typeError } from '../internal/assert.js';
import { checkLabel, credentialId, hasInvisible } from '../internal/text.js';
import { nowMs } from '../internal/time.js';
import type { RecoveryCodeSet } from '../recovery.js';
import type { Moment } from '../types.js';

/** One enrolled authenticator of an account. */
export interface Authenticator {
  /** The credential's id (unique within the account). */
  readonly id: string;
  /** The user's name for it ("Work phone"): unique within the account, URI label rules, ≤ 64 characters. */
  readonly label: string;
  /** Epoch ms. */
  readonly createdAt: number;
  /** The last successful login with it, epoch ms; `null` before the first. */
  readonly lastUsedAt: number | null;
  readonly credential: Credential;
}

/** A browser the user asked to remember: a login from it may skip the code until `expiresAt`. */
export interface RememberedDevice {
  readonly id: string;
  readonly label: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  /** The account's `generation` when it was remembered: any later change revokes it. */
  readonly generation: number;
  /** base64url SHA-256 of the token's secret half; the token itself is never stored. */
  readonly secretHash: string;
}

/** An account's two-factor state. Plain JSON: store it as it is, with a compare-and-set on `version`. */
export interface Account {
  readonly v: 1;
  /** The application's account id (the guard's throttling subject for this account). */
  readonly id: string;
  /** Goes up by one on every change: the compare-and-set token. */
  readonly version: number;
  /** Goes up on every security-relevant change; remembered devices die with it. */
  readonly generation: number;
  /** At most {@link MAX_AUTHENTICATORS}; two-factor login is on while there is at least one. */
  readonly authenticators: readonly Authenticator[];
  readonly recovery: RecoveryCodeSet | null;
  /** An enrollment in progress (see `startEnrollment`), or `null`. */
  readonly pendingEnrollment: Enrollment | null;
  /** At most {@link MAX_REMEMBERED_DEVICES}, oldest dropped first. */
  readonly devices: readonly RememberedDevice[];
}

/** What happened, for the account holder to be told (mail, push, a "security notices" page). */
export type NoticeKind =
  | 'authenticator_added'
  | 'authenticator_removed'
  | 'recovery_codes_replaced'
  | 'recovery_code_used'
  | 'recovery_codes_low'
  | 'two_factor_off'
  | 'device_remembered';

/** One notice. Never contains a secret, a code or a token. */
export interface Notice {
  readonly kind: NoticeKind;
  /** Epoch ms. */
  readonly time: number;
  /** With `authenticator_*`: which one. */
  readonly authenticatorId?: string;
  /** With `authenticator_*` and `device_remembered`: its label. */
  readonly label?: string;
  /** With `recovery_code_used` and `recovery_codes_low`: unused codes left. */
  readonly remaining?: number;
  /** With `device_remembered`. */
  readonly deviceId?: string;
}

/** What every change returns: the account to store (compare-and-set on the old `version`) and its notices. */
export interface AccountChange {
  readonly account: Account;
  readonly notices: readonly Notice[];
}

/** The moment of a change: `now` (a Date, epoch ms or a clock function), `Date.now()` by default. */
export interface ChangeOptions {
  now?: Moment;
}

const check = (value: unknown, what: string): Record<string, unknown> =>
  optionsObject(what, value as Record<string, unknown>, true) as Record<string, unknown>;

/**
 * An account record, checked: `TypeError` for a non-object, `RangeError` for one of the wrong shape
 * (a `version` or `generation` that is not a non-negative safe integer, lists that are not arrays).
 *
 * @internal
 */
export function checkAccount(value: unknown): Account {
  const a = check(value, 'account');
  if (a.v !== 1 || typeof a.id !== 'string') throw rangeError('"account" is not a totpkit account record');
  for (const field of ['version', 'generation'] as const) {
    const n = a[field];
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
      throw rangeError(`"account.${field}" must be a non-negative safe integer`);
  }
  if (!Array.isArray(a.authenticators) || !Array.isArray(a.devices))
    throw rangeError('"account.authenticators" and "account.devices" must be arrays');
  if (a.authenticators.length > MAX_AUTHENTICATORS)
    throw rangeError(`"account.authenticators" holds more than ${MAX_AUTHENTICATORS}`);
  for (const x of a.authenticators as unknown[]) {
    const au = check(x, 'account.authenticators[]');
    if (typeof au.id !== 'string' || typeof au.label !== 'string' || typeof au.credential !== 'object')
      throw rangeError('"account.authenticators" holds an entry that is not an authenticator');
  }
  if (a.recovery !== null && typeof a.recovery !== 'object')
    throw rangeError('"account.recovery" must be a set or null');
  if (a.pendingEnrollment !== null && typeof a.pendingEnrollment !== 'object')
    throw rangeError('"account.pendingEnrollment" must be an enrollment or null');
  return a as unknown as Account;
}

/**
 * A label for an authenticator or a device: the URI label rule, at most 64 characters, and no
 * invisible characters (a zero-width space would let "Work phone" and "Work\u200Bphone" look like
 * one label in the list and in a notice while counting as two). @internal
 */
export function authenticatorLabel(value: unknown): string {
  const label = checkLabel('deviceLabel', value);
  if (label.length > MAX_AUTHENTICATOR_LABEL_LENGTH)
    throw new TotpkitError(
      'ERR_URI_LABEL',
      `"label" must be at most ${MAX_AUTHENTICATOR_LABEL_LENGTH} characters, got ${label.length}`,
    );
  if (hasInvisible(label)) throw new TotpkitError('ERR_URI_LABEL', '"label" must not contain invisible characters');
  return label;
}

/**
 * The next version of `a` with `changes`, one version higher (and one generation, when `security`).
 *
 * @internal
 */
export function next(a: Account, changes: Partial<Account>, security: boolean): Account {
  return {
    ...a,
    ...changes,
    version: a.version + 1,
    generation: security ? a.generation + 1 : a.generation,
    // A security-relevant change revokes every remembered device.
    devices: security ? [] : (changes.devices ?? a.devices),
  };
}

/**
 * A new account: no authenticator (two-factor login off), no recovery codes, nothing pending.
 *
 * @param options - `id`: the application's account id (1..256 characters, well-formed)
 * @returns the account, `version` 0, `generation` 0
 * @throws TypeError `ERR_INVALID_ARG_TYPE` / RangeError `ERR_OUT_OF_RANGE` for a bad `id`
 * @example
 * ```ts
 * await db.insert('accounts', { id: user.id, state: createAccount({ id: user.id }) })
 * ```
 */
export function createAccount(options: { id: string }): Account {
  const opts = optionsObject('options', options, true);
  const id = credentialId('id', opts.id);
  return {
    v: 1,
    id,
    version: 0,
    generation: 0,
    authenticators: [],
    recovery: null,
    pendingEnrollment: null,
    devices: [],
  };
}

/** Whether two-factor login is on: the account has at least one authenticator. */
export function twoFactorOn(account: Account): boolean {
  return checkAccount(account).authenticators.length > 0;
}

/**
 * Add an authenticator (usually the one an enrollment just confirmed; `verifier.confirmEnrollment`
 * with an account does it for you). A security-relevant change: `generation` goes up.
 *
 * @param account - the stored account
 * @param options - `credential`, `label` (unique, ≤ 64 characters; the credential's device label or
 *   "Authenticator N" by default), `now`
 * @returns the change, with an `authenticator_added` notice
 * @throws TotpkitError `ERR_ACCOUNT_AUTHENTICATORS_FULL` (already 10), `ERR_ACCOUNT_AUTHENTICATOR_EXISTS`
 *   (same credential id), `ERR_ACCOUNT_LABEL_TAKEN`, `ERR_URI_LABEL`
 */
export function addAuthenticator(
  account: Account,
  options: ChangeOptions & { credential: Credential; label?: string },
): AccountChange {
  const a = checkAccount(account);
  const opts = optionsObject('options', options, true);
  const now = nowMs(opts.now);
  const credential = check(opts.credential, 'credential') as unknown as Credential;
  credentialId('credential.id', credential.id);
  if (a.authenticators.length >= MAX_AUTHENTICATORS)
    throw new TotpkitError(
      'ERR_ACCOUNT_AUTHENTICATORS_FULL',
      `an account holds at most ${MAX_AUTHENTICATORS} authenticators`,
    );
  if (a.authenticators.some((x) => x.id === credential.id))
    throw new TotpkitError('ERR_ACCOUNT_AUTHENTICATOR_EXISTS', 'the account already has an authenticator with that id');
  const label = authenticatorLabel(
    opts.label ?? credential.deviceLabel ?? `Authenticator ${a.authenticators.length + 1}`,
  );
  if (a.authenticators.some((x) => x.label === label))
    throw new TotpkitError('ERR_ACCOUNT_LABEL_TAKEN', 'another authenticator of the account has that label');
  const added: Authenticator = { id: credential.id, label, createdAt: now, lastUsedAt: null, credential };
  return {
    account: next(a, { authenticators: [...a.authenticators, added] }, true),
    notices: [{ kind: 'authenticator_added', time: now, authenticatorId: added.id, label }],
  };
}

/** The index of authenticator `id`, or the coded error. */
function indexOf(a: Account, id: unknown): number {
  if (typeof id !== 'string') throw typeError('authenticatorId', 'a string', id);
  const i = a.authenticators.findIndex((x) => x.id === id);
  if (i < 0)
    throw new TotpkitError('ERR_ACCOUNT_AUTHENTICATOR_UNKNOWN', 'the account has no authenticator with that id');
  return i;
}

/**
 * Remove an authenticator. Removing the last one turns two-factor login off (and says so). A
 * security-relevant change.
 *
 * @param account - the stored account
 * @param authenticatorId - which one
 * @param options - `now`
 * @returns the change: `authenticator_removed`, and `two_factor_off` when none is left
 * @throws TotpkitError `ERR_ACCOUNT_AUTHENTICATOR_UNKNOWN`
 */
export function removeAuthenticator(account: Account, authenticatorId: string, options?: ChangeOptions): AccountChange {
  const a = checkAccount(account);
  const now = nowMs(optionsObject('options', options).now);
  const i = indexOf(a, authenticatorId);
  const removed = a.authenticators[i]!;
  const authenticators = a.authenticators.filter((_, j) => j !== i);
  const notices: Notice[] = [
    { kind: 'authenticator_removed', time: now, authenticatorId: removed.id, label: removed.label },
  ];
  if (authenticators.length === 0) {
    notices.push({ kind: 'two_factor_off', time: now });
    return { account: next(a, { authenticators, recovery: null, pendingEnrollment: null }, true), notices };
  }
  return { account: next(a, { authenticators }, true), notices };
}

/**
 * Rename an authenticator. Not security-relevant: `generation` stays, and there is no notice.
 *
 * @param account - the stored account
 * @param authenticatorId - which one
 * @param label - the new label: unique, URI label rules, ≤ 64 characters
 * @param options - `now`
 * @returns the change
 * @throws TotpkitError `ERR_ACCOUNT_AUTHENTICATOR_UNKNOWN`, `ERR_ACCOUNT_LABEL_TAKEN`, `ERR_URI_LABEL`
 */
export function renameAuthenticator(
  account: Account,
  authenticatorId: string,
  label: string,
  options?: ChangeOptions,
): AccountChange {
  const a = checkAccount(account);
  nowMs(optionsObject('options', options).now);
  const i = indexOf(a, authenticatorId);
  const name = authenticatorLabel(label);
  if (a.authenticators.some((x, j) => j !== i && x.label === name))
    throw new TotpkitError('ERR_ACCOUNT_LABEL_TAKEN', 'another authenticator of the account has that label');
  const authenticators = a.authenticators.map((x, j) => (j === i ? { ...x, label: name } : x));
  return { account: next(a, { authenticators }, false), notices: [] };
}

/**
 * Replace the recovery codes (store the set `generateRecoveryCodes` gave; show its codes once).
 * A security-relevant change.
 *
 * @param account - the stored account
 * @param set - the new set
 * @param options - `now`
 * @returns the change, with `recovery_codes_replaced`
 */
export function replaceRecoveryCodes(account: Account, set: RecoveryCodeSet, options?: ChangeOptions): AccountChange {
  const a = checkAccount(account);
  const now = nowMs(optionsObject('options', options).now);
  const recovery = check(set, 'set') as unknown as RecoveryCodeSet;
  if (recovery.v !== 1 || !Array.isArray(recovery.codes)) throw rangeError('"set" is not a recovery code set');
  return { account: next(a, { recovery }, true), notices: [{ kind: 'recovery_codes_replaced', time: now }] };
}

/**
 * Turn two-factor login off: every authenticator, the recovery codes, the pending enrollment and
 * the remembered devices go. A security-relevant change.
 *
 * @param account - the stored account
 * @param options - `now`
 * @returns the change, with `two_factor_off`
 */
export function turnOffTwoFactor(account: Account, options?: ChangeOptions): AccountChange {
  const a = checkAccount(account);
  const now = nowMs(optionsObject('options', options).now);
  return {
    account: next(a, { authenticators: [], recovery: null, pendingEnrollment: null }, true),
    notices: [{ kind: 'two_factor_off', time: now }],
  };
}

/**
 * Raise `generation` for an event of the application's own (a new password, a new e-mail address):
 * every remembered device is revoked, and sessions keyed to the generation can be too.
 *
 * @param account - the stored account
 * @param options - `now`
 * @returns the change (no notice: the application tells its own story)
 */
export function bumpGeneration(account: Account, options?: ChangeOptions): AccountChange {
  const a = checkAccount(account);
  nowMs(optionsObject('options', options).now);
  return { account: next(a, {}, true), notices: [] };
}

/**
 * Record a pending enrollment on the account (from `startEnrollment`), or clear it with `null`.
 * Not security-relevant until it is confirmed.
 *
 * @param account - the stored account
 * @param enrollment - the enrollment, or `null`
 * @returns the change
 */
export function setPendingEnrollment(account: Account, enrollment: Enrollment | null): AccountChange {
  const a = checkAccount(account);
  if (enrollment !== null) check(enrollment, 'enrollment');
  return { account: next(a, { pendingEnrollment: enrollment }, false), notices: [] };
}

/** Recovery-code notices after a use: `recovery_code_used`, and `recovery_codes_low` at 2 or fewer left. @internal */
export function recoveryNotices(remaining: number, now: number): Notice[] {
  const notices: Notice[] = [{ kind: 'recovery_code_used', time: now, remaining }];
  if (remaining <= RECOVERY_CODES_LOW) notices.push({ kind: 'recovery_codes_low', time: now, remaining });
  return notices;
}

/** The account after a login with authenticator `index` succeeded: its credential updated. @internal */
export function afterLogin(a: Account, index: number, credential: Credential, now: number): Account {
  const authenticators = a.authenticators.map((x, j) => (j === index ? { ...x, credential, lastUsedAt: now } : x));
  return next(a, { authenticators }, false);
}

/** The account after a recovery code was used. @internal */
export function afterRecovery(a: Account, recovery: RecoveryCodeSet): Account {
  return next(a, { recovery }, false);
}

/** The account with its pending enrollment updated (attempts counted). @internal */
export function withEnrollment(a: Account, enrollment: Enrollment | null): Account {
  return next(a, { pendingEnrollment: enrollment }, false);
}
