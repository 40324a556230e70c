/**
 * The store conformance suite: every GuardStore adapter must pass the same tests, against real
 * servers. `makeStores(n)` returns n stores over n separate connections to one backend.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createVerifier, type GuardStore, type SettleRequest, type SettleResult } from '../src/guard/index.js';
import { startEnrollment, totp, parseOtpauthUri, confirmEnrollment, type Credential, type Keyring } from '../src/index.js';

export const KEYRING: Keyring = { current: 'k', keys: { k: new Uint8Array(32).fill(3) } };
const T = Date.UTC(2026, 10, 23, 12, 0, 0);

/** A fresh active credential and the phone's secret, at time T. */
export function enrolled(now = T): { credential: Credential; secret: Uint8Array } {
  const s = startEnrollment({ account: 'a@example.com', issuer: 'ACME', keyring: KEYRING, now });
  const secret = parseOtpauthUri(s.uri).secret;
  const r = confirmEnrollment(s.enrollment, { token: s.token, code: totp(secret, { time: now }), keyring: KEYRING, now });
  if (!r.ok) throw new Error('enrollment failed');
  return { credential: r.credential, secret };
}

const MIN = 60_000;
/** A settle request: `verified` with the given step and/or item, or a plain failure. */
function req(now: number, opts: { verified?: boolean; step?: number; item?: string; max?: number; lockMs?: number; keepMs?: number } = {}): SettleRequest {
  const keep = now + (opts.keepMs ?? MIN);
  return {
    now,
    maxFailures: opts.max ?? 10,
    lockUntil: now + (opts.lockMs ?? MIN),
    verified: opts.verified ?? false,
    step: opts.step === undefined ? undefined : { value: opts.step, expiresAt: keep },
    once: opts.item === undefined ? undefined : { item: opts.item, expiresAt: keep },
  };
}
const ok = (step?: number, item?: string, now = T, extra: { max?: number } = {}) => req(now, { verified: true, step, item, ...extra });
const status = (r: SettleResult) => r.status;

