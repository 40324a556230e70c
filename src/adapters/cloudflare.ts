/**
 * `totpkit/cloudflare`: the guard on Cloudflare Workers. Workers KV is eventually consistent and
 * cannot back a settle (two edges could both accept one code); D1 and Durable Objects can.
 *
 * - {@link d1Store}: one `batch` per settle on a D1 database: the settle statement (SQLite's
 *   dialect, shared with `totpkit/sqlite`; it writes nothing for a locked credential) and the read
 *   that answers a locked one, run by D1 as one transaction.
 * - {@link GuardObject} with {@link durableObjectStore}: one Durable Object per credential id,
 *   whose storage is strongly consistent and whose requests run one at a time; each settle is one
 *   request to the credential's object, which reads its record, settles and writes it back.
 *
 * Bindings in `wrangler.toml`:
 *
 * ```toml
 * [[d1_databases]]
 * binding = "GUARD_DB"
 * database_name = "totpkit-guard"
 * database_id = "…"
 *
 * [[durable_objects.bindings]]
 * name = "GUARD"
 * class_name = "GuardObject"
 *
 * [[migrations]]
 * tag = "v1"
 * new_classes = ["GuardObject"]
 * ```
 *
 * and `export { GuardObject } from 'totpkit/cloudflare'` from the Worker's main module.
 *
 * **Durability.** D1 commits a batch before it answers; Durable Object storage writes are durable
 * once the object's output gate opens (before its response leaves). Neither has a failover that loses
 * acknowledged writes (Cloudflare replicates them itself).
 *
 * @module totpkit/cloudflare
 */
import { DEFAULT_SQLITE_PREFIX } from '../constants.js';
import { type GuardRecord, settleRecord } from '../guard/record.js';
import type { GuardStore, SettleRequest, SettleResult } from '../guard/store.js';
import { optionsObject, typeError } from '../internal/assert.js';
import { credentialId } from '../internal/text.js';
import { sqliteAnswer, sqliteSchema, sqliteStatements, sqliteValues } from './sqlite-statement.js';
import { checkTablePrefix } from './prefix.js';

export { DEFAULT_SQLITE_PREFIX } from '../constants.js';

/** A D1 prepared statement, as far as the store uses it. */
export interface D1PreparedStatementLike {
  /** The statement with its `?` placeholders bound, in order. */
  bind(...values: unknown[]): D1PreparedStatementLike;
  /** Runs it (the schema, in `migrateD1`). */
  run(): Promise<unknown>;
}
/** A D1 database binding, as far as the store uses it. */
export interface D1DatabaseLike {
  /** A statement to bind and run, or to put in a batch. */
  prepare(sql: string): D1PreparedStatementLike;
  /** Runs statements as one transaction and gives each one's rows. */
  batch(statements: D1PreparedStatementLike[]): Promise<{ results?: Record<string, unknown>[] }[]>;
}

/** Options of {@link d1Store}. */
export interface D1StoreOptions {
  /** The D1 binding (`env.GUARD_DB`). */
  database: D1DatabaseLike;
  /** Table name prefix, `totpkit_` by default: the table is `<prefix>guard`. */
  prefix?: string;
}

function checkD1(value: unknown): D1DatabaseLike {
  const d = value as Partial<D1DatabaseLike>;
  if (typeof d !== 'object' || d === null || typeof d.prepare !== 'function' || typeof d.batch !== 'function')
    throw typeError('database', 'a D1 database binding (with prepare() and batch())', value);
  return d as D1DatabaseLike;
}

/**
 * Create the D1 table if it does not exist (or put the same `CREATE TABLE` in a D1 migration).
 *
 * @param database - the D1 binding
 * @param prefix - table name prefix
 */
export async function migrateD1(database: D1DatabaseLike, prefix = DEFAULT_SQLITE_PREFIX): Promise<void> {
  await checkD1(database)
    .prepare(sqliteSchema(checkTablePrefix(prefix)))
    .run();
}

/**
 * Create a D1-backed {@link GuardStore}. Call {@link migrateD1} once first.
 *
 * @param options - `database`, `prefix`
 * @returns the store
 * @throws TypeError `ERR_INVALID_ARG_TYPE` for something that is not a D1 binding
 * @throws RangeError `ERR_OUT_OF_RANGE` for a prefix that is not a plain identifier
 * @example
 * ```ts
 * const verifier = createVerifier({ store: d1Store({ database: env.GUARD_DB }), keyring })
 * ```
 */
export function d1Store(options: D1StoreOptions): GuardStore {
  const opts = optionsObject('options', options, true);
  const database = checkD1(opts.database);
  const prefix = opts.prefix === undefined ? DEFAULT_SQLITE_PREFIX : checkTablePrefix(opts.prefix);
  const { settle, read } = sqliteStatements(prefix);
  return {
    async settle(id: string, r: SettleRequest): Promise<SettleResult> {
      credentialId('credentialId', id);
      const [settled, row] = await database.batch([
        database.prepare(settle.text).bind(...sqliteValues(settle, id, r)),
        database.prepare(read.text).bind(...sqliteValues(read, id, r)),
      ]);
      return sqliteAnswer(settled?.results?.[0], row?.results?.[0], r.maxFailures);
    },
  };
}

