/**
 * Google Authenticator transfer URIs (`otpauth-migration://offline?data=…`), checked against
 * protobufjs, an independent protobuf implementation, in both directions: payloads it encodes from
 * the published schema are read by parseMigrationUri, and what buildMigrationUris writes decodes
 * with it to the same fields.
 */
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { hotp, parseOtpauthUri, totp, type OtpauthParams } from '../../src/index.js';
import { buildMigrationUris, parseMigrationUri } from '../../src/migration.js';
import { labelArb, secretArb } from '../../src/testing/arbitraries.js';
import { deterministicRandom } from '../../src/testing/index.js';
import { errorCode } from '../helpers.js';

// The schema as Google Authenticator's export uses it (field numbers and enum values).
const SCHEMA = `
syntax = "proto3";
message MigrationPayload {
  enum Algorithm { ALGORITHM_UNSPECIFIED = 0; SHA1 = 1; SHA256 = 2; SHA512 = 3; MD5 = 4; }
  enum DigitCount { DIGIT_COUNT_UNSPECIFIED = 0; SIX = 1; EIGHT = 2; }
  enum OtpType { OTP_TYPE_UNSPECIFIED = 0; HOTP = 1; TOTP = 2; }
  message OtpParameters {
    bytes secret = 1; string name = 2; string issuer = 3; Algorithm algorithm = 4;
    DigitCount digits = 5; OtpType type = 6; int64 counter = 7;
  }
  repeated OtpParameters otp_parameters = 1;
  int32 version = 2; int32 batch_size = 3; int32 batch_index = 4; int32 batch_id = 5;
}`;
const Payload = protobuf.parse(SCHEMA, { keepCase: true }).root.lookupType('MigrationPayload');

interface RawParameters {
  secret: Uint8Array;
  name?: string;
  issuer?: string;
  algorithm?: number;
  digits?: number;
  type?: number;
  counter?: number | bigint;
}

/** A transfer URI encoded by protobufjs, as Google Authenticator writes it (padded base64, percent-encoded). */
function encoded(
  accounts: RawParameters[],
  batch: { version?: number; batch_size?: number; batch_index?: number; batch_id?: number } = {},
): string {
  const message = Payload.fromObject({
    otp_parameters: accounts.map((a) => ({ ...a, counter: a.counter === undefined ? undefined : String(a.counter) })),
    version: 1,
    batch_size: 1,
    batch_index: 0,
    batch_id: -1_234_567,
    ...batch,
  });
  const bytes = Payload.encode(message).finish();
  return `otpauth-migration://offline?data=${encodeURIComponent(Buffer.from(bytes).toString('base64'))}`;
}

/** The payload of a transfer URI, decoded by protobufjs. */
function decoded(uri: string): {
  otp_parameters: Required<RawParameters>[];
  version: number;
  batch_size: number;
  batch_index: number;
  batch_id: number;
} {
  const data = decodeURIComponent(
    new URL(uri).searchParams.get('data') === null ? '' : uri.slice(uri.indexOf('data=') + 5),
  );
  const message = Payload.decode(Buffer.from(data, 'base64'));
  return Payload.toObject(message, { longs: String, bytes: Array, defaults: true }) as never;
}

const SECRET = Uint8Array.from({ length: 20 }, (_, i) => i + 1);
const NOW = Date.UTC(2026, 10, 23, 12);

