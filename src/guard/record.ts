/**
 * The settle rules over one credential's record, as a pure function: for stores that read a record
 * and write it back inside something atomic of their own (a Durable Object's single-threaded
 * storage, a conditional write). The same rules as the Redis script and the SQL statements, in the
 * same order (see `store.ts`): locked → refused and nothing written; verified and fresh → consumed,
 * failures cleared; anything else → counted.
 *
 * @module
 */
import type { SettleRequest, SettleResult } from './store.js';

/** One credential's guard state. JSON: expiries are epoch ms on the guard's clock. */
export interface GuardRecord {
  readonly failures: number;
  readonly failuresExpireAt: number;
  readonly step: number;
  readonly stepExpiresAt: number;
  /** Single-use marks: item → expiry. */
  readonly used: Readonly<Record<string, number>>;
}

/** How to settle `request` against `record`. */
export interface RecordSettlement {
  readonly result: SettleResult;
  /** What to store: a record, `null` to delete it (nothing in it matters any more), `undefined` to write nothing. */
  readonly record: GuardRecord | null | undefined;
  /** When the stored record may be forgotten, epoch ms (with `record`). */
  readonly expiresAt: number;
}

/** Settles one attempt against the stored record (`undefined` for none). Pure. @internal */
export function settleRecord(stored: GuardRecord | undefined, r: SettleRequest): RecordSettlement {
  const now = r.now;
  const live = stored !== undefined && stored.failuresExpireAt > now;
  const failures = live ? stored.failures : 0;
  const failuresExpireAt = live ? stored.failuresExpireAt : 0;
  if (failures >= r.maxFailures)
    return { result: { status: 'locked', failures, retryAt: failuresExpireAt }, record: undefined, expiresAt: 0 };
  const stepLive = stored !== undefined && stored.stepExpiresAt > now;
  let step = stepLive ? stored.step : -1;
  let stepExpiresAt = stepLive ? stored.stepExpiresAt : 0;
  const used: Record<string, number> = {};
  for (const [item, expiresAt] of Object.entries(stored?.used ?? {})) if (expiresAt > now) used[item] = expiresAt;

  const verified = r.verified === true;
  const s = verified ? r.step : undefined;
  const once = verified ? r.once : undefined;
  let status: SettleResult['status'] = 'accepted';
  if (!verified) status = 'failed';
  else if (once !== undefined && (used[once.item] ?? 0) > now) status = 'used';
  else if (s !== undefined && step >= s.value) status = 'replayed';

  let result: SettleResult;
  let nextFailures: number;
  let nextExpireAt: number;
  if (status === 'accepted') {
    nextFailures = 0;
    nextExpireAt = 0;
    if (s !== undefined) {
      step = s.value;
      stepExpiresAt = s.expiresAt;
    }
    if (once !== undefined) used[once.item] = once.expiresAt;
    result = { status, clearedFailures: failures };
  } else {
    nextFailures = failures + 1;
    nextExpireAt = r.lockUntil;
    result = { status, failures: nextFailures, retryAt: nextExpireAt };
  }
  const expiresAt = Math.max(nextExpireAt, stepExpiresAt, ...Object.values(used));
  const record =
    expiresAt > now
      ? { failures: nextFailures, failuresExpireAt: nextExpireAt, step, stepExpiresAt, used }
      : stored === undefined
        ? undefined
        : null;
  return { result, record, expiresAt };
}
