/**
 * `OtpKey`: a secret compiled for repeated use.
 *
 * HMAC (RFC 2104) hashes the key, padded to one block and XOR-ed with `ipad`/`opad`, before it
 * hashes any message. An OTP message is one 8-byte counter, so after that key set-up a code is
 * exactly two compressions: the counter (padded to one block) from the `ipad` state, then the
 * inner digest (padded to one block) from the `opad` state. An `OtpKey` runs the key set-up once
 * and keeps the two chaining states; per code it loads a state into its own compression object,
 * compresses a block it prepared in advance (only the counter and the inner digest change) and
 * truncates straight from the final state words. Nothing is allocated for buffers and no
 * streaming-hash bookkeeping (buffering, length counting, padding) runs per code.
 *
 * The compression functions are @noble/hashes' own SHA-1/SHA-256/SHA-512 classes; only the
 * HMAC framing around them is ours. The RFC 4226/6238 vectors, `oathtool` and a property test
 * against `node:crypto`'s HMAC (keys of 1..300 bytes, every algorithm) check that framing.
 *
 * Results are identical to passing the raw secret: every function that takes a `Uint8Array`
 * secret takes an `OtpKey` too.
 *
 * @module
 */
import { _SHA1 } from '@noble/hashes/legacy.js';
import { _SHA256, _SHA512 } from '@noble/hashes/sha2.js';
import { DEFAULT_ALGORITHM } from './constants.js';
import { TotpkitError } from './errors.js';
import { optionsObject, rangeError, checkSecretBytes } from './internal/assert.js';
import { BRAND } from './internal/brand.js';
import { algorithmOption } from './internal/options.js';
import type { Algorithm } from './types.js';

/**
 * The members of noble's Merkle–Damgård hash classes this module drives directly. `process`,
 * `get`, `set` and `roundClean` are `protected` in noble's typings (they are the compression
 * function and the chaining state); `update`/`digest` are public and hash an over-long key.
 */
interface Compression {
  readonly blockLen: number;
  readonly outputLen: number;
  process(block: DataView, offset: number): void;
  get(): number[];
  set(...state: number[]): void;
  roundClean(): void;
  update(data: Uint8Array): Compression;
  digest(): Uint8Array;
}

// Module-private and never handed out, so it needs no Object.freeze (whose bytes the core's bundle
// would carry).
const HASHES = { SHA1: _SHA1, SHA256: _SHA256, SHA512: _SHA512 } as const;

const IPAD = 0x36;
const OPAD = 0x5c;

/**
 * Writes RFC 6234 padding into the block at `offset` for a message whose last block holds `used`
 * bytes and follows exactly one block (the HMAC key block). The bit length, `(block + used) * 8`,
 * is under 2^32, so only the last 32 bits of SHA-1/256's 64-bit or SHA-512's 128-bit length
 * field are non-zero.
 */
function pad(view: DataView, offset: number, blockLen: number, used: number): void {
  view.setUint8(offset + used, 0x80);
  view.setUint32(offset + blockLen - 4, (blockLen + used) * 8);
}

/**
 * The known-answer self-test, run when the first key is compiled. This module drives noble's
 * compression classes through members outside its public API (`process`, `get`, `set`), so a
 * change inside @noble/hashes could silently make every key give the same code for every counter,
 * and any code would verify for any user. The RFC vectors below catch that before any code is
 * computed; if they fail, no key is ever compiled in this process.
 *
 * The state only moves forward (not run → passed or failed): it is a memo of a fact
 * about the installed dependency, not configuration, which is why it may live at module level.
 */
let selfTest = 0; // 0 not run, 1 passed (or running: the keys it compiles skip it), 2 failed

/**
 * Runs the self-test once; throws `ERR_SELF_TEST` now and for ever after if it failed. The vectors
 * are RFC 6238 Appendix B at t = 1111111109 s (counter 37037036) as 8-digit codes, each algorithm
 * with its own seed ("1234567890" repeated to 20, 32 and 64 bytes). Any drift in the compression
 * internals (a no-op `set`, an ignored counter, a wrong state layout) changes the code, and misses
 * a known 8-digit answer but with probability 10^-8. Kept small: it ships in every bundle that
 * computes codes, under a size budget.
 */
function checkSelfTest(): void {
  if (selfTest === 0) {
    selfTest = 1;
    try {
      const vectors = [
        ['SHA1', 20, 7081804],
        ['SHA256', 32, 68084774],
        ['SHA512', 64, 25091201],
      ] as const;
      if (
        !vectors.every(
          ([algorithm, length, code]) =>
            new OtpKey(
              Uint8Array.from({ length }, (_, j) => 48 + ((j + 1) % 10)),
              algorithm,
            ).truncatedHmac(0, 37037036) %
              1e8 ===
            code,
        )
      )
        selfTest = 2;
    } catch {
      selfTest = 2; // a throwing hash is as broken as a wrong one
    }
  }
  if (selfTest === 2) throw new TotpkitError('ERR_SELF_TEST', 'HMAC self-test failed (RFC 6238 vectors)');
}

/**
 * A secret with its HMAC key schedule precomputed. Create one per credential with
 * {@link createOtpKey} and pass it wherever a secret is accepted.
 *
 * The object never exposes the secret: everything derived from it lives in private (`#`) fields,
 * which `JSON.stringify`, `util.inspect` (even with `showHidden`) and `structuredClone` do not see;
 * they show only the algorithm. It is not serializable on purpose; store the secret (sealed), not
 * the key.
 */
