/**
 * The guarded verifier's public types: results, refusals, audit events, options and the
 * {@link Verifier} interface. Kept apart from the implementation so a reader of the contract does
 * not wade through the deadline queue, and so the implementation can change without touching them.
 *
 * @module
 */
import type { CheckRememberedDeviceResult } from '../account/devices.js';
import type { Account, Notice } from '../account/state.js';
import type { Credential, SecretProtection } from '../credential.js';
import type { ConfirmFailureReason, Enrollment } from '../enrollment.js';
import type { RecoveryCodeSet } from '../recovery.js';
import type { TotpWindow } from '../totp.js';
import type { Moment } from '../types.js';
import type { GuardStore } from './store.js';

/** Why a guarded login failed. */
export type GuardFailureReason = 'malformed' | 'mismatch' | 'replayed' | 'locked' | 'expired' | 'storage';
/** Why a guarded recovery-code attempt failed. */
export type RecoveryFailureReason = GuardFailureReason | 'used';
/** Why a guarded enrollment confirmation failed. */
export type EnrollmentFailureReason = GuardFailureReason | ConfirmFailureReason;
/**
 * The reason an audit event carries: any failure above, or `secret_unreadable` when a credential's
 * sealed secret could not be opened (the attempt then throws after the event).
 */
export type GuardEventReason = RecoveryFailureReason | EnrollmentFailureReason | 'secret_unreadable';

/** One structured audit event per attempt. Never contains a code, a secret or a token. */
export interface GuardEvent {
  /** `attempt`: a guarded attempt at another secret (a password, a PIN), see `attemptKind`. */
  readonly kind: 'verify' | 'recovery' | 'enrollment' | 'attempt';
  /** With `kind: 'attempt'`: what was attempted, as the caller named it (`password`, `pin`, …). */
  readonly attemptKind?: string | undefined;
  /** The throttled subject: the credential id, or the account id for attempts against an account. */
  readonly credentialId: string;
  /** With an account: the authenticator that matched. */
  readonly authenticatorId?: string | undefined;
  readonly outcome: 'success' | 'failure';
  readonly reason: GuardEventReason | undefined;
  readonly step: number | undefined;
  readonly delta: number | undefined;
  /** Failures counted for this credential after this attempt (0 after a success). */
  readonly failures: number;
  /**
   * `true` once failures reach the anomaly threshold, and on a success that cleared at least that
   * many: time to demand step-up or alert.
   */
  readonly anomaly: boolean;
  /** With `secret_unreadable`: the error code (`ERR_SEAL_KEY_UNKNOWN`, …). */
  readonly error?: string | undefined;
  /** The moment of the attempt (the verifier's `clock`), epoch ms. */
  readonly time: number;
  /** The caller's context (device id, IP, location…), passed through untouched. */
  readonly context: Readonly<Record<string, unknown>> | undefined;
}

/** Per-operation policy, e.g. `{ transfer: { window: 0 } }` for high-risk actions. */
export interface GuardPolicy {
  window?: TotpWindow;
  /**
   * The operation always needs a code: `verifier.checkRememberedDevice` answers `code_required`
   * for it, whatever the token (a payout, a change of e-mail address).
   */
  requireCode?: boolean;
}

/** Options of {@link createVerifier}. */
export type VerifierOptions = Partial<SecretProtection> & {
  store: GuardStore;
  /** Consecutive failures before lockout, 1..100, 10 by default. */
  maxFailures?: number;
  /** Failure memory and lock duration after the last counted attempt, seconds, 900 by default. */
  lockSeconds?: number;
  /**
   * Longest wait for the store per attempt, ms, 10..60 000, 2000 by default. Past it the attempt
   * answers `storage`; a later answer from the store is ignored.
   */
  timeoutMs?: number;
  /** Default acceptance window (±1). */
  window?: TotpWindow;
  /** Named policies selected by `operation`. */
  policies?: Readonly<Record<string, GuardPolicy>>;
  /** Failures at which events carry `anomaly: true`, default half of `maxFailures` (rounded up). */
  anomalyThreshold?: number;
  /** Audit hook, called once per attempt. Exceptions it throws are swallowed: auditing never changes an outcome. */
  onEvent?: (event: GuardEvent) => void;
  /** Clock for attempts without `now` (epoch ms); `Date.now` by default. */
  clock?: () => number;
};

/** What every refusal carries besides its reason. */
export interface GuardRefusal<R extends string> {
  readonly ok: false;
  readonly reason: R;
  /** Failures reached the anomaly threshold. */
  readonly anomaly: boolean;
  /** When a lock ends (epoch ms), on `locked` and on the failure that locked. */
  readonly retryAt: number | undefined;
  /**
   * Failed attempts left before the lock (`maxFailures` minus the failures counted), 0 when
   * locked, `undefined` when the store did not answer: what a login page shows as a hint.
   */
  readonly attemptsLeft: number | undefined;
}

/** Result of {@link Verifier.verify}. */
export type GuardResult =
  | {
      readonly ok: true;
      readonly credential: Credential;
      readonly step: number;
      readonly delta: number;
      readonly anomaly: boolean;
    }
  | GuardRefusal<GuardFailureReason>;

/** Result of {@link Verifier.useRecoveryCode}: on success, the updated set to store. */
export type RecoveryAttemptResult =
  | { readonly ok: true; readonly set: RecoveryCodeSet; readonly remaining: number; readonly anomaly: boolean }
  | GuardRefusal<RecoveryFailureReason>;

