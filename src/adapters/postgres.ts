/**
 * `totpkit/postgres`: a {@link GuardStore} on PostgreSQL, for `pg` (Pool or Client), PGlite, and
 * anything else with the same `query(text, params) → { rows }` shape.
 *
 * Each attempt is **one statement**: a call of the function `<prefix>settle(…)` that {@link migrate}
 * creates, which runs one `INSERT … ON CONFLICT DO UPDATE` on the credential's row in
 * `<prefix>guard`; the update reads the locked row and settles the attempt in place (locked,
 * accepted, or counted). Under READ COMMITTED, PostgreSQL locks the conflicting row and evaluates
 * the update against its newest version, so concurrent attempts for one credential are settled one
 * after another. Under REPEATABLE READ or SERIALIZABLE the loser of a race gets a serialization
 * failure instead; the adapter retries it with jittered exponential back-off (the statement is
 * atomic, so a retry can never apply twice) until it succeeds, the retry budget is spent, or the
 * guard stops waiting. Times are `bigint` epoch milliseconds from the guard's clock.
 *
 * @module totpkit/postgres
 */
import { DEFAULT_POSTGRES_PREFIX, DEFAULT_POSTGRES_RETRIES, MAX_POSTGRES_RETRIES } from '../constants.js';
import type { GuardStore, SettleRequest, SettleResult } from '../guard/store.js';
import { integerOption, optionsObject, typeError } from '../internal/assert.js';
import { booleanOption } from '../internal/options.js';
import { checkTablePrefix } from './prefix.js';
import { retryPause } from './retry.js';
import { credentialId } from '../internal/text.js';

export { DEFAULT_POSTGRES_PREFIX, DEFAULT_POSTGRES_RETRIES, MAX_POSTGRES_RETRIES } from '../constants.js';

