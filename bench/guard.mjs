#!/usr/bin/env node
// `npm run bench:guard`: guarded logins per second and their p50/p99 latency on each store, at
// several concurrencies, next to the raw store's own ceiling measured in the same run (a bare
// SET NX PX loop for Redis and Redis Cluster, a bare single-row guarded upsert loop for PostgreSQL,
// SQLite and D1, a bare storage put behind one request for Durable Objects, a bare UpdateItem for
// DynamoDB), reported as a ratio. A guarded login is one store round trip (GuardStore.settle). The
// Redis Cluster (three masters) and dynalite are started on free loopback ports for the run; D1 and
// Durable Objects are measured inside workerd (miniflare), where the guard runs in production.
// Usage: node bench/guard.mjs [--quick] [--readme] [--only NAME]  (NAME: part of a store's name)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const seconds = args.includes('--quick') ? 0.4 : 1.5;
const concurrencies = [1, 16, 64];

const t = await import('../dist/index.js');
const { createVerifier, memoryStore } = await import('../dist/guard/index.js');
const { redisStore } = await import('../dist/adapters/redis.js');
const { postgresStore, migrate } = await import('../dist/adapters/postgres.js');
const { Redis, Cluster } = await import('ioredis');
const { default: pg } = await import('pg');
const { PGlite } = await import('@electric-sql/pglite');
const { startRedisCluster } = await import('../test/fixtures/servers.mjs');

const keyring = { current: 'k', keys: { k: new Uint8Array(32).fill(1) } };
const T = Date.UTC(2026, 10, 23, 12, 0, 0);

/**
 * One enrolled credential per worker, with the codes of its next steps computed before the clock
 * starts: generating a code is the phone's work, not the server's. `total` codes are shared out.
 */
function credentials(n, total = 200_000) {
  return Array.from({ length: n }, () => {
    const s = t.startEnrollment({ account: 'a', issuer: 'B', keyring, now: T });
    const secret = t.parseOtpauthUri(s.uri).secret;
    const r = t.confirmEnrollment(s.enrollment, { token: s.token, code: t.totp(secret, { time: T }), keyring, now: T });
    const key = t.createOtpKey(secret);
    return {
      credential: r.credential,
      codes: Array.from({ length: Math.ceil(total / n) }, (_, i) => t.totp(key, { time: T + (i + 1) * 30_000 })),
    };
  });
}

/** The q-quantile of sorted `values`. */
const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

/**
 * Runs `op(worker, i)` from `n` concurrent loops for `seconds`; returns operations per second and
 * the p50/p99 latency of one operation in ms.
 */
