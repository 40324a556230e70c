/**
 * The embedded default store: in-process, bounded, expiring, O(1) per attempt.
 *
 * `settle` runs synchronously inside its `async` function, so it is atomic with respect to every
 * other call in the process (JavaScript never interleaves synchronous code). It is *not* shared
 * between processes: with more than one server process, use the Redis or PostgreSQL adapter.
 *
 * **One record per credential** holds its failure counter, its last step and its single-use marks.
 * An attempt that succeeds with no step or mark to keep leaves no record: ids that never failed
 * cost nothing. A refusal of a locked credential changes nothing, not even the record's place.
 *
 * **When full, a lockout is never forgotten.** A record with live failures (a counter) is never
 * evicted, whatever fills the store. When a new id needs a record and the store holds `maxEntries`,
 * the store makes room by removing, in this order:
 * 1. an expired record (the oldest of each kind is looked at first, and a sweep that looks at two
 *    more records per write reclaims the rest within about `maxEntries / 2` writes);
 * 2. the least recently written record that holds only a step (no live failures);
 * 3. the least recently written record that holds a single-use mark (no live failures).
 * If every record is a live counter, the new id's attempt is refused: the guard answers `storage`
 * (fail closed), and `refused` counts it, until counters expire (within the lock window).
 *
 * The guarantee, whatever mix of records any number of other ids create: a credential gets at most
 * `maxFailures` answers other than `locked` per lock window, the same bound as with a store that
 * never evicts (the extra bound is 0). The price is availability under a flood: `maxEntries` live
 * counters (one failed attempt each, from as many ids, within one lock window) make the store
 * refuse new ids until they expire. What eviction can lose is a step or a single-use mark, which
 * only matters before the caller has stored the credential's new `lastStep` (or the updated
 * recovery set, or the used enrollment): the guard checks those records first.
 *
 * @module
 */
import { DEFAULT_MEMORY_STORE_ENTRIES, MAX_MEMORY_STORE_ENTRIES, MEMORY_STORE_SWEEP_PER_WRITE } from '../constants.js';
import { integerOption, optionsObject } from '../internal/assert.js';
import { credentialId } from '../internal/text.js';
import type { GuardStore, SettleRequest, SettleResult } from './store.js';

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /** Most credential records kept. 100 000 by default. */
  maxEntries?: number;
}

/** A memory store, with its size and refusals for monitoring and tests. */
export interface MemoryStore extends GuardStore {
  /** Credential records currently held (expired ones are reclaimed lazily). */
  readonly size: number;
  /**
   * Attempts refused because the store was full of live failure counters (each answered `storage`
   * by the guard). Non-zero means a flood, or a `maxEntries` too small for the traffic.
   */
  readonly refused: number;
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

/** Kind of a record holding live failures: never evicted. */
const RANK_COUNTER = 0;
/** Kind of a record holding an unexpired step and no live failures: evicted first. */
const RANK_STEP = 1;
/** Kind of a record holding an unexpired single-use mark and no live failures: evicted next. */
const RANK_ONCE = 2;
/** A record with nothing unexpired in it. */
const EXPIRED = -1;

/** Which kind a record is at `now`: what losing it would cost (a counter: guesses given back). */
function rankOf(e: Entry, now: number): number {
  if (e.once !== undefined) {
    for (const [item, expiresAt] of e.once) if (expiresAt <= now) e.once.delete(item);
    if (e.once.size === 0) e.once = undefined;
  }
  if (e.failures > 0 && e.failuresExpireAt > now) return RANK_COUNTER;
  if (e.once !== undefined) return RANK_ONCE;
  if (e.stepExpiresAt > now) return RANK_STEP;
  return EXPIRED;
}

/**
 * Create an in-memory {@link GuardStore}.
 *
 * A live failure counter is never evicted; when nothing else can make room for a new id, its
 * attempt is refused (`storage`, counted in `refused`). See the module comment for the order and
 * the guarantee.
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
  let refused = 0;
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
  /**
   * Removes one record to make room for a new one: an expired record, else the least recently
   * written step-only record, else the least recently written mark record. `false` when every
   * record is a live counter.
   */
  const makeRoom = (): boolean => {
    sweepSome();
    if (entries.size < max) return true;
    for (;;) {
      // An expired record at the head of any kind goes first.
      let victim: Entry | undefined;
      for (const b of buckets) {
        if (b.oldest !== undefined && rankOf(b.oldest, latest) === EXPIRED) {
          victim = b.oldest;
          break;
        }
      }
      victim ??= buckets[RANK_STEP]!.oldest ?? buckets[RANK_ONCE]!.oldest;
      if (victim === undefined) return false;
      const rank = rankOf(victim, latest);
      if (rank === EXPIRED || rank === victim.rank) {
        remove(victim);
        return true;
      }
      file(victim, latest); // parts of it expired since it was filed: re-file, look again
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
    get refused() {
      return refused;
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
      // A new id that will leave a record (a failure, a step, a mark) needs room first; a store
      // full of live counters refuses it rather than forget one of them.
      if (fresh && (!verified || step !== undefined || once !== undefined)) {
        if (!makeRoom()) {
          refused++;
          throw new Error('memory store is full of live failure counters');
        }
        entries.set(id, e);
      }
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
      return result;
    },
  };
}
