/**
 * Real services for the adapter tests: the Redis at REDIS_URL and the PostgreSQL at DATABASE_URL
 * (defaults: the loopback servers), and an embedded PGlite. Missing servers skip with a printed
 * reason, or fail the run under CI=true.
 */
import { PGlite } from '@electric-sql/pglite';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createClient } from 'redis';
import { haveTool, inCI } from './helpers.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function probe(name: string, url: string, check: () => Promise<void>): Promise<boolean> {
  try {
    await check();
    return true;
  } catch (error) {
    const reason = `${name} at ${url.replace(/\/\/[^@/]*@/, '//')} is not reachable (${(error as Error).message})`;
    if (inCI) throw new Error(`${reason}: required under CI=true`);
    console.warn(`skipping ${name} tests: ${reason}`);
    return false;
  }
}

export function ioredisClient(): Redis {
  return new Redis(REDIS_URL, {
    lazyConnect: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    enableOfflineQueue: true,
  });
}

export async function nodeRedisClient() {
  const client = createClient({ url: REDIS_URL, socket: { connectTimeout: 2000, reconnectStrategy: false } });
  await client.connect();
  return client;
}

export function pgPool(max = 8, isolation?: 'serializable', connectionTimeoutMillis = 3000): pg.Pool {
  // A startup option sets the isolation level on every connection before its first query.
  const options = isolation === undefined ? undefined : `-c default_transaction_isolation=${isolation}`;
  return new pg.Pool({ connectionString: DATABASE_URL, max, connectionTimeoutMillis, options });
}

export async function pglite(): Promise<PGlite> {
  return PGlite.create();
}

export const haveRedis = await probe('Redis', REDIS_URL, async () => {
  const c = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    retryStrategy: () => null,
  });
  try {
    await c.connect();
    await c.ping();
  } finally {
    c.disconnect();
  }
});

export const havePostgres = await probe('PostgreSQL', DATABASE_URL, async () => {
  const c = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2000 });
  await c.connect();
  await c.end();
});

/**
 * Whether this machine can start private Redis and PostgreSQL servers (Redis Cluster, fault
 * tests): redis-server, redis-cli and PostgreSQL's initdb/pg_ctl. Missing: skipped with a reason,
 * or a failure under CI=true (see haveTool).
 */
export const haveRedisBinaries =
  haveTool('redis-server', '--version', 'apt-get install redis-server') &&
  haveTool('redis-cli', '--version', 'apt-get install redis-tools');
