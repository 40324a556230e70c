/**
 * The embedded default store: in-process, bounded, expiring, O(1) amortised per attempt.
 *
 * `settle` runs synchronously inside its `async` function, so it is atomic with respect to every
 * other call in the process (JavaScript never interleaves synchronous code). It is *not* shared
 * between processes: with more than one server process, use the Redis or PostgreSQL adapter.
 *
 * **One record per credential** holds its failure counter, its last step and its single-use marks.
 * An attempt that succeeds with no step or mark to keep (a recovery code cleared by its mark is
 * still kept) leaves no record: ids that never failed cost nothing.
 *
 * **What goes when full.** Records are filed in buckets by what they protect, and each bucket is a
 * doubly-linked list in write order (not a `Map`: restarting a `Map` iterator at its front skips
 * every deleted slot since the last rehash, which made eviction O(n)). When a write takes the
 * store over `maxEntries`, it removes, in this order:
 * 1. an expired record (the oldest of each bucket is looked at first, and a sweep that looks at two
 *    more records per write reclaims the rest within about `maxEntries / 2` writes);
 * 2. the least recently written record of the lowest bucket. Buckets, lowest first: failure
 *    counters by their count (1 … 100), then records holding an unexpired step, then records holding
 *    a single-use mark. The record just written is never the one removed.
 *
 * The guarantee under a flood of distinct ids: a counter holding `k` failures is forgotten only
 * after every other record in the store holds at least `k` failures (or a step or mark), so an
 * attacker who wants `k` guesses back must first spend about `maxEntries × k` failed attempts of
 * their own inside the lock window. A flood of one-off guesses only displaces other one-off
 * guesses; it never displaces a step record or a counter at 2 or more while one-off ones remain.
 *
 * @module
 */
import {
  DEFAULT_MEMORY_STORE_ENTRIES,
  MAX_MAX_FAILURES,
  MAX_MEMORY_STORE_ENTRIES,
  MEMORY_STORE_SWEEP_PER_WRITE,
} from '../constants.js';
import { integerOption, optionsObject } from '../internal/assert.js';
import { credentialId } from '../internal/text.js';
import type { GuardStore, SettleRequest, SettleResult } from './store.js';

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /** Most credential records kept. 100 000 by default. */
  maxEntries?: number;
}

/** A memory store, with its size for monitoring and tests. */
export interface MemoryStore extends GuardStore {
  /** Credential records currently held (expired ones are reclaimed lazily). */
  readonly size: number;
}

interface Entry {
  readonly id: string;
  failures: number;
  failuresExpireAt: number;
  step: number;
  stepExpiresAt: number;
  /** Single-use marks: item → expiry (epoch ms). Created on the first mark only. */
  once: Map<string, number> | undefined;
  /** The bucket the record is filed in (see {@link rankOf}), and its neighbours there. */
  rank: number;
  older: Entry | undefined;
  newer: Entry | undefined;
}

/** One bucket: its records from least to most recently written. */
interface Bucket {
  oldest: Entry | undefined;
  newest: Entry | undefined;
}

/** Bucket of records holding an unexpired step, above every failure count. */
const RANK_STEP = MAX_MAX_FAILURES + 1;
/** Bucket of records holding an unexpired single-use mark: the last to go. */
const RANK_ONCE = MAX_MAX_FAILURES + 2;
/** A record with nothing unexpired in it. */
const EXPIRED = -1;

/** Which bucket a record belongs in at `now`: what losing it would cost. */
function rankOf(e: Entry, now: number): number {
  if (e.once !== undefined) {
    for (const [item, expiresAt] of e.once) if (expiresAt <= now) e.once.delete(item);
    if (e.once.size > 0) return RANK_ONCE;
    e.once = undefined;
  }
  if (e.stepExpiresAt > now) return RANK_STEP;
  if (e.failures > 0 && e.failuresExpireAt > now) return Math.min(e.failures, MAX_MAX_FAILURES);
  return EXPIRED;
}

/**
 * Create an in-memory {@link GuardStore}.
 *
 * Forgetting a step record can only re-open a replay of a code whose credential record the caller
 * has not yet stored (the guard checks the credential's own `lastStep` first); forgetting a failure
 * counter gives its guesses back, which is why counters with more failures are kept longer (see
 * the module comment for the exact order and the guarantee).
 *
 * @param options - `maxEntries` (100 000)
 * @returns the store
 * @throws RangeError `ERR_OUT_OF_RANGE` for an invalid `maxEntries`
 * @example
 * ```ts
 * const verifier = createVerifier({ store: memoryStore(), keyring })
 * ```
 */