describe('parseMigrationUri', () => {
  it('reads an export of TOTP and HOTP accounts into parseOtpauthUri results, codes included', () => {
    const uri = encoded(
      [
        { secret: SECRET, name: 'ACME:alice@example.com', issuer: 'ACME', algorithm: 1, digits: 1, type: 2 },
        { secret: SECRET, name: 'bob', issuer: 'Example Co', algorithm: 2, digits: 2, type: 2 },
        { secret: SECRET, name: 'carol', issuer: '', algorithm: 0, digits: 0, type: 1, counter: 42 },
      ],
      { batch_id: -1_234_567 },
    );
    const r = parseMigrationUri(uri);
    expect(r.batch).toEqual({ index: 0, size: 1, id: -1_234_567 });
    expect(r.version).toBe(1);
    expect(r.warnings).toEqual([]);
    expect(
      r.accounts.map(({ secret: _s, warnings, ...rest }) => ({ ...rest, warnings: warnings.map((w) => w.code) })),
    ).toEqual([
      {
        type: 'totp',
        period: 30,
        account: 'alice@example.com',
        issuer: 'ACME',
        algorithm: 'SHA1',
        digits: 6,
        warnings: [],
      },
      {
        type: 'totp',
        period: 30,
        account: 'bob',
        issuer: 'Example Co',
        algorithm: 'SHA256',
        digits: 8,
        warnings: ['NON_DEFAULT_ALGORITHM', 'NON_DEFAULT_DIGITS'],
      },
      {
        type: 'hotp',
        counter: 42,
        account: 'carol',
        issuer: undefined,
        algorithm: 'SHA1',
        digits: 6,
        warnings: ['NO_ISSUER'],
      },
    ]);
    expect(totp(r.accounts[0]!.secret, { time: NOW })).toBe(totp(SECRET, { time: NOW }));
    expect(totp(r.accounts[1]!.secret, { time: NOW, algorithm: 'SHA256', digits: 8 })).toBe(
      totp(SECRET, { time: NOW, algorithm: 'SHA256', digits: 8 }),
    );
    expect(hotp(r.accounts[2]!.secret, 42)).toBe(hotp(SECRET, 42));
  });

  it(
    'leaves out what TOTP/HOTP cannot use (MD5, no type, unknown digits) with a warning per ' +
      'account, in both modes',
    () => {
      const uri = encoded([
        { secret: SECRET, name: 'a', issuer: 'I', algorithm: 4, digits: 1, type: 2 },
        { secret: SECRET, name: 'b', issuer: 'I', algorithm: 1, digits: 1, type: 0 },
        { secret: SECRET, name: 'c', issuer: 'I', algorithm: 1, digits: 7, type: 2 },
        { secret: SECRET, name: 'd', issuer: 'I', algorithm: 9, digits: 1, type: 2 },
        { secret: SECRET, name: 'e', issuer: 'I', algorithm: 1, digits: 1, type: 2 },
      ]);
      for (const mode of ['strict', 'lenient'] as const) {
        const r = parseMigrationUri(uri, { mode });
        expect(r.accounts.map((a) => a.account)).toEqual(['e']);
        expect(r.warnings.map((w) => [w.code, w.index])).toEqual([
          ['UNSUPPORTED_ALGORITHM', 0],
          ['UNSUPPORTED_TYPE', 1],
          ['UNSUPPORTED_DIGITS', 2],
          ['UNSUPPORTED_ALGORITHM', 3],
        ]);
        expect(r.warnings[0]!.message).toContain('MD5');
      }
    },
  );

  it('applies parseOtpauthUri’s strict and lenient rules to each account', () => {
    const short = new Uint8Array(10).fill(7); // the 80-bit keys many services issued
    const legacy = encoded([{ secret: short, name: 'Old:bob', issuer: 'Old', algorithm: 1, digits: 1, type: 2 }]);
    expect(errorCode(() => parseMigrationUri(legacy))).toBe('ERR_URI_SECRET_TOO_SHORT');
    expect(parseMigrationUri(legacy, { mode: 'lenient' }).accounts[0]!.warnings.map((w) => w.code)).toEqual([
      'SECRET_SHORT',
    ]);

    const labelOnly = encoded([{ secret: SECRET, name: 'ACME:alice', issuer: '', algorithm: 1, digits: 1, type: 2 }]);
    expect(errorCode(() => parseMigrationUri(labelOnly))).toBe('ERR_URI_ISSUER_MISSING');
    expect(parseMigrationUri(labelOnly, { mode: 'lenient' }).accounts[0]).toMatchObject({
      issuer: 'ACME',
      account: 'alice',
    });

    const mismatch = encoded([
      { secret: SECRET, name: 'Other:alice', issuer: 'ACME', algorithm: 1, digits: 1, type: 2 },
    ]);
    for (const mode of ['strict', 'lenient'] as const)
      expect(errorCode(() => parseMigrationUri(mismatch, { mode }))).toBe('ERR_URI_ISSUER_MISMATCH');

    const control = encoded([
      { secret: SECRET, name: 'ali\u0007ce', issuer: 'ACME', algorithm: 1, digits: 1, type: 2 },
    ]);
    expect(errorCode(() => parseMigrationUri(control, { mode: 'lenient' }))).toBe('ERR_URI_LABEL');
  });

  it('reads base64url or unpadded data and a bare + turned into a space only in lenient mode', () => {
    const uri = encoded([
      { secret: new Uint8Array(32).fill(0xfb), name: 'x?>', issuer: 'I', algorithm: 1, digits: 1, type: 2 },
    ]);
    const data = decodeURIComponent(uri.slice(uri.indexOf('data=') + 5));
    expect(data).toMatch(/[+/]/); // the case that matters
    const variants = [
      data.replaceAll('+', '-').replaceAll('/', '_'),
      data.replace(/=+$/, ''),
      data.replaceAll('+', ' '),
    ];
    for (const v of variants.filter((x) => x !== data)) {
      const other = `otpauth-migration://offline?data=${encodeURIComponent(v)}`;
      expect(errorCode(() => parseMigrationUri(other))).toBe('ERR_MIGRATION_DATA');
      expect(parseMigrationUri(other, { mode: 'lenient' }).accounts[0]!.secret).toEqual(new Uint8Array(32).fill(0xfb));
    }
  });

  it('refuses other URIs and damaged payloads with a code and no URI text, quickly', () => {
    const good = encoded([{ secret: SECRET, name: 'a', issuer: 'I', algorithm: 1, digits: 1, type: 2 }]);
    const payload = Buffer.from(decodeURIComponent(good.slice(good.indexOf('data=') + 5)), 'base64');
    const withData = (bytes: Uint8Array) =>
      `otpauth-migration://offline?data=${encodeURIComponent(Buffer.from(bytes).toString('base64'))}`;
    const cases: [string, string][] = [
      ['otpauth://totp/a?secret=MZXW6YTBOI', 'ERR_MIGRATION_URI'],
      ['otpauth-migration://online?data=AA==', 'ERR_MIGRATION_URI'],
      ['otpauth-migration://offline?', 'ERR_MIGRATION_URI'],
      ['otpauth-migration://offline?data=', 'ERR_MIGRATION_URI'],
      [`${good}&data=AA==`, 'ERR_MIGRATION_URI'],
      ['otpauth-migration://offline?data=%E0%A4%A', 'ERR_MIGRATION_URI'],
      [`otpauth-migration://offline?data=${'A'.repeat(20_000)}`, 'ERR_MIGRATION_URI'],
      ['otpauth-migration://offline?data=*!*', 'ERR_MIGRATION_DATA'],
      ['otpauth-migration://offline?data=AAA=A', 'ERR_MIGRATION_DATA'],
      [withData(payload.subarray(0, payload.length - 3)), 'ERR_MIGRATION_DATA'], // truncated
      [withData(Uint8Array.of(0x10, ...Array(11).fill(0xff))), 'ERR_MIGRATION_DATA'], // an 11-byte varint
      [withData(Uint8Array.of(0x0b)), 'ERR_MIGRATION_DATA'], // a group (wire type 3)
      [withData(Uint8Array.of(0x10, 0x01, 0x0a)), 'ERR_MIGRATION_DATA'], // field 1 without its length
      [withData(Uint8Array.of(0x08, 0x01)), 'ERR_MIGRATION_DATA'], // accounts as a number
      [withData(Uint8Array.of(0x18, 0x02, 0x20, 0x02)), 'ERR_MIGRATION_DATA'], // batch index 2 of 2
      [withData(Uint8Array.of(0x0a, 0x04, 0x12, 0x02, 0xc3, 0x28)), 'ERR_MIGRATION_DATA'], // a name that is not UTF-8
      [withData(Uint8Array.of(0x0a, 0x04, 0x30, 0x02, 0x12, 0x00)), 'ERR_URI_SECRET_INVALID'], // no secret
      // 1001 accounts
      [withData(Uint8Array.from(Array.from({ length: 1001 }, () => [0x0a, 0x00]).flat())), 'ERR_MIGRATION_DATA'],
    ];
    for (const [uri, code] of cases) {
      const started = performance.now();
      let message = '';
      try {
        parseMigrationUri(uri, { mode: 'lenient' });
      } catch (e) {
        message = (e as Error).message;
        expect((e as { code?: string }).code, uri.slice(0, 80)).toBe(code);
      }
      expect(message, uri.slice(0, 80)).not.toBe('');
      expect(message).not.toContain('offline?');
      expect(performance.now() - started).toBeLessThan(100);
    }
    expect(errorCode(() => parseMigrationUri(42 as never))).toBe('ERR_INVALID_ARG_TYPE');
    expect(errorCode(() => parseMigrationUri(good, { mode: 'loose' as never }))).toBe('ERR_OUT_OF_RANGE');
    // Other query parameters are ignored, wherever they are.
    expect(parseMigrationUri(good.replace('?', '?v=2&')).accounts).toHaveLength(1);
    expect(parseMigrationUri(`${good}&v=2`).accounts).toHaveLength(1);
    // Unknown fields are skipped, as protobuf requires (a newer app may add some).
    const extended = withData(
      Uint8Array.of(...payload, 0x30, 0x05, 0x3d, 1, 2, 3, 4, 0x41, 1, 2, 3, 4, 5, 6, 7, 8, 0x4a, 0x01, 0x00),
    );
    expect(parseMigrationUri(extended).accounts).toHaveLength(1);
  });
});

