/**
 * The guard and its stores, against real servers: memory, PGlite, the PostgreSQL server at
 * DATABASE_URL, and the Redis server at REDIS_URL (ioredis and node-redis).
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate, postgresStore, purgeExpired } from '../src/adapters/postgres.js';
import { redisStore } from '../src/adapters/redis.js';
import { createVerifier, memoryStore, type GuardEvent, type GuardStore } from '../src/guard/index.js';
import { generateRecoveryCodes, totp } from '../src/index.js';
import { enrolled, KEYRING, storeConformance } from './conformance.js';
import { DATABASE_URL, haveRedis, havePostgres, ioredisClient, nodeRedisClient, pgPool, pglite, REDIS_URL } from './services.js';

const T = Date.UTC(2026, 10, 23, 12, 0, 0);
const here = dirname(fileURLToPath(import.meta.url));

storeConformance('memory', async (n) => {
  const store = memoryStore(); // one process: every "connection" is the same map
  return { stores: Array.from({ length: n }, () => store), close: async () => {} };
});

// One embedded database for the whole suite: starting PGlite (a WebAssembly PostgreSQL) takes seconds.
let embedded: Promise<Awaited<ReturnType<typeof pglite>>> | undefined;
afterAll(async () => (await embedded)?.close());
storeConformance('PGlite (embedded PostgreSQL)', async (n) => {
  embedded ??= pglite().then(async (db) => (await migrate(db), db));
  const db = await embedded;
  return { stores: Array.from({ length: n }, () => postgresStore({ client: db })), close: async () => {} };
});

it('purgeExpired deletes only what has expired (PGlite)', async () => {
  embedded ??= pglite().then(async (db) => (await migrate(db), db));
  const db = await embedded;
  const store = postgresStore({ client: db, prefix: 'totpkit_' });
  const id = `purge-${randomUUID()}`;
  await store.consumeStep(id, 1, T, T + 1000);
  await store.consumeOnce(id, 'x', T, T + 5000);
  await store.acquireAttempt(id, 10, T, T + 1000);
  const count = async () => Number(((await db.query(`SELECT (SELECT count(*) FROM totpkit_steps WHERE credential_id = $1) + (SELECT count(*) FROM totpkit_once WHERE credential_id = $1) + (SELECT count(*) FROM totpkit_failures WHERE credential_id = $1) AS n`, [id])).rows[0] as { n: unknown }).n);
  expect(await count()).toBe(3);
  await purgeExpired(db, T + 2000);
  expect(await count()).toBe(1); // the single-use mark lives until T + 5000
  await purgeExpired(db, T + 5000);
  expect(await count()).toBe(0);
});

describe.runIf(havePostgres)('PostgreSQL server', () => {
  storeConformance('PostgreSQL (pg, READ COMMITTED)', async (n) => {
    const pools = Array.from({ length: n }, () => pgPool(4));
    await migrate(pools[0]!);
    return { stores: pools.map((client) => postgresStore({ client })), close: async () => void (await Promise.all(pools.map((p) => p.end()))) };
  });

  storeConformance('PostgreSQL (pg, SERIALIZABLE)', async (n) => {
    const pools = Array.from({ length: n }, () => pgPool(4, 'serializable'));
    const level = (await pools[0]!.query('SHOW transaction_isolation')).rows[0] as { transaction_isolation: string };
    expect(level.transaction_isolation).toBe('serializable');
    await migrate(pools[0]!);
    return { stores: pools.map((client) => postgresStore({ client, retries: 50 })), close: async () => void (await Promise.all(pools.map((p) => p.end()))) };
  });
});

describe.runIf(haveRedis)('Redis server', () => {
  storeConformance('Redis (ioredis)', async (n) => {
    const clients = Array.from({ length: n }, () => ioredisClient());
    return { stores: clients.map((client) => redisStore({ client })), close: async () => void clients.forEach((c) => c.disconnect()) };
  });

  storeConformance('Redis (node-redis)', async (n) => {
    const clients = await Promise.all(Array.from({ length: n }, () => nodeRedisClient()));
    return { stores: clients.map((client) => redisStore({ client })), close: async () => void (await Promise.all(clients.map((c) => c.quit()))) };
  });

  it('every key carries a TTL', async () => {
    const client = ioredisClient();
    try {
      const store = redisStore({ client, prefix: 'ttltest:' });
      const c = `cred-${randomUUID()}`;
      await store.consumeStep(c, 1, T, T + 90_000);
      await store.acquireAttempt(c, 10, T, T + 900_000);
      await store.consumeOnce(c, 'x', T, T + 60_000);
      const keys = await client.keys(`ttltest:{${c}}:*`);
      expect(keys).toHaveLength(3);
      for (const key of keys) {
        const ttl = await client.pttl(key);
        expect(ttl, key).toBeGreaterThan(0);
        expect(ttl, key).toBeLessThanOrEqual(900_000);
      }
    } finally {
      client.disconnect();
    }
  });
});

/** Runs test/fixtures/race-worker.mjs in `n` processes that all submit the same code at once. */
async function raceProcesses(backend: 'redis' | 'postgres', n: number, perProcess: number): Promise<string[]> {
  const { credential, secret } = enrolled();
  const now = T + 60_000;
  const code = totp(secret, { time: now });
  const startAt = Date.now() + 1500; // a shared start line, so the processes really overlap
  const workers = Array.from({ length: n }, () =>
    new Promise<string[]>((resolve, reject) => {
      const child = fork(join(here, 'fixtures/race-worker.mjs'), [], {
        env: { ...process.env, BACKEND: backend, REDIS_URL, DATABASE_URL },
        stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
      });
      let out = '';
      child.stdout!.on('data', (d) => (out += d));
      child.on('exit', (status) => (status === 0 ? resolve(JSON.parse(out) as string[]) : reject(new Error(`worker exited ${status}`))));
      child.send({ credential, code, now, startAt, count: perProcess, keyring: { current: 'k', key: [...KEYRING.keys.k!] } });
    }),
  );
  return (await Promise.all(workers)).flat();
}

