/**
 * Every option check that knows about TOTP/HOTP or about choices, in one home: algorithm, digits,
 * period, window and counter, and the shape of enum and boolean options. Generic argument assertions
 * (integers, objects, bytes) are in `assert.ts`, moments in `time.ts`.
 *
 * One rule throughout: a value of the wrong type is a `TypeError` (`ERR_INVALID_ARG_TYPE`); a value
 * of the right type that is not allowed is a `RangeError` (`ERR_OUT_OF_RANGE`).
 *
 * @module
 */
import {
  ALGORITHMS,
  DEFAULT_DIGITS,
  DEFAULT_PERIOD_SECONDS,
  DEFAULT_WINDOW,
  MAX_COUNTER,
  MAX_DIGITS,
  MAX_PERIOD_SECONDS,
  MAX_WINDOW,
  MIN_DIGITS,
  MIN_PERIOD_SECONDS,
} from '../constants.js';
import type { Algorithm } from '../types.js';
import { integerOption, rangeError, typeError } from './assert.js';

/** 2^32: counters and steps are split into high and low 32-bit halves with it. */
export const TWO_32 = 0x1_0000_0000;

/** The two parsing modes of `decodeBase32`, `parseOtpauthUri` and the QR colour check. */
export const MODES = ['strict', 'lenient'] as const;
/** The two OTP types of the Key Uri Format. */
export const OTP_TYPES = ['totp', 'hotp'] as const;
/** QR error-correction levels, lowest first. */
export const EC_LEVELS = ['L', 'M', 'Q', 'H'] as const;

/** The `digits` option: 6..10, 6 by default (RFC 4226 §5.3). */
export function digitsOption(value: unknown): number {
  return integerOption('digits', value, DEFAULT_DIGITS, MIN_DIGITS, MAX_DIGITS);
}

/** The `period` option in seconds: 1..2^31−1, 30 by default (RFC 6238 §5.2). */
export function periodOption(value: unknown): number {
  return integerOption('period', value, DEFAULT_PERIOD_SECONDS, MIN_PERIOD_SECONDS, MAX_PERIOD_SECONDS);
}

/** The `window` option: a number of steps on each side, or `{ past, future }`, each 0..10. */
export function windowOption(value: unknown): { past: number; future: number } {
  if (value === undefined || typeof value === 'number') {
    const n = integerOption('window', value, DEFAULT_WINDOW, 0, MAX_WINDOW);
    return { past: n, future: n };
  }
  const w = value as { past?: unknown; future?: unknown } | null;
  if (typeof w !== 'object' || w === null || w.past === undefined || w.future === undefined)
    throw typeError('window', 'a number or { past, future }', value);
  return {
    past: integerOption('window.past', w.past, DEFAULT_WINDOW, 0, MAX_WINDOW),
    future: integerOption('window.future', w.future, DEFAULT_WINDOW, 0, MAX_WINDOW),
  };
}

/**
 * A counter (RFC 4226 §5.2: an 8-byte moving factor) as its high and low 32-bit halves: a safe
 * integer, or a `bigint` up to 2^64−1.
 */
export function splitCounter(label: string, counter: unknown): [high: number, low: number] {
  if (typeof counter === 'number') {
    if (!Number.isSafeInteger(counter) || counter < 0) {
      throw rangeError(`"${label}" must be a non-negative safe integer (or a bigint up to 2^64-1), got ${counter}`);
    }
    return [Math.floor(counter / TWO_32), counter >>> 0];
  }
  if (typeof counter === 'bigint') {
    if (counter < 0n || counter > MAX_COUNTER) throw rangeError(`"${label}" must be in 0..2^64-1, got ${counter}n`);
    return [Number(counter >> 32n), Number(counter & 0xffff_ffffn)];
  }
  throw typeError(label, 'a non-negative integer or bigint', counter);
}

/**
 * One of a fixed set of strings, or `fallback` when omitted (required when there is none). A
 * non-string is the wrong type; an unknown string is out of range (its text is not echoed: it is
 * user input of any length).
 */
export function enumOption<T extends string>(label: string, value: unknown, allowed: readonly T[], fallback?: T): T {
  if (value === undefined && fallback !== undefined) return fallback;
  const list = allowed.map((a) => `'${a}'`).join(', ');
  if (typeof value !== 'string') throw typeError(label, `one of ${list}`, value);
  if (!(allowed as readonly string[]).includes(value)) throw rangeError(`"${label}" must be one of ${list}`);
  return value as T;
}

/** A boolean option, or `fallback` when omitted; anything else is the wrong type. */
export function booleanOption(label: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw typeError(label, 'a boolean', value);
  return value;
}

/** The algorithm option, `'SHA1'` when omitted. Exact spelling only: no case folding. */
export function algorithmOption(value: unknown, fallback: Algorithm): Algorithm {
  if (value === undefined) return fallback;
  const list = `one of ${ALGORITHMS.join(', ')}`;
  if (typeof value !== 'string') throw typeError('algorithm', list, value);
  // The value is not a secret, but it is user input of unbounded length: say only that it is unknown.
  if (!(ALGORITHMS as readonly string[]).includes(value)) throw rangeError(`"algorithm" must be ${list}`);
  return value as Algorithm;
}
