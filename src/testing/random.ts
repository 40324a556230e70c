/**
 * A deterministic random source for tests: the same seed gives the same secrets, tokens, nonces and
 * recovery codes on every run, so a failing test can be replayed exactly. Never for production:
 * anyone who knows the seed knows every value.
 *
 * @module
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { typeError } from '../internal/assert.js';
import type { RandomSource } from '../internal/bytes.js';
import { utf8 } from '../internal/bytes.js';

/**
 * A {@link RandomSource} that fills each array from SHA-256(seed ‖ counter) blocks: reproducible,
 * well spread, and it fills the array it is given (a source that does not is refused with
 * `ERR_RANDOM_UNFILLED` everywhere `random` is accepted).
 *
 * @param seed - any string; the same seed gives the same stream
 * @returns a source to pass as `random`
 * @throws TypeError `ERR_INVALID_ARG_TYPE` when `seed` is not a string
 * @example
 * ```ts
 * const random = deterministicRandom('test-42')
 * const a = generateSecret({ random })   // the same bytes on every run
 * ```
 */
export function deterministicRandom(seed: string): RandomSource {
  if (typeof seed !== 'string') throw typeError('seed', 'a string', seed);
  const prefix = utf8(seed);
  let counter = 0;
  return (bytes: Uint8Array) => {
    for (let offset = 0; offset < bytes.length; offset += 32) {
      const input = new Uint8Array(prefix.length + 8);
      input.set(prefix);
      new DataView(input.buffer).setFloat64(prefix.length, counter++);
      const block = sha256(input);
      bytes.set(block.subarray(0, Math.min(32, bytes.length - offset)), offset);
    }
    return bytes;
  };
}
