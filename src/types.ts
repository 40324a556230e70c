/**
 * Types shared by several modules.
 *
 * @module
 */
import type { ALGORITHMS } from './constants.js';

/** HMAC hash function for HOTP/TOTP (RFC 6238 §1.2). Exact, upper-case spelling. */
export type Algorithm = (typeof ALGORITHMS)[number];

/** Options every code function takes. */
export interface CodeOptions {
  /** HMAC hash, `'SHA1'` by default. Must match the key's when an `OtpKey` is given. */
  algorithm?: Algorithm;
  /** Code length, 6..10, 6 by default (RFC 4226 §5.3). */
  digits?: number;
}

/**
 * A moment, wherever state changes with time (enrollment, credentials, recovery codes, the guard):
 * a `Date`, epoch milliseconds, or a clock function returning epoch milliseconds (so a test clock
 * can be passed as is). Omitted, it is `Date.now()`.
 */
export type Moment = Date | number | (() => number);

/** Options that place a moment on the TOTP time-step grid (RFC 6238 §4). */
export interface TimeOptions {
  /** The moment: a `Date` or epoch milliseconds (like `Date.now()`, the default). */
  time?: number | Date;
  /** Time step X in seconds, 30 by default. */
  period?: number;
  /** Epoch T0 in Unix seconds, 0 by default. */
  t0?: number;
}
