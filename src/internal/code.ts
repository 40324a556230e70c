/**
 * Reading and writing the decimal code itself.
 *
 * @module
 */

/** 10^n for n = 0..10, so truncation never computes a power at run time. */
export const POW10 = /* @__PURE__ */ Object.freeze([1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10]);

/** The code as a zero-padded decimal string of exactly `digits` characters. */
export function formatCode(value: number, digits: number): string {
  return value.toString().padStart(digits, '0');
}

/**
 * The numeric value of a submitted code, or `-1` when it is not exactly `digits` ASCII digits.
 *
 * Strict on purpose: no trimming, no sign, no full-width digits, no numbers. `parseInt` style
 * leniency let `" 123456"` and `"123456x"` through in other libraries, and every accepted
 * spelling of one code is another key for a naive replay cache (CVE-2025-6014).
 *
 * The length check comes first so that a megabyte of input costs one comparison.
 */
export function parseCode(code: unknown, digits: number): number {
  if (typeof code !== 'string' || code.length !== digits) return -1;
  let value = 0;
  for (let i = 0; i < digits; i++) {
    const d = code.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}
