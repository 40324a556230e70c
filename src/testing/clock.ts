/**
 * A fake clock for tests: a function returning epoch milliseconds (so it fits every `clock`
 * option), with `advance` and `set`.
 *
 * @module
 */
import { rangeError, typeError } from '../internal/assert.js';
import { timeMs } from '../internal/time.js';

/** Call it for "now" in epoch ms; move it with `advance` and `set`. */
export interface FakeClock {
  (): number;
  /** Epoch milliseconds. */
  now(): number;
  /** Now as a `Date`. */
  date(): Date;
  /**
   * Move forward (or back, with a negative number) by `ms` milliseconds, an integer like every other time in totpkit.
   */
  advance(ms: number): FakeClock;
  /** Jump to a moment. */
  set(time: Date | number): FakeClock;
}

/**
 * Create a fake clock.
 *
 * @param start - the first moment, a `Date` or epoch ms (2026-01-01T00:00:00Z by default)
 * @returns the clock
 * @example
 * ```ts
 * const clock = createFakeClock(new Date('2026-11-23T12:00:00Z'))
 * const verifier = createVerifier({ store, keyring, clock })
 * clock.advance(30_000) // one TOTP step
 * ```
 */
export function createFakeClock(start: Date | number = Date.UTC(2026, 0, 1)): FakeClock {
  let current = timeMs(start, 'start');
  const clock = (() => current) as FakeClock;
  clock.now = () => current;
  clock.date = () => new Date(current);
  clock.advance = (ms: number) => {
    if (typeof ms !== 'number') throw typeError('ms', 'a number', ms);
    if (!Number.isSafeInteger(ms)) throw rangeError(`"ms" must be an integer number of milliseconds, got ${ms}`);
    const next = current + ms;
    if (!Number.isSafeInteger(next) || next < 0) throw rangeError(`"ms" would move the clock out of range, got ${ms}`);
    current = next;
    return clock;
  };
  clock.set = (time: Date | number) => {
    current = timeMs(time, 'time');
    return clock;
  };
  return clock;
}
