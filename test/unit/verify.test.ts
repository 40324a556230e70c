/**
 * Verification semantics: drift windows, replay refusal, HOTP look-ahead, and time arithmetic.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createOtpKey, hotp, timeStep, totp, verifyHotp, verifyTotp, type Algorithm } from '../../src/index.js';
import { MAX_COUNTER, MAX_WINDOW } from '../../src/limits.js';
import { referenceHotp, referenceStep } from '../helpers.js';

// Keys up to 300 bytes: longer than SHA-1/256's 64-byte block and SHA-512's 128-byte block, so
// RFC 2104's "hash the key first" branch is exercised for every algorithm.
const secretArb = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 64 }),
  fc.uint8Array({ minLength: 65, maxLength: 300 }),
);
const algorithmArb = fc.constantFrom<Algorithm>('SHA1', 'SHA256', 'SHA512');

describe('hotp matches a node:crypto reference', () => {
  it('for any key, counter (up to 2^64−1), algorithm and digits', () => {
    fc.assert(
      fc.property(
        secretArb,
        fc.bigInt({ min: 0n, max: MAX_COUNTER }),
        algorithmArb,
        fc.integer({ min: 6, max: 10 }),
        (secret, counter, algorithm, digits) => {
          const expected = referenceHotp(secret, counter, algorithm, digits);
          expect(hotp(secret, counter, { algorithm, digits })).toBe(expected);
          if (counter <= BigInt(Number.MAX_SAFE_INTEGER)) {
            expect(hotp(createOtpKey(secret, { algorithm }), Number(counter), { digits })).toBe(expected);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('at key lengths around both block sizes (63..65, 127..129 bytes)', () => {
    for (const algorithm of ['SHA1', 'SHA256', 'SHA512'] as const) {
      for (const length of [1, 63, 64, 65, 127, 128, 129, 1024]) {
        const secret = Uint8Array.from({ length }, (_, i) => (i * 31 + length) & 0xff);
        const key = createOtpKey(secret, { algorithm });
        for (const counter of [0, 1, 2 ** 32 + 5]) {
          const expected = referenceHotp(secret, BigInt(counter), algorithm, 8);
          expect(hotp(secret, counter, { algorithm, digits: 8 }), `${algorithm} ${length} ${counter}`).toBe(expected);
          expect(hotp(key, counter, { digits: 8 }), `${algorithm} ${length} ${counter} OtpKey`).toBe(expected);
        }
      }
    }
  });

  it('one OtpKey reused for many counters gives the same codes as fresh keys (state reloads per code)', () => {
    fc.assert(
      fc.property(
        secretArb,
        algorithmArb,
        fc.array(fc.bigInt({ min: 0n, max: MAX_COUNTER }), { minLength: 2, maxLength: 20 }),
        (secret, algorithm, counters) => {
          const key = createOtpKey(secret, { algorithm });
          for (const counter of counters) expect(hotp(key, counter)).toBe(referenceHotp(secret, counter, algorithm, 6));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('at the counter edges 2^32−1, 2^32, 2^53−1, 2^53 and 2^64−1', () => {
    const secret = new Uint8Array(20).fill(7);
    for (const c of [2n ** 32n - 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, MAX_COUNTER]) {
      expect(hotp(secret, c)).toBe(referenceHotp(secret, c, 'SHA1', 6));
    }
  });
});

describe('timeStep', () => {
  it('equals the exact BigInt floor((t − T0) / X) for any time, period and t0', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        fc.oneof(fc.constant(30), fc.integer({ min: 1, max: 2 ** 31 - 1 })),
        fc.integer({ min: 0, max: 2 ** 40 }),
        (time, period, t0) => {
          fc.pre(time >= t0 * 1000);
          expect(BigInt(timeStep({ time, period, t0 }))).toBe(referenceStep(time, period, t0));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('is exact at step boundaries where float division rounds up', () => {
    // (2^53 − 2) / 3000 is just below an integer in exact arithmetic; a naive Math.floor(a/b) can round up.
    for (const time of [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER - 1, 2 ** 52 + 1, 4102444800000 - 1]) {
      for (const period of [1, 3, 7, 30, 86_400]) {
        expect(BigInt(timeStep({ time, period }))).toBe(referenceStep(time, period, 0));
      }
    }
  });

  it('passes 2038 and 2106 without wrapping', () => {
    expect(timeStep({ time: Date.UTC(2038, 0, 19, 3, 14, 8) })).toBe(71582788);
    expect(timeStep({ time: Date.UTC(2106, 1, 7, 6, 28, 16), period: 1 })).toBe(2 ** 32);
  });

  it('refuses a time before t0', () => {
    expect(() => timeStep({ time: 1000, t0: 2 })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
  });
});

describe('verifyTotp window', () => {
  const windowArb = fc.record({
    past: fc.integer({ min: 0, max: MAX_WINDOW }),
    future: fc.integer({ min: 0, max: MAX_WINDOW }),
  });

  it('a code from time t verifies at t + k·period iff −future ≤ k ≤ past, with delta = −k', () => {
    fc.assert(
      fc.property(
        secretArb,
        fc.integer({ min: 30 * 1000 * 100, max: 4_000_000_000_000 }),
        fc.integer({ min: -MAX_WINDOW - 2, max: MAX_WINDOW + 2 }),
        windowArb,
        fc.constantFrom(30, 60, 1),
        (secret, t, k, window, period) => {
          const code = totp(secret, { time: t, period });
          const result = verifyTotp(secret, code, { time: t + k * period * 1000, window, period });
          const inside = k >= -window.future && k <= window.past;
          if (inside) {
            expect(result).toEqual({ ok: true, step: timeStep({ time: t, period }), delta: 0 - k });
          } else if (result.ok) {
            // Outside the window a match is only possible by a collision of two steps' codes
            // (probability ~1e-6 per step): it must then be a different step than the original.
            expect(result.step).not.toBe(timeStep({ time: t, period }));
          } else {
            expect(result.reason).toBe('mismatch');
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('a number window n means { past: n, future: n }, default 1', () => {
    const secret = new Uint8Array(20).fill(1);
    const t = 1_700_000_000_000;
    const previous = totp(secret, { time: t - 30_000 });
    const next = totp(secret, { time: t + 30_000 });
    expect(verifyTotp(secret, previous, { time: t })).toMatchObject({ ok: true, delta: -1 });
    expect(verifyTotp(secret, next, { time: t })).toMatchObject({ ok: true, delta: 1 });
    expect(verifyTotp(secret, previous, { time: t, window: 0 })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyTotp(secret, next, { time: t, window: { past: 1, future: 0 } })).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });
});

describe('verifyTotp replay refusal (afterStep)', () => {
  it('a second acceptance of the same step never happens when the caller stores `step`', () => {
    fc.assert(
      fc.property(
        secretArb,
        fc.integer({ min: 1_000_000_000_000, max: 2_000_000_000_000 }),
        fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 1, maxLength: 12 }),
        (secret, start, offsets) => {
          const key = createOtpKey(secret);
          let afterStep: number | undefined;
          const accepted = new Set<number>();
          let now = start;
          for (const offset of offsets) {
            now += 10_000; // time moves forward
            const code = totp(key, { time: now + offset * 30_000 });
            const r = verifyTotp(key, code, { time: now, afterStep });
            if (r.ok) {
              expect(accepted.has(r.step)).toBe(false);
              expect(afterStep === undefined || r.step > afterStep).toBe(true);
              accepted.add(r.step);
              afterStep = r.step;
            }
          }
        },
      ),
    );
  });

  it('reports replayed for the same code, and for an older step, but accepts a newer one', () => {
    const secret = new Uint8Array(20).fill(9);
    const t = 1_700_000_000_000;
    const code = totp(secret, { time: t });
    const first = verifyTotp(secret, code, { time: t });
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    expect(verifyTotp(secret, code, { time: t + 1000, afterStep: first.step })).toEqual({
      ok: false,
      reason: 'replayed',
    });
    const older = totp(secret, { time: t - 30_000 });
    expect(verifyTotp(secret, older, { time: t, afterStep: first.step })).toEqual({ ok: false, reason: 'replayed' });
    const newer = totp(secret, { time: t + 30_000 });
    expect(verifyTotp(secret, newer, { time: t, afterStep: first.step })).toEqual({
      ok: true,
      step: first.step + 1,
      delta: 1,
    });
  });
});

describe('verifyHotp', () => {
  const secret = new Uint8Array(20).fill(3);

  it('looks ahead only, never back', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: -20, max: 20 }),
        fc.integer({ min: 0, max: 10 }),
        (counter, k, window) => {
          const r = verifyHotp(secret, hotp(secret, Math.max(counter + k, 0)), { counter, window });
          if (counter + k >= counter && k <= window) {
            expect(r).toEqual({ ok: true, counter: counter + k, next: counter + k + 1 });
          } else if (r.ok) {
            expect(r.counter).not.toBe(counter + k); // only a code collision can match elsewhere
            expect(r.counter).toBeGreaterThanOrEqual(counter);
          }
        },
      ),
    );
  });

  it('keeps bigint counters bigint, including carries across 2^32 and the last counter 2^64−1', () => {
    const c = 2n ** 32n - 2n;
    expect(verifyHotp(secret, hotp(secret, c + 3n), { counter: c, window: 5 })).toEqual({
      ok: true,
      counter: c + 3n,
      next: c + 4n,
    });
    const last = MAX_COUNTER;
    expect(verifyHotp(secret, hotp(secret, last), { counter: last - 1n, window: 5 })).toEqual({
      ok: true,
      counter: last,
      next: last + 1n,
    });
    // At the last counter there is nothing to look ahead to: only 2^64−1 itself is a candidate, so a
    // wrong code is a mismatch (no wrap-around to counter 0, no overflow into a 9th byte).
    const wrong = hotp(secret, last) === '000000' ? '000001' : '000000';
    expect(verifyHotp(secret, wrong, { counter: last, window: 100 })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyHotp(secret, hotp(secret, 0n), { counter: last, window: 100 })).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('asks for a bigint when a number counter would leave the safe range', () => {
    expect(() => verifyHotp(secret, '123456', { counter: Number.MAX_SAFE_INTEGER - 2, window: 5 })).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }),
    );
  });

  it('states the real rule at the top of the range: the next counter, counter + window + 1, is at most 2^53-1', () => {
    // 2^53-1 + 0 is below 2^53, yet the counter after it is not safe: the message must say so.
    const at = (counter: number, window: number) => () => verifyHotp(secret, '123456', { counter, window });
    expect(at(Number.MAX_SAFE_INTEGER, 0)).toThrow(/"counter" \+ "window" \+ 1, must be at most 2\^53-1/);
    expect(at(Number.MAX_SAFE_INTEGER - 1, 0)).not.toThrow();
    expect(at(Number.MAX_SAFE_INTEGER - 6, 5)).not.toThrow();
    expect(at(Number.MAX_SAFE_INTEGER - 5, 5)).toThrow(/the next counter/);
  });
});

describe('papercuts a new user hits', () => {
  it('afterStep: null (a nullable column of a new credential) means none, like omitting it', () => {
    const secret = new Uint8Array(20).fill(4);
    const code = totp(secret, { time: 90_000 });
    expect(verifyTotp(secret, code, { time: 90_000, afterStep: null })).toEqual(
      verifyTotp(secret, code, { time: 90_000 }),
    );
    expect(verifyTotp(secret, code, { time: 90_000, afterStep: 3 })).toEqual({ ok: false, reason: 'replayed' });
  });

  it('a base32 string passed as a secret is refused with a pointer to decodeBase32', () => {
    for (const call of [
      () => totp('JBSWY3DPEHPK3PXP' as never),
      () => verifyTotp('JBSWY3DPEHPK3PXP' as never, '123456'),
      () => hotp('JBSWY3DPEHPK3PXP' as never, 0),
    ]) {
      expect(call).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', message: expect.stringContaining('decodeBase32') }),
      );
      expect(call).toThrow(expect.objectContaining({ message: expect.not.stringContaining('JBSW') }));
    }
  });
});

describe('an OtpKey reveals nothing of its secret', () => {
  it('JSON, util.inspect (even showHidden), structuredClone and own keys show only the algorithm', async () => {
    const { inspect } = await import('node:util');
    const secret = new Uint8Array(32).fill(0xab);
    const key = createOtpKey(secret, { algorithm: 'SHA256' });
    expect(JSON.stringify(key)).toBe('{"algorithm":"SHA256"}');
    expect(inspect(key, { showHidden: true, depth: 10 })).toBe("OtpKey { algorithm: 'SHA256' }");
    expect(Object.getOwnPropertyNames(key)).toEqual(['algorithm']);
    expect(Object.getOwnPropertySymbols(key)).toEqual([]);
    expect(structuredClone(key)).toEqual({ algorithm: 'SHA256' });
    expect(`${String(key)} ${JSON.stringify({ key })}`).not.toMatch(/ab|171/i);
  });
});
