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
  /** Move forward (or back, with a negative number) by `seconds`, which may be fractional. */
  advance(seconds: number): FakeClock;
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
 * clock.advance(30)
 * ```
 */
export function createFakeClock(start: Date | number = Date.UTC(2026, 0, 1)): FakeClock {
  let current = timeMs(start, 'start');
  const clock = (() => current) as FakeClock;
  clock.now = () => current;
  clock.date = () => new Date(current);
  clock.advance = (seconds: number) => {
    if (typeof seconds !== 'number') throw typeError('seconds', 'a number', seconds);
    const next = current + Math.round(seconds * 1000);
    if (!Number.isSafeInteger(next) || next < 0) throw rangeError(`"seconds" would move the clock out of range, got ${seconds}`);
    current = next;
    return clock;
  };
  clock.set = (time: Date | number) => {
    current = timeMs(time, 'time');
    return clock;
  };
  return clock;
}
