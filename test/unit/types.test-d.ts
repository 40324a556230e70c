/**
 * Type-level tests. `expectTypeOf` does nothing at run time; `npm run typecheck` (tsc, part of
 * `npm test`) is what checks these, including every `@ts-expect-error` line.
 */
import { describe, expectTypeOf, it } from 'vitest';
import {
  hotp,
  parseOtpauthUri,
  verifyHotp,
  verifyTotp,
  type ErrorCode,
  type ParsedOtpauthUri,
  type TotpFailureReason,
  type VerifyTotpResult,
} from '../../src/index.js';

const secret = new Uint8Array(20);

describe('types', () => {
  it('verifyTotp narrows on ok', () => {
    const r = verifyTotp(secret, '123456');
    expectTypeOf(r).toEqualTypeOf<VerifyTotpResult>();
    if (r.ok) {
      expectTypeOf(r.step).toEqualTypeOf<number>();
      expectTypeOf(r.delta).toEqualTypeOf<number>();
      // @ts-expect-error no reason on success
      void r.reason;
    } else {
      expectTypeOf(r.reason).toEqualTypeOf<TotpFailureReason>();
      expectTypeOf(r.reason).toEqualTypeOf<'malformed' | 'mismatch' | 'replayed'>();
      // @ts-expect-error no step on failure
      void r.step;
    }
  });

  it('verifyHotp keeps the counter type the caller chose', () => {
    const n = verifyHotp(secret, '123456', { counter: 5 });
    if (n.ok) expectTypeOf(n.next).toEqualTypeOf<number>();
    const b = verifyHotp(secret, '123456', { counter: 5n });
    if (b.ok) expectTypeOf(b.next).toEqualTypeOf<bigint>();
    // @ts-expect-error counter is required
    verifyHotp(secret, '123456', {});
  });

  it('parseOtpauthUri discriminates on type', () => {
    const p = parseOtpauthUri('otpauth://totp/a?secret=A');
    expectTypeOf(p).toEqualTypeOf<ParsedOtpauthUri>();
    if (p.type === 'totp') expectTypeOf(p.period).toEqualTypeOf<number>();
    else expectTypeOf(p.counter).toEqualTypeOf<number | bigint>();
  });

  it('rejects wrong argument types at compile time', () => {
    // @ts-expect-error a base32 string is not a secret
    hotp('JBSWY3DPEHPK3PXP', 0);
    // @ts-expect-error algorithm names are exact
    hotp(secret, 0, { algorithm: 'sha1' });
    expectTypeOf<'ERR_URI_SECRET_MISSING'>().toExtend<ErrorCode>();
    expectTypeOf<'ERR_INVALID_ARG_TYPE'>().toExtend<ErrorCode>();
  });
});