describe('parseMigrationUri changes nothing silently', () => {
  const SECRET = new Uint8Array(20).fill(3);
  it('keeps a byte-order mark in a name, exactly, and warns about it', () => {
    const r = parseMigrationUri(encoded([{ secret: SECRET, name: '\uFEFFEvil:alice', issuer: '\uFEFFEvil', type: 2 }]));
    expect(r.accounts[0]).toMatchObject({ issuer: '\uFEFFEvil', account: 'alice' });
    expect(r.accounts[0]!.warnings.map((w) => w.code)).toContain('INVISIBLE_CHARACTERS');
  });

  it('refuses a negative int64 counter with a coded error (it was read as 2^64 - 1)', () => {
    expect(errorCode(() => parseMigrationUri(encoded([{ secret: SECRET, name: 'a', type: 1, counter: -1 }])))).toBe(
      'ERR_MIGRATION_DATA',
    );
  });

  it('property (protobufjs writes): names with invisible characters are read exactly and warned about', () => {
    const invisible = fc.constantFrom('\uFEFF', '\u200B', '\u202E', '\u2066', '\u3164', '\u034F', '\uFE0F', '\u00A0');
    const word = fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,11}$/);
    const withInvisible = fc
      .tuple(word, invisible, fc.nat())
      .map(([w, ch, at]) => w.slice(0, at % (w.length + 1)) + ch + w.slice(at % (w.length + 1)));
    fc.assert(
      fc.property(withInvisible, word, fc.boolean(), (issuer, account, inIssuer) => {
        const [i, a] = inIssuer ? [issuer, account] : [account, issuer];
        const r = parseMigrationUri(encoded([{ secret: SECRET, name: `${i}:${a}`, issuer: i, type: 2 }]), {
          mode: 'lenient',
        });
        expect(r.accounts[0]).toMatchObject({ issuer: i, account: a });
        expect(r.accounts[0]!.warnings.map((w) => w.code)).toContain('INVISIBLE_CHARACTERS');
      }),
      { numRuns: 200, seed: 7 },
    );
  });

  it('property (protobufjs writes): every negative counter is refused, every other one read exactly', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (counter) => {
        const uri = encoded([{ secret: SECRET, name: 'a', type: 1, counter }]);
        if (counter < 0n) expect(errorCode(() => parseMigrationUri(uri))).toBe('ERR_MIGRATION_DATA');
        else {
          const account = parseMigrationUri(uri).accounts[0]!;
          expect(account.type === 'hotp' && BigInt(account.counter)).toBe(counter);
        }
      }),
      { numRuns: 300, seed: 4226 },
    );
  });
});

