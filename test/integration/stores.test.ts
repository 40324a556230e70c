/**
 * The guard's stores against real servers: PGlite, the PostgreSQL server at DATABASE_URL, the
 * Redis server at REDIS_URL (ioredis and node-redis), a private Redis Cluster, and several processes
 * racing one code.
 */
import { execFileSync, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate, postgresStore, purgeExpired } from '../../src/adapters/postgres.js';
import { redisStore, type RedisLikeClient } from '../../src/adapters/redis.js';
import { migrate as sqliteMigrate, purgeExpired as sqlitePurge, sqliteStore } from '../../src/adapters/sqlite.js';
import { createVerifier } from '../../src/guard/index.js';
import { totp } from '../../src/index.js';
import { enrolled, KEYRING, storeConformance } from '../conformance.js';
import { startRedisCluster, type RedisCluster } from '../fixtures/servers.mjs';
import { errorCode, root } from '../helpers.js';
import {
  DATABASE_URL,
  haveRedis,
  haveRedisBinaries,
  havePostgres,
  ioredisClient,
  nodeRedisClient,
  pgPool,
  pglite,
  REDIS_URL,
} from '../services.js';

const T = Date.UTC(2026, 10, 23, 12, 0, 0);
const here = dirname(fileURLToPath(import.meta.url));

// One embedded database for the whole suite: starting PGlite (a WebAssembly PostgreSQL) takes seconds.
let embedded: Promise<Awaited<ReturnType<typeof pglite>>> | undefined;
afterAll(async () => (await embedded)?.close());
storeConformance('PGlite (embedded PostgreSQL)', async (n) => {
  embedded ??= pglite().then(async (db) => {
    await migrate(db);
    return db;
  });
  const db = await embedded;
  return { stores: Array.from({ length: n }, () => postgresStore({ client: db })), close: async () => {} };
});

it('purgeExpired deletes a row only once nothing in it matters (PGlite)', async () => {
  embedded ??= pglite().then(async (db) => {
    await migrate(db);
    return db;
  });
  const db = await embedded;
  const store = postgresStore({ client: db, prefix: 'totpkit_' });
  const [a, b] = [`purge-${randomUUID()}`, `purge-${randomUUID()}`];
  await store.settle(a, {
    now: T,
    maxFailures: 10,
    lockUntil: T + 1000,
    verified: true,
    step: { value: 1, expiresAt: T + 1000 },
    once: { item: 'x', expiresAt: T + 5000 },
  });
  await store.settle(b, { now: T, maxFailures: 10, lockUntil: T + 3000, verified: false });
  const count = async () =>
    Number(
      (
        (await db.query(`SELECT count(*) AS n FROM totpkit_guard WHERE credential_id IN ($1, $2)`, [a, b])).rows[0] as {
          n: unknown;
        }
      ).n,
    );
  expect(await count()).toBe(2);
  expect(await purgeExpired(db, T + 2000)).toBeGreaterThanOrEqual(0);
  expect(await count()).toBe(2); // a's mark lives until T + 5000, b's failure until T + 3000
  await purgeExpired(db, T + 3000);
  expect(await count()).toBe(1);
  await purgeExpired(db, T + 5000);
  expect(await count()).toBe(0);
});

