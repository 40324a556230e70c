/**
 * `OtpKey`: a secret compiled for repeated use.
 *
 * HMAC (RFC 2104) hashes the key, padded to one block and XOR-ed with `ipad`/`opad`, before it
 * hashes any message. For HOTP the message is only 8 bytes, so that key set-up is about half the
 * work of every code. An `OtpKey` does it once and then, per code, copies the two precomputed
 * hash states into scratch objects it owns, so computing a code allocates nothing.
 *
 * Results are identical to passing the raw secret: every function that takes a `Uint8Array`
 * secret takes an `OtpKey` too, and the test suite checks both paths against the RFC vectors.
 *
 * @module
 */
import { type _HMAC, hmac } from '@noble/hashes/hmac.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { DEFAULT_ALGORITHM } from './constants.js';
import { algorithmOption, optionsObject, rangeError, secretBytes } from './internal/assert.js';
import type { Algorithm } from './types.js';

// The plain class type: noble's TRet<> wrapper on `hmac.create` does not round-trip `_cloneInto`.
type Mac = _HMAC<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const HASHES = /* @__PURE__ */ Object.freeze({ SHA1: sha1, SHA256: sha256, SHA512: sha512 });

/**
 * A secret with its HMAC key schedule precomputed. Create one per credential with
 * {@link createOtpKey} and pass it wherever a secret is accepted.
 *
 * The object never exposes the secret: `JSON.stringify` and `util.inspect` show only the
 * algorithm. It is not serializable on purpose; store the secret (sealed), not the key.
 */
export class OtpKey {
  /** The HMAC hash this key was compiled for. */
  readonly algorithm: Algorithm;
  readonly #mac: Mac;
  #scratch: Mac | undefined;
  readonly #message = new Uint8Array(8);
  readonly #digest: Uint8Array;

  readonly #once: boolean;

  /** @internal use {@link createOtpKey} */
  constructor(secret: Uint8Array, algorithm: Algorithm, once = false) {
    this.algorithm = algorithm;
    this.#once = once;
    this.#mac = hmac.create(HASHES[algorithm], secret) as Mac;
    this.#digest = new Uint8Array(this.#mac.outputLen);
  }

  /**
   * RFC 4226 §5.3 dynamic truncation of HMAC(K, counter): the 31-bit value before `mod 10^d`.
   * The counter is given as its high and low 32-bit halves so the common path needs no BigInt.
   *
   * @internal
   */
  truncate(high: number, low: number): number {
    // A key compiled for one call (a raw secret passed to hotp/totp) hashes with its own state;
    // a reused key copies its precomputed state into scratch objects it keeps.
    const h = this.#once ? this.#mac : (this.#scratch = this.#mac._cloneInto(this.#scratch));
    const m = this.#message;
    m[0] = high >>> 24;
    m[1] = high >>> 16;
    m[2] = high >>> 8;
    m[3] = high;
    m[4] = low >>> 24;
    m[5] = low >>> 16;
    m[6] = low >>> 8;
    m[7] = low;
    h.update(m);
    const d = this.#digest;
    h.digestInto(d);
    // Offset from the low 4 bits of the LAST byte, whatever the hash length (RFC 4226 §5.4).
    const o = d[d.length - 1]! & 0x0f;
    return ((d[o]! & 0x7f) << 24) | (d[o + 1]! << 16) | (d[o + 2]! << 8) | d[o + 3]!;
  }

  /** Only the algorithm: a key must never reach a log through `JSON.stringify`. */
  toJSON(): { algorithm: Algorithm } {
    return { algorithm: this.algorithm };
  }

  /** Node's `util.inspect` / `console.log` view: no key material. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `OtpKey { algorithm: '${this.algorithm}' }`;
  }
}

/**
 * Compile a secret for repeated HOTP/TOTP use (the fast path for servers).
 *
 * @param secret - the raw key bytes, used exactly as given (no padding or truncation)
 * @param options - `algorithm`: `'SHA1'` (default), `'SHA256'` or `'SHA512'`
 * @returns a key accepted by {@link hotp}, {@link totp}, {@link verifyHotp} and {@link verifyTotp}
 * @throws TypeError `ERR_INVALID_ARG_TYPE` when `secret` is not a `Uint8Array`
 * @throws RangeError `ERR_OUT_OF_RANGE` for an empty or over-long secret or unknown algorithm
 * @example
 * ```ts
 * const key = createOtpKey(secret, { algorithm: 'SHA1' })
 * verifyTotp(key, code) // same result as verifyTotp(secret, code), less work
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc2104 (HMAC)
 */
export function createOtpKey(secret: Uint8Array, options?: { algorithm?: Algorithm }): OtpKey {
  const opts = optionsObject('options', options);
  return new OtpKey(secretBytes(secret), algorithmOption(opts.algorithm, DEFAULT_ALGORITHM));
}

/**
 * The key to compute with: the given `OtpKey` (whose algorithm must agree with an explicit
 * option) or a fresh one compiled from raw bytes; `uses = 1` when the caller computes exactly
 * one code with it, which saves copying the key state.
 *
 * @internal
 */
export function resolveKey(secret: Uint8Array | OtpKey, algorithm: unknown, uses = 2): OtpKey {
  if (secret instanceof OtpKey) {
    if (algorithm !== undefined && algorithmOption(algorithm, DEFAULT_ALGORITHM) !== secret.algorithm) {
      throw rangeError(
        `"algorithm" is ${String(algorithm)} but the OtpKey was compiled for ${secret.algorithm}`,
        'ERR_KEY_ALGORITHM_MISMATCH',
      );
    }
    return secret;
  }
  return new OtpKey(
    secretBytes(secret, 'secret', 'a Uint8Array or an OtpKey'),
    algorithmOption(algorithm, DEFAULT_ALGORITHM),
    uses === 1,
  );
}