/** What the adapter needs of a database client. */
export interface Queryable {
  /** Runs one parameterized statement (`$1`, `$2`, …) and gives its rows, as `pg` and PGlite do. */
  query(text: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/** A client that also takes node-postgres' query config, which prepares a statement by name. */
interface NamedQueryable {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: Record<string, unknown>[] }>;
}

/**
 * Whether `client` is node-postgres (a `pg` Pool or Client): it has `connect` and `on`, and is not
 * PGlite (which has `waitReady`). Only a guess for the default; the `prepared` option decides.
 */
function isNodePostgres(client: object): boolean {
  const c = client as { connect?: unknown; on?: unknown; waitReady?: unknown };
  return typeof c.connect === 'function' && typeof c.on === 'function' && c.waitReady === undefined;
}

/** Options of {@link postgresStore}. */
export interface PostgresStoreOptions {
  client: Queryable;
  /** Table name prefix, `totpkit_` by default: the table is `<prefix>guard`. */
  prefix?: string;
  /**
   * Retries after a serialization failure or deadlock (SQLSTATE 40001/40P01), 0..100, 30 by default; the guard's
   * deadline stops them sooner.
   */
  retries?: number;
  /**
   * Send the settle statement as a named prepared statement (`query({ name, text, values })`, as
   * node-postgres takes it) instead of calling the `<prefix>settle` function. By default `true` for
   * a node-postgres Pool or Client, `false` for anything else (PGlite, custom clients).
   */
  prepared?: boolean;
}

/** The settle statement's arguments, in order, with their SQL types. */
const SETTLE_ARGS = [
  ['id', 'text'],
  ['now', 'bigint'],
  ['lock_until', 'bigint'],
  ['verified', 'boolean'],
  ['step', 'bigint'],
  ['step_expires_at', 'bigint'],
  ['item', 'text'],
  ['item_expires_at', 'bigint'],
  ['max_failures', 'integer'],
] as const;
type SettleArgs = Record<(typeof SETTLE_ARGS)[number][0], string>;
/** The arguments as PL/pgSQL parameters, and as typed placeholders of a prepared statement. */
const PLPGSQL_ARGS = Object.fromEntries(SETTLE_ARGS.map(([name]) => [name, `p_${name}`])) as SettleArgs;
const PREPARED_ARGS = Object.fromEntries(
  SETTLE_ARGS.map(([name, type], i) => [name, `$${i + 1}::${type}`]),
) as SettleArgs;

/**
 * The one statement that settles an attempt. Its heart is an INSERT … ON CONFLICT DO UPDATE whose
 * update computes the live failure count and the outcome once from the locked row `g` (every column
 * is a function of those two), and only when the credential is not locked: the update's WHERE
 * leaves a locked row as it is. A locked refusal therefore writes nothing, so under SERIALIZABLE
 * the refusals of a locked credential never conflict with each other (they rewrote the row once,
 * and each such rewrite made the others retry). The statement's outer SELECT answers `locked` from
 * the row as it reads it when the update did not run. Rendered once inside the PL/pgSQL function and
 * once as a prepared statement, from this single text.
 */
function settleStatement(prefix: string, a: SettleArgs): string {
  // Unexpired failures on the locked row, and how this attempt is settled: both read the old row
  // `g` only, so every column below is a function of the same two values.
  const live = `(CASE WHEN g.failures_expire_at > ${a.now} THEN g.failures ELSE 0 END)`;
  const st = `(CASE
        WHEN NOT ${a.verified} THEN 'failed'
        WHEN ${a.item} IS NOT NULL AND COALESCE((g.used ->> ${a.item})::bigint, 0) > ${a.now} THEN 'used'
        WHEN ${a.step} IS NOT NULL AND g.step_expires_at > ${a.now} AND g.last_step >= ${a.step} THEN 'replayed'
        ELSE 'accepted' END)`;
  return `    WITH settled AS (
    INSERT INTO ${prefix}guard AS g
      (credential_id, failures, failures_expire_at, last_step, step_expires_at, used, expires_at, outcome, cleared)
    VALUES (${a.id},
      CASE WHEN ${a.verified} THEN 0 ELSE 1 END,
      CASE WHEN ${a.verified} THEN 0 ELSE ${a.lock_until} END,
      CASE WHEN ${a.verified} AND ${a.step} IS NOT NULL THEN ${a.step} ELSE -1 END,
      CASE WHEN ${a.verified} AND ${a.step} IS NOT NULL THEN ${a.step_expires_at} ELSE 0 END,
      CASE WHEN ${a.verified} AND ${a.item} IS NOT NULL
        THEN jsonb_build_object(${a.item}, ${a.item_expires_at}) ELSE '{}'::jsonb END,
      CASE WHEN ${a.verified}
        THEN GREATEST(COALESCE(${a.step_expires_at}, 0), COALESCE(${a.item_expires_at}, 0)) ELSE ${a.lock_until} END,
      CASE WHEN ${a.verified} THEN 'accepted' ELSE 'failed' END,
      0)
    ON CONFLICT (credential_id) DO UPDATE SET
      failures = CASE ${st} WHEN 'accepted' THEN 0 ELSE ${live} + 1 END,
      failures_expire_at = CASE ${st} WHEN 'accepted' THEN 0 ELSE ${a.lock_until} END,
      last_step = CASE WHEN ${st} = 'accepted' AND ${a.step} IS NOT NULL THEN ${a.step} ELSE g.last_step END,
      step_expires_at = CASE WHEN ${st} = 'accepted' AND ${a.step} IS NOT NULL
        THEN ${a.step_expires_at} ELSE g.step_expires_at END,
      used = CASE WHEN ${st} = 'accepted' AND ${a.item} IS NOT NULL
        THEN g.used || jsonb_build_object(${a.item}, ${a.item_expires_at}) ELSE g.used END,
      expires_at = GREATEST(g.expires_at, CASE ${st}
        WHEN 'accepted' THEN GREATEST(COALESCE(${a.step_expires_at}, 0), COALESCE(${a.item_expires_at}, 0))
        ELSE ${a.lock_until} END),
      outcome = ${st},
      cleared = ${live}
    WHERE ${live} < ${a.max_failures}
    RETURNING g.outcome, g.failures, g.failures_expire_at, g.cleared)
    SELECT s.outcome, s.failures, s.failures_expire_at, s.cleared FROM settled s
    UNION ALL
    SELECT 'locked', GREATEST(g.failures, ${a.max_failures}), g.failures_expire_at, 0
      FROM ${prefix}guard g
      WHERE g.credential_id = ${a.id} AND NOT EXISTS (SELECT 1 FROM settled)
`;
}

/**
 * The schema, as SQL. Run it once (or let {@link migrate} do it); it is idempotent.
 *
 * @param prefix - table name prefix, `totpkit_` by default
 * @returns `CREATE TABLE IF NOT EXISTS …` statements
 */
export function schemaSql(prefix = DEFAULT_POSTGRES_PREFIX): string {
  return `${schemaStatements(prefix).join(';\n')};\n`;
}

/** The schema's statements, one by one (the function body holds semicolons of its own). */
function schemaStatements(prefix: string): string[] {
  checkTablePrefix(prefix);
  // One row per credential. `outcome` and `cleared` hold how the last attempt was settled, so the
  // settling statement can return it (RETURNING sees only the new row). No index but the primary
  // key, and room left on each page: every attempt rewrites the row, and with no other index on a
  // column it changes PostgreSQL can do that in place (a HOT update) instead of adding index
  // entries each time. purgeExpired scans, which is fine for a periodic job.
  //
  // The function `settle` wraps the settle statement for clients that cannot prepare statements by
  // name (PGlite, custom clients): PL/pgSQL keeps the statement's plan per session, where text sent
  // with parameters is planned on every call, which costs more than running it (about half of each
  // call on a PostgreSQL server, two thirds in PGlite). node-postgres prepares it by name instead,
  // which is cheaper still.
  return [
    `CREATE TABLE IF NOT EXISTS ${prefix}guard (
  credential_id text PRIMARY KEY,
  failures integer NOT NULL,
  failures_expire_at bigint NOT NULL,
  last_step bigint NOT NULL,
  step_expires_at bigint NOT NULL,
  used jsonb NOT NULL,
  expires_at bigint NOT NULL,
  outcome text NOT NULL,
  cleared integer NOT NULL
) WITH (fillfactor = 80)`,
    `CREATE OR REPLACE FUNCTION ${prefix}settle(${SETTLE_ARGS.map(([name, type]) => `p_${name} ${type}`).join(', ')})
RETURNS TABLE (outcome text, failures integer, failures_expire_at bigint, cleared integer)
LANGUAGE plpgsql AS $settle$
BEGIN
  RETURN QUERY
${settleStatement(prefix, PLPGSQL_ARGS)};
END
$settle$`,
  ];
}

/**
 * Create the tables if they do not exist. Statements are sent one by one, which both `pg` and
 * PGlite accept.
 *
 * @param client - a `pg` Pool/Client or PGlite
 * @param prefix - table name prefix
 */
export async function migrate(client: Queryable, prefix = DEFAULT_POSTGRES_PREFIX): Promise<void> {
  for (const statement of schemaStatements(prefix)) await client.query(statement);
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
  checkTablePrefix(prefix);
  const r = await client.query(`DELETE FROM ${prefix}guard WHERE expires_at <= $1 RETURNING 1 AS x`, [now]);
  return r.rows.length;
}

/**
 * Create a PostgreSQL-backed {@link GuardStore}. Call {@link migrate} once first.
 *
 * @param options - `client`, `prefix`, `retries`, `prepared`
 * @returns the store
 * @throws TypeError `ERR_INVALID_ARG_TYPE` when `client` has no `query`, or `prepared` is not a boolean
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
  if (typeof client !== 'object' || client === null || typeof client.query !== 'function')
    throw typeError('client', 'an object with query()', client);
  const p = opts.prefix === undefined ? DEFAULT_POSTGRES_PREFIX : checkTablePrefix(opts.prefix);
  const retries = integerOption('retries', opts.retries, DEFAULT_POSTGRES_RETRIES, 0, MAX_POSTGRES_RETRIES);

  const prepared = booleanOption('prepared', opts.prepared, isNodePostgres(client));
  const placeholders = SETTLE_ARGS.map((_, i) => `$${i + 1}`).join(', ');
  const text = prepared
    ? settleStatement(p, PREPARED_ARGS)
    : `SELECT outcome, failures, failures_expire_at, cleared FROM ${p}settle(${placeholders})`;
  // node-postgres prepares a named statement once per connection and reuses its plan.
  // (v2: the statement that writes nothing for a locked credential.)
  const name = `${p}settle_v2`;
  const run = (values: unknown[]) =>
    prepared ? (client as unknown as NamedQueryable).query({ name, text, values }) : client.query(text, values);

  return {
    async settle(id: string, r: SettleRequest): Promise<SettleResult> {
      credentialId('credentialId', id);
      const verified = r.verified === true;
      const step = verified ? r.step : undefined;
      const once = verified ? r.once : undefined;
      const params = [
        id,
        r.now,
        r.lockUntil,
        verified,
        step?.value ?? null,
        step?.expiresAt ?? null,
        once?.item ?? null,
        once?.expiresAt ?? null,
        r.maxFailures,
      ];
      for (let attempt = 0; ; attempt++) {
        try {
          const row = (await run(params)).rows[0];
          // No row: a locked row committed by another transaction after this statement's snapshot
          // (the update saw it, the read did not). Run the statement again, which sees it.
          if (row === undefined) {
            if (attempt >= retries || r.signal?.aborted === true) throw new Error('settle returned no row');
            continue;
          }
          const status = row.outcome as SettleResult['status'];
          if (status === 'accepted') return { status, clearedFailures: Number(row.cleared) };
          return { status, failures: Number(row.failures), retryAt: Number(row.failures_expire_at) };
        } catch (error) {
          const code = (error as { code?: unknown }).code;
          if ((code !== '40001' && code !== '40P01') || attempt >= retries || r.signal?.aborted === true) throw error;
          await retryPause(attempt);
        }
      }
    },
  };
}
