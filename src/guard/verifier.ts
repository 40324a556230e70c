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
import { checkCredential, verifyWithKey, type Credential, type SecretProtection } from '../credential.js';
import {
  checkEnrollment,
  confirmEnrollment as confirmPure,
  type ConfirmFailureReason,
  type Enrollment,
} from '../enrollment.js';
import { integerOption, optionsObject, rangeError, typeError } from '../internal/assert.js';
import { credentialId } from '../internal/text.js';
import { timeMs } from '../internal/time.js';
import { consumeRecoveryCode, type RecoveryCodeSet } from '../recovery.js';
import type { TotpWindow } from '../totp.js';
import { createKeyCache } from './key-cache.js';
import type { GuardStore, SettleOnce, SettleRequest, SettleResult, SettleStep } from './store.js';
import type { Moment } from '../types.js';

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
  readonly kind: 'verify' | 'recovery' | 'enrollment';
  readonly credentialId: string;
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
  /** Default drift window (±1). */
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

/** A verifier bound to a store and a policy. */
export interface Verifier {
  /** Verify a login code for a stored credential. Store `result.credential` on success. */
  verify(args: GuardAttempt & { credential: Credential; code: string; operation?: string }): Promise<GuardResult>;
  /** Use a recovery code; single use across every process sharing the store. Store `result.set` on success. */
  useRecoveryCode(
    args: GuardAttempt & { credentialId: string; set: RecoveryCodeSet; code: string; pepper?: Uint8Array },
  ): Promise<RecoveryAttemptResult>;
  /** Confirm an enrollment; the token works once across every process sharing the store. */
  confirmEnrollment(
    args: GuardAttempt & { enrollment: Enrollment; token: string; code: string },
  ): Promise<EnrollmentAttemptResult>;
}

/** What local verification found: a success with what to consume, or a reason. */
type Local<S> =
  | { readonly ok: true; readonly value: S; readonly step?: SettleStep; readonly once?: SettleOnce }
  | { readonly ok: false; readonly reason: string };

const SETTLED = new Set(['accepted', 'locked', 'failed', 'replayed', 'used']);

/** A store answer of the documented shape, or `undefined`: nonsense fails closed like an error. */
function checkSettled(r: unknown): SettleResult | undefined {
  if (typeof r !== 'object' || r === null || !SETTLED.has((r as { status?: string }).status!)) return undefined;
  const s = r as SettleResult;
  if (s.status === 'accepted') return Number.isSafeInteger(s.clearedFailures) ? s : undefined;
  return Number.isSafeInteger(s.failures) && Number.isFinite(s.resetAt) ? s : undefined;
}

/** An attempt waiting for its store, in the verifier's deadline queue. */
class Waiting {
  answered = false;
  next: Waiting | undefined = undefined;
  #abort: AbortController | undefined;
  #resolve: ((r: SettleResult | undefined) => void) | undefined;

  constructor(
    readonly deadline: number,
    resolve: (r: SettleResult | undefined) => void,
  ) {
    this.#resolve = resolve;
  }

  /** The first answer wins: the store's, or the deadline's (which also aborts the signal). */
  answer(r: SettleResult | undefined, timedOut: boolean): void {
    if (this.answered) return;
    this.answered = true;
    if (timedOut) this.#abort?.abort();
    const resolve = this.#resolve!;
    this.#resolve = undefined;
    resolve(r);
  }

  /** The request as the store sees it; its `signal` is made only if the store reads it. */
  request(base: Omit<SettleRequest, 'signal'>): SettleRequest {
    return new Request(base, this);
  }

  /** The abort signal of this attempt, aborted already if the deadline has passed. */
  signal(): AbortSignal {
    if (this.#abort === undefined) {
      this.#abort = new AbortController();
      if (this.answered) this.#abort.abort();
    }
    return this.#abort.signal;
  }
}

/** A {@link SettleRequest} whose `signal` getter lives on the prototype (a getter per object literal is slow). */
class Request implements SettleRequest {
  readonly now: number;
  readonly maxFailures: number;
  readonly lockUntil: number;
  readonly verified: boolean;
  readonly step: SettleStep | undefined;
  readonly once: SettleOnce | undefined;
  readonly #waiting: Waiting;

  constructor(base: Omit<SettleRequest, 'signal'>, waiting: Waiting) {
    this.now = base.now;
    this.maxFailures = base.maxFailures;
    this.lockUntil = base.lockUntil;
    this.verified = base.verified;
    this.step = base.step;
    this.once = base.once;
    this.#waiting = waiting;
  }