async function throughput(n, op, limit = Infinity) {
  const latencies = [];
  const start = performance.now();
  const end = start + seconds * 1000;
  // A worker also stops when it runs out of prepared codes (`limit` iterations): the rate is then
  // taken over the time actually spent.
  await Promise.all(
    Array.from({ length: n }, async (_, w) => {
      for (let i = 0; i < limit && performance.now() < end; i++) {
        const started = performance.now();
        await op(w, i);
        latencies.push(performance.now() - started);
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return { rate: latencies.length / elapsed, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99) };
}

async function guardCase(store, n) {
  const verifier = createVerifier({ store, keyring, maxFailures: 100 });
  const creds = credentials(n);
  let failures = 0;
  const result = await throughput(
    n,
    async (w, i) => {
      const r = await verifier.verify({
        credential: creds[w].credential,
        code: creds[w].codes[i],
        now: T + (i + 1) * 30_000,
      });
      if (!r.ok) failures++;
    },
    creds[0].codes.length,
  );
  if (failures > 0) throw new Error(`${failures} guarded logins failed: the benchmark would measure the wrong path`);
  return result;
}

const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const rows = [];
async function measure(name, makeStore, rawOp) {
  if (only !== undefined && !name.toLowerCase().includes(only.toLowerCase())) return;
  for (const n of concurrencies) {
    // A short warm-up of both loops first: JIT, connection set-up and script caching are not the subject.
    await guardCase(await makeStore(), n);
    const guarded = await guardCase(await makeStore(), n);
    const raw = rawOp === undefined ? undefined : await throughput(n, rawOp);
    rows.push({ name, n, guarded, raw });
    console.error(
      `${name} ×${n}: ${guarded.rate.toFixed(0)}/s p50 ${guarded.p50.toFixed(2)} ms p99 ${guarded.p99.toFixed(2)} ms` +
        (raw ? ` (raw ${raw.rate.toFixed(0)}/s, ratio ${(guarded.rate / raw.rate).toFixed(2)})` : ''),
    );
  }
}

await measure('memory', async () => memoryStore());

const pglite = await PGlite.create();
await migrate(pglite);
await pglite.query('CREATE TABLE IF NOT EXISTS bench_upsert (k text PRIMARY KEY, v bigint NOT NULL)');
await measure(
  'PGlite (embedded)',
  async () => postgresStore({ client: pglite }),
  (w, i) =>
    pglite.query(
      'INSERT INTO bench_upsert (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = ' +
        'EXCLUDED.v WHERE bench_upsert.v < EXCLUDED.v',
      [`w${w}`, i],
    ),
);
await pglite.close();

const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  max: 16,
});
await migrate(pool);
const table = `bench_upsert_${process.pid}`;
await pool.query(`CREATE TABLE IF NOT EXISTS ${table} (k text PRIMARY KEY, v bigint NOT NULL)`);
await measure(
  'PostgreSQL server (pg, pool of 16)',
  async () => postgresStore({ client: pool }),
  (w, i) =>
    pool.query(
      `INSERT INTO ${table} (k, v) VALUES ($1, $2)
       ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v WHERE ${table}.v < EXCLUDED.v`,
      [`w${w}`, i],
    ),
);
await pool.query(`DROP TABLE ${table}`);
await pool.end();

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
await measure(
  'Redis (ioredis, one connection)',
  async () => redisStore({ client: redis, prefix: `bench${process.pid}:` }),
  (w, i) => redis.set(`benchraw${process.pid}:${w}:${i}`, '1', 'PX', 60_000, 'NX'),
);
redis.disconnect();

const cluster = await startRedisCluster();
try {
  const client = new Cluster(cluster.nodes);
  await measure(
    'Redis Cluster (ioredis Cluster, 3 masters)',
    async () => redisStore({ client, prefix: `bench${process.pid}:` }),
    (w, i) => client.set(`benchraw${process.pid}:${w}:${i}`, '1', 'PX', 60_000, 'NX'),
  );
  client.disconnect();
} finally {
  await cluster.stop();
}

// SQLite: better-sqlite3 on a file in WAL mode (one connection, as one server process has).
const wanted = (pattern) => only === undefined || pattern.test(only);
if (wanted(/sqlite/i)) {
  const { default: Database } = await import('better-sqlite3');
  const { sqliteStore, migrate: migrateSqlite } = await import('../dist/adapters/sqlite.js');
  const dir = mkdtempSync(join(tmpdir(), 'totpkit-bench-sqlite-'));
  const database = new Database(join(dir, 'guard.db'));
  database.pragma('journal_mode = WAL');
  migrateSqlite(database);
  database.exec('CREATE TABLE bench_raw (k TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID');
  const upsert = database.prepare(
    'INSERT INTO bench_raw (k, v) VALUES (?, ?) ' +
      'ON CONFLICT (k) DO UPDATE SET v = excluded.v WHERE bench_raw.v < excluded.v',
  );
  await measure(
    'SQLite (better-sqlite3, a WAL file)',
    async () => sqliteStore({ database }),
    async (w, i) => upsert.run(`w${w}`, i),
  );
  database.close();
  rmSync(dir, { recursive: true, force: true });
}

// DynamoDB: dynalite (DynamoDB's API on LevelDB in memory) on a free loopback port.
if (wanted(/dynamo/i)) {
  const { default: dynalite } = await import('dynalite');
  const { DynamoDBClient, CreateTableCommand, UpdateItemCommand } = await import('@aws-sdk/client-dynamodb');
  const { dynamoStore } = await import('../dist/adapters/dynamodb.js');
  const server = dynalite({ createTableMs: 0 });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${server.address().port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  for (const TableName of ['guard', 'raw'])
    await client.send(
      new CreateTableCommand({
        TableName,
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  await measure(
    'DynamoDB (dynalite)',
    async () => dynamoStore({ client, table: 'guard' }),
    (w, i) =>
      client.send(
        new UpdateItemCommand({
          TableName: 'raw',
          Key: { pk: { S: `w${w}` } },
          UpdateExpression: 'SET v = :v',
          ExpressionAttributeValues: { ':v': { N: String(i) } },
        }),
      ),
  );
  client.destroy();
  await new Promise((resolve) => server.close(resolve));
}

// D1 and Durable Objects, inside workerd: the Worker measures itself (bench/cloudflare-worker.mjs).
if (wanted(/d1|durable/i)) {
  const { build } = await import('esbuild');
  const { Miniflare } = await import('miniflare');
  const bundle = await build({
    entryPoints: [join(root, 'bench/cloudflare-worker.mjs')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'import'],
  });
  const mf = new Miniflare({
    modules: true,
    script: bundle.outputFiles[0].text,
    compatibilityDate: '2026-01-01',
    d1Databases: ['DB'],
    durableObjects: { GUARD: 'GuardObject', RAW: 'RawObject' },
  });
  try {
    for (const [name, store] of [
      ['D1 (miniflare)', 'd1'],
      ['Durable Objects (miniflare)', 'do'],
    ]) {
      for (const n of concurrencies) {
        const ask = async (raw) => {
          const response = await mf.dispatchFetch(
            `http://localhost/?store=${store}&n=${n}&seconds=${seconds}${raw ? '&raw=1' : ''}`,
          );
          return response.json();
        };
        await ask(false); // warm-up
        const guarded = await ask(false);
        if (guarded.refused > 0) throw new Error(`${guarded.refused} guarded logins failed on ${name}`);
        const raw = await ask(true);
        rows.push({ name, n, guarded, raw });
        console.error(`${name} ×${n}: ${guarded.rate.toFixed(0)}/s (raw ${raw.rate.toFixed(0)}/s)`);
      }
    }
  } finally {
    await mf.dispose();
  }
}

const lines = [
  `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores), ` +
    `${new Date().toISOString().slice(0, 10)}; servers on loopback`,
  '',
  '| store | concurrency | guarded logins/s | p50 ms | p99 ms | raw store ops/s | raw p50 / p99 ms | guarded ÷ raw |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map((r) => {
    const { guarded, raw } = r;
    const cells = [
      r.name,
      r.n,
      guarded.rate.toFixed(0),
      guarded.p50.toFixed(2),
      guarded.p99.toFixed(2),
      raw === undefined ? '—' : raw.rate.toFixed(0),
      raw === undefined ? '—' : `${raw.p50.toFixed(2)} / ${raw.p99.toFixed(2)}`,
      raw === undefined ? '—' : (guarded.rate / raw.rate).toFixed(2),
    ];
    return `| ${cells.join(' | ')} |`;
  }),
];
console.log(lines.join('\n'));
if (args.includes('--readme')) {
  const readme = join(root, 'README.md');
  const text = readFileSync(readme, 'utf8');
  const updated = text.replace(
    /<!-- guard-bench:start -->[\s\S]*?<!-- guard-bench:end -->/,
    `<!-- guard-bench:start -->\n${lines.join('\n')}\n<!-- guard-bench:end -->`,
  );
  if (updated === text) throw new Error('README.md has no guard-bench markers');
  writeFileSync(readme, updated);
}