export function storeConformance(name: string, makeStores: (n: number) => Promise<{ stores: GuardStore[]; close: () => Promise<void> }>): void {
  describe(`GuardStore conformance: ${name}`, () => {
    const withStores = async (n: number, body: (stores: GuardStore[]) => Promise<void>) => {
      const { stores, close } = await makeStores(n);
      try {
        await body(stores);
      } finally {
        await close();
      }
    };
    const id = () => `cred-${randomUUID()}`;

    it('steps: a newer step is accepted, the same or an older one is replayed and counted, and a record expires', () =>
      withStores(1, async ([s]) => {
        const c = id();
        expect(await s!.settle(c, ok(5))).toEqual({ status: 'accepted', clearedFailures: 0 });
        expect(await s!.settle(c, ok(5))).toEqual({ status: 'replayed', failures: 1, resetAt: T + MIN });
        expect(await s!.settle(c, ok(4))).toEqual({ status: 'replayed', failures: 2, resetAt: T + MIN });
        // A success clears the failures and says how many it cleared.
        expect(await s!.settle(c, ok(6))).toEqual({ status: 'accepted', clearedFailures: 2 });
        expect(await s!.settle(id(), ok(0))).toMatchObject({ status: 'accepted' });
        // At its expiry the step record counts as none: step 6 is new again.
        expect(await s!.settle(c, ok(6, undefined, T + MIN))).toMatchObject({ status: 'accepted', clearedFailures: 0 });
      }));

    it('200 parallel settlements of one step over 4 connections: exactly one accepted, the rest counted then locked', () =>
      withStores(4, async (stores) => {
        const c = id();
        const results = await Promise.all(Array.from({ length: 200 }, (_, i) => stores[i % 4]!.settle(c, ok(1000, undefined, T, { max: 100 }))));
        expect(results.filter((r) => r.status === 'accepted')).toHaveLength(1);
        expect(results.filter((r) => r.status === 'replayed')).toHaveLength(100);
        expect(results.filter((r) => r.status === 'locked')).toHaveLength(99);
      }));

    it('neighbouring steps racing: each step wins at most once and the stored step never decreases', () =>
      withStores(4, async (stores) => {
        const c = id();
        const steps = Array.from({ length: 60 }, (_, i) => 100 + (i % 30));
        const results = await Promise.all(steps.map((step, i) => stores[i % 4]!.settle(c, ok(step, undefined, T, { max: 100 }))));
        const wins = steps.filter((_, i) => results[i]!.status === 'accepted');
        expect(new Set(wins).size).toBe(wins.length);
        expect(wins).toContain(129);
        for (const step of [129, 128, 100]) expect(await stores[0]!.settle(c, ok(step, undefined, T, { max: 100 }))).toMatchObject({ status: 'replayed' });
        expect(await stores[1]!.settle(c, ok(130, undefined, T, { max: 100 }))).toMatchObject({ status: 'accepted' });
      }));

    it('failures: counted up to the limit, then locked whatever the code, without consuming it; the lock expires', () =>
      withStores(1, async ([s]) => {
        const c = id();
        for (let i = 1; i <= 3; i++) expect(await s!.settle(c, req(T, { max: 3 }))).toEqual({ status: 'failed', failures: i, resetAt: T + MIN });
        // Locked: a right code is refused, not counted, and its step is not consumed.
        expect(await s!.settle(c, req(T + 1000, { max: 3, verified: true, step: 7 }))).toEqual({ status: 'locked', failures: 3, resetAt: T + MIN });
        expect(await s!.settle(c, req(T + 2000, { max: 3 }))).toEqual({ status: 'locked', failures: 3, resetAt: T + MIN });
        // At resetAt the counter is gone, and step 7 was never recorded.
        expect(await s!.settle(c, req(T + MIN, { max: 3, verified: true, step: 7 }))).toEqual({ status: 'accepted', clearedFailures: 0 });
        expect(await s!.settle(c, req(T + MIN, { max: 3 }))).toMatchObject({ status: 'failed', failures: 1 });
      }));

    it('1000 parallel failures over 4 connections: exactly maxFailures are counted, the rest are locked', () =>
      withStores(4, async (stores) => {
        const c = id();
        const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => stores[i % 4]!.settle(c, req(T))));
        expect(results.filter((r) => r.status === 'failed')).toHaveLength(10);
        expect(results.filter((r) => r.status === 'locked')).toHaveLength(990);
        expect(Math.max(...results.map((r) => (r.status === 'accepted' ? 0 : r.failures)))).toBe(10);
      }));

    it('single-use items: once per item until expiry; a used item is counted; racing uses give one acceptance', () =>
      withStores(2, async ([a, b]) => {
        const c = id();
        expect(await a!.settle(c, ok(undefined, 'token-1'))).toMatchObject({ status: 'accepted' });
        expect(await b!.settle(c, ok(undefined, 'token-1'))).toEqual({ status: 'used', failures: 1, resetAt: T + MIN });
        expect(await b!.settle(c, ok(undefined, 'token-2'))).toEqual({ status: 'accepted', clearedFailures: 1 });
        const parallel = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a! : b!).settle(c, ok(undefined, 'token-3', T, { max: 100 }))));
        expect(parallel.map(status).filter((s) => s === 'accepted')).toHaveLength(1);
        expect(parallel.map(status).filter((s) => s === 'used')).toHaveLength(99);
        expect(await a!.settle(c, ok(undefined, 'token-1', T + MIN))).toMatchObject({ status: 'accepted' });
      }));

    it('a step and an item together: a used item or a stale step refuses both, and consumes neither', () =>
      withStores(1, async ([s]) => {
        const c = id();
        expect(await s!.settle(c, ok(10))).toMatchObject({ status: 'accepted' });
        // Stale step: the item is not consumed either.
        expect(await s!.settle(c, ok(10, 'enroll-1'))).toMatchObject({ status: 'replayed' });
        expect(await s!.settle(c, ok(11, 'enroll-1'))).toMatchObject({ status: 'accepted' });
        // Used item: the (fresh) step 12 is not consumed.
        expect(await s!.settle(c, ok(12, 'enroll-1'))).toMatchObject({ status: 'used' });
        expect(await s!.settle(c, ok(12))).toMatchObject({ status: 'accepted' });
      }));

    it('a failure never consumes: an unverified attempt with a step or item leaves both usable', () =>
      withStores(1, async ([s]) => {
        const c = id();
        expect(await s!.settle(c, req(T, { step: 3, item: 'x' }))).toMatchObject({ status: 'failed', failures: 1 });
        expect(await s!.settle(c, ok(3, 'x'))).toEqual({ status: 'accepted', clearedFailures: 1 });
      }));

    it('guard: 200 parallel logins with one valid code over 4 connections give exactly one success', () =>
      withStores(4, async (stores) => {
        const { credential, secret } = enrolled();
        const now = T + 60_000;
        const code = totp(secret, { time: now });
        const verifiers = stores.map((store) => createVerifier({ store, keyring: KEYRING, maxFailures: 100, timeoutMs: 30_000 }));
        const results = await Promise.all(Array.from({ length: 200 }, (_, i) => verifiers[i % 4]!.verify({ credential, code, now })));
        expect(results.filter((r) => r.ok)).toHaveLength(1);
        const reasons = results.map((r) => (r.ok ? 'ok' : r.reason));
        // Every loser is counted as a replay until the limit, then refused as locked unseen.
        expect(reasons.filter((r) => r === 'replayed')).toHaveLength(100);
        expect(reasons.filter((r) => r === 'locked')).toHaveLength(99);
      }));

    it('guard: 1000 parallel wrong guesses are answered at most maxFailures times', () =>
      withStores(4, async (stores) => {
        const { credential, secret } = enrolled();
        const now = T + 60_000;
        const right = totp(secret, { time: now });
        const verifiers = stores.map((store) => createVerifier({ store, keyring: KEYRING, maxFailures: 10, timeoutMs: 30_000 }));
        const guesses = Array.from({ length: 1000 }, (_, i) => String((Number(right) + 1 + i) % 1_000_000).padStart(6, '0'));
        const results = await Promise.all(guesses.map((code, i) => verifiers[i % 4]!.verify({ credential, code, now })));
        const reasons = results.map((r) => (r.ok ? 'ok' : r.reason));
        expect(reasons.filter((r) => r === 'mismatch')).toHaveLength(10);
        expect(reasons.filter((r) => r === 'locked')).toHaveLength(990);
        // Locked now, even for the right code.
        expect(await verifiers[0]!.verify({ credential, code: right, now })).toMatchObject({ ok: false, reason: 'locked' });
      }));
  });
}
