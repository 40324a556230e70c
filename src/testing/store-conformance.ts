/**
 * The `GuardStore` conformance suite: the checks every store totpkit ships passes (memory, PGlite,
 * PostgreSQL in three modes, Redis and Redis Cluster with two clients each), for your own store.
 * It is runner-agnostic: a list of named async cases that throw on failure, so any test runner can
 * run them.
 *
 * ```ts
 * import { guardStoreConformance } from 'totpkit/testing';
 * describe('my DynamoDB store', () => {
 * for (const c of guardStoreConformance(async (n) => ({ stores: await connect(n), close }))) it(c.name, c.run, 60_000);
 * });
 * ```
 *
 * `makeStores(n)` must return `n` stores over `n` separate connections to one backend, so that the
 * races really race; each case calls it once, uses fresh credential ids, and calls `close`.
 *
 * @module
 */
import { confirmEnrollment, startEnrollment } from '../enrollment.js';
import type { Credential } from '../credential.js';
import { createVerifier } from '../guard/verifier.js';
import type { GuardStore, SettleRequest, SettleResult } from '../guard/store.js';
import { typeError } from '../internal/assert.js';
import { randomBytes, toBase64url } from '../internal/bytes.js';
import type { Keyring } from '../seal.js';
import { totp } from '../totp.js';
import { parseOtpauthUri } from '../uri.js';

/** One check of the suite. */
export interface ConformanceCase {
  readonly name: string;
  /** Runs the check; rejects with an `Error` that says what differed. */
  run(): Promise<void>;
}

/** What {@link MakeStores} gives a case. */
export interface ConformanceStores {
  /** `n` stores, each over its own connection to one backend. */
  stores: GuardStore[];
  /** Closes the connections; called once the case is over, passed or failed. */
  close: () => Promise<void>;
}

/** Stores over separate connections to one backend, and how to close them. */
export type MakeStores = (n: number) => Promise<ConformanceStores>;

const T = Date.UTC(2026, 10, 23, 12, 0, 0);
const MIN = 60_000;
const KEYRING: Keyring = { current: 'conformance', keys: { conformance: new Uint8Array(32).fill(3) } };

/** Canonical JSON (sorted keys) of a store answer, for equality and for messages. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}
function equal(actual: unknown, expected: unknown, what: string): void {
  if (canonical(actual) !== canonical(expected))
    throw new Error(`${what}: expected ${canonical(expected)}, got ${canonical(actual)}`);
}
function matches(actual: unknown, expected: Record<string, unknown>, what: string): void {
  const a = (actual ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(expected))
    if (canonical(a[k]) !== canonical(v))
      throw new Error(`${what}: expected ${k} ${canonical(v)}, got ${canonical(actual)}`);
}
function count<T>(items: T[], pick: (item: T) => unknown, value: unknown, expected: number, what: string): void {
  const n = items.filter((i) => pick(i) === value).length;
  if (n !== expected) throw new Error(`${what}: expected ${expected} × ${String(value)}, got ${n}`);
}

/** A settle request: `verified` with the given step and/or item, or a plain failure. */
function req(
  now: number,
  opts: { verified?: boolean; step?: number; item?: string; max?: number } = {},
): SettleRequest {
  return {
    now,
    maxFailures: opts.max ?? 10,
    lockUntil: now + MIN,
    verified: opts.verified ?? false,
    step: opts.step === undefined ? undefined : { value: opts.step, expiresAt: now + MIN },
    once: opts.item === undefined ? undefined : { item: opts.item, expiresAt: now + MIN },
  };
}
const ok = (step?: number, item?: string, now = T, max?: number): SettleRequest =>
  req(now, { verified: true, step, item, max });
const status = (r: SettleResult): string => r.status;
const reason = (r: { ok: boolean; reason?: string }): string => (r.ok ? 'ok' : r.reason!);

/** A fresh active credential and the phone's secret. */
function enrolled(): { credential: Credential; secret: Uint8Array } {
  const s = startEnrollment({ account: 'conformance@example.com', issuer: 'totpkit', keyring: KEYRING, now: T });
  const secret = parseOtpauthUri(s.uri).secret;
  const r = confirmEnrollment(s.enrollment, {
    token: s.token,
    code: totp(secret, { time: T }),
    keyring: KEYRING,
    now: T,
  });
  if (!r.ok) throw new Error(`enrollment failed: ${r.reason}`);
  return { credential: r.credential, secret };
}

