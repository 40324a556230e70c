/**
 * Recovery codes: the way back in when the phone is lost (NIST SP 800-63B-4 §4.2.1).
 *
 * Each code is 16 characters from a 32-symbol alphabet without 0/O/1/I (80 random bits), shown as
 * `XXXX-XXXX-XXXX-XXXX`. Only hashes are stored. Because the codes carry 80 bits of entropy, a slow
 * password hash would add nothing but latency: guessing one code is 2^80 work however fast the
 * hash is. We use HMAC-SHA-256 keyed with a per-set random salt (so equal codes in two sets hash
 * differently and nothing can be precomputed), optionally with a server-side `pepper` so that a
 * database dump alone cannot even test a guess.
 *
 * Input is normalised before hashing (case folded, spaces and dashes removed), so `abcd-efgh…` and
 * `ABCDEFGH…` are the same code, and a used code stays used in every spelling. A new set replaces
 * the old one whole: store only the latest set, and every older code is gone with it.
 *
 * @module
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  DEFAULT_RECOVERY_CODES,
  MAX_RECOVERY_CODES,
  MAX_RECOVERY_INPUT_LENGTH,
  MIN_RECOVERY_PEPPER_BYTES,
  RECOVERY_ALPHABET,
  RECOVERY_CODE_LENGTH,
  RECOVERY_SALT_BYTES,
} from './constants.js';
import { integerOption, isBytes, optionsObject, rangeError, typeError } from './internal/assert.js';
import { fromBase64url, randomBytes, timingSafeEqual, toBase64url, utf8, type RandomSource } from './internal/bytes.js';
import { nowMs } from './internal/time.js';
import type { Moment } from './types.js';

/** The stored form of a set of recovery codes. JSON-serializable; holds no code in clear. */
export interface RecoveryCodeSet {
  readonly v: 1;
  /** Increases with every regeneration: lets a server detect a stale set. */
  readonly generation: number;
  /** base64url per-set salt. */
  readonly salt: string;
  /** One entry per code, in the order they were shown. */
  readonly codes: ReadonlyArray<{ readonly hash: string; readonly usedAt: number | null }>;
  readonly createdAt: number;
}

/** Options of {@link generateRecoveryCodes}. */
export interface GenerateRecoveryCodesOptions {
  /** How many codes, 1..50, 10 by default. */
  count?: number;
  /** The set being replaced; the new set's `generation` follows it. */
  previous?: RecoveryCodeSet;
  /** Optional server-side secret mixed into every hash (keep it out of the database). */
  pepper?: Uint8Array;
  now?: Moment;
  /** Randomness (tests only); the platform CSPRNG by default. */
  random?: RandomSource;
}

/** Plaintext codes to show once, and the set to store. */
export interface GeneratedRecoveryCodes {
  /** Show these to the user once, then forget them. */
  readonly codes: readonly string[];
  readonly set: RecoveryCodeSet;
}

/**
 * The canonical form of a code: upper case, no spaces or dashes; `undefined` when it cannot be one.
 * Only ASCII is looked at: `toUpperCase` would fold `ß` into `SS`, `ſ` into `S` and `ﬀ` into `FF`,
 * letting characters outside the alphabet stand for characters in it.
 */
function normalize(input: unknown): string | undefined {
  if (typeof input !== 'string' || input.length > MAX_RECOVERY_INPUT_LENGTH) return undefined;
  let out = '';
  for (let i = 0; i < input.length; i++) {
    let c = input.charCodeAt(i);
    if (c === 0x20 || c === 0x2d) continue; // space, dash
    if (c >= 0x61 && c <= 0x7a) c -= 0x20; // a-z → A-Z
    const ch = String.fromCharCode(c);
    if (c > 0x7e || !RECOVERY_ALPHABET.includes(ch)) return undefined;
    out += ch;
  }
  return out.length === RECOVERY_CODE_LENGTH ? out : undefined;
}

function digest(code: string, salt: Uint8Array, pepper: Uint8Array | undefined): Uint8Array {
  const key = pepper === undefined ? salt : hmac(sha256, pepper, salt);
  return hmac(sha256, key, utf8(code));
}

function pepperOption(value: unknown): Uint8Array | undefined {
  if (value === undefined) return undefined;
  if (!isBytes(value)) throw typeError('pepper', 'a Uint8Array', value);
  if (value.length < MIN_RECOVERY_PEPPER_BYTES)
    throw rangeError(`"pepper" must be at least ${MIN_RECOVERY_PEPPER_BYTES} bytes, got ${value.length}`);
  return value;
}

