#!/usr/bin/env node
// `npm run bench:guard`: guarded verifications per second on each store, at several concurrencies,
// next to the raw store's own ceiling measured in the same run (a bare SET NX loop for Redis, a bare
// single-row upsert loop for PostgreSQL), reported as a ratio.
// Usage: node bench/guard.mjs [--quick] [--readme]
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
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
const { Redis } = await import('ioredis');
const { default: pg } = await import('pg');
const { PGlite } = await import('@electric-sql/pglite');

const keyring = { current: 'k', keys: { k: new Uint8Array(32).fill(1) } };
const T = Date.UTC(2026, 10, 23, 12, 0, 0);

/** One enrolled credential per worker; each iteration logs in with the next period's code. */
function credentials(n) {
  return Array.from({ length: n }, () => {
    const s = t.startEnrollment({ account: 'a', issuer: 'B', keyring, now: T });
    const secret = t.parseOtpauthUri(s.uri).secret;
    const r = t.confirmEnrollment(s.enrollment, { token: s.token, code: t.totp(secret, { time: T }), keyring, now: T });
    return { credential: r.credential, key: t.createOtpKey(secret) };
  });
}

/** Runs `op(worker, i)` from `n` concurrent loops for `seconds`; returns operations per second. */
async function throughput(n, op) {
  let count = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(Array.from({ length: n }, async (_, w) => {
    for (let i = 0; performance.now() < end; i++) {
      await op(w, i);
      count++;
    }
  }));
  return count / seconds;
}

async function guardCase(store, n) {
  const verifier = createVerifier({ store, keyring, maxFailures: 100 });
  const creds = credentials(n);
  let failures = 0;
  const rate = await throughput(n, async (w, i) => {
    const now = T + (i + 1) * 30_000;
    const r = await verifier.verify({ credential: creds[w].credential, code: t.totp(creds[w].key, { time: now }), now });
    if (!r.ok) failures++;
  });
  if (failures > 0) throw new Error(`${failures} guarded logins failed: the benchmark would measure the wrong path`);
  return rate;
}

const rows = [];
async function measure(name, makeStore, rawOp) {
  for (const n of concurrencies) {
    const guarded = await guardCase(await makeStore(), n);
    const raw = rawOp === undefined ? undefined : await throughput(n, rawOp);
    rows.push({ name, n, guarded, raw });
    console.error(`${name} ×${n}: ${guarded.toFixed(0)}/s${raw ? ` (raw ${raw.toFixed(0)}/s)` : ''}`);
  }
}

await measure('memory', async () => memoryStore());

const pglite = await PGlite.create();
await migrate(pglite);
await pglite.query('CREATE TABLE IF NOT EXISTS bench_upsert (k text PRIMARY KEY, v bigint NOT NULL)');
await measure('PGlite (embedded)', async () => postgresStore({ client: pglite }), (w, i) =>
  pglite.query('INSERT INTO bench_upsert (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v WHERE bench_upsert.v < EXCLUDED.v', [`w${w}`, i]));
await pglite.close();

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test', max: 16 });
await migrate(pool);
await pool.query('CREATE TABLE IF NOT EXISTS bench_upsert (k text PRIMARY KEY, v bigint NOT NULL)');
await measure('PostgreSQL server (pg, pool of 16)', async () => postgresStore({ client: pool }), (w, i) =>
  pool.query('INSERT INTO bench_upsert (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v WHERE bench_upsert.v < EXCLUDED.v', [`w${w}-${process.pid}`, i]));
await pool.query('DROP TABLE bench_upsert');
await pool.end();

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
await measure('Redis (ioredis, one connection)', async () => redisStore({ client: redis, prefix: `bench${process.pid}:` }), (w, i) =>
  redis.set(`benchraw${process.pid}:${w}:${i}`, '1', 'PX', 60_000, 'NX'));
redis.disconnect();

const lines = [
  `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores), ${new Date().toISOString().slice(0, 10)}; servers on loopback`,
  '',
  '| store | concurrency | guarded logins/s | raw store ops/s | guarded ÷ raw |',
  '| --- | ---: | ---: | ---: | ---: |',
  ...rows.map((r) => `| ${r.name} | ${r.n} | ${r.guarded.toFixed(0)} | ${r.raw === undefined ? '—' : r.raw.toFixed(0)} | ${r.raw === undefined ? '—' : (r.guarded / r.raw).toFixed(2)} |`),
];
console.log(lines.join('\n'));
if (args.includes('--readme')) {
  const readme = join(root, 'README.md');
  const text = readFileSync(readme, 'utf8');
  const updated = text.replace(/<!-- guard-bench:start -->[\s\S]*?<!-- guard-bench:end -->/, `<!-- guard-bench:start -->\n${lines.join('\n')}\n<!-- guard-bench:end -->`);
  if (updated === text) throw new Error('README.md has no guard-bench markers');
  writeFileSync(readme, updated);
}
