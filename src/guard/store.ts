/**
 * The storage interface behind the guard: four atomic operations, all keyed by credential id.
 *
 * Small on purpose, so it can be implemented on any store that offers one atomic
 * read-modify-write per key (a Lua script, a single SQL statement, a mutex). Every method must be
 * atomic with respect to concurrent calls for the same credential *from any process*; that is the
 * whole point of the interface, and the conformance suite in `totpkit/testing` checks it.
 *
 * Times are epoch milliseconds passed in by the caller (the guard's clock), never read from the
 * store's own clock, so that tests can inject time and every adapter agrees on it.
 *
 * @module
 */

/** Outcome of {@link GuardStore.acquireAttempt}. */
export interface AttemptResult {
  /** `false` when the credential is locked: the limit was already reached and has not expired. */
  readonly allowed: boolean;
  /** Failures counted now, including this attempt when allowed. */
  readonly failures: number;
  /** When the counter (and so a lock) expires, epoch ms. */
  readonly resetAt: number;
}

/**
 * What the guard needs from storage. Implementations: `memoryStore` (`totpkit/guard`),
 * `redisStore` (`totpkit/redis`), `postgresStore` (`totpkit/postgres`).
 */
export interface GuardStore {
  /**
   * Record `step` as the last accepted step of `credentialId` **only if it is greater** than the
   * stored one (or none is stored). Returns `true` when it was recorded, `false` when a step at
   * least as new is already there (a replay, or a slower writer). Monotonic: the stored step never
   * decreases. A stored step whose expiry is at or before `now` counts as none; the new record
   * expires at `expiresAt` (after the verification window has passed).
   */
  consumeStep(credentialId: string, step: number, now: number, expiresAt: number): Promise<boolean>;

  /**
   * Count an attempt against the failure limit, atomically: if fewer than `limit` failures are
   * counted and unexpired, add one, set the expiry to `expiresAt`, and allow; otherwise refuse
   * without counting. Counters whose expiry is at or before `now` count as zero.
   */
  acquireAttempt(credentialId: string, limit: number, now: number, expiresAt: number): Promise<AttemptResult>;

  /** Forget the failures of `credentialId` (after a success). */
  resetFailures(credentialId: string): Promise<void>;

  /**
   * Mark a single-use item (an enrollment token, a recovery code) as used. Returns `true` the first
   * time for a given (`credentialId`, `item`), `false` ever after (until `expiresAt`; a mark whose
   * expiry is at or before `now` counts as none).
   */
  consumeOnce(credentialId: string, item: string, now: number, expiresAt: number): Promise<boolean>;
}
