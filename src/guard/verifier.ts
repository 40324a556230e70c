/**
 * The guarded verifier: core verification plus the replay guard, throttling and audit events, over
 * a {@link GuardStore}.
 *
 * Order of work for every attempt, and why:
 * 1. **Throttle first.** The attempt is counted as a failure *before* the code is checked, with an
 *    atomic "increment unless the limit is reached". However many guesses arrive in parallel, at
 *    most `maxFailures` of them are ever evaluated; the rest are `locked`. A success resets the count.
 * 2. **Verify** with the pure core (`afterStep` = the credential's `lastStep`).
 * 3. **Consume the step** with an atomic "only if greater": of two requests with the same code, in
 *    any number of processes, exactly one wins; the other is `replayed` (and stays counted as a failure).
 * 4. **Fail closed.** Any storage error, at any point, is `{ ok: false, reason: 'storage' }`.
 *
 * @module
 */
import {
  GUARD_KEY_CACHE_SIZE,
  DEFAULT_LOCK_SECONDS,
  ENROLLMENT_USE_RECORD_MS,
  DEFAULT_MAX_FAILURES,
  MAX_LOCK_SECONDS,
  MAX_MAX_FAILURES,
  MAX_WINDOW,
  RECOVERY_USE_RECORD_MS,
} from '../constants.js';
import { credentialKey, verifyWithKey, type Credential, type SecretProtection } from '../credential.js';
import type { OtpKey } from '../key.js';
import { confirmEnrollment as confirmPure, type Enrollment } from '../enrollment.js';
import { integerOption, optionsObject, rangeError, typeError } from '../internal/assert.js';
import { timeMs } from '../internal/time.js';
import { consumeRecoveryCode, type RecoveryCodeSet } from '../recovery.js';
import type { TotpWindow } from '../totp.js';
import type { GuardStore } from './store.js';

/** Why a guarded attempt failed. */
export type GuardFailureReason = 'malformed' | 'mismatch' | 'replayed' | 'locked' | 'expired' | 'storage';

