/**
 * HOTP: HMAC-based one-time passwords (RFC 4226).
 *
 * @module
 */
import {
  DEFAULT_HOTP_WINDOW,
  DEFAULT_HOTP_RESYNC_WINDOW,
  MAX_COUNTER,
  MAX_HOTP_WINDOW,
  MAX_HOTP_RESYNC_WINDOW,
} from './constants.js';
import { integerOption, optionsObject, rangeError } from './internal/assert.js';
import { formatCode, parseCode, pow10 } from './internal/code.js';
import { digitsOption, splitCounter, TWO_32 } from './internal/options.js';
import { type OtpKey, resolveKey } from './key.js';
import type { CodeOptions } from './types.js';

/**
 * Generate an HOTP code.
 *
 * @param secret - key bytes (used exactly as given) or an {@link OtpKey}
 * @param counter - moving factor, 0..2^64−1: a safe integer, or a `bigint` above 2^53
 * @param options - `algorithm` (default `'SHA1'`), `digits` 6..10 (default 6)
 * @returns the code, zero-padded to `digits` characters
 * @throws TypeError `ERR_INVALID_ARG_TYPE` for a secret that is not a `Uint8Array`/`OtpKey`, or a non-integer counter
 * type
 * @throws RangeError `ERR_OUT_OF_RANGE` for a negative, fractional or too-large counter, bad `digits` or algorithm
 * @throws RangeError `ERR_KEY_ALGORITHM_MISMATCH` when `algorithm` disagrees with the `OtpKey`
 * @example
 * ```ts
 * hotp(new TextEncoder().encode('12345678901234567890'), 1) // '287082'
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc4226#section-5.3
 */
export function hotp(secret: Uint8Array | OtpKey, counter: number | bigint, options?: CodeOptions): string {
  const opts = optionsObject('options', options);
  const key = resolveKey(secret, opts.algorithm);
  const digits = digitsOption(opts.digits);
  const [high, low] = splitCounter('counter', counter);
  return formatCode(key.truncatedHmac(high, low) % pow10(digits), digits);
}

/** Options of {@link verifyHotp}. */
export interface VerifyHotpOptions extends CodeOptions {
  /** The counter the server expects next: a safe integer, or a `bigint` up to 2^64−1. */
  counter: number | bigint;
  /** How many counters after `counter` may also match (0..100, default 5). Never backwards. */
  window?: number;
}

/** Why an HOTP code was refused. */
export type HotpFailureReason = 'malformed' | 'mismatch';

/** Result of {@link verifyHotp}: on success, the counter that matched and the one to expect next. */
export type VerifyHotpResult<C extends number | bigint = number | bigint> =
  | { readonly ok: true; readonly counter: C; readonly next: C }
  | { readonly ok: false; readonly reason: HotpFailureReason };

/**
 * Verify an HOTP code against `counter..counter+window` (RFC 4226 §7.4 look-ahead; never
 * backwards, so a used counter cannot match again once the caller stores `next`).
 *
 * Never throws for a wrong or malformed code: a code that is not exactly `digits` ASCII digits
 * gives `{ ok: false, reason: 'malformed' }`. Options are programmer input and do throw.
 *
 * `counter` and `next` have the type of the `counter` you pass. With a `number`, the whole range
 * up to `next` must stay a safe integer; past 2^53 pass a `bigint`. Counters above 2^64−1 do
 * not exist and are not searched; `next` is 2^64 after a match on the very last counter.
 *
 * @param secret - key bytes or an {@link OtpKey}
 * @param code - the code the user typed
 * @param options - `counter` (required), `window`, `algorithm`, `digits`
 * @returns `{ ok: true, counter, next }` or `{ ok: false, reason }`
 * @throws TypeError `ERR_INVALID_ARG_TYPE` / RangeError `ERR_OUT_OF_RANGE` for invalid options
 * @example
 * ```ts
 * const r = verifyHotp(key, input, { counter: user.counter })
 * if (r.ok) user.counter = r.next
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc4226#section-7.4
 */