export class OtpKey {
  /** The HMAC hash this key was compiled for. */
  readonly algorithm: Algorithm;
  readonly #hash: Compression;
  /** Chaining state after compressing `K ^ ipad` (inner) and `K ^ opad` (outer). */
  readonly #inner: number[];
  readonly #outer: number[];
  /**
   * Two padded blocks in one buffer: the counter block at 0 and the inner-digest block at
   * `blockLen`. Only their message bytes change per code. (One buffer and one view because
   * allocating a DataView costs about as much as a compression.)
   */
  readonly #blocks: DataView;
  /** Digest length in 32-bit words: 5, 8 or 16. */
  readonly #words: number;

  /**
   * @internal The brand (see `internal/brand.ts`), on the class rather than the instance so that
   * inspecting a key still shows only its algorithm. A key made by another copy of totpkit is
   * recognised by it; only `truncatedHmac`, a method of the key itself, is ever called on such a key.
   */
  static readonly [BRAND] = 'OtpKey';

  /** @internal use {@link createOtpKey} */
  constructor(secret: Uint8Array, algorithm: Algorithm) {
    checkSelfTest();
    this.algorithm = algorithm;
    const Hash = HASHES[algorithm];
    const hash = new Hash() as unknown as Compression;
    const { blockLen, outputLen } = hash;
    const bytes = new Uint8Array(2 * blockLen);
    const blocks = new DataView(bytes.buffer);
    // RFC 2104 §2: a key longer than the block is hashed first; a shorter one is zero-padded.
    // The key block is built where the inner-digest block will live, and wiped after use.
    if (secret.length > blockLen) {
      const digest = (new Hash() as unknown as Compression).update(secret).digest();
      bytes.set(digest, blockLen);
      digest.fill(0); // as key-equivalent as the secret itself
    } else {
      bytes.set(secret, blockLen);
    }
    const initial = hash.get();
    for (let i = blockLen; i < 2 * blockLen; i++) bytes[i]! ^= IPAD;
    hash.process(blocks, blockLen);
    this.#inner = hash.get();
    hash.set(...initial);
    for (let i = blockLen; i < 2 * blockLen; i++) bytes[i]! ^= IPAD ^ OPAD;
    hash.process(blocks, blockLen);
    this.#outer = hash.get();
    // The padded key and noble's message schedule (derived from it) must not outlive set-up.
    bytes.fill(0);
    hash.roundClean();
    pad(blocks, 0, blockLen, 8);
    pad(blocks, blockLen, blockLen, outputLen);
    this.#hash = hash;
    this.#blocks = blocks;
    this.#words = outputLen / 4;
  }

  /**
   * HMAC(K, counter) — the inner and the outer compression — followed by RFC 4226 §5.3 dynamic
   * truncation: the 31-bit value before `mod 10^d`.
   * The counter is given as its high and low 32-bit halves so the common path needs no BigInt.
   *
   * @internal
   */
  truncatedHmac(high: number, low: number): number {
    const hash = this.#hash;
    const blocks = this.#blocks;
    const n = this.#words;
    const second = blocks.byteLength / 2;
    blocks.setUint32(0, high);
    blocks.setUint32(4, low);
    hash.set(...this.#inner);
    hash.process(blocks, 0);
    let state = hash.get();
    // The chaining state words are the digest, big-endian (SHA-512's as high/low halves in order).
    for (let i = 0; i < n; i++) blocks.setUint32(second + 4 * i, state[i]!);
    hash.set(...this.#outer);
    hash.process(blocks, second);
    state = hash.get();
    // Offset from the low 4 bits of the LAST digest byte, whatever the hash (RFC 4226 §5.4),
    // then the 4 bytes from there, read across the word boundary when unaligned.
    const offset = state[n - 1]! & 0x0f;
    const word = offset >>> 2;
    const shift = (offset & 3) * 8;
    // Aligned (shift 0) needs no next word: `shift && …` is then 0 (a shift by 32 would be by 0).
    return ((state[word]! << shift) | (shift && state[word + 1]! >>> (32 - shift))) & 0x7fffffff;
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
  // Users of other libraries pass base32 text first: say what to do with it.
  return new OtpKey(
    checkSecretBytes(secret, 'secret', 'a Uint8Array (see decodeBase32)'),
    algorithmOption(opts.algorithm, DEFAULT_ALGORITHM),
  );
}

/**
 * The key to compute with: the given `OtpKey` (whose algorithm must agree with an explicit
 * option) or a fresh one compiled from raw bytes.
 *
 * @internal
 */
export function resolveKey(secret: Uint8Array | OtpKey, algorithm: unknown): OtpKey {
  // A brand check, not `instanceof`: a key from another copy of totpkit is still a key.
  if ((secret as { constructor?: { [BRAND]?: unknown } } | null)?.constructor?.[BRAND]) {
    // (Casts, not a local: the core's bundle counts bytes.)
    if (algorithm !== undefined && algorithmOption(algorithm, DEFAULT_ALGORITHM) !== (secret as OtpKey).algorithm) {
      throw rangeError(
        `"algorithm" ${String(algorithm)} differs from the OtpKey's ${(secret as OtpKey).algorithm}`,
        'ERR_KEY_ALGORITHM_MISMATCH',
      );
    }
    return secret as OtpKey;
  }
  return new OtpKey(
    // Users of other libraries pass base32 text first: say what to do with it.
    checkSecretBytes(secret, 'secret', 'a Uint8Array or an OtpKey (see decodeBase32)'),
    algorithmOption(algorithm, DEFAULT_ALGORITHM),
  );
}
