/**
 * The guarded verifier: core verification plus the replay guard, throttling and audit events, over
 * a {@link GuardStore}, in one store round trip per attempt.
 *
 * Order of work for every attempt, and why:
 * 1. **Verify locally** with the pure core (`afterStep` = the credential's `lastStep`). It costs
 *    microseconds and tells the store what to do; nothing is revealed yet.
 * 2. **Settle in one atomic store call** ({@link GuardStore.settle}): a locked credential is refused
 *    whatever the code; a right code with a newer step is consumed and clears the failures;
 *    anything else is counted. However many guesses arrive in parallel, in any number of processes,
 *    at most `maxFailures` in a row get an answer other than `locked`, and of two requests with the
 *    same code exactly one wins (the other is `replayed`, and counted).
 * 3. **Answer within the deadline.** The store call races `timeoutMs`; past it the attempt is
 *    `{ ok: false, reason: 'storage' }`, and a late answer is ignored, so it can never become a
 *    success. Any store error is `storage` too: the guard fails closed.
 *
 * @module
 */
import {
  DEFAULT_GUARD_TIMEOUT_MS,
  DEFAULT_LOCK_SECONDS,
  DEFAULT_MAX_FAILURES,
  ENROLLMENT_USE_RECORD_MS,
  GUARD_KEY_CACHE_SIZE,
  MAX_GUARD_TIMEOUT_MS,
  MAX_LOCK_SECONDS,
  MAX_MAX_FAILURES,
  MAX_WINDOW,
  MIN_GUARD_TIMEOUT_MS,
  RECOVERY_USE_RECORD_MS,
} from '../constants.js';
import { checkRememberedDevice } from '../account/devices.js';
import {
  type Account,
  addAuthenticator,
  afterLogin,
  afterRecovery,
  checkAccount,
  type Notice,
  recoveryNotices,
  withEnrollment,
} from '../account/state.js';
import {
  type Credential,
  checkCredential,
  type SecretProtection,
  type VerifyCredentialResult,
  verifyWithKey,
} from '../credential.js';
import { checkEnrollment, confirmEnrollment as confirmPure, type Enrollment } from '../enrollment.js';
import { integerOption, optionsObject, rangeError, typeError } from '../internal/assert.js';
import { credentialId } from '../internal/text.js';
import { nowMs } from '../internal/time.js';
import { consumeRecoveryCode, type RecoveryCodeSet } from '../recovery.js';
import { createDeadline } from './deadline.js';
import { createKeyCache } from './key-cache.js';
import type { GuardStore, SettleOnce, SettleStep } from './store.js';
import type {
  AccountEnrollmentResult,
  EnrollmentFailureReason,
  GuardPolicy,
  GuardAttempt,
  GuardEvent,
  GuardEventReason,
  GuardFailureReason,
  GuardRefusal,
  RecoveryFailureReason,
  Verifier,
  VerifierOptions,
} from './types.js';

/** What `attempt`'s `kind` may be: a short lower-case name, safe in any log. */
const ATTEMPT_KIND = /^[a-z][a-z0-9_-]{0,31}$/;

/** What local verification found: a success with what to consume, or a reason. */
type Local<S> =
  | { readonly ok: true; readonly value: S; readonly step?: SettleStep; readonly once?: SettleOnce }
  | { readonly ok: false; readonly reason: string };

/**
 * Create a guarded verifier.
 *
 * @param options - `store`, `keyring` (or `insecurePlaintext`), `maxFailures` (10, ≤ 100),
 *   `lockSeconds` (900), `timeoutMs` (2000), `window`, `policies`, `anomalyThreshold`, `onEvent`, `clock`
 * @returns a {@link Verifier}
 * @throws TypeError `ERR_INVALID_ARG_TYPE` / RangeError `ERR_OUT_OF_RANGE` for invalid options
 * @example
 * ```ts
 * const verifier = createVerifier({ store: redisStore({ client }), keyring, onEvent: audit })
 * const r = await verifier.verify({ credential, code, context: { ip } })
 * if (r.ok) await saveCredential(r.credential)
 * else if (r.reason === 'locked') tellUserToWaitUntil(r.retryAt)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6238#section-5.2
 * @see https://www.rfc-editor.org/rfc/rfc4226#section-7.3
 */