// ---- Durable Objects ------------------------------------------------------------------------------

/** The storage of a Durable Object, as far as {@link GuardObject} uses it. */
export interface DurableObjectStorageLike {
  /** The stored value under `key`, or `undefined`. */
  get(key: string): Promise<unknown>;
  /** Stores `value` under `key`. */
  put(key: string, value: unknown): Promise<void>;
  /** Deletes `key`. */
  delete(key: string): Promise<boolean>;
  /** Wakes the object at `time` (epoch ms) to forget an expired record. */
  setAlarm?(time: number): Promise<void>;
}
/** A Durable Object namespace binding, as far as {@link durableObjectStore} uses it. */
export interface DurableObjectNamespaceLike {
  /** The id of the object named `name` (the credential id). */
  idFromName(name: string): unknown;
  /** A stub to send the object requests. */
  get(id: unknown): {
    /** Sends the object one request. */
    fetch(input: string, init?: RequestInit): Promise<Response>;
  };
}

const RECORD = 'guard';
const SETTLE_URL = 'https://totpkit.guard/settle';

/**
 * The Durable Object class behind {@link durableObjectStore}: one object per credential id, holding
 * that credential's record. Export it from your Worker's main module under the `class_name` of the
 * binding. Requests to one object run one at a time, and storage operations close its input gate,
 * so reading the record, settling and writing it back is atomic.
 */
export class GuardObject {
  readonly #storage: DurableObjectStorageLike;

  /**
   * @param state - the object's state (`ctx`), with its `storage`
   * @param _env - the Worker's environment (unused)
   */
  constructor(state: { storage: DurableObjectStorageLike }, _env?: unknown) {
    this.#storage = state.storage;
  }

  /**
   * One settle: `POST` of the request as JSON, answered with the result as JSON.
   *
   * @param request - from {@link durableObjectStore}
   * @returns the settle result
   */
  async fetch(request: Request): Promise<Response> {
    if (request.method !== 'POST') return new Response('method not allowed', { status: 405 });
    const r = (await request.json()) as SettleRequest;
    const stored = (await this.#storage.get(RECORD)) as GuardRecord | undefined;
    const s = settleRecord(stored, r);
    if (s.record === null) await this.#storage.delete(RECORD);
    else if (s.record !== undefined) {
      await this.#storage.put(RECORD, s.record);
      // Forget the record when nothing in it matters any more (an alarm deletes it then).
      await this.#storage.setAlarm?.(s.expiresAt);
    }
    return Response.json(s.result);
  }

  /** The alarm set at a record's expiry: delete it unless it has been renewed since. */
  async alarm(): Promise<void> {
    const stored = (await this.#storage.get(RECORD)) as GuardRecord | undefined;
    if (stored === undefined) return;
    const expiresAt = Math.max(stored.failuresExpireAt, stored.stepExpiresAt, ...Object.values(stored.used));
    if (expiresAt <= Date.now()) await this.#storage.delete(RECORD);
  }
}

/** Options of {@link durableObjectStore}. */
export interface DurableObjectStoreOptions {
  /** The namespace binding of {@link GuardObject} (`env.GUARD`). */
  namespace: DurableObjectNamespaceLike;
}

/**
 * Create a {@link GuardStore} on Durable Objects: each settle is one request to the object named
 * after the credential id.
 *
 * @param options - `namespace`
 * @returns the store
 * @throws TypeError `ERR_INVALID_ARG_TYPE` for something that is not a Durable Object namespace
 * @example
 * ```ts
 * export { GuardObject } from 'totpkit/cloudflare'
 * const verifier = createVerifier({ store: durableObjectStore({ namespace: env.GUARD }), keyring })
 * ```
 */
export function durableObjectStore(options: DurableObjectStoreOptions): GuardStore {
  const opts = optionsObject('options', options, true);
  const namespace = opts.namespace as DurableObjectNamespaceLike;
  if (
    typeof namespace !== 'object' ||
    namespace === null ||
    typeof namespace.idFromName !== 'function' ||
    typeof namespace.get !== 'function'
  )
    throw typeError('namespace', 'a Durable Object namespace binding (with idFromName() and get())', namespace);
  return {
    async settle(id: string, r: SettleRequest): Promise<SettleResult> {
      credentialId('credentialId', id);
      const body = JSON.stringify({
        now: r.now,
        maxFailures: r.maxFailures,
        lockUntil: r.lockUntil,
        verified: r.verified,
        step: r.step,
        once: r.once,
      });
      const response = await namespace.get(namespace.idFromName(id)).fetch(SETTLE_URL, { method: 'POST', body });
      if (!response.ok) throw new Error(`the guard object answered ${response.status}`);
      return (await response.json()) as SettleResult;
    },
  };
}