  get signal(): AbortSignal {
    return this.#waiting.signal();
  }
}

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

  // The deadline. Every attempt of this verifier waits the same `timeoutMs`, so deadlines fall due
  // in the order attempts start: a FIFO queue with one timer armed for its head replaces a timer
  // (and an AbortController) per attempt, which at tens of thousands of logins a second cost more
  // than the verification itself. Answered attempts leave the head of the queue as they finish.
  let head: Waiting | undefined;
  let tail: Waiting | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const dropAnswered = (): void => {
    while (head !== undefined && head.answered) head = head.next;
    if (head === undefined) {
      tail = undefined;
      // Nothing left to wait for: no timer may keep a short-lived process alive.
      clearTimeout(timer);
      timer = undefined;
    }
  };
  const arm = (): void => {
    if (timer === undefined && head !== undefined)
      timer = setTimeout(expire, Math.max(0, head.deadline - performance.now()));
  };
  function expire(): void {
    timer = undefined;
    const now = performance.now();
    for (; head !== undefined && (head.answered || head.deadline <= now); head = head.next)
      head.answer(undefined, true);
    if (head === undefined) tail = undefined;
    arm();
  }

  /**
   * One store call, answered within the deadline: the store's checked answer, or `undefined` for
   * an error, a malformed answer or the deadline. Whatever the store does later is ignored (and a
   * late rejection is caught, so it never surfaces as an unhandled rejection).
   */
  const settle = (id: string, request: Omit<SettleRequest, 'signal'>): Promise<SettleResult | undefined> =>
    new Promise((resolve) => {
      const waiting = new Waiting(performance.now() + timeoutMs, resolve);
      if (tail === undefined) head = waiting;
      else tail.next = waiting;
      tail = waiting;
      arm();
      const done = (r: SettleResult | undefined): void => {
        waiting.answer(r, false);
        dropAnswered();
      };
      try {
        Promise.resolve(store.settle(id, waiting.request(request))).then(
          (r) => done(checkSettled(r)),
          () => done(undefined),
        );
      } catch {
        done(undefined);
      }
    });

  /** Verify locally, settle in one store call, emit the event, answer. */
  async function attempt<S extends object, R extends string>(
    kind: GuardEvent['kind'],
    credentialId: string,
    args: GuardAttempt,
    local: (now: number) => Local<S>,
  ): Promise<({ ok: true; anomaly: boolean } & S) | GuardRefusal<R>> {
    const now = timeMs(args.now ?? clock(), 'now', true);
    const context = args.context === undefined ? undefined : optionsObject('context', args.context);
    const event = (
      outcome: GuardEvent['outcome'],
      reason: GuardEventReason | undefined,
      failures: number,
      anomaly: boolean,
      extra?: { step?: number; delta?: number; error?: string },
    ): void => {
      if (opts.onEvent !== undefined)
        emit({
          kind,
          credentialId,
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
    const r = await settle(credentialId, {
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
        event('success', undefined, 0, anomaly, value as { step?: number; delta?: number });
        return { ok: true, anomaly, ...value };
      }
      case 'locked':
        return refuse('locked', r.failures, r.resetAt);
      default: {
        const reason = r.status === 'failed' ? (found.ok ? 'storage' : found.reason) : r.status;
        return refuse(reason, r.failures, r.failures >= maxFailures ? r.resetAt : undefined);
      }
    }
  }

  const keyFor = createKeyCache(protection, GUARD_KEY_CACHE_SIZE);
  /** A step record outlives the widest window any verification may use. */
  const stepRecord = (value: number, period: number, now: number): SettleStep => ({
    value,
    expiresAt: now + (2 * MAX_WINDOW + 2) * period * 1000,
  });

  return {
    async verify(args) {
      const a = optionsObject('args', args, true);
      // One rule with the core: a non-object is a TypeError, a malformed record a RangeError.
      const credential = checkCredential(a.credential);
      credentialId('credential.id', credential.id);
      if (a.operation !== undefined && !Object.prototype.hasOwnProperty.call(policies, a.operation))
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
    },

    async useRecoveryCode(args) {
      const a = optionsObject('args', args, true);
      const id = credentialId('credentialId', a.credentialId);
      return attempt<{ set: RecoveryCodeSet; remaining: number }, RecoveryFailureReason>('recovery', id, a, (now) => {
        const used = consumeRecoveryCode(a.set as RecoveryCodeSet, a.code as string, { pepper: a.pepper, now });
        if (!used.ok) return used;
        // The set is generation-stamped, so an index names one code of one set for good.
        const once = { item: `recovery:${used.set.generation}:${used.index}`, expiresAt: now + RECOVERY_USE_RECORD_MS };
        return { ok: true, value: { set: used.set, remaining: used.remaining }, once };
      });
    },

    async confirmEnrollment(args) {
      const a = optionsObject('args', args, true);
      const enrollment = checkEnrollment(a.enrollment);
      credentialId('enrollment.credentialId', enrollment.credentialId);
      let latest = enrollment;
      const r = await attempt<
        { credential: Credential; enrollment: Enrollment; step: number },
        EnrollmentFailureReason
      >('enrollment', enrollment.credentialId, a, (now) => {
        const c = confirmPure(enrollment, { ...protection, token: a.token as string, code: a.code as string, now });
        latest = c.enrollment;
        if (!c.ok) return c;
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
    },
  };
}