describe('across processes', () => {
  it.runIf(haveRedis)('Redis: 2 processes × 100 logins with one code give exactly one success', async () => {
    const outcomes = await raceProcesses('redis', 2, 100);
    expect(outcomes).toHaveLength(200);
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(1);
    expect(outcomes.every((o) => ['ok', 'replayed', 'locked'].includes(o))).toBe(true);
  });

  it.runIf(havePostgres)('PostgreSQL: 2 processes × 100 logins with one code give exactly one success', async () => {
    const pool = pgPool(1);
    await migrate(pool);
    await pool.end();
    const outcomes = await raceProcesses('postgres', 2, 100);
    expect(outcomes).toHaveLength(200);
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(1);
    expect(outcomes.every((o) => ['ok', 'replayed', 'locked'].includes(o))).toBe(true);
  });
});

describe('guard behaviour', () => {
  it('emits one structured event per attempt, without the code or secret, and flags anomalies', async () => {
    const events: GuardEvent[] = [];
    const verifier = createVerifier({ store: memoryStore(), keyring: KEYRING, maxFailures: 4, onEvent: (e) => events.push(e) });
    const { credential, secret } = enrolled();
    const now = T + 60_000;
    const right = totp(secret, { time: now });
    const wrong = right === '000000' ? '000001' : '000000';
    const context = { ip: '192.0.2.7', device: 'laptop' };
    expect(await verifier.verify({ credential, code: wrong, now, context })).toMatchObject({ ok: false, reason: 'mismatch', anomaly: false });
    expect(await verifier.verify({ credential, code: wrong, now, context })).toMatchObject({ ok: false, reason: 'mismatch', anomaly: true });
    const ok = await verifier.verify({ credential, code: right, now, context });
    expect(ok).toMatchObject({ ok: true, delta: 0 });
    expect(await verifier.verify({ credential, code: right, now, context })).toMatchObject({ ok: false, reason: 'replayed' });
    expect(events.map((e) => [e.outcome, e.reason, e.failures])).toEqual([
      ['failure', 'mismatch', 1],
      ['failure', 'mismatch', 2],
      ['success', undefined, 0],
      ['failure', 'replayed', 1],
    ]);
    expect(events[2]).toMatchObject({ kind: 'verify', credentialId: credential.id, step: Math.floor(now / 30_000), delta: 0, at: now, context });
    const text = JSON.stringify(events);
    expect(text).not.toContain(right);
    expect(text).not.toContain(credential.secret);
  });

  it('locks after maxFailures, refuses even the right code, and unlocks after lockSeconds', async () => {
    const verifier = createVerifier({ store: memoryStore(), keyring: KEYRING, maxFailures: 3, lockSeconds: 60 });
    const { credential, secret } = enrolled();
    const now = T + 60_000;
    for (let i = 0; i < 3; i++) await verifier.verify({ credential, code: '999999', now });
    const locked = await verifier.verify({ credential, code: totp(secret, { time: now }), now });
    expect(locked).toMatchObject({ ok: false, reason: 'locked', retryAt: now + 60_000 });
    const later = now + 61_000;
    expect(await verifier.verify({ credential, code: totp(secret, { time: later }), now: later })).toMatchObject({ ok: true });
  });

  it('policies narrow the window per operation', async () => {
    const verifier = createVerifier({ store: memoryStore(), keyring: KEYRING, policies: { transfer: { window: 0 } } });
    const { credential, secret } = enrolled();
    const now = T + 120_000;
    const previous = totp(secret, { time: now - 30_000 });
    expect(await verifier.verify({ credential, code: previous, now, operation: 'transfer' })).toMatchObject({ ok: false, reason: 'mismatch' });
    expect(await verifier.verify({ credential, code: previous, now })).toMatchObject({ ok: true, delta: -1 });
  });

  it('fails closed: a store that throws, or an unreachable Redis, is never a success', async () => {
    const broken: GuardStore = {
      consumeStep: async () => { throw new Error('down'); },
      acquireAttempt: async () => ({ allowed: true, failures: 1, resetAt: 0 }),
      resetFailures: async () => {},
      consumeOnce: async () => { throw new Error('down'); },
    };
    const { credential, secret } = enrolled();
    const now = T + 60_000;
    const code = totp(secret, { time: now });
    expect(await createVerifier({ store: broken, keyring: KEYRING }).verify({ credential, code, now })).toMatchObject({ ok: false, reason: 'storage' });
    const throwsEverywhere: GuardStore = { ...broken, acquireAttempt: async () => { throw new Error('down'); } };
    expect(await createVerifier({ store: throwsEverywhere, keyring: KEYRING }).verify({ credential, code, now })).toMatchObject({ ok: false, reason: 'storage' });
    const resetFails: GuardStore = { ...memoryStore(), resetFailures: async () => { throw new Error('down'); } };
    expect(await createVerifier({ store: resetFails, keyring: KEYRING }).verify({ credential, code, now })).toMatchObject({ ok: false, reason: 'storage' });

    const { Redis } = await import('ioredis');
    const dead = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
    dead.on('error', () => {});
    try {
      expect(await createVerifier({ store: redisStore({ client: dead }), keyring: KEYRING }).verify({ credential, code, now })).toMatchObject({ ok: false, reason: 'storage' });
    } finally {
      dead.disconnect();
    }
  });

  it('recovery codes and enrollment confirmations are single use across verifiers sharing a store', async () => {
    const store = memoryStore();
    const [a, b] = [createVerifier({ store, keyring: KEYRING }), createVerifier({ store, keyring: KEYRING })];
    const { codes, set } = generateRecoveryCodes({ count: 2 });
    // Two servers each holding the same (stale) set: the store decides.
    const results = await Promise.all([a.useRecoveryCode({ credentialId: 'c1', set, code: codes[0]!, now: T }), b.useRecoveryCode({ credentialId: 'c1', set, code: codes[0]!, now: T })]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.find((r) => !r.ok)).toMatchObject({ reason: 'used' });
  });

  it('never throws for a hostile code: it is malformed, and counted', async () => {
    const verifier = createVerifier({ store: memoryStore(), keyring: KEYRING, maxFailures: 100 });
    const { credential } = enrolled();
    for (const code of [null, undefined, 123456, ' 123456', '123456 ', '+12345', '１２３４５６', '1'.repeat(1 << 20), {}, []]) {
      const started = process.cpuUsage();
      expect(await verifier.verify({ credential, code: code as string, now: T + 60_000 })).toMatchObject({ ok: false, reason: 'malformed' });
      const used = process.cpuUsage(started);
      expect((used.user + used.system) / 1000, 'returns quickly (CPU ms)').toBeLessThan(250);
    }
  });

  it('the memory store stays bounded under a long run of distinct credentials', async () => {
    const store = memoryStore({ maxEntries: 1000 });
    for (let i = 0; i < 20_000; i++) await store.consumeStep(`c${i}`, 1, T, T + 60_000);
    expect(store.size).toBeLessThanOrEqual(1000);
    for (let i = 0; i < 5000; i++) await store.acquireAttempt(`d${i}`, 10, T + 120_000, T + 180_000);
    expect(store.size).toBeLessThanOrEqual(1000);
  });
});
