/**
 * Differential test against OATH Toolkit's `oathtool` (Debian package oathtool), an independent
 * C implementation: hundreds of random (key, algorithm, digits, period, t0, time) cases, plus
 * HOTP counters. oathtool supports 6..8 digits, so that is the range compared here.
 */
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createOtpKey, hotp, totp, verifyTotp, type Algorithm } from '../../src/index.js';
import { haveTool, hex } from '../helpers.js';

const available = haveTool('oathtool', '--version', 'apt-get install oathtool');
const CASES = 300;

function oathtool(args: string[]): string {
  return execFileSync('oathtool', args, { encoding: 'utf8' }).trim();
}

const caseArb = fc.record({
  key: fc.uint8Array({ minLength: 1, maxLength: 64 }),
  algorithm: fc.constantFrom<Algorithm>('SHA1', 'SHA256', 'SHA512'),
  digits: fc.integer({ min: 6, max: 8 }),
  period: fc.oneof(fc.constant(30), fc.integer({ min: 1, max: 3600 })),
  t0: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2_000_000_000 })),
  // Up to the year 2500: well past 2038 and 2106 (32-bit second and step overflows).
  offset: fc.integer({ min: 0, max: 16_000_000_000 }),
});

describe.runIf(available)('oathtool differential', () => {
  it(`TOTP agrees with oathtool on ${CASES} random cases`, () => {
    const samples = fc.sample(caseArb, { numRuns: CASES, seed: 6238 });
    for (const c of samples) {
      const seconds = c.t0 + c.offset;
      const expected = oathtool([
        `--totp=${c.algorithm}`,
        `--digits=${c.digits}`,
        `--time-step-size=${c.period}s`,
        `--start-time=@${c.t0}`,
        `--now=@${seconds}`,
        hex(c.key),
      ]);
      const options = { time: seconds * 1000, period: c.period, t0: c.t0, algorithm: c.algorithm, digits: c.digits };
      const context = JSON.stringify({ ...c, key: hex(c.key) });
      expect(totp(c.key, options), context).toBe(expected);
      expect(totp(createOtpKey(c.key, { algorithm: c.algorithm }), options), context).toBe(expected);
      expect(verifyTotp(c.key, expected, { ...options, window: 0 }).ok, context).toBe(true);
    }
  });

  it('HOTP agrees with oathtool on random keys and counters up to 2^53', () => {
    const samples = fc.sample(
      fc.record({
        key: fc.uint8Array({ minLength: 1, maxLength: 64 }),
        digits: fc.integer({ min: 6, max: 8 }),
        counter: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.maxSafeNat()),
      }),
      { numRuns: 100, seed: 4226 },
    );
    for (const c of samples) {
      const expected = oathtool([`--hotp`, `--digits=${c.digits}`, `--counter=${c.counter}`, hex(c.key)]);
      expect(hotp(c.key, c.counter, { digits: c.digits }), JSON.stringify({ ...c, key: hex(c.key) })).toBe(expected);
    }
  });
});