export function memoryStore(options?: MemoryStoreOptions): MemoryStore {
  const opts = optionsObject('options', options);
  const max = integerOption('maxEntries', opts.maxEntries, DEFAULT_MEMORY_STORE_ENTRIES, 1, MAX_MEMORY_STORE_ENTRIES);
  let latest = 0; // the newest `now` any caller passed: expiry is judged on the caller's clock
  const entries = new Map<string, Entry>();
  const buckets: Bucket[] = Array.from({ length: RANK_ONCE + 1 }, () => ({ oldest: undefined, newest: undefined }));
  let sweep: Iterator<Entry> | undefined;

  const unlink = (e: Entry): void => {
    if (e.rank === EXPIRED) return;
    const b = buckets[e.rank]!;
    if (e.older === undefined) b.oldest = e.newer;
    else e.older.newer = e.newer;
    if (e.newer === undefined) b.newest = e.older;
    else e.newer.older = e.older;
    e.older = e.newer = undefined;
    e.rank = EXPIRED;
  };
  const remove = (e: Entry): void => {
    unlink(e);
    entries.delete(e.id);
  };
  /** Files `e` as the most recently written record of the bucket it now belongs in (or drops it). */
  const file = (e: Entry, now: number): void => {
    unlink(e);
    const rank = rankOf(e, now);
    if (rank === EXPIRED) return void entries.delete(e.id);
    const b = buckets[rank]!;
    e.rank = rank;
    e.older = b.newest;
    if (b.newest === undefined) b.oldest = e;
    else b.newest.newer = e;
    b.newest = e;
  };
  /** Looks at the next few records in insertion order and reclaims expired ones. */
  const sweepSome = (): void => {
    for (let i = 0; i < MEMORY_STORE_SWEEP_PER_WRITE; i++) {
      sweep ??= entries.values();
      const next = sweep.next();
      if (next.done === true) {
        sweep = undefined;
        return;
      }
      if (rankOf(next.value, latest) === EXPIRED) remove(next.value);
    }
  };
  /** Brings the store back to `max` records without touching `keep`. */
  const evict = (keep: Entry): void => {
    sweepSome();
    while (entries.size > max) {
      let victim: Entry | undefined;
      for (const b of buckets) {
        victim = b.oldest === keep ? keep.newer : b.oldest;
        if (victim !== undefined) break;
      }
      if (victim === undefined) return; // only `keep` is left (max is at least 1)
      const rank = rankOf(victim, latest);
      if (rank === EXPIRED || rank === victim.rank) remove(victim);
      else file(victim, latest); // parts of it expired since it was filed: re-file, look again
    }
  };

  const count = (
    e: Entry,
    failures: number,
    lockUntil: number,
    status: 'failed' | 'replayed' | 'used',
    now: number,
  ): SettleResult => {
    e.failures = failures + 1;
    e.failuresExpireAt = lockUntil;
    file(e, now);
    return { status, failures: e.failures, retryAt: lockUntil };
  };

  return {
    get size() {
      return entries.size;
    },
    async settle(id, request: SettleRequest): Promise<SettleResult> {
      credentialId('credentialId', id);
      const { now, maxFailures, lockUntil, verified, step, once } = request;
      if (now > latest) latest = now;
      let e = entries.get(id);
      const fresh = e === undefined;
      e ??= {
        id,
        failures: 0,
        failuresExpireAt: 0,
        step: -1,
        stepExpiresAt: 0,
        once: undefined,
        rank: EXPIRED,
        older: undefined,
        newer: undefined,
      };
      const failures = e.failuresExpireAt > now ? e.failures : 0;
      if (failures >= maxFailures) return { status: 'locked', failures, retryAt: e.failuresExpireAt };
      if (fresh) entries.set(id, e);
      let result: SettleResult;
      if (!verified) result = count(e, failures, lockUntil, 'failed', now);
      else if (once !== undefined && (e.once?.get(once.item) ?? 0) > now)
        result = count(e, failures, lockUntil, 'used', now);
      else if (step !== undefined && e.stepExpiresAt > now && e.step >= step.value)
        result = count(e, failures, lockUntil, 'replayed', now);
      else {
        e.failures = 0;
        e.failuresExpireAt = 0;
        if (step !== undefined) {
          e.step = step.value;
          e.stepExpiresAt = step.expiresAt;
        }
        if (once !== undefined) {
          e.once ??= new Map();
          e.once.set(once.item, once.expiresAt);
        }
        file(e, now);
        result = { status: 'accepted', clearedFailures: failures };
      }
      if (entries.size > max) evict(e);
      return result;
    },
  };
}
