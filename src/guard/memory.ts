/**
 * The embedded default store: in-process, bounded, expiring.
 *
 * Each operation runs synchronously inside its `async` function, so it is atomic with respect to
 * every other call in the process (JavaScript never interleaves synchronous code). It is *not*
 * shared between processes: with more than one server process, use the Redis or PostgreSQL adapter.
 *
 * @module
 */
import { DEFAULT_MEMORY_STORE_ENTRIES, MAX_MEMORY_STORE_ENTRIES } from '../constants.js';
import { integerOption, optionsObject } from '../internal/assert.js';
import type { AttemptResult, GuardStore } from './store.js';

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions {
  /** Most entries kept; the oldest-touched are evicted first. 100 000 by default. */
  maxEntries?: number;
}

/** A memory store, with its size for monitoring and tests. */
export interface MemoryStore extends GuardStore {
  /** Entries currently held (expired ones are dropped lazily and on growth). */
  readonly size: number;
}

interface Entry {
  value: number;
  expiresAt: number;
}

/**
 * Create an in-memory {@link GuardStore}.
 *
 * Eviction of a step record can only make a replay *detectable again later* by the credential's
 * own `lastStep` (which the guard checks first), so bounding the map never re-opens a replay of a
 * code whose credential record you stored; bounding failure counters can forget failures, which is
 * why `maxEntries` should exceed your active credentials.
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
  // A Map iterates in insertion order: deleting and re-inserting on write makes it an LRU.
  const entries = new Map<string, Entry>();

  const get = (key: string, now: number): Entry | undefined => {
    if (now > latest) latest = now;
    const e = entries.get(key);
    if (e !== undefined && e.expiresAt <= now) {
      entries.delete(key);
      return undefined;
    }
    return e;
  };
  const set = (key: string, value: number, expiresAt: number): void => {
    entries.delete(key);
    entries.set(key, { value, expiresAt });
    if (entries.size > max) {
      for (const [k, e] of entries) if (e.expiresAt <= latest) entries.delete(k);
      for (const k of entries.keys()) {
        if (entries.size <= max) break;
        entries.delete(k);
      }
    }
  };

  return {
    get size() {
      return entries.size;
    },
    async consumeStep(id, step, now, expiresAt) {
      const key = `s:${id}`;
      const current = get(key, now);
      if (current !== undefined && current.value >= step) return false;
      set(key, step, expiresAt);
      return true;
    },
    async acquireAttempt(id, limit, now, expiresAt): Promise<AttemptResult> {
      const key = `f:${id}`;
      const current = get(key, now);
      const failures = current?.value ?? 0;
      if (failures >= limit) return { allowed: false, failures, resetAt: current!.expiresAt };
      set(key, failures + 1, expiresAt);
      return { allowed: true, failures: failures + 1, resetAt: expiresAt };
    },
    async resetFailures(id) {
      entries.delete(`f:${id}`);
    },
    async consumeOnce(id, item, now, expiresAt) {
      const key = `o:${id}:${item}`;
      if (get(key, now) !== undefined) return false;
      set(key, 1, expiresAt);
      return true;
    },
  };
}
