/**
 * `totpkit/postgres`: a {@link GuardStore} on PostgreSQL, for `pg` (Pool or Client), PGlite, and
 * anything else with the same `query(text, params) → { rows }` shape.
 *
 * Every operation is a single `INSERT … ON CONFLICT DO UPDATE … WHERE …` statement. Under READ
 * COMMITTED, PostgreSQL locks the conflicting row and re-checks the `WHERE` against its newest
 * version, so two concurrent writers cannot both pass the guard; under SERIALIZABLE the loser gets
 * a serialization failure, which the adapter retries a few times and otherwise reports (the guard
 * then fails closed). Times are `bigint` epoch milliseconds from the guard's clock.
 *
 * @module
 */
import { DEFAULT_POSTGRES_PREFIX, DEFAULT_POSTGRES_RETRIES, MAX_POSTGRES_RETRIES } from '../constants.js';
import type { AttemptResult, GuardStore } from '../guard/store.js';
import { integerOption, optionsObject, rangeError, typeError } from '../internal/assert.js';

/** What the adapter needs of a database client. */
export interface Queryable {
  query(text: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/** Options of {@link postgresStore}. */
export interface PostgresStoreOptions {
  client: Queryable;
  /** Table name prefix, `totpkit_` by default: tables `<prefix>steps`, `<prefix>failures`, `<prefix>once`. */
  prefix?: string;
  /** Retries after a serialization failure or deadlock (SQLSTATE 40001/40P01), 5 by default. */
  retries?: number;
}

const IDENT = /^[a-z_][a-z0-9_]{0,40}$/;

/** A table-name prefix: interpolated into SQL, so only a plain lower-case identifier is accepted. */
function checkPrefix(prefix: unknown): string {
  if (typeof prefix !== 'string') throw typeError('prefix', 'a string', prefix);
  if (!IDENT.test(prefix)) throw rangeError('"prefix" must be a lower-case SQL identifier prefix');
  return prefix;
}

/**
 * The schema, as SQL. Run it once (or let {@link migrate} do it); it is idempotent.
 *
 * @param prefix - table name prefix, `totpkit_` by default
 * @returns `CREATE TABLE IF NOT EXISTS …` statements
 */
export function schemaSql(prefix = DEFAULT_POSTGRES_PREFIX): string {
  checkPrefix(prefix);
  return `
CREATE TABLE IF NOT EXISTS ${prefix}steps (
  credential_id text PRIMARY KEY,
  last_step bigint NOT NULL,
  expires_at bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS ${prefix}failures (
  credential_id text PRIMARY KEY,
  failures integer NOT NULL,
  expires_at bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS ${prefix}once (
  credential_id text NOT NULL,
  item text NOT NULL,
  expires_at bigint NOT NULL,
  PRIMARY KEY (credential_id, item)
);
CREATE INDEX IF NOT EXISTS ${prefix}steps_expires ON ${prefix}steps (expires_at);
CREATE INDEX IF NOT EXISTS ${prefix}failures_expires ON ${prefix}failures (expires_at);
CREATE INDEX IF NOT EXISTS ${prefix}once_expires ON ${prefix}once (expires_at);
`;
}

/**
 * Create the tables if they do not exist. Statements are sent one by one, which both `pg` and
 * PGlite accept.
 *
 * @param client - a `pg` Pool/Client or PGlite
 * @param prefix - table name prefix
 */
export async function migrate(client: Queryable, prefix = DEFAULT_POSTGRES_PREFIX): Promise<void> {
  for (const statement of schemaSql(prefix).split(';').map((s) => s.trim()).filter(Boolean)) await client.query(statement);
}

/**
 * Delete expired rows (steps whose window has passed, old failure counters, old single-use marks).
 * Run it from a periodic job; correctness never depends on it.
 *
 * @param client - the database client
 * @param now - epoch ms
 * @param prefix - table name prefix
 * @returns rows deleted
 */
export async function purgeExpired(client: Queryable, now: number, prefix = DEFAULT_POSTGRES_PREFIX): Promise<number> {
  checkPrefix(prefix);
  let deleted = 0;
  for (const table of ['steps', 'failures', 'once']) {
    const r = await client.query(`DELETE FROM ${prefix}${table} WHERE expires_at <= $1 RETURNING 1 AS x`, [now]);
    deleted += r.rows.length;
  }
  return deleted;
}

/**
 * Create a PostgreSQL-backed {@link GuardStore}. Call {@link migrate} once first.
 *
 * @param options - `client`, `prefix`, `retries`
 * @returns the store
 * @throws TypeError `ERR_INVALID_ARG_TYPE` when `client` has no `query`
 * @example
 * ```ts
 * import pg from 'pg'
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL })
 * await migrate(pool)
 * const store = postgresStore({ client: pool })
 * ```
 */
export function postgresStore(options: PostgresStoreOptions): GuardStore {
  const opts = optionsObject('options', options, true);
  const client = opts.client as Queryable;
  if (typeof client !== 'object' || client === null || typeof client.query !== 'function') throw typeError('client', 'an object with query()', client);
  const p = opts.prefix === undefined ? DEFAULT_POSTGRES_PREFIX : checkPrefix(opts.prefix);
  const retries = integerOption('retries', opts.retries, DEFAULT_POSTGRES_RETRIES, 0, MAX_POSTGRES_RETRIES);

  const query = async (text: string, params: unknown[]): Promise<Record<string, unknown>[]> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return (await client.query(text, params)).rows;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if ((code !== '40001' && code !== '40P01') || attempt >= retries) throw error;
      }
    }
  };

  const consumeStep = `
    INSERT INTO ${p}steps AS s (credential_id, last_step, expires_at) VALUES ($1, $2, $4)
    ON CONFLICT (credential_id) DO UPDATE SET last_step = EXCLUDED.last_step, expires_at = EXCLUDED.expires_at
    WHERE s.last_step < EXCLUDED.last_step OR s.expires_at <= $3
    RETURNING 1 AS ok`;
  const acquire = `
    INSERT INTO ${p}failures AS f (credential_id, failures, expires_at) VALUES ($1, 1, $4)
    ON CONFLICT (credential_id) DO UPDATE
      SET failures = CASE WHEN f.expires_at <= $3 THEN 1 ELSE f.failures + 1 END, expires_at = EXCLUDED.expires_at
    WHERE f.expires_at <= $3 OR f.failures < $2
    RETURNING failures`;
  const lockInfo = `SELECT failures, expires_at FROM ${p}failures WHERE credential_id = $1`;
  const consumeOnce = `
    INSERT INTO ${p}once AS o (credential_id, item, expires_at) VALUES ($1, $2, $4)
    ON CONFLICT (credential_id, item) DO UPDATE SET expires_at = EXCLUDED.expires_at
    WHERE o.expires_at <= $3
    RETURNING 1 AS ok`;

  return {
    async consumeStep(id, step, now, expiresAt) {
      return (await query(consumeStep, [id, step, now, expiresAt])).length === 1;
    },
    async acquireAttempt(id, limit, now, expiresAt): Promise<AttemptResult> {
      const rows = await query(acquire, [id, limit, now, expiresAt]);
      if (rows.length === 1) return { allowed: true, failures: Number(rows[0]!.failures), resetAt: expiresAt };
      const info = (await query(lockInfo, [id]))[0];
      return { allowed: false, failures: Number(info?.failures ?? limit), resetAt: Number(info?.expires_at ?? expiresAt) };
    },
    async resetFailures(id) {
      await query(`DELETE FROM ${p}failures WHERE credential_id = $1`, [id]);
    },
    async consumeOnce(id, item, now, expiresAt) {
      return (await query(consumeOnce, [id, item, now, expiresAt])).length === 1;
    },
  };
}
