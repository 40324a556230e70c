/**
 * Enrollment: from "turn on two-factor login" to an active credential, as pure functions over
 * JSON-serializable state.
 *
 * ```
 * startEnrollment ──► pending ──confirmEnrollment(token, first code)──► used  (+ active Credential)
 *                        │  └── wrong token/code × 5 ──► revoked
 *                        ├── revokeEnrollment / a newer startEnrollment ──► revoked
 *                        └── ttl passes ──► (confirm answers 'expired')
 * ```
 *
 * While it is pending, `showEnrollment` renders the same URI and manual key again (a refresh, a
 * wrong first code), so the app that scanned the first QR code keeps working.
 *
 * The enrollment token ties the confirmation to the browser session that started it; only its
 * SHA-256 is kept in the state. The first code's step becomes the credential's `lastStep`, so the
 * code that confirmed the enrollment cannot be replayed as the first login.
 *
 * @module
 */
import { sha256 } from '@noble/hashes/sha2.js';
import {
  CREDENTIAL_ID_BYTES,
  DEFAULT_ALGORITHM,
  DEFAULT_ENROLLMENT_TTL_SECONDS,
  ENROLLMENT_TOKEN_BYTES,
  MAX_ENROLLMENT_ATTEMPTS,
  MAX_ENROLLMENT_TOKEN_LENGTH,
  MAX_ENROLLMENT_TTL_SECONDS,
  MIN_ENROLLMENT_TTL_SECONDS,
} from './constants.js';
import { authenticatorConcerns, type AuthenticatorConcern } from './compat.js';
import { loadSecret, storeSecret, type Credential, type SecretProtection } from './credential.js';
import { integerOption, optionsObject, rangeError } from './internal/assert.js';
import { algorithmOption } from './internal/options.js';
import { fromBase64url, randomBytes, timingSafeEqual, toBase64url, utf8, type RandomSource } from './internal/bytes.js';
import { digitsOption, periodOption } from './internal/options.js';
import { checkLabel, credentialId as credentialIdArg } from './internal/text.js';
import { nowMs } from './internal/time.js';
import { manualEntry, type ManualEntry } from './manual.js';
import { generateSecret } from './secret.js';
import { verifyTotp } from './totp.js';
import type { Algorithm, Moment } from './types.js';
import { buildOtpauthUri } from './uri.js';

/** A started enrollment, as stored by the server until it is confirmed, revoked or expires. */
export interface Enrollment {
  readonly v: 1;
  readonly status: 'pending' | 'used' | 'revoked';
  /** The id the credential will have; the secret envelope is bound to it. */
  readonly credentialId: string;
  readonly account: string;
  readonly issuer: string;
  readonly algorithm: Algorithm;
  readonly digits: number;
  readonly period: number;
  readonly deviceLabel: string | null;
  /** Sealed secret (or `plain:` with `insecurePlaintext`). */
  readonly secret: string;
  /** base64url SHA-256 of the enrollment token. */
  readonly tokenHash: string;
  /** Failed confirmations so far. */
  readonly attempts: number;
  /** Epoch milliseconds. */
  readonly createdAt: number;
  readonly expiresAt: number;
  /** When it was confirmed or revoked. */
  readonly endedAt: number | null;
}

/** Options of {@link startEnrollment}. */
export type StartEnrollmentOptions = Partial<SecretProtection> & {
  account: string;
  issuer: string;
  /** The moment, a `Date` or epoch ms; `Date.now()` by default. */
  now?: Moment;
  /** Lifetime, 60..3600 s, 600 by default. */
  ttlSeconds?: number;
  /** Id for the new credential; 128 random bits, base64url, by default. */
  credentialId?: string;
  deviceLabel?: string;
  /** SHA1 by default: many apps ignore anything else. */
  algorithm?: Algorithm;
  digits?: number;
  period?: number;
  /** A pending enrollment this one replaces: it is returned revoked in `replaced`. */
  previous?: Enrollment;
  /** Randomness for the secret, token and id (tests only). */
  random?: RandomSource;
};

