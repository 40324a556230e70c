/**
 * A simulated authenticator app: it "scans" an `otpauth://` URI or a rendered QR matrix and shows
 * codes, with a configurable clock skew, so a test can run enrollment → confirmation → login
 * without a phone.
 *
 * @module
 */
import { hotp } from '../hotp.js';
import { optionsObject, typeError } from '../internal/assert.js';
import { timeMs } from '../internal/time.js';
import { createOtpKey } from '../key.js';
import { totp } from '../totp.js';
import type { Algorithm } from '../types.js';
import { parseOtpauthUri } from '../uri.js';
import { decodeQrMatrix } from './qr-decode.js';

/** Options of {@link simulateAuthenticator}. */
export interface SimulatedAuthenticatorOptions {
  /** How far the phone's clock is off, in seconds (negative: slow). 0 by default. */
  skewSeconds?: number;
  /** The test's clock, used when `code()` gets no time; `Date.now` by default. */
  clock?: () => number;
  /** Parse leniently, like a forgiving app. Strict by default. */
  mode?: 'strict' | 'lenient';
}

/** What the simulated app shows. */
export interface SimulatedAuthenticator {
  readonly type: 'totp' | 'hotp';
  readonly account: string;
  readonly issuer: string | undefined;
  readonly algorithm: Algorithm;
  readonly digits: number;
  /** TOTP: the code shown at `time` (plus the skew); the clock's now by default. HOTP: the next code. */
  code(time?: Date | number): string;
  /** HOTP only: the counter the next `code()` uses. */
  readonly counter: number | bigint | undefined;
  /** The URI that was scanned. */
  readonly uri: string;
}

/**
 * Scan a URI or QR matrix into a simulated authenticator.
 *
 * @param source - an `otpauth://` URI, a `QrMatrix` (from `toMatrix`) or its `modules`
 * @param options - `skewSeconds`, `clock`, `mode`
 * @returns the simulated app
 * @throws TotpkitError for an unreadable matrix or an invalid URI (the parser's codes)
 * @example
 * ```ts
 * const phone = simulateAuthenticator(toMatrix(started.uri), { clock, skewSeconds: -20 })
 * confirmEnrollment(started.enrollment, { token: started.token, code: phone.code(), keyring, now: clock() })
 * ```
 */
export function simulateAuthenticator(
  source: string | { modules: boolean[][] } | boolean[][],
  options?: SimulatedAuthenticatorOptions,
): SimulatedAuthenticator {
  const opts = optionsObject('options', options);
  let uri: string;
  if (typeof source === 'string') uri = source;
  else if (Array.isArray(source)) uri = decodeQrMatrix(source);
  else if (typeof source === 'object' && source !== null && Array.isArray((source as { modules?: unknown }).modules))
    uri = decodeQrMatrix((source as { modules: boolean[][] }).modules);
  else throw typeError('source', 'an otpauth:// URI, a QrMatrix or its modules', source);
  const parsed = parseOtpauthUri(uri, { mode: opts.mode });
  const skew = opts.skewSeconds ?? 0;
  if (typeof skew !== 'number' || !Number.isFinite(skew)) throw typeError('skewSeconds', 'a finite number', skew);
  const clock = opts.clock ?? Date.now;
  const key = createOtpKey(parsed.secret, { algorithm: parsed.algorithm });
  let counter = parsed.type === 'hotp' ? parsed.counter : undefined;
  return {
    type: parsed.type,
    account: parsed.account,
    issuer: parsed.issuer,
    algorithm: parsed.algorithm,
    digits: parsed.digits,
    uri,
    get counter() {
      return counter;
    },
    code(time?: Date | number): string {
      if (parsed.type === 'hotp') {
        const shown = hotp(key, counter!, { digits: parsed.digits });
        counter = typeof counter === 'bigint' ? counter + 1n : (counter as number) + 1;
        return shown;
      }
      const at = timeMs(time ?? clock(), 'time') + Math.round(skew * 1000);
      return totp(key, { time: Math.max(0, at), period: parsed.period, digits: parsed.digits });
    },
  };
}