/** Result of {@link Verifier.confirmEnrollment}: always with the enrollment state to store. */
export type EnrollmentAttemptResult =
  | { readonly ok: true; readonly credential: Credential; readonly enrollment: Enrollment; readonly anomaly: boolean }
  | (GuardRefusal<EnrollmentFailureReason> & { readonly enrollment: Enrollment });

/** Arguments common to every guarded call. */
export interface GuardAttempt {
  /** The moment (Date or epoch ms); the verifier's clock by default. */
  now?: Moment;
  /** Passed to the audit event untouched. */
  context?: Record<string, unknown>;
}

/** Result of {@link Verifier.verify} against an account: on success, the account to store. */
export type AccountGuardResult =
  | {
      readonly ok: true;
      /** The account with the matching authenticator's credential updated (compare-and-set on `version`). */
      readonly account: Account;
      /** The authenticator whose code matched. */
      readonly authenticatorId: string;
      readonly step: number;
      readonly delta: number;
      readonly anomaly: boolean;
    }
  | GuardRefusal<GuardFailureReason>;

/** Result of {@link Verifier.useRecoveryCode} against an account. */
export type AccountRecoveryResult =
  | {
      readonly ok: true;
      readonly account: Account;
      /** Unused codes left. */
      readonly remaining: number;
      /** `recovery_code_used`, and `recovery_codes_low` at 2 or fewer left. */
      readonly notices: readonly Notice[];
      readonly anomaly: boolean;
    }
  | GuardRefusal<RecoveryFailureReason>;

/** Result of {@link Verifier.confirmEnrollment} against an account: always with the account to store. */
export type AccountEnrollmentResult =
  | {
      readonly ok: true;
      /** With the new authenticator, and no pending enrollment. */
      readonly account: Account;
      readonly authenticatorId: string;
      /** `authenticator_added`. */
      readonly notices: readonly Notice[];
      readonly anomaly: boolean;
    }
  | (GuardRefusal<EnrollmentFailureReason> & {
      /** A wrong token or code counted in the pending enrollment; otherwise unchanged. */
      readonly account: Account;
    });

/** Result of {@link Verifier.attempt}. */
export type AttemptResult =
  | { readonly ok: true; readonly anomaly: boolean }
  | GuardRefusal<'mismatch' | 'locked' | 'storage'>;

/** Result of {@link Verifier.checkRememberedDevice}. */
export type RememberedDeviceResult =
  | CheckRememberedDeviceResult
  | { readonly ok: false; readonly reason: 'code_required' };

/** A verifier bound to a store and a policy. */
export interface Verifier {
  /** Verify a login code for a stored credential. Store `result.credential` on success. */
  verify(args: GuardAttempt & { credential: Credential; code: string; operation?: string }): Promise<GuardResult>;
  /**
   * Verify a login code against every authenticator of an account, with the same work whichever
   * matches (or none). Throttling and replay are per account (one settle, the account id as the
   * subject): a code accepted from one authenticator is not accepted through another, and an
   * account accepts at most one code per time step. Store `result.account` on success.
   */
  verify(args: GuardAttempt & { account: Account; code: string; operation?: string }): Promise<AccountGuardResult>;
  /** Use a recovery code; single use across every process sharing the store. Store `result.set` on success. */
  useRecoveryCode(
    args: GuardAttempt & { credentialId: string; set: RecoveryCodeSet; code: string; pepper?: Uint8Array },
  ): Promise<RecoveryAttemptResult>;
  /** Use one of an account's recovery codes. Store `result.account`, send `result.notices`. */
  useRecoveryCode(
    args: GuardAttempt & { account: Account; code: string; pepper?: Uint8Array },
  ): Promise<AccountRecoveryResult>;
  /** Confirm an enrollment; the token works once across every process sharing the store. */
  confirmEnrollment(
    args: GuardAttempt & { enrollment: Enrollment; token: string; code: string },
  ): Promise<EnrollmentAttemptResult>;
  /**
   * Confirm the account's pending enrollment (or `enrollment`) and add its authenticator, named
   * `label` (or the enrollment's device label). Store `result.account` whatever the result.
   */
  confirmEnrollment(
    args: GuardAttempt & { account: Account; token: string; code: string; label?: string; enrollment?: Enrollment },
  ): Promise<AccountEnrollmentResult>;
  /**
   * Guard any other secret the application checks itself (a password, a PIN, a code it sent):
   * throttled per `subject`, answered within the deadline, one audit event (`kind: 'attempt'`).
   * Check the secret first, then pass whether it was right.
   */
  attempt(
    args: GuardAttempt & {
      /** Who is throttled, such as `password:alice` (1..256 characters). */
      subject: string;
      /** Whether the application's own check accepted the secret. */
      verified: boolean;
      /** What was attempted, for the audit event: a short lower-case name (`password`, `pin`). */
      kind?: string;
    },
  ): Promise<AttemptResult>;
  /**
   * Check a remembered-device token (see `rememberDevice` in `totpkit/account`) with the verifier's
   * keyring; an operation whose policy has `requireCode` answers `code_required` whatever the token.
   */
  checkRememberedDevice(args: {
    account: Account;
    token: string;
    operation?: string;
    now?: Moment;
  }): RememberedDeviceResult;
}
