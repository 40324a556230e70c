import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redisStore } from '../../src/adapters/redis.js';
import { createVerifier, memoryStore, type GuardEvent, type GuardStore } from '../../src/guard/index.js';
import { generateRecoveryCodes, parseOtpauthUri, startEnrollment, totp } from '../../src/index.js';
import { enrolled, KEYRING, storeConformance } from '../conformance.js';

const T = Date.UTC(2026, 10, 23, 12, 0, 0);

/**
 * n "connections" to one in-process store: each delays its calls by a random 0–2 ms, so calls from
 * different connections interleave on the event loop. A store that awaited between reading and
 * writing a record would lose updates here and fail the races (shown below with such a store).
 */
function interleaved(store: GuardStore, n: number): GuardStore[] {
  const pause = () => new Promise((resolve) => setTimeout(resolve, Math.random() * 2));
  return Array.from({ length: n }, () => ({
    settle: async (id, r) => {
      await pause();
      return store.settle(id, r);
    },
  }));
}

storeConformance('memory', async (n) => ({ stores: interleaved(memoryStore(), n), close: async () => {} }));

it('the races can fail: a store that awaits between read and write loses to them', async () => {
  // A deliberately broken store: reads, yields, then writes. The conformance races must catch it.
  const steps = new Map<string, number>();
  const broken: GuardStore = {
    settle: async (id, r) => {
      const current = steps.get(id) ?? -1;
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (!r.verified || r.step === undefined || current >= r.step.value)
        return { status: 'replayed', failures: 1, retryAt: r.lockUntil };
      steps.set(id, r.step.value);
      return { status: 'accepted', clearedFailures: 0 };
    },
  };
  const stores = interleaved(broken, 4);
  const request = {
    now: T,
    maxFailures: 100,
    lockUntil: T + 60_000,
    verified: true,
    step: { value: 1000, expiresAt: T + 60_000 },
  };
  const results = await Promise.all(Array.from({ length: 200 }, (_, i) => stores[i % 4]!.settle('c', request)));
  expect(results.filter((r) => r.status === 'accepted').length).toBeGreaterThan(1);
});

it('createVerifier names what is wrong: the options, or the store in them', () => {
  expect(() => createVerifier(5 as never)).toThrow(
    expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', message: expect.stringContaining('"options"') }),
  );
  expect(() => createVerifier({} as never)).toThrow(
    expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', message: expect.stringContaining('"store"') }),
  );
  expect(() => createVerifier({ store: { consumeStep() {} } } as never)).toThrow(
    expect.objectContaining({ message: expect.stringContaining('settle()') }),
  );
});

