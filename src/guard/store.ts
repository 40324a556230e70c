/**
 * The storage interface behind the guard: one atomic operation per attempt, keyed by credential id.
 *
 * The guard verifies a code locally first (pure, microseconds), then hands the store one
 * {@link SettleRequest} that says what it found. The store settles the attempt in one atomic step
 * (one Lua script call on Redis, one SQL statement on PostgreSQL, one synchronous step in memory):
 *
 * 1. **Locked** (unexpired failures ≥ `maxFailures`): refuse, whatever the code, and change nothing.
 * 2. **Verified, and everything to consume is fresh** (the step is newer than the stored one, the
 *    single-use item is unused): record the step and the item, clear the failures. `accepted`.
 * 3. **Anything else**: count one failure (a wrong code, a replayed step, a used item). The
 *    counter expires at `lockUntil`.
 *
 * Because the answer only leaves the store after the attempt has been counted, no more than
 * `maxFailures` guesses in a row ever get an answer other than `locked`, however many arrive in
 * parallel and from however many processes. Every implementation must be atomic with respect to
 * concurrent calls for the same credential *from any process*; the conformance suite
 * (`guardStoreConformance` in `totpkit/testing`, run against every adapter here) checks it.
 *
 * Times are epoch milliseconds from the caller (the guard's clock), never the store's own clock,
 * so tests can inject time and every adapter agrees on it.
 *
 * @module
 */

/** What to record when a verified attempt is accepted. */
export interface SettleStep {
  /** The matched time step (or counter): recorded only if greater than the stored one. */
  readonly value: number;
  /** When the record may be forgotten (after the widest verification window has passed), epoch ms. */
  readonly expiresAt: number;
}

/** A single-use item (an enrollment token, a recovery code) to mark as used on acceptance. */
export interface SettleOnce {
  /** Names the item within its credential, e.g. `recovery:3:7`. */
  readonly item: string;
  /** When the mark may be forgotten, epoch ms. */
  readonly expiresAt: number;
}

/** One guarded attempt, as the store is asked to settle it. Plain data apart from `signal`. */
export interface SettleRequest {
  /** The moment of the attempt, epoch ms on the guard's clock. */
  readonly now: number;
  /** Unexpired failures at which the credential is locked (1..100). */
  readonly maxFailures: number;
  /** Expiry of the failure counter if this attempt is counted (and so of a lock), epoch ms. */
  readonly lockUntil: number;
  /** Whether local verification accepted the code. `false`: count a failure, consume nothing. */
  readonly verified: boolean;
  /** With `verified`: the step to consume (TOTP logins, enrollment confirmations). */
  readonly step?: SettleStep | undefined;
  /** With `verified`: the single-use item to consume (recovery codes, enrollment tokens). */
  readonly once?: SettleOnce | undefined;
  /**
   * Aborted when the guard has stopped waiting (its deadline passed). An adapter that retries
   * should stop retrying; the guard ignores any later answer, so this is only about saving work.
   */
  readonly signal?: AbortSignal | undefined;
}

/** How a store settled an attempt. */
export type SettleResult =
  | {
      readonly status: 'accepted';
      /** Unexpired failures this success cleared (the guard's anomaly signal after a spike). */
      readonly clearedFailures: number;
    }
  | {
      /**
       * `locked`: refused without counting. `failed`: `verified` was false. `replayed`: the step was
       * not newer than the stored one. `used`: the single-use item was already used. All but
       * `locked` were counted.
       */
      readonly status: 'locked' | 'failed' | 'replayed' | 'used';
      /** Unexpired failures after this attempt. */
      readonly failures: number;
      /** When the failure counter (and so a lock) expires, epoch ms. */
      readonly retryAt: number;
    };

/**
 * What the guard needs from storage. Implementations: `memoryStore` (`totpkit/guard`),
 * `redisStore` (`totpkit/redis`), `postgresStore` (`totpkit/postgres`).
 */
export interface GuardStore {
  /**
   * Settle one attempt atomically, as described in the module comment. Rejects (or throws) only
   * when the store cannot be reached or answers nonsense; the guard turns that into
   * `{ ok: false, reason: 'storage' }`.
   *
   * @param credentialId - the credential (or any throttled subject, such as `password:alice`)
   * @param request - what local verification found, and the limits
   */
  settle(credentialId: string, request: SettleRequest): Promise<SettleResult>;
}

/** The statuses a store may answer. */
const SETTLED = /* @__PURE__ */ new Set(['accepted', 'locked', 'failed', 'replayed', 'used']);

/** A store answer of the documented shape, or `undefined`: nonsense fails closed like an error. @internal */
export function checkSettled(r: unknown): SettleResult | undefined {
  if (typeof r !== 'object' || r === null || !SETTLED.has((r as { status?: string }).status!)) return undefined;
  const s = r as SettleResult;
  if (s.status === 'accepted') return Number.isSafeInteger(s.clearedFailures) ? s : undefined;
  return Number.isSafeInteger(s.failures) && Number.isFinite(s.retryAt) ? s : undefined;
}