/** What {@link startEnrollment} returns. Only `enrollment` is stored; the rest is shown once. */
export interface StartedEnrollment {
  /** The state to store server-side (no plaintext secret unless `insecurePlaintext`). */
  readonly enrollment: Enrollment;
  /** Give this to the client that started the enrollment (e.g. in its session); never store it. */
  readonly token: string;
  /** The `otpauth://` URI for the QR code. Contains the secret: render it, do not log it. */
  readonly uri: string;
  /** The manual-entry fallback. Contains the secret. */
  readonly manual: ManualEntry;
  /** `previous`, revoked, when it was pending. */
  readonly replaced: Enrollment | undefined;
  /**
   * Apps that would ignore or may mishandle this enrollment's non-default settings (see
   * {@link authenticatorConcerns}); empty for SHA-1, 6 digits and 30 s.
   */
  readonly appConcerns: AuthenticatorConcern[];
}

const hashToken = (token: string): string => toBase64url(sha256(utf8(token)));

/**
 * The URI parameters of an enrollment's credential-to-be: what `startEnrollment` shows and `showEnrollment` shows
 * again.
 */
const uriParams = (e: Pick<Enrollment, 'account' | 'issuer' | 'algorithm' | 'digits' | 'period'>, secret: Uint8Array) =>
  ({
    type: 'totp',
    secret,
    account: e.account,
    issuer: e.issuer,
    algorithm: e.algorithm,
    digits: e.digits,
    period: e.period,
  }) as const;

/**
 * Start a TOTP enrollment: a fresh 160-bit secret, its URI and manual-entry form, and a one-time
 * token for the client.
 *
 * @param options - `account`, `issuer`, `keyring` (or `insecurePlaintext: true`), and optionally
 *   `now`, `ttlSeconds`, `credentialId`, `deviceLabel`, `algorithm`, `digits`, `period`, `previous`
 * @returns `{ enrollment, token, uri, manual, replaced }`
 * @throws TypeError `ERR_INVALID_ARG_TYPE` / RangeError `ERR_OUT_OF_RANGE` for invalid options;
 *   TotpkitError `ERR_URI_LABEL` for an account or issuer with `:` or control characters
 * @example
 * ```ts
 * const { enrollment, token, uri, manual } = startEnrollment({ account: user.email, issuer: 'ACME', keyring })
 * await db.saveEnrollment(user.id, enrollment); session.enrollmentToken = token
 * ```
 */
export function startEnrollment(options: StartEnrollmentOptions): StartedEnrollment {
  const opts = optionsObject('options', options, true);
  const now = nowMs(opts.now);
  const account = checkLabel('account', opts.account);
  const issuer = checkLabel('issuer', opts.issuer);
  const deviceLabel = opts.deviceLabel === undefined ? undefined : checkLabel('deviceLabel', opts.deviceLabel);
  const ttl = integerOption(
    'ttlSeconds',
    opts.ttlSeconds,
    DEFAULT_ENROLLMENT_TTL_SECONDS,
    MIN_ENROLLMENT_TTL_SECONDS,
    MAX_ENROLLMENT_TTL_SECONDS,
  );
  const algorithm = algorithmOption(opts.algorithm, DEFAULT_ALGORITHM);
  const digits = digitsOption(opts.digits);
  const period = periodOption(opts.period);
  const credentialId =
    opts.credentialId === undefined
      ? toBase64url(randomBytes(CREDENTIAL_ID_BYTES, opts.random))
      : credentialIdArg('credentialId', opts.credentialId);

  const secret = generateSecret({ random: opts.random });
  const params = uriParams({ account, issuer, algorithm, digits, period }, secret);
  const uri = buildOtpauthUri(params); // also validates account and issuer
  const token = toBase64url(randomBytes(ENROLLMENT_TOKEN_BYTES, opts.random));
  const enrollment: Enrollment = {
    v: 1,
    status: 'pending',
    credentialId,
    account,
    issuer,
    algorithm,
    digits,
    period,
    deviceLabel: deviceLabel ?? null,
    secret: storeSecret(secret, credentialId, opts, opts.random),
    tokenHash: hashToken(token),
    attempts: 0,
    createdAt: now,
    expiresAt: now + ttl * 1000,
    endedAt: null,
  };
  // A newer enrollment ends a pending one exactly as revokeEnrollment does: one transition, one owner.
  const previous = opts.previous === undefined ? undefined : checkEnrollment(opts.previous);
  const replaced = previous?.status === 'pending' ? revokeEnrollment(previous, { now }) : undefined;
  return {
    enrollment,
    token,
    uri,
    manual: manualEntry(params),
    replaced,
    appConcerns: authenticatorConcerns({ algorithm, digits, period }),
  };
}