describe('guard behaviour', () => {
  it('emits one structured event per attempt, without the code or secret, and flags anomalies', async () => {
    const events: GuardEvent[] = [];
    const verifier = createVerifier({
      store: memoryStore(),
      keyring: KEYRING,
      maxFailures: 4,
      onEvent: (e) => events.push(e),
    });
    const { credential, secret } = enrolled();
    const now = T + 60_000;
    const right = totp(secret, { time: now });
    const wrong = right === '000000' ? '000001' : '000000';
    const context = { ip: '192.0.2.7', device: 'laptop' };
    expect(await verifier.verify({ credential, code: wrong, now, context })).toMatchObject({
      ok: false,
      reason: 'mismatch',
      anomaly: false,
    });
    expect(await verifier.verify({ credential, code: wrong, now, context })).toMatchObject({
      ok: false,
      reason: 'mismatch',
      anomaly: true,
    });
    const ok = await verifier.verify({ credential, code: right, now, context });
    expect(ok).toMatchObject({ ok: true, delta: 0 });
    expect(await verifier.verify({ credential, code: right, now, context })).toMatchObject({
      ok: false,
      reason: 'replayed',
    });
    expect(events.map((e) => [e.outcome, e.reason, e.failures])).toEqual([
      ['failure', 'mismatch', 1],
      ['failure', 'mismatch', 2],
      ['success', undefined, 0],
      ['failure', 'replayed', 1],
    ]);
    expect(events[2]).toMatchObject({
      kind: 'verify',
      credentialId: credential.id,
      step: Math.floor(now / 30_000),
      delta: 0,
      time: now,
      context,
    });
    const text = JSON.stringify(events);
    expect(text).not.toContain(right);
    expect(text).not.toContain(credential.secret);
  });

  it('locks after maxFailures, refuses even the right code, and unlocks after lockSeconds', async () => {
    const verifier = createVerifier({ store: memoryStore(), keyring: KEYRING, maxFailures: 3, lockSeconds: 60 });
    const { credential, secret } = enrolled();
    const now = T + 60_000;
    const wrong = totp(secret, { time: now }) === '999999' ? '999998' : '999999';
    const left = [];
    for (let i = 0; i < 3; i++)
      left.push((await verifier.verify({ credential, code: wrong, now })) as { attemptsLeft?: number });
    expect(left.map((r) => r.attemptsLeft)).toEqual([2, 1, 0]);
    const locked = await verifier.verify({ credential, code: totp(secret, { time: now }), now });
    expect(locked).toMatchObject({ ok: false, reason: 'locked', retryAt: now + 60_000, attemptsLeft: 0 });
    const later = now + 61_000;
    expect(await verifier.verify({ credential, code: totp(secret, { time: later }), now: later })).toMatchObject({
      ok: true,
    });
  });

  it('policies narrow the window per operation', async () => {
    const verifier = createVerifier({ store: memoryStore(), keyring: KEYRING, policies: { transfer: { window: 0 } } });
    const { credential, secret } = enrolled();
    const now = T + 120_000;
    const previous = totp(secret, { time: now - 30_000 });
    expect(await verifier.verify({ credential, code: previous, now, operation: 'transfer' })).toMatchObject({
      ok: false,
      reason: 'mismatch',
    });
    expect(await verifier.verify({ credential, code: previous, now })).toMatchObject({ ok: true, delta: -1 });
  });

  it(
    'fails closed: a store that throws, rejects, answers nonsense, or an unreachable Redis, ' + 'is never a success',
    async () => {
      const { credential, secret } = enrolled();
      const now = T + 60_000;
      const code = totp(secret, { time: now });
      const stores: GuardStore[] = [
        {
          settle: async () => {
            throw new Error('down');
          },
        },
        {
          settle: () => {
            throw new Error('sync throw');
          },
        },
        { settle: async () => ({ status: 'ok' }) as never },
        { settle: async () => ({ status: 'accepted' }) as never },
        { settle: async () => null as never },
        { settle: async () => ({ status: 'failed', failures: Number.NaN, retryAt: 0 }) },
      ];
      for (const store of stores)
        expect(await createVerifier({ store, keyring: KEYRING }).verify({ credential, code, now })).toMatchObject({
          ok: false,
          reason: 'storage',
          attemptsLeft: undefined,
        });

      const { Redis } = await import('ioredis');
      const dead = new Redis('redis://127.0.0.1:1', {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        enableOfflineQueue: false,
      });
      dead.on('error', () => {});
      try {
        expect(
          await createVerifier({ store: redisStore({ client: dead }), keyring: KEYRING }).verify({
            credential,
            code,
            now,
          }),
        ).toMatchObject({ ok: false, reason: 'storage' });
      } finally {
        dead.disconnect();
      }
    },
  );

  it('answers storage at its own deadline, whatever the store does, and ignores a late success', async () => {
    const { credential, secret } = enrolled();
    const now = T + 60_000;
    const code = totp(secret, { time: now });
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const signals: AbortSignal[] = [];
      const stores: GuardStore[] = [
        {
          settle: (_id, r) => {
            signals.push(r.signal!);
            return new Promise(() => {});
          },
        }, // never answers
        {
          settle: () =>
            new Promise((resolve) => setTimeout(() => resolve({ status: 'accepted', clearedFailures: 0 }), 400)),
        }, // late success
        // late rejection
        { settle: () => new Promise((_, reject) => setTimeout(() => reject(new Error('late')), 400)) },
      ];
      for (const store of stores) {
        const started = performance.now();
        const r = await createVerifier({ store, keyring: KEYRING, timeoutMs: 150 }).verify({ credential, code, now });
        const took = performance.now() - started;
        expect(r).toMatchObject({ ok: false, reason: 'storage' });
        expect(took).toBeGreaterThanOrEqual(140);
        expect(took, 'answered at the deadline').toBeLessThan(1000);
      }
      expect(signals[0]!.aborted, 'the store is told the guard stopped waiting').toBe(true);
      await new Promise((r) => setTimeout(r, 500)); // let the late answers arrive
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('makes exactly one store call per attempt, on every path', async () => {
    const inner = memoryStore();
    let calls = 0;
    const store: GuardStore = {
      settle: (id, r) => {
        calls++;
        return inner.settle(id, r);
      },
    };
    const verifier = createVerifier({ store, keyring: KEYRING, maxFailures: 2 });
    const { credential, secret } = enrolled();
    const now = T + 60_000;
    const right = totp(secret, { time: now });
    const paths = [
      () => verifier.verify({ credential, code: right, now }), // success
      () => verifier.verify({ credential, code: right, now }), // replayed
      () => verifier.verify({ credential, code: 'x', now }), // malformed, now locked
      () => verifier.verify({ credential, code: right, now }), // locked
    ];
    for (const path of paths) {
      const before = calls;
      await path();
      expect(calls - before).toBe(1);
    }
    const { codes, set } = generateRecoveryCodes({ count: 2 });
    for (const attemptCode of [codes[0]!, codes[0]!, 'nonsense']) {
      const before = calls;
      await verifier.useRecoveryCode({ credentialId: 'rc-1', set, code: attemptCode, now });
      expect(calls - before).toBe(1);
    }
    const s = startEnrollment({ account: 'a', issuer: 'B', keyring: KEYRING, now });
    const phone = parseOtpauthUri(s.uri).secret;
    for (const [token, c] of [
      ['wrong', totp(phone, { time: now })],
      [s.token, totp(phone, { time: now })],
    ] as const) {
      const before = calls;
      await verifier.confirmEnrollment({ enrollment: s.enrollment, token, code: c, now });
      expect(calls - before).toBe(1);
    }
  });

  it('a success straight after a failure spike carries the anomaly signal', async () => {
    const events: GuardEvent[] = [];
    const verifier = createVerifier({
      store: memoryStore(),
      keyring: KEYRING,
      maxFailures: 10,
      onEvent: (e) => events.push(e),
    });
    const { credential, secret } = enrolled();
    const now = T + 60_000;
    for (let i = 0; i < 5; i++)
      await verifier.verify({ credential, code: '000000' === totp(secret, { time: now }) ? '000001' : '000000', now });
    const r = await verifier.verify({ credential, code: totp(secret, { time: now }), now });
    expect(r).toMatchObject({ ok: true, anomaly: true });
    expect(events.at(-1)).toMatchObject({ outcome: 'success', failures: 0, anomaly: true });
    // The next success, with no failures before it, is ordinary again.
    const later = now + 30_000;
    expect(await verifier.verify({ credential, code: totp(secret, { time: later }), now: later })).toMatchObject({
      ok: true,
      anomaly: false,
    });
  });

  it('a credential whose secret cannot be opened is audited, then throws, and is not counted', async () => {
    const events: GuardEvent[] = [];
    let calls = 0;
    const inner = memoryStore();
    const store: GuardStore = {
      settle: (id, r) => {
        calls++;
        return inner.settle(id, r);
      },
    };
    const { credential, secret } = enrolled();
    const otherRing = { current: 'other', keys: { other: new Uint8Array(32).fill(9) } };
    const verifier = createVerifier({ store, keyring: otherRing, onEvent: (e) => events.push(e) });
    const now = T + 60_000;
    await expect(
      verifier.verify({ credential, code: totp(secret, { time: now }), now, context: { ip: '192.0.2.1' } }),
    ).rejects.toMatchObject({ code: 'ERR_SEAL_KEY_UNKNOWN' });
    expect(events).toEqual([
      expect.objectContaining({
        kind: 'verify',
        outcome: 'failure',
        reason: 'secret_unreadable',
        error: 'ERR_SEAL_KEY_UNKNOWN',
        failures: 0,
        context: { ip: '192.0.2.1' },
      }),
    ]);
    expect(calls).toBe(0);
  });

  it('recovery codes and enrollment confirmations are single use across verifiers sharing a store', async () => {
    const store = memoryStore();
    const [a, b] = [createVerifier({ store, keyring: KEYRING }), createVerifier({ store, keyring: KEYRING })];
    const { codes, set } = generateRecoveryCodes({ count: 2 });
    // Two servers each holding the same (stale) set: the store decides.
    const results = await Promise.all([
      a.useRecoveryCode({ credentialId: 'c1', set, code: codes[0]!, now: T }),
      b.useRecoveryCode({ credentialId: 'c1', set, code: codes[0]!, now: T }),
    ]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.find((r) => !r.ok)).toMatchObject({ reason: 'used' });
  });

  it('never throws for a hostile code: it is malformed, and counted', async () => {
    const verifier = createVerifier({ store: memoryStore(), keyring: KEYRING, maxFailures: 100 });
    const { credential } = enrolled();
    for (const code of [
      null,
      undefined,
      123456,
      ' 123456',
      '123456 ',
      '+12345',
      '１２３４５６',
      '1'.repeat(1 << 20),
      {},
      [],
    ]) {
      const started = process.cpuUsage();
      expect(await verifier.verify({ credential, code: code as string, now: T + 60_000 })).toMatchObject({
        ok: false,
        reason: 'malformed',
      });
      const used = process.cpuUsage(started);
      expect((used.user + used.system) / 1000, 'returns quickly (CPU ms)').toBeLessThan(250);
    }
  });

  it('the memory store stays bounded under a long run of distinct credentials', async () => {
    const store = memoryStore({ maxEntries: 1000 });
    for (let i = 0; i < 20_000; i++)
      await store.settle(`c${i}`, {
        now: T,
        maxFailures: 10,
        lockUntil: T + 60_000,
        verified: true,
        step: { value: 1, expiresAt: T + 60_000 },
      });
    expect(store.size).toBe(1000);
    // Failures of 5000 new ids: the first 1000 take the places of expired records; the rest find a
    // store full of live counters and are refused, never stored beyond the bound.
    let refused = 0;
    for (let i = 0; i < 5000; i++)
      await store
        .settle(`d${i}`, { now: T + 120_000, maxFailures: 10, lockUntil: T + 180_000, verified: false })
        .catch(() => refused++);
    expect(store.size).toBe(1000);
    expect(refused).toBe(4000);
    expect(store.refused).toBe(4000);
  });
});

describe('memory store at capacity', () => {
  const fail = (now = T) => ({ now, maxFailures: 10, lockUntil: now + 900_000, verified: false });
  const login = (step: number, now = T) => ({
    now,
    maxFailures: 10,
    lockUntil: now + 900_000,
    verified: true,
    step: { value: step, expiresAt: now + 660_000 },
  });

  it('ids that never failed and keep nothing get no record', async () => {
    const store = memoryStore();
    await store.settle('a', { now: T, maxFailures: 10, lockUntil: T + 1000, verified: true });
    expect(store.size).toBe(0);
    await store.settle('a', fail());
    expect(store.size).toBe(1);
    await store.settle('a', { now: T, maxFailures: 10, lockUntil: T + 1000, verified: true });
    expect(store.size).toBe(0); // the success cleared the only thing it held
  });

  it('a flood from other ids never displaces a live counter: it takes step, then mark records', async () => {
    const store = memoryStore({ maxEntries: 1000 });
    for (let i = 0; i < 3; i++) await store.settle('victim', fail());
    await store.settle('user', login(100));
    await store.settle('recovered', {
      ...login(5),
      step: undefined,
      once: { item: 'recovery:0:1', expiresAt: T + 86_400_000 },
    });
    for (let i = 0; i < 997; i++) await store.settle(`flood-${i}`, fail());
    expect(store.size).toBe(1000);
    // Full: the next two new ids take the step record, then the mark; the third finds only counters.
    await store.settle('flood-a', fail());
    expect(await store.settle('user', login(100))).toMatchObject({ status: 'accepted' }); // its step was forgotten
    await store.settle('flood-b', fail());
    await expect(store.settle('flood-c', fail())).rejects.toThrow(/full of live failure counters/);
    expect(store.refused).toBe(1);
    expect(await store.settle('victim', fail())).toMatchObject({ status: 'failed', failures: 4 });
  });

  it('no counter is ever forgotten: a full store refuses new ids (fail closed) until counters expire', async () => {
    const store = memoryStore({ maxEntries: 10 });
    for (let i = 0; i < 3; i++) await store.settle('victim', fail());
    for (let n = 0; n < 9; n++) await store.settle(`peer-${n}`, fail());
    await expect(store.settle('newcomer', fail())).rejects.toThrow();
    await expect(store.settle('newcomer', login(7))).rejects.toThrow(); // a login of a new id too
    expect(store.refused).toBe(2);
    expect(await store.settle('victim', fail())).toMatchObject({ failures: 4 });
    // A success that keeps nothing needs no room.
    expect(await store.settle('passer', { now: T, maxFailures: 10, lockUntil: T + 1, verified: true })).toMatchObject({
      status: 'accepted',
    });
    // Once the counters expire, new ids are taken again.
    expect(await store.settle('newcomer', fail(T + 900_001))).toMatchObject({ status: 'failed', failures: 1 });
  });

  it("a locked refusal changes nothing, not even the record's place", async () => {
    const store = memoryStore({ maxEntries: 3 });
    const lock = { now: T, maxFailures: 2, lockUntil: T + 60_000, verified: false };
    await store.settle('a', login(1));
    await store.settle('locked', lock);
    await store.settle('locked', lock);
    await store.settle('b', login(1));
    expect(await store.settle('locked', lock)).toEqual({ status: 'locked', failures: 2, retryAt: T + 60_000 });
    // The step records go in their write order ('a' first), whatever the locked refusals did.
    await store.settle('c', login(1));
    expect(await store.settle('a', login(1))).toMatchObject({ status: 'accepted' });
  });

  const victimGuesses = async (store: ReturnType<typeof memoryStore>, flood: (i: number) => Promise<unknown>) => {
    let answered = 0;
    for (let round = 0; round < 40; round++) {
      await flood(round).catch(() => undefined);
      const r = await store.settle('victim', fail()).catch(() => ({ status: 'storage' }));
      if (r.status !== 'locked' && r.status !== 'storage') answered++;
    }
    return answered;
  };

  it('a store full of step records, or of recovery marks, gives a victim maxFailures guesses, no more', async () => {
    for (const kind of ['step', 'mark'] as const) {
      const store = memoryStore({ maxEntries: 1000 });
      for (let i = 0; i < 999; i++)
        await store.settle(
          `own-${i}`,
          kind === 'step'
            ? login(5)
            : { ...login(5), step: undefined, once: { item: `recovery:0:${i}`, expiresAt: T + 34_560_000_000 } },
        );
      // 125 attempts at a guess with junk requests in between: the old store gave the victim 125.
      let junk = 0;
      const answered = await victimGuesses(store, async () => {
        for (let j = 0; j < 5; j++) await store.settle(`junk-${junk++}`, fail());
      });
      expect(answered, kind).toBe(10);
    }
  });

  it('property: any mix of records from other ids leaves the victim at most maxFailures judged guesses', async () => {
    const op = fc.record({
      kind: fc.constantFrom('fail', 'step', 'mark', 'ok'),
      id: fc.nat({ max: 300 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 60 }),
        fc.array(fc.array(op, { maxLength: 30 }), { minLength: 12, maxLength: 30 }),
        async (maxEntries, rounds) => {
          const store = memoryStore({ maxEntries });
          let answered = 0;
          for (const ops of rounds) {
            for (const o of ops) {
              const id = `other-${o.id}`;
              const request =
                o.kind === 'fail'
                  ? fail()
                  : o.kind === 'step'
                    ? login(o.id)
                    : o.kind === 'mark'
                      ? { ...login(1), step: undefined, once: { item: `m${o.id}`, expiresAt: T + 86_400_000 } }
                      : { now: T, maxFailures: 10, lockUntil: T + 1, verified: true };
              await store.settle(id, request).catch(() => undefined);
            }
            const r = await store.settle('victim', fail()).catch(() => ({ status: 'storage' }));
            // A refusal for room (storage) judges no code; every other answer but `locked` does.
            if (r.status !== 'locked' && r.status !== 'storage') answered++;
            expect(store.size).toBeLessThanOrEqual(maxEntries);
          }
          expect(answered).toBeLessThanOrEqual(10);
        },
      ),
      { numRuns: 200, seed: 2226 },
    );
  });

  it('expired records are reclaimed before anything live', async () => {
    const store = memoryStore({ maxEntries: 100 });
    for (let i = 0; i < 99; i++)
      await store.settle(`old-${i}`, { now: T, maxFailures: 10, lockUntil: T + 1000, verified: false });
    for (let i = 0; i < 3; i++) await store.settle('victim', fail(T));
    // The 99 one-off counters expired at T + 1000; newcomers take their places, not the victim's.
    for (let i = 0; i < 99; i++) await store.settle(`new-${i}`, fail(T + 2000));
    await expect(store.settle('new-99', fail(T + 2000))).rejects.toThrow(); // now full of live counters
    expect(await store.settle('victim', fail(T + 2000))).toMatchObject({ failures: 4 });
  });

  it('stays O(1) per write at capacity: 200 000 new ids into a full store of 100 000 return quickly', async () => {
    const store = memoryStore({ maxEntries: 100_000 });
    for (let i = 0; i < 100_000; i++) await store.settle(`fill-${i}`, login(i));
    const started = process.cpuUsage();
    // The first 100 000 evict a step record each; the next 100 000 find only counters and are refused.
    for (let i = 0; i < 200_000; i++) await store.settle(`new-${i}`, fail()).catch(() => undefined);
    const used = process.cpuUsage(started);
    expect(store.size).toBe(100_000);
    expect(store.refused).toBe(100_000);
    // The scanning store this replaced managed about 600 new ids a second here: over five minutes.
    expect((used.user + used.system) / 1e6, 'CPU seconds').toBeLessThan(10);
  });
});

describe('the verifier key cache', () => {
  it('hits by id, replaces an entry whose envelope changed, and keeps the most recently used', async () => {
    const { createKeyCache } = await import('../../src/guard/key-cache.js');
    const { loadSecret, sealSecret, hotp } = await import('../../src/index.js');
    const keyFor = createKeyCache({ keyring: KEYRING }, 2);
    const [a, b, c] = [enrolled().credential, enrolled().credential, enrolled().credential];
    const keyA = keyFor(a);
    expect(keyFor({ ...a })).toBe(keyA); // same id and envelope, another object: a hit
    // The same secret sealed anew (a new nonce): a different envelope, so a freshly compiled key.
    const resealed = {
      ...a,
      secret: sealSecret(loadSecret(a.secret, a.id, { keyring: KEYRING }), { keyring: KEYRING, aad: a.id }),
    };
    const keyResealed = keyFor(resealed);
    expect(keyResealed).not.toBe(keyA);
    expect(hotp(keyResealed, 7)).toBe(hotp(keyA, 7));
    const keyB = keyFor(b);
    keyFor(resealed); // a (resealed) is now the most recently used
    keyFor(c); // evicts b, the least recently used
    expect(keyFor(resealed)).toBe(keyResealed);
    expect(keyFor(b)).not.toBe(keyB); // b was compiled afresh
  });
});

describe('verifier.confirmEnrollment after a refusal by the store', () => {
  /** A pending enrollment, its token, and the code its phone shows at `now`. */
  const started = (now: number) => {
    const s = startEnrollment({ account: 'a', issuer: 'B', keyring: KEYRING, now });
    return { ...s, code: totp(parseOtpauthUri(s.uri).secret, { time: now }) };
  };
  const now = T + 120_000;

  it('storage: the enrollment stays pending, unchanged; the same code confirms once the store is back', async () => {
    const s = started(now);
    const down = createVerifier({ store: { settle: () => Promise.reject(new Error('down')) }, keyring: KEYRING });
    const r = await down.confirmEnrollment({ enrollment: s.enrollment, token: s.token, code: s.code, now });
    expect(r).toMatchObject({ ok: false, reason: 'storage' });
    expect(r.enrollment).toEqual(s.enrollment);
    const up = createVerifier({ store: memoryStore(), keyring: KEYRING });
    expect(await up.confirmEnrollment({ enrollment: r.enrollment, token: s.token, code: s.code, now })).toMatchObject({
      ok: true,
      enrollment: { status: 'used' },
    });
  });

  it('locked: pending, with only the wrong attempt that led to the lock counted', async () => {
    const s = started(now);
    const verifier = createVerifier({ store: memoryStore(), keyring: KEYRING, maxFailures: 1 });
    const wrong = s.code === '000000' ? '000001' : '000000';
    const first = await verifier.confirmEnrollment({ enrollment: s.enrollment, token: s.token, code: wrong, now });
    expect(first).toMatchObject({ ok: false, reason: 'code_mismatch', enrollment: { status: 'pending', attempts: 1 } });
    const r = await verifier.confirmEnrollment({ enrollment: first.enrollment, token: s.token, code: s.code, now });
    expect(r).toMatchObject({ ok: false, reason: 'locked' });
    expect(r.enrollment).toEqual(first.enrollment);
  });

  it('replayed and used: pending, unchanged (the store counted the failure)', async () => {
    for (const reason of ['replayed', 'used'] as const) {
      const s = started(now);
      const store = memoryStore();
      const id = s.enrollment.credentialId;
      // The store already holds a newer step for this credential, or the token's single-use mark.
      const later = { value: Math.floor(now / 30_000) + 5, expiresAt: now + 600_000 };
      const mark = { item: `enrollment:${s.enrollment.tokenHash}`, expiresAt: now + 600_000 };
      await store.settle(id, {
        now,
        maxFailures: 10,
        lockUntil: now + 1000,
        verified: true,
        ...(reason === 'replayed' ? { step: later } : { once: mark }),
      });
      const verifier = createVerifier({ store, keyring: KEYRING });
      const r = await verifier.confirmEnrollment({ enrollment: s.enrollment, token: s.token, code: s.code, now });
      expect(r).toMatchObject({ ok: false, reason });
      expect(r.enrollment, reason).toEqual(s.enrollment);
    }
  });
});
