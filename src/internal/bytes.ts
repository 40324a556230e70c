/**
 * Byte helpers: base64url and base64, UTF-8, constant-time comparison and randomness.
 *
 * @module
 */
import { TotpkitError } from '../errors.js';
import { typeError } from './assert.js';

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Unpadded base64url (RFC 4648 §5). */
export function toBase64url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64URL[n >>> 18]! + B64URL[(n >>> 12) & 63]! + B64URL[(n >>> 6) & 63]! + B64URL[n & 63]!;
  }
  if (i < bytes.length) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8);
    out += B64URL[n >>> 18]! + B64URL[(n >>> 12) & 63]!;
    if (i + 1 < bytes.length) out += B64URL[(n >>> 6) & 63]!;
  }
  return out;
}

/** Decode unpadded base64url, or `undefined` when it is not canonical base64url. */
export function fromBase64url(text: string): Uint8Array | undefined {
  if (text.length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let bits = 0;
  let value = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const v = B64URL.indexOf(text[i]!);
    if (v < 0) return undefined;
    value = (value << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (value >>> bits) & 0xff;
    }
  }
  if ((value & ((1 << bits) - 1)) !== 0) return undefined; // non-canonical trailing bits
  return out;
}

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Padded standard base64 (RFC 4648 §4), for `data:` URLs. Built in 32 KiB slices to stay under argument limits. */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/**
 * Equal-length byte arrays compared without an early exit: the time depends only on the length,
 * never on where the first difference is.
 */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** A source of cryptographically secure random bytes. */
export type RandomSource = (bytes: Uint8Array) => unknown;

/**
 * `n` random bytes from `random` or the platform CSPRNG.
 *
 * A source must fill the array it is given, as `crypto.getRandomValues` does. One that returns new
 * bytes instead (`(b) => crypto.randomBytes(b.length)`) leaves it all zero, which would make every
 * secret, nonce, token and recovery code the same: that is refused. Every request here is at least
 * 12 bytes, so a real CSPRNG yields all zeros with probability 2^-96.
 *
 * @throws TotpkitError `ERR_RANDOM_UNFILLED` when the bytes come back all zero
 */
export function randomBytes(n: number, random: unknown): Uint8Array {
  const out = new Uint8Array(n);
  if (random === undefined) {
    const c = (globalThis as { crypto?: { getRandomValues?: RandomSource } }).crypto;
    if (typeof c?.getRandomValues !== 'function') {
      throw new TotpkitError('ERR_RANDOM_UNAVAILABLE', 'no crypto.getRandomValues on this platform; pass "random"');
    }
    c.getRandomValues(out);
  } else {
    if (typeof random !== 'function') throw typeError('random', 'a function', random);
    (random as RandomSource)(out);
  }
  let any = 0;
  for (let i = 0; i < n; i++) any |= out[i]!;
  if (any === 0)
    throw new TotpkitError(
      'ERR_RANDOM_UNFILLED',
      '"random" left the buffer all zero: it must fill the Uint8Array it is given, like crypto.getRandomValues',
    );
  return out;
}
