/**
 * `totpkit/postgres`: a {@link GuardStore} on PostgreSQL, for `pg` (Pool or Client), PGlite, and
 * anything else with the same `query(text, params) → { rows }` shape.
 *
 * Each attempt is **one statement**: an `INSERT … ON CONFLICT DO UPDATE` on the credential's row in
 * `<prefix>guard`, whose update reads the locked row and settles the attempt in place (locked,
 * accepted, or counted). Under READ COMMITTED, PostgreSQL locks the conflicting row and evaluates
 * the update against its newest version, so concurrent attempts for one credential are settled one
 * after another. Under REPEATABLE READ or SERIALIZABLE the loser of a race gets a serialization
 * failure instead; the adapter retries it with jittered exponential back-off (the statement is
 * atomic, so a retry can never apply twice) until it succeeds, the retry budget is spent, or the
 * guard stops waiting. Times are `bigint` epoch milliseconds from the guard's clock.
 *
 * @module
 */
import {
  DEFAULT_POSTGRES_PREFIX,
  DEFAULT_POSTGRES_RETRIES,
  MAX_POSTGRES_RETRIES,
  POSTGRES_RETRY_BASE_MS,
  POSTGRES_RETRY_MAX_MS,
} from '../constants.js';
import type { GuardStore, SettleRequest, SettleResult } from '../guard/store.js';
import { integerOption, optionsObject, rangeError, typeError } from '../internal/assert.js';

/** What the adapter needs of a database client. */
export interface Queryable {
  query(text: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/** Options of {@link postgresStore}. */
export interface PostgresStoreOptions {
  client: Queryable;
  /** Table name prefix, `totpkit_` by default: the table is `<prefix>guard`. */
  prefix?: string;
  /** Retries after a serialization failure or deadlock (SQLSTATE 40001/40P01), 0..100, 30 by default; the guard's deadline stops them sooner. */
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
  // One row per credential. `outcome` and `cleared` hold how the last attempt was settled, so the
  // settling statement can return it (RETURNING sees only the new row).
  return `
CREATE TABLE IF NOT EXISTS ${prefix}guard (
  credential_id text PRIMARY KEY,
  failures integer NOT NULL,
  failures_expire_at bigint NOT NULL,
  last_step bigint NOT NULL,
  step_expires_at bigint NOT NULL,
  used jsonb NOT NULL,
  expires_at bigint NOT NULL,
  outcome text NOT NULL,
  cleared integer NOT NULL
);
CREATE INDEX IF NOT EXISTS ${prefix}guard_expires ON ${prefix}guard (expires_at);
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
 * Delete rows in which nothing matters any more (the step's window has passed, the failures have
 * expired, every single-use mark has expired). Run it from a periodic job; correctness never
 * depends on it.
 *
 * @param client - the database client
 * @param now - epoch ms
 * @param prefix - table name prefix
 * @returns rows deleted
 */
export async function purgeExpired(client: Queryable, now: number, prefix = DEFAULT_POSTGRES_PREFIX): Promise<number> {
  checkPrefix(prefix);
  const r = await client.query(`DELETE FROM ${prefix}guard WHERE expires_at <= $1 RETURNING 1 AS x`, [now]);
  return r.rows.length;
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

  // $1 id, $2 now, $3 lockUntil, $4 verified, $5 step, $6 its expiry, $7 single-use item, $8 its
  // expiry, $9 maxFailures. The update's sub-select computes the live failure count and the
  // outcome once from the locked row `g`; every column is then a function of those two.
  const settle = `
    INSERT INTO ${p}guard AS g (credential_id, failures, failures_expire_at, last_step, step_expires_at, used, expires_at, outcome, cleared)
    VALUES ($1,
      CASE WHEN $4::boolean THEN 0 ELSE 1 END,
      CASE WHEN $4::boolean THEN 0 ELSE $3::bigint END,
      CASE WHEN $4::boolean AND $5::bigint IS NOT NULL THEN $5::bigint ELSE -1 END,
      CASE WHEN $4::boolean AND $5::bigint IS NOT NULL THEN $6::bigint ELSE 0 END,
      CASE WHEN $4::boolean AND $7::text IS NOT NULL THEN jsonb_build_object($7::text, $8::bigint) ELSE '{}'::jsonb END,
      CASE WHEN $4::boolean THEN GREATEST(COALESCE($6::bigint, 0), COALESCE($8::bigint, 0)) ELSE $3::bigint END,
      CASE WHEN $4::boolean THEN 'accepted' ELSE 'failed' END,
      0)
    ON CONFLICT (credential_id) DO UPDATE SET
      (failures, failures_expire_at, last_step, step_expires_at, used, expires_at, outcome, cleared) = (
        SELECT
          CASE s.st WHEN 'accepted' THEN 0 WHEN 'locked' THEN g.failures ELSE s.live + 1 END,
          CASE s.st WHEN 'accepted' THEN 0 WHEN 'locked' THEN g.failures_expire_at ELSE $3::bigint END,
          CASE WHEN s.st = 'accepted' AND $5::bigint IS NOT NULL THEN $5::bigint ELSE g.last_step END,
          CASE WHEN s.st = 'accepted' AND $5::bigint IS NOT NULL THEN $6::bigint ELSE g.step_expires_at END,
          CASE WHEN s.st = 'accepted' AND $7::text IS NOT NULL THEN g.used || jsonb_build_object($7::text, $8::bigint) ELSE g.used END,
          GREATEST(g.expires_at, CASE s.st
            WHEN 'accepted' THEN GREATEST(COALESCE($6::bigint, 0), COALESCE($8::bigint, 0))
            WHEN 'locked' THEN 0
            ELSE $3::bigint END),
          s.st,
          s.live
        FROM (
          SELECT l.live, CASE
            WHEN l.live >= $9::integer THEN 'locked'
            WHEN NOT $4::boolean THEN 'failed'
            WHEN $7::text IS NOT NULL AND COALESCE((g.used ->> $7::text)::bigint, 0) > $2::bigint THEN 'used'
            WHEN $5::bigint IS NOT NULL AND g.step_expires_at > $2::bigint AND g.last_step >= $5::bigint THEN 'replayed'
            ELSE 'accepted' END AS st
          FROM (SELECT CASE WHEN g.failures_expire_at > $2::bigint THEN g.failures ELSE 0 END AS live) AS l
        ) AS s)
    RETURNING outcome, failures, failures_expire_at, cleared`;

  return {
    async settle(id: string, r: SettleRequest): Promise<SettleResult> {
      const verified = r.verified === true;
      const step = verified ? r.step : undefined;
      const once = verified ? r.once : undefined;
      const params = [id, r.now, r.lockUntil, verified, step?.value ?? null, step?.expiresAt ?? null, once?.item ?? null, once?.expiresAt ?? null, r.maxFailures];
      for (let attempt = 0; ; attempt++) {
        try {
          const row = (await client.query(settle, params)).rows[0]!;
          const status = row.outcome as SettleResult['status'];
          if (status === 'accepted') return { status, clearedFailures: Number(row.cleared) };
          return { status, failures: Number(row.failures), resetAt: Number(row.failures_expire_at) };
        } catch (error) {
          const code = (error as { code?: unknown }).code;
          if ((code !== '40001' && code !== '40P01') || attempt >= retries || r.signal?.aborted === true) throw error;
          // Full jitter: racing losers spread out instead of colliding again in lock step.
          const ceiling = Math.min(POSTGRES_RETRY_MAX_MS, POSTGRES_RETRY_BASE_MS * 2 ** attempt);
          await new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
        }
      }
    },
  };
}