/**
 * Generate a new set of recovery codes.
 *
 * @param options - `count` (10), `previous`, `pepper`, `now`, `random`
 * @returns `{ codes, set }`: show `codes` once, store `set` (replacing any older set)
 * @throws TypeError `ERR_INVALID_ARG_TYPE` / RangeError `ERR_OUT_OF_RANGE` for invalid options
 * @example
 * ```ts
 * const { codes, set } = generateRecoveryCodes({ previous: user.recovery })
 * user.recovery = set; show(codes) // 'K7QM-XW3R-…'
 * ```
 * @see https://pages.nist.gov/800-63-4/sp800-63b.html (§4.2.1 account recovery)
 */
export function generateRecoveryCodes(options?: GenerateRecoveryCodesOptions): GeneratedRecoveryCodes {
  const opts = optionsObject('options', options);
  const count = integerOption('count', opts.count, DEFAULT_RECOVERY_CODES, 1, MAX_RECOVERY_CODES);
  const pepper = pepperOption(opts.pepper);
  const previous = opts.previous === undefined ? undefined : checkSet(opts.previous);
  const now = nowMs(opts.now);
  const salt = randomBytes(RECOVERY_SALT_BYTES, opts.random);
  const codes: string[] = [];
  const stored: { hash: string; usedAt: number | null }[] = [];
  for (let i = 0; i < count; i++) {
    // 5 bits per character from 80 random bits: one byte per character, low 5 bits, is unbiased
    // because 256 is a multiple of 32.
    const bytes = randomBytes(RECOVERY_CODE_LENGTH, opts.random);
    let code = '';
    for (const b of bytes) code += RECOVERY_ALPHABET[b & 31];
    codes.push(code.match(/.{4}/g)!.join('-'));
    stored.push({ hash: toBase64url(digest(code, salt, pepper)), usedAt: null });
  }
  return {
    codes,
    set: {
      v: 1,
      generation: previous === undefined ? 1 : previous.generation + 1,
      salt: toBase64url(salt),
      codes: stored,
      createdAt: now,
    },
  };
}

function checkSet(value: unknown): RecoveryCodeSet {
  const set = optionsObject('set', value as RecoveryCodeSet, true) as RecoveryCodeSet;
  if (
    set.v !== 1 ||
    !Array.isArray(set.codes) ||
    typeof set.salt !== 'string' ||
    fromBase64url(set.salt) === undefined
  ) {
    throw rangeError('"set" is not a totpkit recovery code set');
  }
  return set;
}

/** Result of {@link consumeRecoveryCode}: store `set` after a success. */
export type ConsumeRecoveryCodeResult =
  | { readonly ok: true; readonly set: RecoveryCodeSet; readonly index: number; readonly remaining: number }
  | { readonly ok: false; readonly reason: 'malformed' | 'mismatch' | 'used' };

/**
 * Use a recovery code: succeeds once per code, in any spelling (case, spaces, dashes).
 *
 * Every stored hash is compared, in constant time and without an early exit, so the time taken
 * does not tell which code (if any) matched. Store the returned set with a compare-and-set on the
 * old one, so that two concurrent uses of one code cannot both succeed.
 *
 * @param set - the stored set
 * @param input - what the user typed
 * @param options - `pepper` (if the set was made with one), `now`
 * @returns `{ ok: true, set, index, remaining }` or `{ ok: false, reason }`
 * @throws RangeError `ERR_OUT_OF_RANGE` when `set` is not a recovery code set
 * @example
 * ```ts
 * const r = consumeRecoveryCode(user.recovery, form.code)
 * if (r.ok) { user.recovery = r.set; if (r.remaining < 3) suggestRegenerating() }
 * ```
 */
export function consumeRecoveryCode(
  set: RecoveryCodeSet,
  input: string,
  options?: { pepper?: Uint8Array; now?: Moment },
): ConsumeRecoveryCodeResult {
  const s = checkSet(set);
  const opts = optionsObject('options', options);
  const pepper = pepperOption(opts.pepper);
  const now = nowMs(opts.now);
  const code = normalize(input);
  if (code === undefined) return { ok: false, reason: 'malformed' };
  const hash = digest(code, fromBase64url(s.salt)!, pepper);
  let found = -1;
  for (let i = 0; i < s.codes.length; i++) {
    const stored = fromBase64url(s.codes[i]!.hash);
    if (stored !== undefined && timingSafeEqual(hash, stored) && found < 0) found = i;
  }
  if (found < 0) return { ok: false, reason: 'mismatch' };
  if (s.codes[found]!.usedAt !== null) return { ok: false, reason: 'used' };
  const codes = s.codes.map((c, i) => (i === found ? { ...c, usedAt: now } : c));
  return { ok: true, set: { ...s, codes }, index: found, remaining: codes.filter((c) => c.usedAt === null).length };
}