/** One structured audit event per attempt. Never contains a code, a secret or a token. */
export interface GuardEvent {
  readonly kind: 'verify' | 'recovery' | 'enrollment';
  readonly credentialId: string;
  readonly outcome: 'success' | 'failure';
  /** Failure reason (`GuardFailureReason`, or a recovery/enrollment reason). */
  readonly reason: string | undefined;
  readonly step: number | undefined;
  readonly delta: number | undefined;
  /** Failures counted for this credential after this attempt (0 after a success). */
  readonly failures: number;
  /** `true` once failures reach the anomaly threshold: time to demand step-up or alert. */
  readonly anomaly: boolean;
  /** Epoch ms of the attempt. */
  readonly at: number;
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

/** Result of {@link Verifier.verify}. */
export type GuardResult =
  | { readonly ok: true; readonly credential: Credential; readonly step: number; readonly delta: number }
  | { readonly ok: false; readonly reason: GuardFailureReason; readonly anomaly: boolean; readonly retryAt: number | undefined };

/** Arguments common to every guarded call. */
interface Attempt {
  /** The moment (Date or epoch ms); the verifier's clock by default. */
  now?: Date | number | (() => number);
  /** Passed to the audit event untouched. */
  context?: Record<string, unknown>;
}

/** A verifier bound to a store and a policy. */
export interface Verifier {
  /** Verify a login code for a stored credential. Store `result.credential` on success. */
  verify(args: Attempt & { credential: Credential; code: string; operation?: string }): Promise<GuardResult>;
  /** Use a recovery code; single use across every process sharing the store. */
  useRecoveryCode(
    args: Attempt & { credentialId: string; set: RecoveryCodeSet; code: string; pepper?: Uint8Array },
  ): Promise<{ readonly ok: true; readonly set: RecoveryCodeSet; readonly remaining: number } | { readonly ok: false; readonly reason: GuardFailureReason | 'used'; readonly anomaly: boolean; readonly retryAt: number | undefined }>;
  /** Confirm an enrollment; the token works once across every process sharing the store. */
  confirmEnrollment(
    args: Attempt & { enrollment: Enrollment; token: string; code: string },
  ): Promise<
    | { readonly ok: true; readonly credential: Credential; readonly enrollment: Enrollment }
    | { readonly ok: false; readonly reason: GuardFailureReason | 'used' | 'revoked' | 'token_mismatch' | 'code_mismatch'; readonly enrollment: Enrollment; readonly anomaly: boolean; readonly retryAt: number | undefined }
  >;
}

const STORAGE = Symbol('storage');
/** What a check returns when a store call inside it failed: an ordinary refusal, counted as one. */
const STORAGE_FAILURE = { ok: false as const, reason: 'storage' };

/**
 * Create a guarded verifier.
 *
 * @param options - `store`, `keyring` (or `insecurePlaintext`), `maxFailures` (10, ≤ 100),
 *   `lockSeconds` (900), `window`, `policies`, `anomalyThreshold`, `onEvent`, `clock`
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
  if (typeof store !== 'object' || store === null || typeof store.consumeStep !== 'function' || typeof store.acquireAttempt !== 'function') {
    throw typeError('store', 'a GuardStore', store);
  }
  const maxFailures = integerOption('maxFailures', opts.maxFailures, DEFAULT_MAX_FAILURES, 1, MAX_MAX_FAILURES);
  const lockMs = integerOption('lockSeconds', opts.lockSeconds, DEFAULT_LOCK_SECONDS, 1, MAX_LOCK_SECONDS) * 1000;
  const anomalyThreshold = integerOption('anomalyThreshold', opts.anomalyThreshold, Math.ceil(maxFailures / 2), 1, MAX_MAX_FAILURES);
  const clock = opts.clock ?? Date.now;
  if (typeof clock !== 'function') throw typeError('clock', 'a function', clock);
  if (opts.onEvent !== undefined && typeof opts.onEvent !== 'function') throw typeError('onEvent', 'a function', opts.onEvent);
  const policies = opts.policies === undefined ? {} : optionsObject('policies', opts.policies);
  const protection: Partial<SecretProtection> = opts.keyring !== undefined ? { keyring: opts.keyring } : { insecurePlaintext: opts.insecurePlaintext };

  const emit = (event: GuardEvent): void => {
    try {
      opts.onEvent?.(event);
    } catch {
      // An audit sink that fails must not turn a refusal into a success or the reverse.
    }
  };
  /** Runs a store call; any failure becomes {@link STORAGE}, so every caller fails closed. */
  const guarded = async <T>(work: () => Promise<T>): Promise<T | typeof STORAGE> => {
    try {
      return await work();
    } catch {
      return STORAGE;
    }
  };

  /** Throttle, run `check`, emit the event. `check` returns a success or a failure reason. */
  async function attempt<S extends { step?: number; delta?: number }>(
    kind: GuardEvent['kind'],
    credentialId: string,
    args: Attempt,
    check: (now: number) => Promise<({ ok: true } & S) | { ok: false; reason: string }>,
  ): Promise<({ ok: true } & S) | { ok: false; reason: string; anomaly: boolean; retryAt: number | undefined }> {
    const now = timeMs(args.now ?? clock(), 'now', true);
    const context = args.context === undefined ? undefined : optionsObject('context', args.context);
    const event = (outcome: 'success' | 'failure', reason: string | undefined, failures: number, extra: { step?: number; delta?: number } = {}): boolean => {
      const anomaly = failures >= anomalyThreshold;
      emit({ kind, credentialId, outcome, reason, step: extra.step, delta: extra.delta, failures, anomaly, at: now, context });
      return anomaly;
    };
    const gate = await guarded(() => store.acquireAttempt(credentialId, maxFailures, now, now + lockMs));
    if (gate === STORAGE) {
      event('failure', 'storage', 0);
      return { ok: false, reason: 'storage', anomaly: false, retryAt: undefined };
    }
    if (!gate.allowed) {
      const anomaly = event('failure', 'locked', gate.failures);
      return { ok: false, reason: 'locked', anomaly, retryAt: gate.resetAt };
    }
    // A throw from `check` is a programmer error (bad keyring, bad record): not ours to hide.
    const result = await check(now);
    if (!result.ok) {
      const anomaly = event('failure', result.reason, gate.failures);
      return { ok: false, reason: result.reason, anomaly, retryAt: gate.failures >= maxFailures ? now + lockMs : undefined };
    }
    if ((await guarded(() => store.resetFailures(credentialId))) === STORAGE) {
      event('failure', 'storage', gate.failures);
      return { ok: false, reason: 'storage', anomaly: false, retryAt: undefined };
    }
    event('success', undefined, 0, result);
    return result;
  }

