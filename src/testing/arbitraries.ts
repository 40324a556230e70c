/**
 * `totpkit/testing/arbitraries`: fast-check arbitraries for property tests of code that uses
 * totpkit. fast-check is an optional peer dependency, needed by this entry point only; the rest of
 * `totpkit/testing` works without it.
 *
 * @module totpkit/testing/arbitraries
 */
import fc from 'fast-check';
import {
  ALGORITHMS,
  DEFAULT_PERIOD_SECONDS,
  MAX_COUNTER,
  MAX_DIGITS,
  MAX_GENERATED_SECRET_BYTES,
  MAX_LABEL_LENGTH,
  MAX_PERIOD_SECONDS,
  MIN_DIGITS,
  MIN_PERIOD_SECONDS,
  MIN_SECRET_BYTES_LEGACY,
  MIN_SECRET_BYTES_STRICT,
} from '../constants.js';
import { buildOtpauthUri, type OtpauthParams } from '../uri.js';

/** Secrets of valid length for new enrollments: 16..64 bytes. */
export const secretArb = (): fc.Arbitrary<Uint8Array> =>
  fc.uint8Array({ minLength: MIN_SECRET_BYTES_STRICT, maxLength: MAX_GENERATED_SECRET_BYTES });

/** Legacy short secrets (80..120 bits) that only lenient parsing accepts. */
export const legacySecretArb = (): fc.Arbitrary<Uint8Array> =>
  fc.uint8Array({ minLength: MIN_SECRET_BYTES_LEGACY, maxLength: MIN_SECRET_BYTES_STRICT - 1 });

/**
 * Account or issuer names over wide Unicode (astral planes, combining marks, RTL, emoji, spaces),
 * restricted to what the Key Uri Format allows: no `:`, no control characters, no leading space.
 */
export const labelArb = (maxLength = 40): fc.Arbitrary<string> =>
  fc
    .string({ unit: 'grapheme', minLength: 1, maxLength })
    .filter(
      (s) =>
        s.length <= MAX_LABEL_LENGTH &&
        !s.includes(':') &&
        !/[\u0000-\u001f\u007f-\u009f]/.test(s) &&
        !s.startsWith(' '),
    );

/** Valid `buildOtpauthUri` parameters: both types, every algorithm, 6..10 digits, any period or counter. */
export const otpauthParamsArb = (): fc.Arbitrary<OtpauthParams> => {
  const common = {
    secret: secretArb(),
    account: labelArb(),
    issuer: fc.option(labelArb(), { nil: undefined }),
    algorithm: fc.constantFrom(...ALGORITHMS),
    digits: fc.integer({ min: MIN_DIGITS, max: MAX_DIGITS }),
  };
  return fc.oneof(
    fc.record({
      type: fc.constant('totp' as const),
      ...common,
      period: fc.oneof(
        fc.constant(DEFAULT_PERIOD_SECONDS),
        fc.integer({ min: MIN_PERIOD_SECONDS, max: MAX_PERIOD_SECONDS }),
      ),
    }),
    fc.record({
      type: fc.constant('hotp' as const),
      ...common,
      counter: fc.oneof(fc.maxSafeNat(), fc.bigInt({ min: BigInt(Number.MAX_SAFE_INTEGER) + 1n, max: MAX_COUNTER })),
    }),
  );
};

/** `otpauth://` URIs built from {@link otpauthParamsArb}. */
export const otpauthUriArb = (): fc.Arbitrary<string> => otpauthParamsArb().map((p) => buildOtpauthUri(p));

/** Well-formed codes: exactly `digits` ASCII digits (not necessarily correct ones). */
export const codeArb = (digits = 6): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: digits, maxLength: digits });

/**
 * Inputs that are *not* well-formed codes and must be refused as `malformed`: wrong lengths, spaces,
 * signs, full-width and other Unicode digits, letters, numbers and other non-strings.
 */
export const malformedCodeArb = (digits = 6): fc.Arbitrary<unknown> =>
  fc.oneof(
    codeArb(digits).map((c) => ` ${c}`),
    codeArb(digits).map((c) => `${c} `),
    codeArb(digits - 1).map((c) => `+${c}`),
    codeArb(digits - 1).map((c) => `-${c}`),
    codeArb(digits).map((c) => c.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)))), // full width
    codeArb(digits).map((c) => c.replace(/\d/, (d) => String.fromCharCode(0x0660 + Number(d)))), // Arabic-Indic
    codeArb(digits + 1),
    codeArb(digits - 1),
    fc.string({ maxLength: 12 }).filter((s) => !/^[0-9]+$/.test(s) || s.length !== digits),
    fc.integer({ min: 0, max: 10 ** digits - 1 }),
    fc.constantFrom(null, undefined, NaN, {}, [], true),
  );

/** Clock skews between a phone and the server, in seconds (± `maxSteps` periods). */
export const clockSkewArb = ({
  maxSteps = 3,
  period = 30,
}: {
  maxSteps?: number;
  period?: number;
} = {}): fc.Arbitrary<number> => fc.integer({ min: -maxSteps * period, max: maxSteps * period });
