/**
 * TOTP: time-based one-time passwords (RFC 6238) and window verification (clock skew tolerated within `window` steps).
 *
 * @module
 */
import { DEFAULT_T0_SECONDS } from './constants.js';
import { nonNegativeSafeInteger, optionsObject, rangeError } from './internal/assert.js';
import { formatCode, parseCode, pow10 } from './internal/code.js';
import { digitsOption, periodOption, TWO_32, windowOption } from './internal/options.js';
import { timeMs } from './internal/time.js';
import { type OtpKey, resolveKey } from './key.js';
import type { CodeOptions, TimeOptions } from './types.js';

/**
 * The RFC 6238 §4.2 time step `T = floor((unixSeconds − T0) / X)` for the given moment.
 *
 * Computed in integer milliseconds with an exact remainder, so it is exact for every time a
 * `Date` can hold, long after 2038 and for any period up to ~68 years. A moment before `t0`
 * has no step and is an error.
 *
 * @param options - `time` (a `Date` or epoch ms, default `Date.now()`), `period` seconds (30), `t0` seconds (0)
 * @returns the step, a non-negative safe integer
 * @throws TypeError `ERR_INVALID_ARG_TYPE` / RangeError `ERR_OUT_OF_RANGE` for invalid options or a time before `t0`
 * @example
 * ```ts
 * timeStep({ time: 59_000 }) // 1
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6238#section-4.2
 */
export function timeStep(options?: TimeOptions): number {
  const opts = optionsObject('options', options);
  const period = periodOption(opts.period);
  const t0 = opts.t0 === undefined ? DEFAULT_T0_SECONDS : nonNegativeSafeInteger('t0', opts.t0);
  const ms = timeMs(opts.time);
  // t0 * 1000 may round above 2^53, but then it is larger than any valid `ms` anyway.
  const elapsed = ms - t0 * 1000;
  if (elapsed < 0) throw rangeError('"time" must not be before "t0"');
  const stepMs = period * 1000;
  // `%` is exact on integer doubles, so (elapsed − remainder) is an exact multiple of stepMs
  // and the division is exact: no rounding near step boundaries, unlike Math.floor(a / b).
  return (elapsed - (elapsed % stepMs)) / stepMs;
}

/** Options of {@link totp}. */
export interface TotpOptions extends CodeOptions, TimeOptions {}

/**
 * Generate a TOTP code.
 *
 * @param secret - key bytes (used exactly as given) or an {@link OtpKey}
 * @param options - `time` (`Date` or epoch ms, default now), `period` (30 s), `t0` (0 s), `algorithm`, `digits`
 * @returns the code, zero-padded to `digits` characters
 * @throws TypeError `ERR_INVALID_ARG_TYPE` / RangeError `ERR_OUT_OF_RANGE` for invalid arguments
 * @throws RangeError `ERR_KEY_ALGORITHM_MISMATCH` when `algorithm` disagrees with the `OtpKey`
 * @example
 * ```ts
 * totp(secret) // code for now
 * totp(secret, { time: new Date('2033-05-18T03:33:20Z'), digits: 8 })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6238#section-4
 */
export function totp(secret: Uint8Array | OtpKey, options?: TotpOptions): string {
  const opts = optionsObject('options', options);
  const key = resolveKey(secret, opts.algorithm);
  const digits = digitsOption(opts.digits);
  const step = timeStep(opts);
  return formatCode(key.truncatedHmac(Math.floor(step / TWO_32), step >>> 0) % pow10(digits), digits);
}

/** Steps accepted before and after the current one. A number `n` means `{ past: n, future: n }`. */
export type TotpWindow = number | { past: number; future: number };

/** Options of {@link verifyTotp}. */
export interface VerifyTotpOptions extends TotpOptions {
  /** The acceptance window in steps, each side 0..10 (default 1). */
  window?: TotpWindow;
  /**
   * The last step already accepted for this credential. A code matching this step or an earlier
   * one is `'replayed'` (RFC 6238 §5.2). Store the `step` of each success and pass it here.
   * `null` (the empty column of a credential that never logged in) or omitted: none.
   */
  afterStep?: number | null;
}

/** Why a TOTP code was refused. */
export type TotpFailureReason = 'malformed' | 'mismatch' | 'replayed';

/**
 * Result of {@link verifyTotp}. `step` is the matched time step (store it as the next
 * `afterStep`); `delta` is `step − currentStep`: −1 for a code from the previous period.
 */
export type VerifyTotpResult =
  | { readonly ok: true; readonly step: number; readonly delta: number }
  | { readonly ok: false; readonly reason: TotpFailureReason };

/**
 * Verify a TOTP code within the acceptance window, refusing replays.
 *
 * Candidates are tried nearest first (0, −1, +1, −2, +2, …). A code that matches only steps at
 * or before `afterStep` is `'replayed'`; if it also matches a newer step, the newer one wins.
 * Never throws for a wrong or malformed code: anything but exactly `digits` ASCII digits is
 * `{ ok: false, reason: 'malformed' }`. Options are programmer input and do throw.
 *
 * @param secret - key bytes or an {@link OtpKey}
 * @param code - the code the user typed
 * @param options - time options, `algorithm`, `digits`, `window` (±1), `afterStep`
 * @returns `{ ok: true, step, delta }` or `{ ok: false, reason }`
 * @throws TypeError `ERR_INVALID_ARG_TYPE` / RangeError `ERR_OUT_OF_RANGE` for invalid options
 * @example
 * ```ts
 * const r = verifyTotp(key, input, { afterStep: user.lastStep })
 * if (r.ok) user.lastStep = r.step
 * else if (r.reason === 'replayed') …
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6238#section-5.2
 */
export function verifyTotp(secret: Uint8Array | OtpKey, code: string, options?: VerifyTotpOptions): VerifyTotpResult {
  const opts = optionsObject('options', options);
  const key = resolveKey(secret, opts.algorithm);
  const digits = digitsOption(opts.digits);
  const { past, future } = windowOption(opts.window);
  // `== null`: a nullable database column holds null for a credential that never logged in.
  const afterStep = opts.afterStep == null ? -1 : nonNegativeSafeInteger('afterStep', opts.afterStep);
  const step = timeStep(opts);

  const submitted = parseCode(code, digits);
  if (submitted < 0) return { ok: false, reason: 'malformed' };
  const modulus = pow10(digits);
  let replayed = false;
  // biome-ignore lint/complexity/useMathMinMax: the conditional is shorter in the core's bundle
  const reach = past > future ? past : future;
  for (let i = 0; i <= reach; i++) {
    // i = 0 once, then the past candidate before the future one at each distance.
    for (let side = i === 0 ? 1 : -1; side <= 1; side += 2) {
      if (side < 0 ? i > past : i > future) continue;
      const candidate = step + side * i;
      if (candidate < 0 || candidate > Number.MAX_SAFE_INTEGER) continue;
      // One integer comparison per candidate: no early exit inside a code's digits.
      if (key.truncatedHmac(Math.floor(candidate / TWO_32), candidate >>> 0) % modulus !== submitted) continue;
      if (candidate <= afterStep) {
        replayed = true;
        continue;
      }
      return { ok: true, step: candidate, delta: candidate - step };
    }
  }
  return { ok: false, reason: replayed ? 'replayed' : 'mismatch' };
}