describe('buildMigrationUris', () => {
  const accountArb: fc.Arbitrary<OtpauthParams> = fc.oneof(
    fc.record({
      type: fc.constant('totp' as const),
      secret: secretArb(),
      account: labelArb(40).filter((l) => !l.startsWith(' ')),
      issuer: fc.option(labelArb(40), { nil: undefined }),
      algorithm: fc.constantFrom('SHA1', 'SHA256', 'SHA512' as const),
      digits: fc.constantFrom(6, 8),
    }),
    fc.record({
      type: fc.constant('hotp' as const),
      secret: secretArb(),
      account: labelArb(40).filter((l) => !l.startsWith(' ')),
      issuer: fc.option(labelArb(40), { nil: undefined }),
      algorithm: fc.constantFrom('SHA1', 'SHA256', 'SHA512' as const),
      digits: fc.constantFrom(6, 8),
      counter: fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }),
    }),
  );

  it('property: protobufjs decodes what we write to the same fields, and we read back the same accounts', () => {
    fc.assert(
      fc.property(
        fc.array(accountArb, { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        (accounts, perUri, batchId) => {
          const uris = buildMigrationUris(accounts, { perUri, batchId });
          expect(uris).toHaveLength(Math.ceil(accounts.length / perUri));
          const fromProtobufjs = uris.map(decoded);
          for (const [index, p] of fromProtobufjs.entries())
            expect(p).toMatchObject({ version: 1, batch_size: uris.length, batch_index: index, batch_id: batchId });
          const flat = fromProtobufjs.flatMap((p) => p.otp_parameters);
          flat.forEach((p, i) => {
            const a = accounts[i]!;
            expect(Uint8Array.from(p.secret as unknown as number[])).toEqual(a.secret);
            expect(p.name).toBe(a.issuer === undefined ? a.account : `${a.issuer}:${a.account}`);
            expect(p.issuer).toBe(a.issuer ?? '');
            expect(p.algorithm).toBe({ SHA1: 1, SHA256: 2, SHA512: 3 }[a.algorithm!]);
            expect(p.digits).toBe(a.digits === 8 ? 2 : 1);
            expect(p.type).toBe(a.type === 'hotp' ? 1 : 2);
            expect(BigInt(p.counter as unknown as string)).toBe(a.type === 'hotp' ? BigInt(a.counter) : 0n);
          });
          const back = uris.flatMap((u) => parseMigrationUri(u).accounts);
          back.forEach((b, i) => {
            const a = accounts[i]!;
            expect(b).toMatchObject({
              type: a.type,
              account: a.account,
              issuer: a.issuer,
              algorithm: a.algorithm,
              digits: a.digits,
              secret: a.secret,
            });
            if (a.type === 'hotp') expect(BigInt(b.counter!)).toBe(BigInt(a.counter));
          });
        },
      ),
      { numRuns: 60, seed: 4226 },
    );
  });

  it(
    'writes what the app writes: padded standard base64, percent-encoded, one URI per 10 ' +
      'accounts by default, a random batch id',
    () => {
      const accounts = Array.from({ length: 23 }, (_, i) => ({
        type: 'totp' as const,
        secret: SECRET,
        account: `user${i}`,
        issuer: 'ACME',
      }));
      const uris = buildMigrationUris(accounts, { random: deterministicRandom('batch') });
      expect(uris).toHaveLength(3);
      const ids = new Set(uris.map((u) => parseMigrationUri(u).batch.id));
      expect(ids.size).toBe(1);
      expect(uris.map((u) => parseMigrationUri(u).batch)).toEqual(
        [0, 1, 2].map((index) => ({ index, size: 3, id: [...ids][0] })),
      );
      for (const u of uris) expect(u).toMatch(/^otpauth-migration:\/\/offline\?data=[A-Za-z0-9%]+$/);
      expect(uris.flatMap((u) => parseMigrationUri(u).accounts.map((a) => a.account))).toEqual(
        accounts.map((a) => a.account),
      );
      // parseOtpauthUri of an equivalent URI and the transfer agree.
      expect(parseMigrationUri(uris[0]!).accounts[0]).toEqual(
        parseOtpauthUri('otpauth://totp/ACME:user0?secret=AEBAGBAFAYDQQCIKBMGA2DQPCAIREEYU&issuer=ACME'),
      );
    },
  );

  it('refuses what the format cannot carry instead of changing it', () => {
    const base = { type: 'totp' as const, secret: SECRET, account: 'a', issuer: 'I' };
    expect(errorCode(() => buildMigrationUris([{ ...base, digits: 7 }]))).toBe('ERR_OUT_OF_RANGE');
    expect(errorCode(() => buildMigrationUris([{ ...base, period: 60 }]))).toBe('ERR_OUT_OF_RANGE');
    expect(
      errorCode(() => buildMigrationUris([{ type: 'hotp', secret: SECRET, account: 'a', counter: 2n ** 63n }])),
    ).toBe('ERR_OUT_OF_RANGE');
    expect(errorCode(() => buildMigrationUris([{ ...base, secret: new Uint8Array(10) }]))).toBe('ERR_OUT_OF_RANGE');
    expect(errorCode(() => buildMigrationUris([{ ...base, account: 'a:b' }]))).toBe('ERR_URI_LABEL');
    expect(errorCode(() => buildMigrationUris([]))).toBe('ERR_OUT_OF_RANGE');
    expect(errorCode(() => buildMigrationUris('x' as never))).toBe('ERR_INVALID_ARG_TYPE');
    expect(errorCode(() => buildMigrationUris([base], { perUri: 0 }))).toBe('ERR_OUT_OF_RANGE');
    expect(errorCode(() => buildMigrationUris([base], { batchId: 2 ** 31 }))).toBe('ERR_OUT_OF_RANGE');
    expect(buildMigrationUris([{ ...base, period: 30, digits: 8 }], { batchId: 0 })).toHaveLength(1);
  });
});