  // Opening a sealed secret and compiling its HMAC key costs more than the verification itself, so
  // each verifier keeps the keys of recently seen credentials (bounded, least recently used first).
  // The cache key includes the envelope: a re-enrolled or re-sealed secret is a different entry.
  const keys = new Map<string, OtpKey>();
  const keyFor = (c: Credential): OtpKey => {
    const id = `${c.id}\u0000${c.algorithm}\u0000${c.secret}`;
    let key = keys.get(id);
    if (key === undefined) {
      key = credentialKey(c, protection);
      if (keys.size >= GUARD_KEY_CACHE_SIZE) keys.delete(keys.keys().next().value!);
    } else {
      keys.delete(id);
    }
    keys.set(id, key);
    return key;
  };
  const stepExpiry = (credential: { period: number }, now: number): number => now + (2 * MAX_WINDOW + 2) * credential.period * 1000;

  return {
    async verify(args) {
      const a = optionsObject('args', args, true);
      const credential = a.credential as Credential;
      if (typeof credential !== 'object' || credential === null || typeof credential.id !== 'string') throw typeError('credential', 'a Credential', credential);
      if (a.operation !== undefined && !Object.prototype.hasOwnProperty.call(policies, a.operation)) throw rangeError(`"operation" names no policy`);
      const window = (a.operation === undefined ? undefined : policies[a.operation]!.window) ?? opts.window;
      const r = await attempt('verify', credential.id, a, async (now) => {
        const v = verifyWithKey(credential, keyFor(credential), a.code as string, { now, window });
        if (!v.ok) return v;
        const fresh = await guarded(() => store.consumeStep(credential.id, v.step, now, stepExpiry(credential, now)));
        if (fresh === STORAGE) return STORAGE_FAILURE;
        return fresh ? v : { ok: false as const, reason: 'replayed' };
      });
      return r as GuardResult;
    },

    async useRecoveryCode(args) {
      const a = optionsObject('args', args, true);
      if (typeof a.credentialId !== 'string') throw typeError('credentialId', 'a string', a.credentialId);
      const r = await attempt('recovery', a.credentialId, a, async (now) => {
        const used = consumeRecoveryCode(a.set as RecoveryCodeSet, a.code as string, { pepper: a.pepper, now });
        if (!used.ok) return used;
        // The set is generation-stamped, so an index names one code of one set for good.
        const first = await guarded(() => store.consumeOnce(a.credentialId!, `recovery:${used.set.generation}:${used.index}`, now, now + RECOVERY_USE_RECORD_MS));
        if (first === STORAGE) return STORAGE_FAILURE;
        return first ? { ok: true as const, set: used.set, remaining: used.remaining } : { ok: false as const, reason: 'used' };
      });
      return r as Awaited<ReturnType<Verifier['useRecoveryCode']>>;
    },

    async confirmEnrollment(args) {
      const a = optionsObject('args', args, true);
      const enrollment = a.enrollment as Enrollment;
      if (typeof enrollment !== 'object' || enrollment === null || typeof enrollment.credentialId !== 'string') throw typeError('enrollment', 'an Enrollment', enrollment);
      let latest = enrollment;
      const r = await attempt('enrollment', enrollment.credentialId, a, async (now) => {
        const c = confirmPure(enrollment, { ...protection, token: a.token as string, code: a.code as string, now });
        latest = c.enrollment;
        if (!c.ok) return c;
        const first = await guarded(() => store.consumeOnce(enrollment.credentialId, `enrollment:${enrollment.tokenHash}`, now, enrollment.expiresAt + ENROLLMENT_USE_RECORD_MS));
        if (first === STORAGE) return STORAGE_FAILURE;
        if (!first) return { ok: false as const, reason: 'used' };
        const fresh = await guarded(() => store.consumeStep(enrollment.credentialId, c.credential.lastStep, now, stepExpiry(enrollment, now)));
        if (fresh === STORAGE) return STORAGE_FAILURE;
        return fresh ? c : { ok: false as const, reason: 'replayed' };
      });
      return { ...r, enrollment: latest } as Awaited<ReturnType<Verifier['confirmEnrollment']>>;
    },
  };
}