/** Why a confirmation failed. */
export type ConfirmFailureReason = 'expired' | 'used' | 'revoked' | 'token_mismatch' | 'code_mismatch' | 'malformed';

/** Result of {@link confirmEnrollment}. Store `enrollment` in every case: failures count attempts. */
export type ConfirmEnrollmentResult =
  | { readonly ok: true; readonly credential: Credential; readonly enrollment: Enrollment }
  | { readonly ok: false; readonly reason: ConfirmFailureReason; readonly enrollment: Enrollment };

/** Options of {@link confirmEnrollment}. */
export type ConfirmEnrollmentOptions = Partial<SecretProtection> & {
  /** The token {@link startEnrollment} gave the client. */
  token: string;
  /** The first code from the authenticator app. */
  code: string;
  now?: Moment;
};

/** The enrollment's token, compared in constant time through its hash. */
function tokenMatches(e: Enrollment, token: unknown): boolean {
  const expected = fromBase64url(e.tokenHash);
  const given =
    typeof token === 'string' && token.length <= MAX_ENROLLMENT_TOKEN_LENGTH ? sha256(utf8(token)) : undefined;
  return expected !== undefined && given !== undefined && timingSafeEqual(given, expected);
}

/** Why {@link showEnrollment} shows nothing. */
export type ShowEnrollmentFailureReason = 'expired' | 'used' | 'revoked' | 'token_mismatch';

/** Result of {@link showEnrollment}. */
export type ShowEnrollmentResult =
  | {
      readonly ok: true;
      /** The same `otpauth://` URI as at the start. Contains the secret: render it, do not log it. */
      readonly uri: string;
      /** The same manual-entry fallback. Contains the secret. */
      readonly manual: ManualEntry;
      /** Wrong confirmations left before the enrollment is revoked. */
      readonly attemptsLeft: number;
      /** When it expires, epoch ms. */
      readonly expiresAt: number;
    }
  | { readonly ok: false; readonly reason: ShowEnrollmentFailureReason };

/** Options of {@link showEnrollment}. */
export type ShowEnrollmentOptions = Partial<SecretProtection> & {
  /** The token {@link startEnrollment} gave the client that started it. */
  token: string;
  now?: Moment;
};

/**
 * Show a pending enrollment again: the same QR URI and manual key as {@link startEnrollment} gave,
 * for a page refresh or after a wrong first code. A new secret on every render would strand the
 * app that scanned the first QR code. Only the client holding the enrollment's token sees it;
 * nothing is counted or changed (the function is pure and the state stays as it is).
 *
 * @param enrollment - the stored enrollment
 * @param options - `token`, `keyring` (or `insecurePlaintext`), `now`
 * @returns `{ ok: true, uri, manual, attemptsLeft, expiresAt }`, or `{ ok: false, reason }` when
 *   the enrollment is expired, used, revoked, or the token is not its own
 * @throws TotpkitError `ERR_SEAL_*` when the secret cannot be opened; argument errors for bad options
 * @example
 * ```ts
 * const shown = showEnrollment(user.enrollment, { token: session.enrollmentToken, keyring })
 * if (shown.ok) render(toSvg(shown.uri), shown.manual.text, shown.attemptsLeft)
 * else offerToStartOver(shown.reason)
 * ```
 */
export function showEnrollment(enrollment: Enrollment, options: ShowEnrollmentOptions): ShowEnrollmentResult {
  const e = checkEnrollment(enrollment);
  const opts = optionsObject('options', options, true);
  const now = nowMs(opts.now);
  if (e.status !== 'pending') return { ok: false, reason: e.status };
  if (now >= e.expiresAt) return { ok: false, reason: 'expired' };
  if (!tokenMatches(e, opts.token)) return { ok: false, reason: 'token_mismatch' };
  const secret = loadSecret(e.secret, e.credentialId, opts);
  try {
    const params = uriParams(e, secret);
    return {
      ok: true,
      uri: buildOtpauthUri(params),
      manual: manualEntry(params),
      attemptsLeft: MAX_ENROLLMENT_ATTEMPTS - e.attempts,
      expiresAt: e.expiresAt,
    };
  } finally {
    secret.fill(0);
  }
}