describe.runIf(havePostgres)('PostgreSQL server', () => {
  it('300 parallel wrong guesses on 4 SERIALIZABLE pools: at most maxFailures counted, no storage answer', async () => {
    const pools = Array.from({ length: 4 }, () => pgPool(10, 'serializable', 60_000));
    try {
      await migrate(pools[0]!);
      const verifiers = pools.map((client) =>
        createVerifier({ store: postgresStore({ client }), keyring: KEYRING, maxFailures: 10 }),
      );
      const { credential, secret } = enrolled();
      const now = T + 60_000;
      const wrong = totp(secret, { time: now }) === '000000' ? '000001' : '000000';
      const started = performance.now();
      const results = await Promise.all(
        Array.from({ length: 300 }, (_, i) => verifiers[i % 4]!.verify({ credential, code: wrong, now })),
      );
      const reasons = results.map((r) => (r.ok ? 'ok' : r.reason));
      expect(reasons.filter((r) => r === 'storage')).toEqual([]);
      expect(reasons.filter((r) => r === 'mismatch')).toHaveLength(10);
      expect(reasons.filter((r) => r === 'locked')).toHaveLength(290);
      expect(performance.now() - started).toBeLessThan(2000);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  it('a refusal of a locked credential writes nothing: the row keeps its version (xmin)', async () => {
    const pool = pgPool(2);
    try {
      await migrate(pool);
      const store = postgresStore({ client: pool });
      const id = `locked-${randomUUID()}`;
      const fail = { now: T, maxFailures: 2, lockUntil: T + 60_000, verified: false };
      await store.settle(id, fail);
      await store.settle(id, fail);
      const version = async () =>
        ((await pool.query('SELECT xmin::text AS v, failures FROM totpkit_guard WHERE credential_id = $1', [id]))
          .rows[0] as { v: string; failures: number }) ?? null;
      const before = await version();
      expect(before?.failures).toBe(2);
      for (const verified of [false, true])
        expect(await store.settle(id, { ...fail, verified, step: { value: 9, expiresAt: T + 60_000 } })).toEqual({
          status: 'locked',
          failures: 2,
          retryAt: T + 60_000,
        });
      expect(await version()).toEqual(before);
    } finally {
      await pool.end();
    }
  });

  storeConformance('PostgreSQL (pg, READ COMMITTED)', async (n) => {
    const pools = Array.from({ length: n }, () => pgPool(4));
    await migrate(pools[0]!);
    return {
      stores: pools.map((client) => postgresStore({ client })),
      close: async () => void (await Promise.all(pools.map((p) => p.end()))),
    };
  });

  storeConformance('PostgreSQL (pg, the settle function instead of a prepared statement)', async (n) => {
    const pools = Array.from({ length: n }, () => pgPool(4));
    await migrate(pools[0]!);
    return {
      stores: pools.map((client) => postgresStore({ client, prepared: false })),
      close: async () => void (await Promise.all(pools.map((p) => p.end()))),
    };
  });

  storeConformance('PostgreSQL (pg, SERIALIZABLE)', async (n) => {
    // Contended SERIALIZABLE writes queue for the pool's connections while they retry: give the queue time.
    const pools = Array.from({ length: n }, () => pgPool(4, 'serializable', 60_000));
    const level = (await pools[0]!.query('SHOW transaction_isolation')).rows[0] as { transaction_isolation: string };
    expect(level.transaction_isolation).toBe('serializable');
    await migrate(pools[0]!);
    return {
      stores: pools.map((client) => postgresStore({ client })),
      close: async () => void (await Promise.all(pools.map((p) => p.end()))),
    };
  });

  it(
    'SERIALIZABLE with every default (a pool of 10, the 2 s deadline): 200 parallel logins ' +
      'with one code give exactly one success',
    async () => {
      const pool = new (await import('pg')).default.Pool({
        connectionString: DATABASE_URL,
        options: '-c default_transaction_isolation=serializable',
      });
      try {
        await migrate(pool);
        const verifier = createVerifier({ store: postgresStore({ client: pool }), keyring: KEYRING, maxFailures: 100 });
        const { credential, secret } = enrolled();
        const now = T + 60_000;
        const code = totp(secret, { time: now });
        const results = await Promise.all(
          Array.from({ length: 200 }, () => verifier.verify({ credential, code, now })),
        );
        expect(results.filter((r) => r.ok)).toHaveLength(1);
        for (const r of results) if (!r.ok) expect(['replayed', 'locked', 'storage']).toContain(r.reason);
      } finally {
        await pool.end();
      }
    },
  );
});

describe.runIf(haveRedis)('Redis server', () => {
  it('a refusal of a locked credential writes nothing: the key keeps its value and its expiry', async () => {
    const client = ioredisClient();
    try {
      const store = redisStore({ client, prefix: 'lockedtest:' });
      const id = `locked-${randomUUID()}`;
      const fail = { now: T, maxFailures: 2, lockUntil: T + 60_000, verified: false };
      await store.settle(id, fail);
      await store.settle(id, fail);
      const key = `lockedtest:{${id}}:guard`;
      const before = [await client.get(key), await client.call('PEXPIRETIME', key)];
      await new Promise((r) => setTimeout(r, 5)); // a rewrite would now give another expiry
      for (const verified of [false, true])
        expect(
          await store.settle(id, { ...fail, now: T + 1, verified, step: { value: 9, expiresAt: T + 60_000 } }),
        ).toEqual({
          status: 'locked',
          failures: 2,
          retryAt: T + 60_000,
        });
      expect([await client.get(key), await client.call('PEXPIRETIME', key)]).toEqual(before);
      await client.del(key);
    } finally {
      client.disconnect();
    }
  });

  storeConformance('Redis (ioredis)', async (n) => {
    const clients = Array.from({ length: n }, () => ioredisClient());
    return {
      stores: clients.map((client) => redisStore({ client })),
      close: async () => {
        for (const c of clients) c.disconnect();
      },
    };
  });

  storeConformance('Redis (node-redis)', async (n) => {
    const clients = await Promise.all(Array.from({ length: n }, () => nodeRedisClient()));
    return {
      stores: clients.map((client) => redisStore({ client })),
      close: async () => void (await Promise.all(clients.map((c) => c.quit()))),
    };
  });

  it(
    'one state key per credential plus one per single-use mark, in one hash-tag slot, each ' +
      'expiring with what it holds',
    async () => {
      const client = ioredisClient();
      try {
        const store = redisStore({ client, prefix: 'ttltest:' });
        const c = `cred-${randomUUID()}`;
        const state = `ttltest:{${c}}:guard`;
        await store.settle(c, {
          now: T,
          maxFailures: 10,
          lockUntil: T + 900_000,
          verified: true,
          step: { value: 1, expiresAt: T + 90_000 },
        });
        expect(await client.keys(`ttltest:{${c}}*`)).toEqual([state]);
        expect(await client.pttl(state)).toBeGreaterThan(80_000); // the step's 90 s
        expect(await client.pttl(state)).toBeLessThanOrEqual(90_000);
        await store.settle(c, { now: T, maxFailures: 10, lockUntil: T + 900_000, verified: false });
        expect(await client.pttl(state)).toBeGreaterThan(800_000); // now the failure's 900 s
        await store.settle(c, {
          now: T,
          maxFailures: 10,
          lockUntil: T + 900_000,
          verified: true,
          once: { item: 'recovery:0:1', expiresAt: T + 2_000_000 },
        });
        // The success cleared the failure: the state holds only the step again.
        expect(await client.pttl(state)).toBeLessThanOrEqual(90_000);
        const mark = `ttltest:{${c}}:once:recovery:0:1`;
        expect((await client.keys(`ttltest:{${c}}*`)).sort()).toEqual([state, mark].sort());
        expect(await client.pttl(mark)).toBeGreaterThan(1_900_000);
      } finally {
        client.disconnect();
      }
    },
  );

  it(
    'a node without the script cached answers NOSCRIPT once; the adapter sends it and goes ' + 'back to EVALSHA',
    async () => {
      const client = ioredisClient();
      try {
        await client.script('FLUSH');
        const sent: string[] = [];
        const spy = new Proxy(client, {
          get: (target, prop, receiver) => {
            const value = Reflect.get(target, prop, receiver);
            if (prop === 'eval' || prop === 'evalsha')
              return (...a: unknown[]) => {
                sent.push(prop);
                return (value as (...x: unknown[]) => unknown).apply(target, a);
              };
            return value;
          },
        });
        const store = redisStore({ client: spy });
        const c = `cred-${randomUUID()}`;
        for (let i = 0; i < 3; i++)
          await store.settle(c, { now: T, maxFailures: 10, lockUntil: T + 1000, verified: false });
        expect(sent).toEqual(['evalsha', 'eval', 'evalsha', 'evalsha']);
      } finally {
        client.disconnect();
      }
    },
  );
});

// A real Redis Cluster of three masters, started once for this file on free loopback ports.
let cluster: Promise<RedisCluster> | undefined;
const startedCluster = () => (cluster ??= startRedisCluster());
afterAll(async () => (await cluster)?.stop());

describe.runIf(haveRedisBinaries)('Redis Cluster', () => {
  storeConformance('Redis Cluster (ioredis Cluster)', async (n) => {
    const { Cluster } = await import('ioredis');
    const { nodes } = await startedCluster();
    const clients = Array.from({ length: n }, () => new Cluster(nodes, { redisOptions: { connectTimeout: 2000 } }));
    return {
      stores: clients.map((client) => redisStore({ client: client as unknown as RedisLikeClient })),
      close: async () => {
        for (const c of clients) c.disconnect();
      },
    };
  });

  storeConformance('Redis Cluster (node-redis createCluster)', async (n) => {
    const { createCluster } = await import('redis');
    const { nodes } = await startedCluster();
    const clients = await Promise.all(
      Array.from({ length: n }, async () => {
        const c = createCluster({ rootNodes: nodes.map(({ host, port }) => ({ url: `redis://${host}:${port}` })) });
        c.on('error', () => {});
        return c.connect();
      }),
    );
    return {
      stores: clients.map((client) => redisStore({ client: client as unknown as RedisLikeClient })),
      close: async () => void (await Promise.all(clients.map((c) => c.close()))),
    };
  });

  it('an id with braces keeps both its keys in one slot and stays distinct from look-alikes', async () => {
    const { Cluster } = await import('ioredis');
    const { nodes } = await startedCluster();
    const client = new Cluster(nodes);
    try {
      const store = redisStore({ client: client as unknown as RedisLikeClient, prefix: 'braces:' });
      // `}abc` gave the empty tag `{}` (the whole key hashed: the guard and mark keys in two slots,
      // and the script refused with CROSSSLOT); `a{b}c` took `a{b` as its tag.
      const ids = ['}abc', '{x}', 'a{b}c', '{', '}', '{}', '%7B', '%', 'plain'];
      for (const id of ids) {
        const r = await store.settle(id, {
          now: T,
          maxFailures: 10,
          lockUntil: T + 60_000,
          verified: true,
          step: { value: 1, expiresAt: T + 60_000 },
          once: { item: 'recovery:0:1', expiresAt: T + 60_000 },
        });
        expect(r, id).toEqual({ status: 'accepted', clearedFailures: 0 });
      }
      // One record per id: `{` and `%7B` (the encoding of `{`) do not share one.
      for (const id of ids)
        expect(
          await store.settle(id, { now: T, maxFailures: 10, lockUntil: T + 60_000, verified: false }),
          id,
        ).toMatchObject({ failures: 1 });
      const keys = (await Promise.all(client.nodes('master').map((node) => node.keys('braces:*')))).flat();
      expect(keys).toHaveLength(ids.length * 2);
      for (const key of keys) expect(key).toMatch(/^braces:\{[^{}]+\}:(guard|once:recovery:0:1)$/);
    } finally {
      client.disconnect();
    }
  });

  it('credentials spread over every master, each in one slot', async () => {
    const { Cluster } = await import('ioredis');
    const { nodes } = await startedCluster();
    const client = new Cluster(nodes);
    try {
      const store = redisStore({ client: client as unknown as RedisLikeClient, prefix: 'spread:' });
      for (let i = 0; i < 60; i++)
        await store.settle(`c-${i}`, { now: T, maxFailures: 10, lockUntil: T + 60_000, verified: false });
      const perMaster = await Promise.all(client.nodes('master').map((node) => node.keys('spread:*')));
      expect(perMaster).toHaveLength(3);
      for (const keys of perMaster) expect(keys.length).toBeGreaterThan(0);
      expect(perMaster.flat().sort()).toEqual(Array.from({ length: 60 }, (_, i) => `spread:{c-${i}}:guard`).sort());
    } finally {
      client.disconnect();
    }
  });

  it('2 processes × 100 logins with one code give exactly one success', async () => {
    const { nodes } = await startedCluster();
    const outcomes = await raceProcesses('redis-cluster', 2, 100, { CLUSTER_NODES: JSON.stringify(nodes) });
    expect(outcomes).toHaveLength(200);
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(1);
    expect(outcomes.every((o) => ['ok', 'replayed', 'locked'].includes(o))).toBe(true);
  });
});

/** Runs test/fixtures/race-worker.mjs in `n` processes that all submit the same code at once. */
async function raceProcesses(
  backend: 'redis' | 'redis-cluster' | 'postgres' | 'sqlite',
  n: number,
  perProcess: number,
  env: Record<string, string> = {},
): Promise<string[]> {
  const { credential, secret } = enrolled();
  const now = T + 60_000;
  const code = totp(secret, { time: now });
  const startAt = Date.now() + 1500; // a shared start line, so the processes really overlap
  const workers = Array.from(
    { length: n },
    () =>
      new Promise<string[]>((resolve, reject) => {
        const child = fork(join(here, '../fixtures/race-worker.mjs'), [], {
          env: { ...process.env, BACKEND: backend, REDIS_URL, DATABASE_URL, ...env },
          stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
        });
        let out = '';
        child.stdout!.on('data', (d) => (out += d));
        child.on('exit', (status) =>
          status === 0 ? resolve(JSON.parse(out) as string[]) : reject(new Error(`worker exited ${status}`)),
        );
        child.send({
          credential,
          code,
          now,
          startAt,
          count: perProcess,
          keyring: { current: 'k', key: [...KEYRING.keys.k!] },
        });
      }),
  );
  return (await Promise.all(workers)).flat();
}

describe('SQLite (better-sqlite3, a database file in WAL mode)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'totpkit-sqlite-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const open = (file: string) => {
    const database = new Database(file);
    database.pragma('journal_mode = WAL');
    return database;
  };

  storeConformance('SQLite (better-sqlite3, one connection per store)', async (n) => {
    const file = join(dir, `conformance-${randomUUID()}.db`);
    const connections = Array.from({ length: n }, () => open(file));
    sqliteMigrate(connections[0]!);
    return {
      stores: connections.map((database) => sqliteStore({ database })),
      close: async () => {
        for (const c of connections) c.close();
      },
    };
  });

  it('4 processes on one database file, one valid code: exactly one success', async () => {
    const file = join(dir, `race-${randomUUID()}.db`);
    const setup = open(file);
    sqliteMigrate(setup);
    setup.close();
    const outcomes = await raceProcesses('sqlite', 4, 50, { SQLITE_FILE: file });
    expect(outcomes).toHaveLength(200);
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(1);
    expect(outcomes.every((o) => ['ok', 'replayed', 'locked'].includes(o))).toBe(true);
  });

  it('a database locked by another connection past busyTimeoutMs: storage, within the deadline', async () => {
    const file = join(dir, `busy-${randomUUID()}.db`);
    const holder = open(file);
    sqliteMigrate(holder);
    const verifier = createVerifier({
      store: sqliteStore({ database: open(file), busyTimeoutMs: 200 }),
      keyring: KEYRING,
      timeoutMs: 1000,
    });
    const { credential, secret } = enrolled();
    const now = T + 60_000;
    holder.exec('BEGIN IMMEDIATE'); // another process holds the write lock
    const started = performance.now();
    expect(await verifier.verify({ credential, code: totp(secret, { time: now }), now })).toMatchObject({
      ok: false,
      reason: 'storage',
    });
    expect(performance.now() - started).toBeLessThan(1000);
    holder.exec('ROLLBACK');
    expect(await verifier.verify({ credential, code: totp(secret, { time: now }), now })).toMatchObject({ ok: true });
    holder.close();
  });

  it('migrate, purgeExpired, and a locked refusal that writes nothing', async () => {
    const database = open(join(dir, `purge-${randomUUID()}.db`));
    sqliteMigrate(database);
    sqliteMigrate(database); // idempotent
    const store = sqliteStore({ database });
    const fail = { now: T, maxFailures: 2, lockUntil: T + 3000, verified: false };
    await store.settle('a', fail);
    await store.settle('a', fail);
    const before = database.prepare('SELECT * FROM totpkit_guard').all();
    expect(await store.settle('a', { ...fail, verified: true, step: { value: 1, expiresAt: T + 9000 } })).toEqual({
      status: 'locked',
      failures: 2,
      retryAt: T + 3000,
    });
    expect(database.prepare('SELECT * FROM totpkit_guard').all()).toEqual(before);
    expect(sqlitePurge(database, T + 2999)).toBe(0);
    expect(sqlitePurge(database, T + 3000)).toBe(1);
    database.close();
  });

  it('bad input: a coded error before anything is sent', async () => {
    const database = open(':memory:');
    for (const prefix of ['Bad-Prefix', 'x;drop', '', 5])
      expect(errorCode(() => sqliteStore({ database, prefix: prefix as never }))).toBe(
        typeof prefix === 'string' ? 'ERR_OUT_OF_RANGE' : 'ERR_INVALID_ARG_TYPE',
      );
    const d1Like = { prepare: () => ({}), exec: () => ({}), batch: async () => [] };
    expect(errorCode(() => sqliteStore({ database: d1Like as never }))).toBe('ERR_INVALID_ARG_TYPE');
    expect(errorCode(() => sqliteStore({ database: {} as never }))).toBe('ERR_INVALID_ARG_TYPE');
    sqliteMigrate(database);
    const store = sqliteStore({ database });
    await expect(
      store.settle('a\uD800', { now: T, maxFailures: 2, lockUntil: T + 1, verified: false }),
    ).rejects.toMatchObject({
      code: 'ERR_OUT_OF_RANGE',
    });
    expect(database.prepare('SELECT count(*) AS n FROM totpkit_guard').get()).toEqual({ n: 0 });
    database.close();
  });
});

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

describe('the guard in a short-lived process (the build)', () => {
  it('keeps no timer once every attempt is answered: a short script exits at once, not at the deadline', () => {
    const script = `
      import { createVerifier, memoryStore } from './dist/guard/index.js';
      const v = createVerifier({ store: memoryStore(), insecurePlaintext: true, timeoutMs: 30000 });
      const credential = { v: 1, id: 'c', type: 'totp', account: 'a', issuer: 'B', algorithm: 'SHA1',
        digits: 6, period: 30, secret: 'plain:JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', lastStep: 0, delta: 0,
        deviceLabel: null, createdAt: 0, lastUsedAt: 0 };
      console.log((await v.verify({ credential, code: '000000', now: 1e12 })).ok);`;
    const started = Date.now();
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(out.trim()).toBe('false');
    expect(Date.now() - started, 'exited well before the 30 s deadline').toBeLessThan(10_000);
  });
});
