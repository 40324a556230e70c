// Password hashing for the example: scrypt at OWASP's minimum (N = 2^17, r = 8, p = 1), a random
// salt per password, the parameters stored with the hash so they can be raised later (a login with
// an older hash re-hashes it), and a constant-time comparison.
//
// A real deployment should prefer a dedicated password-hashing library with Argon2id (for
// example `argon2` or `@node-rs/argon2`), which OWASP ranks first; scrypt is used here because
// node:crypto ships it and the example should need nothing else.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt);
/** scrypt cost: 128 × N × r bytes of memory (128 MiB) and ~0.4 s of one core per hash. */
const PRODUCTION_LOG2_N = 17;
// Tests only: EXAMPLE_SCRYPT_LOG2N=10 makes a hash take a millisecond, so a test can log in hundreds
// of times (the race tests). Never set it in production; values below 10 or above 20 are ignored.
const testLog2N = Number(process.env.EXAMPLE_SCRYPT_LOG2N);
export const SCRYPT = {
  N: 2 ** (Number.isInteger(testLog2N) && testLog2N >= 10 && testLog2N <= 20 ? testLog2N : PRODUCTION_LOG2_N),
  r: 8,
  p: 1,
};
const KEY_BYTES = 32;
const maxmem = (p) => 256 * p.N * p.r; // twice what scrypt needs, so Node never refuses

/** `scrypt$N$r$p$salt$hash` (base64url). */
export async function hashPassword(password, params = SCRYPT) {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, KEY_BYTES, { ...params, maxmem: maxmem(params) });
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

/** A stored hash split into its parts; `undefined` when it is not one of ours. */
function parse(stored) {
  const parts = String(stored ?? '').split('$');
  // Hashes of earlier versions of this example: `scrypt$salt$hash` at N = 2^15.
  if (parts.length === 3 && parts[0] === 'scrypt') parts.splice(1, 0, String(2 ** 15), '8', '1');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  if (![N, r, p].every(Number.isSafeInteger) || N > 2 ** 20 || r > 16 || p > 4) return undefined;
  return { params: { N, r, p }, salt: Buffer.from(parts[4], 'base64url'), hash: Buffer.from(parts[5], 'base64url') };
}

// Unknown usernames are checked against this, so they take as long as known ones.
const DUMMY = await hashPassword('dummy password for unknown usernames');

/** Whether `password` matches `stored` (the dummy hash when there is no user). */
export async function checkPassword(password, stored) {
  const parsed = parse(stored ?? DUMMY) ?? parse(DUMMY);
  const actual = await scryptAsync(String(password), parsed.salt, KEY_BYTES, {
    ...parsed.params,
    maxmem: maxmem(parsed.params),
  });
  return stored !== undefined && parsed.hash.length === actual.length && timingSafeEqual(actual, parsed.hash);
}

/** A hash made with weaker parameters than today's: re-hash it at the next successful login. */
export function needsRehash(stored) {
  const parsed = parse(stored);
  return parsed === undefined || parsed.params.N < SCRYPT.N || parsed.params.r < SCRYPT.r || parsed.params.p < SCRYPT.p;
}