export function verifyHotp(
  secret: Uint8Array | OtpKey,
  code: string,
  options: VerifyHotpOptions & { counter: number },
): VerifyHotpResult<number>;
export function verifyHotp(
  secret: Uint8Array | OtpKey,
  code: string,
  options: VerifyHotpOptions & { counter: bigint },
): VerifyHotpResult<bigint>;
export function verifyHotp(secret: Uint8Array | OtpKey, code: string, options: VerifyHotpOptions): VerifyHotpResult;
export function verifyHotp(secret: Uint8Array | OtpKey, code: string, options: VerifyHotpOptions): VerifyHotpResult {
  optionsObject('options', options, true);
  const key = resolveKey(secret, options.algorithm);
  const digits = digitsOption(options.digits);
  const window = integerOption('window', options.window, DEFAULT_HOTP_WINDOW, 0, MAX_HOTP_WINDOW);
  const counter = options.counter;
  const [high, low] = splitCounter('counter', counter);
  let last = window;
  if (typeof counter === 'number') {
    if (counter + window + 1 > Number.MAX_SAFE_INTEGER) {
      throw rangeError(
        `the next counter, "counter" + "window" + 1, must be at most 2^53-1 for a number counter; ` +
          `pass a bigint, got ${counter}`,
      );
    }
  } else if (high === 0xffff_ffff) {
    // Near 2^64: only the counters that exist are candidates.
    last = Math.min(window, 0xffff_ffff - low);
  }

  const submitted = parseCode(code, digits);
  if (submitted < 0) return { ok: false, reason: 'malformed' };
  const modulus = pow10(digits);
  for (let i = 0; i <= last; i++) {
    const l = low + i;
    const candidate = l < TWO_32 ? key.truncatedHmac(high, l) : key.truncatedHmac(high + 1, l - TWO_32);
    // One integer comparison per candidate: no early exit inside a code's digits.
    if (candidate % modulus === submitted) {
      const matched = typeof counter === 'bigint' ? counter + BigInt(i) : (counter as number) + i;
      const next = typeof matched === 'bigint' ? matched + 1n : matched + 1;
      return { ok: true, counter: matched, next } as VerifyHotpResult;
    }
  }
  return { ok: false, reason: 'mismatch' };
}

/** Options of {@link resyncHotp}. */
export interface ResyncHotpOptions extends CodeOptions {
  /** The counter the server currently expects. */
  counter: number | bigint;
  /** How far ahead to search, 1..1000 counters, 100 by default. */
  window?: number;
}

/**
 * Re-synchronise an HOTP token that has moved beyond the verification window (the user pressed the
 * button many times without logging in), from two *consecutive* codes (RFC 4226 §7.4). Two
 * consecutive matches within the range are required, so the chance of a false match stays about
 * `window / 10^(2·digits)`.
 *
 * @param secret - key bytes or an {@link OtpKey}
 * @param first - a code from the token
 * @param second - the next code from the token
 * @param options - `counter`, `window` (100, at most 1000), `algorithm`, `digits`
 * @returns `{ ok: true, counter, next }` (`counter` is the second code's) or `{ ok: false, reason }`
 * @throws TypeError `ERR_INVALID_ARG_TYPE` / RangeError `ERR_OUT_OF_RANGE` for invalid options
 * @example
 * ```ts
 * const r = resyncHotp(key, form.first, form.second, { counter: token.counter })
 * if (r.ok) token.counter = r.next
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc4226#section-7.4
 */
export function resyncHotp(
  secret: Uint8Array | OtpKey,
  first: string,
  second: string,
  options: ResyncHotpOptions,
): VerifyHotpResult {
  const opts = optionsObject('options', options, true);
  const range = integerOption('window', opts.window, DEFAULT_HOTP_RESYNC_WINDOW, 1, MAX_HOTP_RESYNC_WINDOW);
  const key = resolveKey(secret, opts.algorithm);
  const digits = digitsOption(opts.digits);
  const counter = opts.counter as number | bigint;
  splitCounter('counter', counter);
  if (parseCode(first, digits) < 0 || parseCode(second, digits) < 0) return { ok: false, reason: 'malformed' };
  for (let i = 0; i <= range; i++) {
    const at = typeof counter === 'bigint' ? counter + BigInt(i) : counter + i;
    if (typeof at === 'bigint' ? at >= MAX_COUNTER : at + 2 > Number.MAX_SAFE_INTEGER) break; // no counter after it
    const one = verifyHotp(key, first, { counter: at, window: 0, digits } as VerifyHotpOptions);
    if (!one.ok) continue;
    const two = verifyHotp(key, second, { counter: one.next, window: 0, digits } as VerifyHotpOptions);
    if (two.ok) return two;
  }
  return { ok: false, reason: 'mismatch' };
}