export function createVerifier(options: VerifierOptions): Verifier {
  const opts = optionsObject('options', options, true);
  const store = opts.store as GuardStore;
  if (typeof store !== 'object' || store === null || typeof store.settle !== 'function')
    throw typeError('store', 'a GuardStore (an object with settle())', store);
  const maxFailures = integerOption('maxFailures', opts.maxFailures, DEFAULT_MAX_FAILURES, 1, MAX_MAX_FAILURES);
  const lockMs = integerOption('lockSeconds', opts.lockSeconds, DEFAULT_LOCK_SECONDS, 1, MAX_LOCK_SECONDS) * 1000;
  const timeoutMs = integerOption(
    'timeoutMs',
    opts.timeoutMs,
    DEFAULT_GUARD_TIMEOUT_MS,
    MIN_GUARD_TIMEOUT_MS,
    MAX_GUARD_TIMEOUT_MS,
  );
  const anomalyThreshold = integerOption(
    'anomalyThreshold',
    opts.anomalyThreshold,
    Math.ceil(maxFailures / 2),
    1,
    MAX_MAX_FAILURES,
  );
  const clock = opts.clock ?? Date.now;
  if (typeof clock !== 'function') throw typeError('clock', 'a function', clock);
  if (opts.onEvent !== undefined && typeof opts.onEvent !== 'function')
    throw typeError('onEvent', 'a function', opts.onEvent);
  const policies = opts.policies === undefined ? {} : optionsObject('policies', opts.policies);
  const protection: Partial<SecretProtection> =
    opts.keyring !== undefined ? { keyring: opts.keyring } : { insecurePlaintext: opts.insecurePlaintext };

  const emit = (event: GuardEvent): void => {
    try {
      opts.onEvent?.(event);
    } catch {
      // An audit sink that fails must not turn a refusal into a success or the reverse.
    }
  };

  const deadline = createDeadline(timeoutMs);

  /** Verify locally, settle in one store call, emit the event, answer. */
  async function attempt<S extends object, R extends string>(
    kind: GuardEvent['kind'],
    credentialId: string,
    args: GuardAttempt,
    local: (now: number) => Local<S>,
    attemptKind?: string,
  ): Promise<({ ok: true; anomaly: boolean } & S) | GuardRefusal<R>> {
    const now = nowMs(args.now ?? clock());
    const context = args.context === undefined ? undefined : optionsObject('context', args.context);
    const event = (
      outcome: GuardEvent['outcome'],
      reason: GuardEventReason | undefined,
      failures: number,
      anomaly: boolean,
      extra?: { step?: number; delta?: number; error?: string; authenticatorId?: string },
    ): void => {
      if (opts.onEvent !== undefined)
        emit({
          kind,
          ...(attemptKind === undefined ? {} : { attemptKind }),
          credentialId,
          ...(extra?.authenticatorId === undefined ? {} : { authenticatorId: extra.authenticatorId }),
          outcome,
          reason,
          step: extra?.step,
          delta: extra?.delta,
          failures,
          anomaly,
          error: extra?.error,
          time: now,
          context,
        });
    };
    const refuse = (
      reason: string,
      failures: number,
      retryAt: number | undefined,
      answered = true,
    ): GuardRefusal<R> => {
      const anomaly = failures >= anomalyThreshold;
      event('failure', reason as GuardEventReason, failures, anomaly);
      return {
        ok: false,
        reason: reason as R,
        anomaly,
        retryAt,
        attemptsLeft: !answered ? undefined : reason === 'locked' ? 0 : Math.max(0, maxFailures - failures),
      };
    };

    let found: Local<S>;
    try {
      found = local(now);
    } catch (error) {
      // A record whose secret cannot be opened (unknown key id, tampered envelope) is a server
      // problem, not a guess: it is not counted, but it is audited like every attempt, then thrown.
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && code.startsWith('ERR_SEAL_'))
        event('failure', 'secret_unreadable', 0, false, { error: code });
      throw error;
    }
    const r = await deadline.settle(store, credentialId, {
      now,
      maxFailures,
      lockUntil: now + lockMs,
      verified: found.ok,
      step: found.ok ? found.step : undefined,
      once: found.ok ? found.once : undefined,
    });
    if (r === undefined) return refuse('storage', 0, undefined, false);
    switch (r.status) {
      case 'accepted': {
        // A success right after a failure spike keeps the signal, so the server can ask for step-up.
        const anomaly = r.clearedFailures >= anomalyThreshold;
        const value = (found as { value: S }).value;
        event('success', undefined, 0, anomaly, value as { step?: number; delta?: number; authenticatorId?: string });
        return { ok: true, anomaly, ...value };
      }
      case 'locked':
        return refuse('locked', r.failures, r.retryAt);
      default: {
        const reason = r.status === 'failed' ? (found.ok ? 'storage' : found.reason) : r.status;
        return refuse(reason, r.failures, r.failures >= maxFailures ? r.retryAt : undefined);
      }
    }
  }

  const keyFor = createKeyCache(protection, GUARD_KEY_CACHE_SIZE);
  /** A step record outlives the widest window any verification may use. */
  const stepRecord = (value: number, period: number, now: number): SettleStep => ({
    value,
    expiresAt: now + (2 * MAX_WINDOW + 2) * period * 1000,
  });

  /** The window of an operation's policy (or the verifier's), refusing an unknown operation. */
  const policyOf = (operation: unknown): GuardPolicy | undefined => {
    if (operation === undefined) return undefined;
    if (typeof operation !== 'string' || !Object.hasOwn(policies, operation))
      throw rangeError(`"operation" names no policy`);
    return policies[operation] as GuardPolicy;
  };

  /** Every authenticator of the account tried, with the same work whichever matches (or none). */
  const verifyAccount = (a: GuardAttempt & { account: Account; code: string; operation?: string }) => {
    const account = checkAccount(a.account);
    const window = policyOf(a.operation)?.window ?? opts.window;
    const credentials = account.authenticators.map((x) => checkCredential(x.credential));
    return attempt<{ account: Account; authenticatorId: string; step: number; delta: number }, GuardFailureReason>(
      'verify',
      account.id,
      a,
      (now) => {
        let match: { index: number; v: Extract<VerifyCredentialResult, { ok: true }> } | undefined;
        let reason: 'malformed' | 'mismatch' | 'replayed' = 'mismatch';
        for (let i = 0; i < credentials.length; i++) {
          const c = credentials[i]!;
          const v = verifyWithKey(c, keyFor(c), a.code, { now, window });
          if (v.ok) match ??= { index: i, v };
          else if (v.reason === 'replayed' || (v.reason === 'malformed' && reason === 'mismatch')) reason = v.reason;
        }
        if (match === undefined) return { ok: false, reason };
        const { index, v } = match;
        return {
          ok: true,
          value: {
            account: afterLogin(account, index, v.credential, now),
            authenticatorId: account.authenticators[index]!.id,
            step: v.step,
            delta: v.delta,
          },
          step: stepRecord(v.step, credentials[index]!.period, now),
        };
      },
    );
  };

  const recoverAccount = (a: GuardAttempt & { account: Account; code: string; pepper?: Uint8Array }) => {
    const account = checkAccount(a.account);
    return attempt<{ account: Account; remaining: number; notices: readonly Notice[] }, RecoveryFailureReason>(
      'recovery',
      account.id,
      a,
      (now) => {
        if (account.recovery === null) return { ok: false, reason: 'mismatch' };
        const used = consumeRecoveryCode(account.recovery, a.code, { pepper: a.pepper, now });
        if (!used.ok) return used;
        const once = { item: `recovery:${used.set.generation}:${used.index}`, expiresAt: now + RECOVERY_USE_RECORD_MS };
        return {
          ok: true,
          value: {
            account: afterRecovery(account, used.set),
            remaining: used.remaining,
            notices: recoveryNotices(used.remaining, now),
          },
          once,
        };
      },
    );
  };

  const enrollAccount = async (
    a: GuardAttempt & { account: Account; token: string; code: string; label?: string; enrollment?: Enrollment },
  ): Promise<AccountEnrollmentResult> => {
    const account = checkAccount(a.account);
    const pending = a.enrollment ?? account.pendingEnrollment;
    if (pending === null || pending === undefined)
      throw rangeError('"account.pendingEnrollment" is empty: start an enrollment first');
    const enrollment = checkEnrollment(pending);
    let latest = account;
    const r = await attempt<
      { account: Account; authenticatorId: string; notices: readonly Notice[]; step: number },
      EnrollmentFailureReason
    >('enrollment', account.id, a, (now) => {
      const c = confirmPure(enrollment, { ...protection, token: a.token, code: a.code, now });
      if (!c.ok) {
        latest = withEnrollment(account, c.enrollment);
        return c;
      }
      // Added before the store is asked: a full account or a taken label throws, and nothing is spent.
      const added = addAuthenticator(withEnrollment(account, null), { credential: c.credential, label: a.label, now });
      return {
        ok: true,
        value: {
          account: added.account,
          authenticatorId: c.credential.id,
          notices: added.notices,
          step: c.credential.lastStep,
        },
        step: stepRecord(c.credential.lastStep, enrollment.period, now),
        once: {
          item: `enrollment:${enrollment.tokenHash}`,
          expiresAt: enrollment.expiresAt + ENROLLMENT_USE_RECORD_MS,
        },
      };
    });
    if (r.ok) {
      const { step: _step, ...rest } = r;
      return rest;
    }
    return { ...r, account: latest };
  };

  return {
    // One implementation for both overloads: each branch returns its own result type.
    verify: (async (args: object) => {
      const a = optionsObject('args', args, true) as GuardAttempt & {
        credential?: Credential;
        account?: Account;
        code: string;
        operation?: string;
      };
      if (a.account !== undefined) return verifyAccount(a as typeof a & { account: Account });
      // One rule with the core: a non-object is a TypeError, a malformed record a RangeError.
      const credential = checkCredential(a.credential);
      credentialId('credential.id', credential.id);
      if (a.operation !== undefined && !Object.hasOwn(policies, a.operation))
        throw rangeError(`"operation" names no policy`);
      const window = (a.operation === undefined ? undefined : policies[a.operation]!.window) ?? opts.window;
      return attempt<{ credential: Credential; step: number; delta: number }, GuardFailureReason>(
        'verify',
        credential.id,
        a,
        (now) => {
          const v = verifyWithKey(credential, keyFor(credential), a.code as string, { now, window });
          if (!v.ok) return v;
          return {
            ok: true,
            value: { credential: v.credential, step: v.step, delta: v.delta },
            step: stepRecord(v.step, credential.period, now),
          };
        },
      );
    }) as Verifier['verify'],

    // One implementation for both overloads: each branch returns its own result type.
    useRecoveryCode: (async (args: object) => {
      const a = optionsObject('args', args, true) as GuardAttempt & {
        credentialId?: string;
        set?: RecoveryCodeSet;
        account?: Account;
        code: string;
        pepper?: Uint8Array;
      };
      if (a.account !== undefined) return recoverAccount(a as typeof a & { account: Account });
      const id = credentialId('credentialId', a.credentialId);
      return attempt<{ set: RecoveryCodeSet; remaining: number }, RecoveryFailureReason>('recovery', id, a, (now) => {
        const used = consumeRecoveryCode(a.set as RecoveryCodeSet, a.code as string, { pepper: a.pepper, now });
        if (!used.ok) return used;
        // The set is generation-stamped, so an index names one code of one set for good.
        const once = { item: `recovery:${used.set.generation}:${used.index}`, expiresAt: now + RECOVERY_USE_RECORD_MS };
        return { ok: true, value: { set: used.set, remaining: used.remaining }, once };
      });
    }) as Verifier['useRecoveryCode'],

    // One implementation for both overloads: each branch returns its own result type.
    confirmEnrollment: (async (args: object) => {
      const a = optionsObject('args', args, true) as GuardAttempt & {
        enrollment?: Enrollment;
        account?: Account;
        token: string;
        code: string;
        label?: string;
      };
      if (a.account !== undefined) return enrollAccount(a as typeof a & { account: Account });
      const enrollment = checkEnrollment(a.enrollment);
      credentialId('enrollment.credentialId', enrollment.credentialId);
      let latest = enrollment;
      const r = await attempt<
        { credential: Credential; enrollment: Enrollment; step: number },
        EnrollmentFailureReason
      >('enrollment', enrollment.credentialId, a, (now) => {
        const c = confirmPure(enrollment, { ...protection, token: a.token as string, code: a.code as string, now });
        // A wrong token or code is counted in the enrollment itself (and by the store). A right one
        // marks the enrollment used only once the store accepts it: a refusal by the store (locked,
        // replayed, used, storage) leaves the enrollment pending, as it was, so an outage or a lock
        // never forces the user to start over; the store counted the attempt where it counts.
        if (!c.ok) {
          latest = c.enrollment;
          return c;
        }
        const step = c.credential.lastStep;
        const once = {
          item: `enrollment:${enrollment.tokenHash}`,
          expiresAt: enrollment.expiresAt + ENROLLMENT_USE_RECORD_MS,
        };
        return {
          ok: true,
          value: { credential: c.credential, enrollment: c.enrollment, step },
          step: stepRecord(step, enrollment.period, now),
          once,
        };
      });
      if (r.ok) {
        const { step: _step, ...rest } = r;
        return rest;
      }
      return { ...r, enrollment: latest };
    }) as Verifier['confirmEnrollment'],

    async attempt(args) {
      const a = optionsObject('args', args, true);
      const subject = credentialId('subject', a.subject);
      if (typeof a.verified !== 'boolean') throw typeError('verified', 'a boolean', a.verified);
      const kind = a.kind ?? 'attempt';
      if (typeof kind !== 'string') throw typeError('kind', 'a string', kind);
      if (!ATTEMPT_KIND.test(kind)) throw rangeError('"kind" must be a short lower-case name (a-z, 0-9, _ and -)');
      const r = await attempt<object, 'mismatch' | 'locked' | 'storage'>(
        'attempt',
        subject,
        a,
        () => (a.verified ? { ok: true, value: {} } : { ok: false, reason: 'mismatch' }),
        kind,
      );
      return r.ok ? { ok: true, anomaly: r.anomaly } : r;
    },

    checkRememberedDevice(args) {
      const a = optionsObject('args', args, true);
      const account = checkAccount(a.account);
      if (protection.keyring === undefined)
        throw typeError('keyring', 'a Keyring on the verifier (remembered devices are sealed)', undefined);
      const now = nowMs(a.now ?? clock());
      if (policyOf(a.operation)?.requireCode === true) return { ok: false, reason: 'code_required' };
      return checkRememberedDevice(account, a.token as string, { keyring: protection.keyring, now });
    },
  };
}
