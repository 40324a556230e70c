/**
 * The store conformance suite: every GuardStore adapter must pass the same tests, against real
 * servers. `makeStores(n)` returns n stores over n separate connections to one backend.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createVerifier, type GuardStore } from '../src/guard/index.js';
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

    it('consumeStep is monotonic and honours expiry', () =>
      withStores(1, async ([s]) => {
        const c = id();
        expect(await s!.consumeStep(c, 5, T, T + 60_000)).toBe(true);
        expect(await s!.consumeStep(c, 5, T, T + 60_000)).toBe(false);
        expect(await s!.consumeStep(c, 4, T, T + 60_000)).toBe(false);
        expect(await s!.consumeStep(c, 6, T, T + 60_000)).toBe(true);
        expect(await s!.consumeStep(id(), 0, T, T + 60_000)).toBe(true);
      }));

    it('200 parallel consumptions of one step over 4 connections: exactly one wins', () =>
      withStores(4, async (stores) => {
        const c = id();
        const results = await Promise.all(Array.from({ length: 200 }, (_, i) => stores[i % 4]!.consumeStep(c, 1000, T, T + 60_000)));
        expect(results.filter(Boolean)).toHaveLength(1);
      }));

    it('neighbouring steps racing: the stored step never decreases', () =>
      withStores(4, async (stores) => {
        const c = id();
        const steps = Array.from({ length: 60 }, (_, i) => 100 + (i % 30));
        const results = await Promise.all(steps.map((step, i) => stores[i % 4]!.consumeStep(c, step, T, T + 60_000)));
        // Each step value can win at most once, and afterwards nothing at or below the maximum can.
        const wins = steps.filter((_, i) => results[i]);
        expect(new Set(wins).size).toBe(wins.length);
        expect(wins).toContain(129);
        for (const step of [129, 128, 100]) expect(await stores[0]!.consumeStep(c, step, T, T + 60_000)).toBe(false);
        expect(await stores[1]!.consumeStep(c, 130, T, T + 60_000)).toBe(true);
      }));

    it('acquireAttempt counts up to the limit, refuses after it, resets and expires', () =>
      withStores(1, async ([s]) => {
        const c = id();
        for (let i = 1; i <= 3; i++) expect(await s!.acquireAttempt(c, 3, T, T + 60_000)).toMatchObject({ allowed: true, failures: i });
        const locked = await s!.acquireAttempt(c, 3, T + 1000, T + 61_000);
        expect(locked).toMatchObject({ allowed: false, failures: 3 });
        expect(Math.abs(locked.resetAt - (T + 60_000))).toBeLessThanOrEqual(1500);
        expect(await s!.acquireAttempt(c, 3, T + 60_000, T + 120_000)).toMatchObject({ allowed: true, failures: 1 });
        await s!.resetFailures(c);
        expect(await s!.acquireAttempt(c, 3, T + 60_000, T + 120_000)).toMatchObject({ allowed: true, failures: 1 });
      }));

    it('1000 parallel attempts over 4 connections never pass the limit', () =>
      withStores(4, async (stores) => {
        const c = id();
        const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => stores[i % 4]!.acquireAttempt(c, 10, T, T + 60_000)));
        expect(results.filter((r) => r.allowed)).toHaveLength(10);
        expect(Math.max(...results.map((r) => r.failures))).toBe(10);
      }));

    it('consumeOnce is single use per item, until it expires', () =>
      withStores(2, async ([a, b]) => {
        const c = id();
        expect(await a!.consumeOnce(c, 'token-1', T, T + 60_000)).toBe(true);
        expect(await b!.consumeOnce(c, 'token-1', T, T + 60_000)).toBe(false);
        expect(await b!.consumeOnce(c, 'token-2', T, T + 60_000)).toBe(true);
        const parallel = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a! : b!).consumeOnce(c, 'token-3', T, T + 60_000)));
        expect(parallel.filter(Boolean)).toHaveLength(1);
      }));

    it('guard: 200 parallel logins with one valid code over 4 connections give exactly one success', () =>
      withStores(4, async (stores) => {
        const { credential, secret } = enrolled();
        const now = T + 60_000;
        const code = totp(secret, { time: now });
        const verifiers = stores.map((store) => createVerifier({ store, keyring: KEYRING, maxFailures: 100 }));
        const results = await Promise.all(Array.from({ length: 200 }, (_, i) => verifiers[i % 4]!.verify({ credential, code, now })));
        expect(results.filter((r) => r.ok)).toHaveLength(1);
        const reasons = new Set(results.filter((r) => !r.ok).map((r) => (r.ok ? '' : r.reason)));
        // Attempts are counted before they are evaluated, and a replay counts as a failure: past
        // 100 counted attempts the rest are refused as locked without being looked at.
        for (const reason of reasons) expect(['replayed', 'locked']).toContain(reason);
        expect(reasons.has('replayed')).toBe(true);
      }));

    it('guard: 1000 parallel wrong guesses are evaluated at most maxFailures times', () =>
      withStores(4, async (stores) => {
        const { credential, secret } = enrolled();
        const now = T + 60_000;
        const right = totp(secret, { time: now });
        const verifiers = stores.map((store) => createVerifier({ store, keyring: KEYRING, maxFailures: 10 }));
        const guesses = Array.from({ length: 1000 }, (_, i) => String((Number(right) + 1 + i) % 1_000_000).padStart(6, '0'));
        const results = await Promise.all(guesses.map((code, i) => verifiers[i % 4]!.verify({ credential, code, now })));
        const reasons = results.map((r) => (r.ok ? 'ok' : r.reason));
        expect(reasons.filter((r) => r === 'mismatch').length + reasons.filter((r) => r === 'ok').length).toBeLessThanOrEqual(10);
        expect(reasons.filter((r) => r === 'locked').length).toBeGreaterThanOrEqual(990);
        // Locked now, even for the right code.
        expect(await verifiers[0]!.verify({ credential, code: right, now })).toMatchObject({ ok: false, reason: 'locked' });
      }));
  });
}
