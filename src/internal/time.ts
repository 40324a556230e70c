/**
 * Moments as epoch milliseconds: where a `Date`, a number or a clock function given by the caller is
 * checked, and where `Date.now()` stands in when none is given (the guard's `clock` option and the
 * CLI's `--at` have defaults of their own at the outer layer).
 *
 * @module
 */
import { nonNegativeSafeInteger, rangeError, typeError } from './assert.js';

/**
 * A moment as epoch milliseconds: a valid `Date` from 1970 on, a non-negative safe integer, a
 * clock function returning one (only where `clock` is true: the `now` of stateful APIs, so a test
 * clock can be passed as is), or `Date.now()` when omitted.
 */
export function timeMs(time: unknown, label = 'time', clock = false): number {
  if (time === undefined) return Date.now();
  if (clock && typeof time === 'function') return timeMs((time as () => unknown)(), label);
  if (time instanceof Date) {
    const ms = time.getTime();
    if (!Number.isSafeInteger(ms) || ms < 0) throw rangeError(`"${label}" must be a valid Date from 1970 on`);
    return ms;
  }
  if (typeof time !== 'number') throw typeError(label, 'a Date or epoch milliseconds', time);
  return nonNegativeSafeInteger(label, time);
}
