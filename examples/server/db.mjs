// Storage for the example server: PGlite (an embedded PostgreSQL persisted to a folder) by default,
// or the PostgreSQL server at DATABASE_URL. The guard's store lives in the same database, or in
// Redis when REDIS_URL is set.
//
// Start-up problems (a server that is down, a wrong database name, a URL that is not one) become a
// StartupError with one line that names the address but never the password; server.mjs prints it
// and exits. Outages later on are logged once per outage, not once per reconnection attempt.
import { migrate, postgresStore } from 'totpkit/postgres';
import { redisStore } from 'totpkit/redis';

/** A jsonb value as read: node-postgres and PGlite hand it over parsed; text is parsed here. */
export const fromJsonb = (value) => (typeof value === 'string' ? JSON.parse(value) : value);

/** An error the server reports as one line before exiting. */
export class StartupError extends Error {}

/** `host:port/database` of a connection URL: enough to find the problem, no user or password. */
export function describeUrl(url) {
  try {
    const u = new URL(url);
    return `${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname.length > 1 ? u.pathname : ''}`;
  } catch {
    return '(not a URL)';
  }
}

const REASONS = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  '3D000': 'no such database',
  '28P01': 'wrong password',
  28000: 'access refused',
};
/** The short reason of an error: its code (explained when known), or the first line of its message. */
export function reasonOf(error) {
  const code = error?.code;
  if (typeof code === 'string') return REASONS[code] ? `${REASONS[code]} (${code})` : code;
  return String(error?.message ?? error)
    .split('\n')[0]
    .slice(0, 120);
}

/**
 * Logs the first error of an outage and the recovery, nothing in between: a client that retries
 * every 200 ms would otherwise write a line per retry.
 */
function outageLogger(log, name) {
  let down = false;
  return {
    error(error) {
      if (down) return;
      down = true;
      log(`${name}: unavailable (${reasonOf(error)})`);
    },
    ready() {
      if (!down) return;
      down = false;
      log(`${name}: available again`);
    },
  };
}

export async function openStorage({ dataDir, databaseUrl, redisUrl, log }) {
  let db;
  let close;
  if (databaseUrl) {
    try {
      new URL(databaseUrl);
    } catch {
      throw new StartupError('DATABASE_URL is not a valid URL');
    }
    const { default: pg } = await import('pg');
    db = new pg.Pool({
      connectionString: databaseUrl,
      max: 8,
      connectionTimeoutMillis: 2000,
      query_timeout: 5000,
      keepAlive: true,
    });
    const outage = outageLogger(log, 'postgres');
    db.on('error', (error) => outage.error(error)); // an idle client lost its server
    db.on('connect', () => outage.ready());
    close = () => db.end();
    try {
      await db.query('SELECT 1');
    } catch (error) {
      await db.end().catch(() => {});
      throw new StartupError(`cannot open the database at ${describeUrl(databaseUrl)}: ${reasonOf(error)}`);
    }
  } else {
    const { PGlite } = await import('@electric-sql/pglite');
    try {
      db = await PGlite.create(dataDir);
    } catch (error) {
      throw new StartupError(`cannot open the embedded database in ${dataDir}: ${reasonOf(error)}`);
    }
    close = () => db.close();
  }
  await migrate(db);
  for (const statement of SCHEMA) await db.query(statement);
  let store = postgresStore({ client: db });
  if (redisUrl) {
    const { Redis } = await import('ioredis');
    // Fail fast: a command waits for at most one reconnection and is not queued while offline, so
    // an outage shows up as an error within the guard's deadline instead of a growing queue.
    const client = new Redis(redisUrl, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      connectTimeout: 2000,
      commandTimeout: 1500,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    });
    const outage = outageLogger(log, 'redis');
    let first;
    let started = false;
    client.on('error', (error) => {
      first ??= error;
      if (started) outage.error(error); // before that, the start-up message says it
    });
    client.on('ready', () => outage.ready());
    try {
      await client.connect();
    } catch (error) {
      client.disconnect();
      await close();
      throw new StartupError(`cannot reach Redis at ${describeUrl(redisUrl)}: ${reasonOf(first ?? error)}`);
    }
    started = true;
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
  // Sessions of earlier versions of this example (keyed by the raw id) are dropped: everyone logs in again.
  `DO $$ BEGIN
     IF EXISTS (SELECT 1 FROM information_schema.columns
                WHERE table_name = 'example_sessions' AND column_name = 'id') THEN
       DROP TABLE example_sessions;
     END IF;
   END $$`,
  `CREATE TABLE IF NOT EXISTS example_users (
     id serial PRIMARY KEY, username text UNIQUE NOT NULL, password text NOT NULL,
     credential jsonb, enrollment jsonb, recovery jsonb, created_at bigint NOT NULL)`,
  // Sessions are looked up by the SHA-256 of their id: a copy of this table opens no session.
  `CREATE TABLE IF NOT EXISTS example_sessions (
     id_hash text PRIMARY KEY, user_id integer, stage text NOT NULL, csrf text NOT NULL,
     enrollment_token text, recovery_stash text,
     created_at bigint NOT NULL, stage_at bigint NOT NULL, seen_at bigint NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS example_sessions_user ON example_sessions (user_id)`,
  // The sweep of stale sessions that runs when a new one starts reads this, not the whole table.
  `CREATE INDEX IF NOT EXISTS example_sessions_seen ON example_sessions (seen_at)`,
  `CREATE TABLE IF NOT EXISTS example_audit (
     id serial PRIMARY KEY, user_id integer, event jsonb NOT NULL, at bigint NOT NULL)`,
  // One totpkit/account record per user (accounts.mjs); the three columns above are read once from
  // rows of earlier versions and cleared by the account's first write.
  `ALTER TABLE example_users ADD COLUMN IF NOT EXISTS account jsonb`,
  // The notices of account changes, written in the same statement as the change: the outbox a
  // real server would mail from.
  `CREATE TABLE IF NOT EXISTS example_notices (
     id serial PRIMARY KEY, user_id integer NOT NULL, notice jsonb NOT NULL, at bigint NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS example_notices_user ON example_notices (user_id, id)`,
  // Credentials stored before totpkit renamed Credential.drift to delta.
  `UPDATE example_users SET credential = (credential - 'drift') || jsonb_build_object('delta', credential->'drift')
     WHERE credential ? 'drift'`,
];
