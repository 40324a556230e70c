// Storage for the example server: PGlite (an embedded PostgreSQL persisted to a folder) by default,
// or the PostgreSQL server at DATABASE_URL. The guard's store lives in the same database, or in
// Redis when REDIS_URL is set.
import { migrate, postgresStore } from 'totpkit/postgres';
import { redisStore } from 'totpkit/redis';

export async function openStorage({ dataDir, databaseUrl, redisUrl }) {
  let db;
  let close;
  if (databaseUrl) {
    const { default: pg } = await import('pg');
    db = new pg.Pool({ connectionString: databaseUrl, max: 8, connectionTimeoutMillis: 2000, query_timeout: 5000, keepAlive: true });
    db.on('error', (error) => console.error(`postgres: ${error.code ?? error.message}`));
    close = () => db.end();
  } else {
    const { PGlite } = await import('@electric-sql/pglite');
    db = await PGlite.create(dataDir);
    close = () => db.close();
  }
  await migrate(db);
  for (const statement of SCHEMA) await db.query(statement);
  let store = postgresStore({ client: db });
  if (redisUrl) {
    const { Redis } = await import('ioredis');
    // Fail fast: a command waits for at most one reconnection and is not queued while offline, so
    // an outage shows up as an error within the guard's deadline instead of a growing queue.
    const client = new Redis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000, commandTimeout: 1500 });
    client.on('error', (error) => console.error(`redis: ${error.code ?? error.message}`));
    store = redisStore({ client });
    const closeDb = close;
    close = async () => {
      client.disconnect();
      await closeDb();
    };
  }
  return { db, store, close };
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS example_users (
     id serial PRIMARY KEY, username text UNIQUE NOT NULL, password text NOT NULL,
     credential jsonb, enrollment jsonb, recovery jsonb, created_at bigint NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS example_sessions (
     id text PRIMARY KEY, user_id integer, stage text NOT NULL, csrf text NOT NULL,
     enrollment_token text, flash text, created_at bigint NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS example_audit (
     id serial PRIMARY KEY, user_id integer, event jsonb NOT NULL, at bigint NOT NULL)`,
];
