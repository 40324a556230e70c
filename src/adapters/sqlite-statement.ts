/**
 * The settle statement in SQLite's dialect, shared by the SQLite store (better-sqlite3,
 * `node:sqlite`, `bun:sqlite`) and Cloudflare D1, with the table it works on.
 *
 * As on PostgreSQL, one `INSERT … ON CONFLICT DO UPDATE` settles an attempt: the update computes
 * the live failure count and the outcome once from the stored row `g`, and runs only when the
 * credential is not locked, so a locked refusal writes nothing. Its `RETURNING` gives the outcome;
 * when it returns no row the credential was locked, and a second statement, run in the same
 * transaction (SQLite) or batch (D1), reads the row for the answer. Parameters are anonymous `?`
 * placeholders, which every client binds (D1 takes no named ones): the statement is written with
 * named slots and rendered with the list of names in order.
 *
 * @module
 */
import type { SettleRequest, SettleResult } from '../guard/store.js';

/** The table, as SQL (idempotent). @internal */
export function sqliteSchema(prefix: string): string {
  return `CREATE TABLE IF NOT EXISTS ${prefix}guard (
  credential_id TEXT PRIMARY KEY NOT NULL,
  failures INTEGER NOT NULL,
  failures_expire_at INTEGER NOT NULL,
  last_step INTEGER NOT NULL,
  step_expires_at INTEGER NOT NULL,
  used TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  cleared INTEGER NOT NULL
) WITHOUT ROWID`;
}

type Slot =
  | 'id'
  | 'now'
  | 'lockUntil'
  | 'verified'
  | 'step'
  | 'stepExpiresAt'
  | 'item'
  | 'itemExpiresAt'
  | 'maxFailures';

/** A rendered statement: its text and the names of its `?` placeholders, in order. */
interface Rendered {
  readonly text: string;
  readonly slots: readonly Slot[];
}

/** The upsert that settles an unlocked credential, and the read that answers a locked one. @internal */
export function sqliteStatements(prefix: string): { settle: Rendered; read: Rendered } {
  const slots: Slot[] = [];
  const p = (name: Slot): string => {
    slots.push(name);
    return '?';
  };
  // Written as a function so that each use of a value takes its own placeholder, in text order.
  const live = () => `(CASE WHEN g.failures_expire_at > ${p('now')} THEN g.failures ELSE 0 END)`;
  const mark = () => `(SELECT value FROM json_each(g.used) WHERE key = ${p('item')})`;
  const st = () => `(CASE
        WHEN NOT ${p('verified')} THEN 'failed'
        WHEN ${p('item')} IS NOT NULL AND COALESCE(${mark()}, 0) > ${p('now')} THEN 'used'
        WHEN ${p('step')} IS NOT NULL AND g.step_expires_at > ${p('now')}
          AND g.last_step >= ${p('step')} THEN 'replayed'
        ELSE 'accepted' END)`;
  const text = `INSERT INTO ${prefix}guard AS g
  (credential_id, failures, failures_expire_at, last_step, step_expires_at, used, expires_at, outcome, cleared)
VALUES (${p('id')},
  CASE WHEN ${p('verified')} THEN 0 ELSE 1 END,
  CASE WHEN ${p('verified')} THEN 0 ELSE ${p('lockUntil')} END,
  CASE WHEN ${p('verified')} AND ${p('step')} IS NOT NULL THEN ${p('step')} ELSE -1 END,
  CASE WHEN ${p('verified')} AND ${p('step')} IS NOT NULL THEN ${p('stepExpiresAt')} ELSE 0 END,
  CASE WHEN ${p('verified')} AND ${p('item')} IS NOT NULL THEN json_object(${p('item')}, ${p('itemExpiresAt')})
    ELSE '{}' END,
  CASE WHEN ${p('verified')} THEN max(COALESCE(${p('stepExpiresAt')}, 0), COALESCE(${p('itemExpiresAt')}, 0))
    ELSE ${p('lockUntil')} END,
  CASE WHEN ${p('verified')} THEN 'accepted' ELSE 'failed' END,
  0)
ON CONFLICT (credential_id) DO UPDATE SET
  failures = CASE ${st()} WHEN 'accepted' THEN 0 ELSE ${live()} + 1 END,
  failures_expire_at = CASE ${st()} WHEN 'accepted' THEN 0 ELSE ${p('lockUntil')} END,
  last_step = CASE WHEN ${st()} = 'accepted' AND ${p('step')} IS NOT NULL THEN ${p('step')} ELSE g.last_step END,
  step_expires_at = CASE WHEN ${st()} = 'accepted' AND ${p('step')} IS NOT NULL
    THEN ${p('stepExpiresAt')} ELSE g.step_expires_at END,
  used = CASE WHEN ${st()} = 'accepted' AND ${p('item')} IS NOT NULL
    THEN json_patch(g.used, json_object(${p('item')}, ${p('itemExpiresAt')})) ELSE g.used END,
  expires_at = max(g.expires_at, CASE ${st()}
    WHEN 'accepted' THEN max(COALESCE(${p('stepExpiresAt')}, 0), COALESCE(${p('itemExpiresAt')}, 0))
    ELSE ${p('lockUntil')} END),
  outcome = ${st()},
  cleared = ${live()}
WHERE ${live()} < ${p('maxFailures')}
RETURNING outcome, failures, failures_expire_at, cleared`;
  const settle = { text, slots: [...slots] };
  slots.length = 0;
  const read = {
    text: `SELECT failures, failures_expire_at FROM ${prefix}guard WHERE credential_id = ${p('id')}`,
    slots: [...slots],
  };
  return { settle, read };
}

/** The values for a rendered statement's placeholders. @internal */
export function sqliteValues(rendered: Rendered, id: string, r: SettleRequest): unknown[] {
  const verified = r.verified === true;
  const step = verified ? r.step : undefined;
  const once = verified ? r.once : undefined;
  const values: Record<Slot, unknown> = {
    id,
    now: r.now,
    lockUntil: r.lockUntil,
    verified: verified ? 1 : 0,
    step: step?.value ?? null,
    stepExpiresAt: step?.expiresAt ?? null,
    item: once?.item ?? null,
    itemExpiresAt: once?.expiresAt ?? null,
    maxFailures: r.maxFailures,
  };
  return rendered.slots.map((slot) => values[slot]);
}

/**
 * The answer: from the upsert's row when it ran, else `locked` from the row as read. No row at all
 * cannot happen inside one transaction; it is a broken store, and throws (the guard: `storage`).
 *
 * @internal
 */
export function sqliteAnswer(
  settled: Record<string, unknown> | null | undefined,
  read: Record<string, unknown> | null | undefined,
  maxFailures: number,
): SettleResult {
  if (settled !== null && settled !== undefined) {
    const status = settled.outcome as SettleResult['status'];
    if (status === 'accepted') return { status, clearedFailures: Number(settled.cleared) };
    return { status, failures: Number(settled.failures), retryAt: Number(settled.failures_expire_at) };
  }
  if (read === null || read === undefined) throw new Error('the settle statement returned no row');
  return {
    status: 'locked',
    failures: Math.max(Number(read.failures), maxFailures),
    retryAt: Number(read.failures_expire_at),
  };
}
