/**
 * Moments as epoch milliseconds: where a `Date`, a number or a clock function given by the caller is
 * checked, and where `Date.now()` stands in when none is given (the guard's `clock` option and the
 * CLI's `--at` have defaults of their own at the outer layer).
 *
 * @module
 */
import { nonNegativeSafeInteger, rangeError, typeError } from './assert.js';

/**
 * A moment as epoch milliseconds: a valid `Date` from 1970 on, a non-negative safe integer, or
 * `Date.now()` when omitted.
 */
export function timeMs(time: unknown, label = 'time'): number {
  if (time === undefined) return Date.now();
  if (time instanceof Date) {
    const ms = time.getTime();
    if (!Number.isSafeInteger(ms) || ms < 0) throw rangeError(`"${label}" must be a valid Date from 1970 on`);
    return ms;
  }
  if (typeof time !== 'number') throw typeError(label, 'a Date or epoch milliseconds', time);
  return nonNegativeSafeInteger(label, time);
}

/**
 * The `now` of a state-changing call: a moment as {@link timeMs} takes it, or a clock function
 * returning one, so a test clock can be passed as is. (Apart from `timeMs` so that the pure code
 * path, `totp` and `verifyTotp`, carries no clock handling.)
 */
export function nowMs(now: unknown, label = 'now'): number {
  return timeMs(typeof now === 'function' ? (now as () => unknown)() : now, label);
}