/** An enrollment record, checked: `TypeError` for a non-object, `RangeError` for a malformed record. @internal */
export function checkEnrollment(value: unknown): Enrollment {
  const e = optionsObject('enrollment', value as Enrollment, true) as Enrollment;
  if (
    e.v !== 1 ||
    (e.status !== 'pending' && e.status !== 'used' && e.status !== 'revoked') ||
    typeof e.tokenHash !== 'string' ||
    typeof e.credentialId !== 'string'
  ) {
    throw rangeError('"enrollment" is not a totpkit enrollment record');
  }
  return e;
}

/**
 * Confirm a pending enrollment with its token and the first code, turning it into a credential.
 *
 * Succeeds if and only if the enrollment is pending, unexpired, the token matches and the code
 * verifies (±1 step). Each wrong token or code counts an attempt; the fifth revokes the enrollment.
 * The confirming step is recorded as the credential's `lastStep`.
 *
 * @param enrollment - the stored pending enrollment
 * @param options - `token`, `code`, `keyring` (or `insecurePlaintext`), `now`
 * @returns `{ ok: true, credential, enrollment }` or `{ ok: false, reason, enrollment }`
 * @throws TotpkitError `ERR_SEAL_*` when the secret cannot be opened; argument errors for bad options
 * @example
 * ```ts
 * const r = confirmEnrollment(pending, { token: session.enrollmentToken, code: form.code, keyring })
 * await db.saveEnrollment(user.id, r.enrollment)
 * if (r.ok) await db.saveCredential(user.id, r.credential)
 * ```
 */
export function confirmEnrollment(enrollment: Enrollment, options: ConfirmEnrollmentOptions): ConfirmEnrollmentResult {
  const e = checkEnrollment(enrollment);
  const opts = optionsObject('options', options, true);
  const now = nowMs(opts.now);
  if (e.status === 'used') return { ok: false, reason: 'used', enrollment: e };
  if (e.status === 'revoked') return { ok: false, reason: 'revoked', enrollment: e };
  if (now >= e.expiresAt) return { ok: false, reason: 'expired', enrollment: e };

  const failed = (reason: ConfirmFailureReason): ConfirmEnrollmentResult => {
    const attempts = e.attempts + 1;
    const revoked = attempts >= MAX_ENROLLMENT_ATTEMPTS;
    return {
      ok: false,
      reason,
      enrollment: { ...e, attempts, status: revoked ? 'revoked' : 'pending', endedAt: revoked ? now : null },
    };
  };
  if (!tokenMatches(e, opts.token)) return failed('token_mismatch');

  const secret = loadSecret(e.secret, e.credentialId, opts);
  let r: ReturnType<typeof verifyTotp>;
  try {
    r = verifyTotp(secret, opts.code as string, {
      time: now,
      period: e.period,
      digits: e.digits,
      algorithm: e.algorithm,
    });
  } finally {
    secret.fill(0); // opened only to check this one code
  }
  if (!r.ok) return failed(r.reason === 'malformed' ? 'malformed' : 'code_mismatch');
  const credential: Credential = {
    v: 1,
    id: e.credentialId,
    type: 'totp',
    account: e.account,
    issuer: e.issuer,
    algorithm: e.algorithm,
    digits: e.digits,
    period: e.period,
    secret: e.secret,
    lastStep: r.step,
    delta: r.delta,
    deviceLabel: e.deviceLabel,
    createdAt: now,
    lastUsedAt: now,
  };
  return { ok: true, credential, enrollment: { ...e, status: 'used', endedAt: now } };
}

/**
 * Revoke a pending enrollment (the user cancelled, or an administrator did). Enrollments that are
 * already used or revoked are returned unchanged.
 *
 * @param enrollment - the stored enrollment
 * @param options - `now`
 * @returns the revoked enrollment
 * @throws RangeError `ERR_OUT_OF_RANGE` when `enrollment` is not an enrollment record
 * @example
 * ```ts
 * await db.saveEnrollment(user.id, revokeEnrollment(pending))
 * ```
 */
export function revokeEnrollment(enrollment: Enrollment, options?: { now?: Moment }): Enrollment {
  const e = checkEnrollment(enrollment);
  const now = nowMs(optionsObject('options', options).now);
  return e.status === 'pending' ? { ...e, status: 'revoked', endedAt: now } : e;
}
