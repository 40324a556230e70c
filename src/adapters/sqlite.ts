/**
 * `totpkit/sqlite`: a {@link GuardStore} on SQLite, the embedded database of a single server, for
 * `better-sqlite3` (use 12.x on Node 20), `node:sqlite`'s `DatabaseSync` (Node 22.5+, Deno) and
 * `bun:sqlite`'s `Database` (Bun): anything whose `prepare(sql)` gives a statement with synchronous
 * `get(...values)` and `run(...values)`, and that has `exec(sql)`.
 *
 * Each attempt is **one `BEGIN IMMEDIATE` transaction**: it takes the database's write lock first,
 * so attempts from every process sharing the file are settled one after another, then runs the
 * settle statement (an upsert that writes nothing for a locked credential) and, for a locked one,
 * the read that answers it. Use WAL mode (`PRAGMA journal_mode = WAL`) with several processes.
 *
 * SQLite waits for a busy lock synchronously, blocking the event loop, so the guard's deadline
 * cannot interrupt it: the store sets `PRAGMA busy_timeout` on the connection to `busyTimeoutMs`
 * (1000 by default), inside the guard's default 2 s deadline. Past it SQLite reports SQLITE_BUSY and
 * the guard answers `storage`.
 *
 * **Durability.** A commit is on disk once `settle` returns, with the default `synchronous = FULL`
 * (or `NORMAL` in WAL mode, which can lose the last commits on a power failure, not on a crash of
 * the process). There is no replication, so no failover to lose anything to.
 *
 * @module totpkit/sqlite
 */
import { DEFAULT_SQLITE_BUSY_TIMEOUT_MS, DEFAULT_SQLITE_PREFIX, MAX_GUARD_TIMEOUT_MS } from '../constants.js';
import type { GuardStore, SettleRequest, SettleResult } from '../guard/store.js';
import { integerOption, optionsObject, typeError } from '../internal/assert.js';
import { credentialId } from '../internal/text.js';
import { sqliteAnswer, sqliteSchema, sqliteStatements, sqliteValues } from './sqlite-statement.js';
import { checkTablePrefix } from './prefix.js';

export { DEFAULT_SQLITE_BUSY_TIMEOUT_MS, DEFAULT_SQLITE_PREFIX } from '../constants.js';

/** A prepared statement: better-sqlite3, `node:sqlite` and `bun:sqlite` all have these. */
export interface SqliteStatement {
  /** The first row (`undefined` or `null` for none). */
  get(...values: unknown[]): unknown;
  /** Runs it for its effect (an INSERT, a DELETE); gives what the client gives (changes). */
  run(...values: unknown[]): unknown;
}

/** What the store needs of a database connection. */
export interface SqliteDatabase {
  /** Compiles a statement (once per store; the connection keeps its plan). */
  prepare(sql: string): SqliteStatement;
  /** Runs SQL without results (`BEGIN IMMEDIATE`, `COMMIT`, the schema, a pragma). */
  exec(sql: string): unknown;
}

/** Options of {@link sqliteStore}. */
export interface SqliteStoreOptions {
  /** An open connection: `new Database(file)` (better-sqlite3, bun:sqlite) or `new DatabaseSync(file)`. */
  database: SqliteDatabase;
  /** Table name prefix, `totpkit_` by default: the table is `<prefix>guard`. */
  prefix?: string;
  /** How long to wait for another connection's write lock, ms, 1000 by default (10..60 000). */
  busyTimeoutMs?: number;
}

/** The connection, checked: a D1 database (asynchronous) has its own store. */
function checkDatabase(value: unknown): SqliteDatabase {
  const d = value as Partial<SqliteDatabase> & { batch?: unknown };
  if (typeof d !== 'object' || d === null || typeof d.prepare !== 'function' || typeof d.exec !== 'function')
    throw typeError('database', 'a SQLite connection with prepare() and exec()', value);
  if (typeof d.batch === 'function')
    throw typeError('database', 'a synchronous SQLite connection (for Cloudflare D1, use d1Store)', value);
  return d as SqliteDatabase;
}

/**
 * Create the table if it does not exist.
 *
 * @param database - the connection
 * @param prefix - table name prefix
 * @throws TypeError `ERR_INVALID_ARG_TYPE` / RangeError `ERR_OUT_OF_RANGE` for a bad database or prefix
 */
export function migrate(database: SqliteDatabase, prefix = DEFAULT_SQLITE_PREFIX): void {
  checkDatabase(database).exec(sqliteSchema(checkTablePrefix(prefix)));
}

/**
 * Delete rows in which nothing matters any more. Run it from a periodic job; correctness never
 * depends on it.
 *
 * @param database - the connection
 * @param now - epoch ms
 * @param prefix - table name prefix
 * @returns rows deleted
 */
export function purgeExpired(database: SqliteDatabase, now: number, prefix = DEFAULT_SQLITE_PREFIX): number {
  const p = checkTablePrefix(prefix);
  const r = checkDatabase(database).prepare(`DELETE FROM ${p}guard WHERE expires_at <= ?`).run(now) as {
    changes?: number | bigint;
  };
  return Number(r?.changes ?? 0);
}

/**
 * Create a SQLite-backed {@link GuardStore}. Call {@link migrate} once first.
 *
 * @param options - `database`, `prefix`, `busyTimeoutMs`
 * @returns the store
 * @throws TypeError `ERR_INVALID_ARG_TYPE` for a database that is not a synchronous SQLite connection
 * @throws RangeError `ERR_OUT_OF_RANGE` for a prefix that is not a plain identifier, or a bad busyTimeoutMs
 * @example
 * ```ts
 * import Database from 'better-sqlite3'
 * const database = new Database('guard.db')
 * database.pragma('journal_mode = WAL')
 * migrate(database)
 * const store = sqliteStore({ database })
 * ```
 */
export function sqliteStore(options: SqliteStoreOptions): GuardStore {
  const opts = optionsObject('options', options, true);
  const database = checkDatabase(opts.database);
  const prefix = opts.prefix === undefined ? DEFAULT_SQLITE_PREFIX : checkTablePrefix(opts.prefix);
  const busyTimeoutMs = integerOption(
    'busyTimeoutMs',
    opts.busyTimeoutMs,
    DEFAULT_SQLITE_BUSY_TIMEOUT_MS,
    10,
    MAX_GUARD_TIMEOUT_MS,
  );
  database.exec(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
  const { settle, read } = sqliteStatements(prefix);
  // Prepared once; the connection keeps their plans.
  const upsert = database.prepare(settle.text);
  const select = database.prepare(read.text);

  return {
    async settle(id: string, r: SettleRequest): Promise<SettleResult> {
      credentialId('credentialId', id);
      database.exec('BEGIN IMMEDIATE');
      try {
        const settled = upsert.get(...sqliteValues(settle, id, r)) as Record<string, unknown> | null | undefined;
        const row = settled ?? (select.get(...sqliteValues(read, id, r)) as Record<string, unknown> | null | undefined);
        const answer = sqliteAnswer(settled, row, r.maxFailures);
        database.exec('COMMIT');
        return answer;
      } catch (error) {
        try {
          database.exec('ROLLBACK');
        } catch {
          // no transaction left to roll back (BEGIN or COMMIT itself failed)
        }
        throw error;
      }
    },
  };
}