/**
 * The conformance cases for a `GuardStore`: step and single-use semantics, failure counting and
 * locks with their expiry, what a refusal must not consume, and races over several connections
 * (200 settlements of one step, 1000 parallel failures, racing single-use items, and the guard on
 * top: 200 logins with one code, 1000 wrong guesses).
 *
 * @param makeStores - `n` → `{ stores, close }`: n stores over n separate connections to one backend
 * @returns the cases, each `{ name, run }`; `run` rejects with a message saying what differed
 * @throws TypeError `ERR_INVALID_ARG_TYPE` when `makeStores` is not a function
 * @example
 * ```ts
 * for (const c of guardStoreConformance(makeStores)) test(c.name, c.run)
 * ```
 */
export function guardStoreConformance(makeStores: MakeStores): ConformanceCase[] {
  if (typeof makeStores !== 'function') throw typeError('makeStores', 'a function', makeStores);
  const cases: ConformanceCase[] = [];
  const add = (name: string, n: number, body: (stores: GuardStore[], id: () => string) => Promise<void>) =>
    cases.push({
      name,
      async run() {
        const { stores, close } = await makeStores(n);
        try {
          if (!Array.isArray(stores) || stores.length !== n) throw new Error(`makeStores(${n}) must give ${n} stores`);
          const prefix = toBase64url(randomBytes(12, undefined));
          let next = 0;
          await body(stores, () => `conformance-${prefix}-${next++}`);
        } finally {
          await close();
        }
      },
    });

  add(
    'steps: a newer step is accepted, the same or an older one is replayed and counted, and a record expires',
    1,
    async ([s], id) => {
      const c = id();
      equal(await s!.settle(c, ok(5)), { status: 'accepted', clearedFailures: 0 }, 'first step 5');
      equal(await s!.settle(c, ok(5)), { status: 'replayed', failures: 1, retryAt: T + MIN }, 'step 5 again');
      equal(await s!.settle(c, ok(4)), { status: 'replayed', failures: 2, retryAt: T + MIN }, 'older step 4');
      // A success clears the failures and says how many it cleared.
      equal(await s!.settle(c, ok(6)), { status: 'accepted', clearedFailures: 2 }, 'newer step 6');
      matches(await s!.settle(id(), ok(0)), { status: 'accepted' }, 'step 0 of another credential');
      // At its expiry the step record counts as none: step 6 is new again.
      matches(
        await s!.settle(c, ok(6, undefined, T + MIN)),
        { status: 'accepted', clearedFailures: 0 },
        'step 6 after the record expired',
      );
    },
  );

  add(
    '200 parallel settlements of one step over 4 connections: exactly one accepted, the rest counted then locked',
    4,
    async (stores, id) => {
      const c = id();
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => stores[i % 4]!.settle(c, ok(1000, undefined, T, 100))),
      );
      count(results, status, 'accepted', 1, 'accepted');
      count(results, status, 'replayed', 100, 'replayed');
      count(results, status, 'locked', 99, 'locked');
    },
  );

  add(
    'neighbouring steps racing: each step wins at most once and the stored step never decreases',
    4,
    async (stores, id) => {
      const c = id();
      const steps = Array.from({ length: 60 }, (_, i) => 100 + (i % 30));
      const results = await Promise.all(steps.map((step, i) => stores[i % 4]!.settle(c, ok(step, undefined, T, 100))));
      const wins = steps.filter((_, i) => results[i]!.status === 'accepted');
      equal(new Set(wins).size, wins.length, 'distinct winning steps');
      if (!wins.includes(129)) throw new Error('the newest step, 129, never won');
      for (const step of [129, 128, 100])
        matches(
          await stores[0]!.settle(c, ok(step, undefined, T, 100)),
          { status: 'replayed' },
          `step ${step} after the race`,
        );
      matches(
        await stores[1]!.settle(c, ok(130, undefined, T, 100)),
        { status: 'accepted' },
        'step 130 after the race',
      );
    },
  );

  add(
    'failures: counted up to the limit, then locked whatever the code, without consuming it; the lock expires',
    1,
    async ([s], id) => {
      const c = id();
      for (let i = 1; i <= 3; i++)
        equal(
          await s!.settle(c, req(T, { max: 3 })),
          { status: 'failed', failures: i, retryAt: T + MIN },
          `failure ${i}`,
        );
      // Locked: a right code is refused, not counted, and its step is not consumed.
      equal(
        await s!.settle(c, req(T + 1000, { max: 3, verified: true, step: 7 })),
        { status: 'locked', failures: 3, retryAt: T + MIN },
        'right code while locked',
      );
      equal(
        await s!.settle(c, req(T + 2000, { max: 3 })),
        { status: 'locked', failures: 3, retryAt: T + MIN },
        'wrong code while locked',
      );
      // At retryAt the counter is gone, and step 7 was never recorded.
      equal(
        await s!.settle(c, req(T + MIN, { max: 3, verified: true, step: 7 })),
        { status: 'accepted', clearedFailures: 0 },
        'step 7 after the lock',
      );
      matches(
        await s!.settle(c, req(T + MIN, { max: 3 })),
        { status: 'failed', failures: 1 },
        'a failure after the lock',
      );
    },
  );

  add(
    '1000 parallel failures over 4 connections: exactly maxFailures are counted, the rest are locked',
    4,
    async (stores, id) => {
      const c = id();
      const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => stores[i % 4]!.settle(c, req(T))));
      count(results, status, 'failed', 10, 'counted failures');
      count(results, status, 'locked', 990, 'locked');
      equal(Math.max(...results.map((r) => (r.status === 'accepted' ? 0 : r.failures))), 10, 'highest failure count');
    },
  );

  add(
    'single-use items: once per item until expiry; a used item is counted; racing uses give one acceptance',
    2,
    async ([a, b], id) => {
      const c = id();
      matches(await a!.settle(c, ok(undefined, 'token-1')), { status: 'accepted' }, 'token-1');
      equal(
        await b!.settle(c, ok(undefined, 'token-1')),
        { status: 'used', failures: 1, retryAt: T + MIN },
        'token-1 again',
      );
      equal(await b!.settle(c, ok(undefined, 'token-2')), { status: 'accepted', clearedFailures: 1 }, 'token-2');
      const parallel = await Promise.all(
        Array.from({ length: 100 }, (_, i) => (i % 2 ? a! : b!).settle(c, ok(undefined, 'token-3', T, 100))),
      );
      count(parallel, status, 'accepted', 1, 'racing token-3 accepted');
      count(parallel, status, 'used', 99, 'racing token-3 used');
      matches(await a!.settle(c, ok(undefined, 'token-1', T + MIN)), { status: 'accepted' }, 'token-1 after expiry');
    },
  );

  add(
    'a step and an item together: a used item or a stale step refuses both, and consumes neither',
    1,
    async ([s], id) => {
      const c = id();
      matches(await s!.settle(c, ok(10)), { status: 'accepted' }, 'step 10');
      // Stale step: the item is not consumed either.
      matches(await s!.settle(c, ok(10, 'enroll-1')), { status: 'replayed' }, 'stale step with an item');
      matches(await s!.settle(c, ok(11, 'enroll-1')), { status: 'accepted' }, 'the item with a new step');
      // Used item: the (fresh) step 12 is not consumed.
      matches(await s!.settle(c, ok(12, 'enroll-1')), { status: 'used' }, 'used item with a new step');
      matches(await s!.settle(c, ok(12)), { status: 'accepted' }, 'step 12 alone');
    },
  );

  add('a failure never consumes: an unverified attempt with a step or item leaves both usable', 1, async ([s], id) => {
    const c = id();
    matches(
      await s!.settle(c, req(T, { step: 3, item: 'x' })),
      { status: 'failed', failures: 1 },
      'unverified attempt',
    );
    equal(
      await s!.settle(c, ok(3, 'x')),
      { status: 'accepted', clearedFailures: 1 },
      'the same step and item, verified',
    );
  });

  add(
    'guard: 200 parallel logins with one valid code over 4 connections give exactly one success',
    4,
    async (stores) => {
      const { credential, secret } = enrolled();
      const now = T + 60_000;
      const code = totp(secret, { time: now });
      const verifiers = stores.map((store) =>
        createVerifier({ store, keyring: KEYRING, maxFailures: 100, timeoutMs: 30_000 }),
      );
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => verifiers[i % 4]!.verify({ credential, code, now })),
      );
      // Every loser is counted as a replay until the limit, then refused as locked unseen.
      count(results, reason, 'ok', 1, 'successes');
      count(results, reason, 'replayed', 100, 'replayed');
      count(results, reason, 'locked', 99, 'locked');
    },
  );

  add('guard: 1000 parallel wrong guesses are answered at most maxFailures times', 4, async (stores) => {
    const { credential, secret } = enrolled();
    const now = T + 60_000;
    const right = totp(secret, { time: now });
    const verifiers = stores.map((store) =>
      createVerifier({ store, keyring: KEYRING, maxFailures: 10, timeoutMs: 30_000 }),
    );
    const guesses = Array.from({ length: 1000 }, (_, i) =>
      String((Number(right) + 1 + i) % 1_000_000).padStart(6, '0'),
    );
    const results = await Promise.all(guesses.map((code, i) => verifiers[i % 4]!.verify({ credential, code, now })));
    count(results, reason, 'mismatch', 10, 'answered guesses');
    count(results, reason, 'locked', 990, 'locked');
    // Locked now, even for the right code.
    matches(
      await verifiers[0]!.verify({ credential, code: right, now }),
      { ok: false, reason: 'locked' },
      'the right code after the guesses',
    );
  });

  return cases;
}
