/**
 * Hostile input against every export: each value either gets the documented error code, the
 * documented `{ ok: false, reason: 'malformed' }`, or (where the rules say so) is accepted, and
 * every call returns quickly. Expectations come from the documented rules of each argument slot,
 * not from running the code.
 */
import { describe, expect, it } from 'vitest';
import * as account from '../../src/account/index.js';
import * as compat from '../../src/compat.js';
import * as totpkit from '../../src/index.js';
import * as inspect from '../../src/inspect.js';
import * as migration from '../../src/migration.js';
import * as qr from '../../src/qr/index.js';
import * as guard from '../../src/guard/index.js';
import * as redis from '../../src/adapters/redis.js';
import * as postgres from '../../src/adapters/postgres.js';
import * as testing from '../../src/testing/index.js';
import { errorOf } from '../helpers.js';

const SECRET = new Uint8Array(20).fill(1);
const MEGABYTE = '1'.repeat(1 << 20);
const FULL_WIDTH = '１２３４５６';

const HOSTILE: [label: string, value: unknown][] = [
  ['undefined', undefined],
  ['null', null],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
  // biome-ignore lint/correctness/noPrecisionLoss: the literal itself is the hostile input (it reads as Infinity)
  ['1e400', 1e400],
  ['-1', -1],
  ['-0', -0],
  ['1.5', 1.5],
  ['2**53', 2 ** 53],
  ['-1n', -1n],
  ['2n**64n', 2n ** 64n],
  ['"123456"', '123456'],
  ['"123456 "', '123456 '],
  ['" 123456"', ' 123456'],
  ['"+123456"', '+123456'],
  ['"-12345"', '-12345'],
  ['"12345x"', '12345x'],
  ['"1e5"', '1e5'],
  ['full-width digits', FULL_WIDTH],
  ['empty string', ''],
  ['1 MB string', MEGABYTE],
  ['number 123456', 123456],
  ['Uint16Array', new Uint16Array(10)],
  ['Uint8ClampedArray', new Uint8ClampedArray(20)],
  ['Int8Array', new Int8Array(20)],
  ['DataView', new DataView(new ArrayBuffer(20))],
  ['ArrayBuffer', new ArrayBuffer(20)],
  ['empty Uint8Array', new Uint8Array(0)],
  ['2 KB Uint8Array', new Uint8Array(2048)],
  ['Map', new Map([['digits', 8]])],
  ['array', [1, 2, 3]],
  ['plain object', { toString: () => '123456' }],
  ['invalid Date', new Date(Number.NaN)],
  ['Date before 1970', new Date(-1000)],
  ['function', () => 1],
  ['symbol', Symbol('x')],
  ['true', true],
];

type Outcome = string; // an error code, 'ok', or 'malformed'

const isObjectLike = (v: unknown) => typeof v === 'object' && v !== null;
const plainObject = (v: unknown) => isObjectLike(v) && Object.prototype.toString.call(v) === '[object Object]';

/** Documented rules for each kind of argument. */
const RULES = {
  /** Raw key bytes: a Uint8Array of 1..1024 bytes. */
  secret(v: unknown): Outcome {
    if (!(v instanceof Uint8Array)) return 'ERR_INVALID_ARG_TYPE';
    return v.length >= 1 && v.length <= 1024 ? 'ok' : 'ERR_OUT_OF_RANGE';
  },
  /** A counter: safe non-negative integer (−0 is 0) or bigint 0..2^64−1. */
  counter(v: unknown): Outcome {
    if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? 'ok' : 'ERR_OUT_OF_RANGE';
    if (typeof v === 'bigint') return v >= 0n && v < 2n ** 64n ? 'ok' : 'ERR_OUT_OF_RANGE';
    return 'ERR_INVALID_ARG_TYPE';
  },
  /** An integer option in min..max; `undefined` means the default. */
  integer:
    (min: number, max: number) =>
    (v: unknown): Outcome => {
      if (v === undefined) return 'ok';
      if (typeof v !== 'number') return 'ERR_INVALID_ARG_TYPE';
      return Number.isInteger(v) && v >= min && v <= max ? 'ok' : 'ERR_OUT_OF_RANGE';
    },
  /** A moment: a valid Date from 1970 on, or non-negative safe integer milliseconds. */
  time(v: unknown): Outcome {
    if (v === undefined) return 'ok';
    if (v instanceof Date) return v.getTime() >= 0 ? 'ok' : 'ERR_OUT_OF_RANGE';
    if (typeof v !== 'number') return 'ERR_INVALID_ARG_TYPE';
    return Number.isSafeInteger(v) && v >= 0 ? 'ok' : 'ERR_OUT_OF_RANGE';
  },
  /** A submitted code: exactly six ASCII digits, anything else is malformed (never a throw). */
  code(v: unknown): Outcome {
    return typeof v === 'string' && /^[0-9]{6}$/.test(v) ? 'ok' : 'malformed';
  },
  /** An options object: omitted, or an ordinary object. */
  options(v: unknown): Outcome {
    if (v === undefined) return 'ok';
    return plainObject(v) ? 'ok' : 'ERR_INVALID_ARG_TYPE';
  },
  /** Text input: a string, else a type error; the 1 MB string is over every length limit. */
  text:
    (overLimit: string) =>
    (v: unknown): Outcome => {
      if (typeof v !== 'string') return 'ERR_INVALID_ARG_TYPE';
      return v.length > 4096 ? overLimit : 'ok-or-data-error';
    },
};

/** CPU time of this process in ms: unlike wall time, it does not grow while other test files hold the cores. */
const cpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

function run(call: () => unknown): { outcome: Outcome; ms: number; error?: unknown } {
  const start = cpuMs();
  try {
    const result = call() as { ok?: boolean; reason?: string } | undefined;
    const ms = cpuMs() - start;
    if (result && typeof result === 'object' && result.ok === false)
      return { outcome: result.reason ?? 'no reason', ms };
    return { outcome: 'ok', ms };
  } catch (error) {
    return { outcome: String((error as { code?: unknown }).code), ms: cpuMs() - start, error };
  }
}

interface Slot {
  name: string;
  call: (v: unknown) => unknown;
  expect: (v: unknown) => Outcome;
}

// The table calls every export with values of the wrong type on purpose.
// biome-ignore lint/suspicious/noExplicitAny: see above
const t = { ...totpkit, ...compat, ...inspect, ...migration } as any;
// biome-ignore lint/suspicious/noExplicitAny: see above
const q = qr as any;
/** QR payloads: strings only; the 1 MB string is over every capacity. */
const qrText = (v: unknown): Outcome =>
  typeof v !== 'string' ? 'ERR_INVALID_ARG_TYPE' : v.length > 2331 ? 'ERR_QR_CAPACITY' : 'ok';
/** Colours: `#rgb`/`#rrggbb` strings only; none of the hostile values is one. */
const color = (v: unknown): Outcome =>
  v === undefined ? 'ok' : typeof v === 'string' ? 'ERR_OUT_OF_RANGE' : 'ERR_INVALID_ARG_TYPE';
const SLOTS: Slot[] = [
  { name: 'hotp(secret)', call: (v) => t.hotp(v, 0), expect: RULES.secret },
  { name: 'hotp(counter)', call: (v) => t.hotp(SECRET, v), expect: RULES.counter },
  { name: 'hotp(options)', call: (v) => t.hotp(SECRET, 0, v), expect: RULES.options },
  { name: 'hotp({ digits })', call: (v) => t.hotp(SECRET, 0, { digits: v }), expect: RULES.integer(6, 10) },
  { name: 'totp(secret)', call: (v) => t.totp(v), expect: RULES.secret },
  { name: 'totp(options)', call: (v) => t.totp(SECRET, v), expect: RULES.options },
  { name: 'totp({ time })', call: (v) => t.totp(SECRET, { time: v }), expect: RULES.time },
  { name: 'totp({ period })', call: (v) => t.totp(SECRET, { period: v }), expect: RULES.integer(1, 2 ** 31 - 1) },
  { name: 'totp({ digits })', call: (v) => t.totp(SECRET, { digits: v }), expect: RULES.integer(6, 10) },
  { name: 'timeStep({ time })', call: (v) => t.timeStep({ time: v }), expect: RULES.time },
  {
    name: 'verifyTotp(secret)',
    call: (v) => t.verifyTotp(v, '123456'),
    expect: (v) => (RULES.secret(v) === 'ok' ? 'mismatch-or-ok' : RULES.secret(v)),
  },
  {
    name: 'verifyTotp(code)',
    call: (v) => t.verifyTotp(SECRET, v, { time: 0 }),
    expect: (v) => (RULES.code(v) === 'ok' ? 'mismatch-or-ok' : 'malformed'),
  },
  {
    name: 'verifyTotp({ window })',
    call: (v) => t.verifyTotp(SECRET, '123456', { window: v }),
    expect: (v) => {
      if (v === undefined || typeof v === 'number')
        return RULES.integer(0, 10)(v) === 'ok' ? 'mismatch-or-ok' : 'ERR_OUT_OF_RANGE';
      return 'ERR_INVALID_ARG_TYPE';
    },
  },
  {
    name: 'verifyTotp({ afterStep })',
    call: (v) => t.verifyTotp(SECRET, '123456', { afterStep: v as number }),
    expect: (v) => {
      if (v === undefined || v === null) return 'mismatch-or-ok'; // null: a new credential's empty column
      if (typeof v !== 'number') return 'ERR_INVALID_ARG_TYPE';
      return Number.isSafeInteger(v) && v >= 0 ? 'mismatch-or-ok' : 'ERR_OUT_OF_RANGE';
    },
  },
  {
    name: 'verifyHotp(code)',
    call: (v) => t.verifyHotp(SECRET, v, { counter: 0 }),
    expect: (v) => (RULES.code(v) === 'ok' ? 'mismatch-or-ok' : 'malformed'),
  },
  {
    name: 'verifyHotp({ counter })',
    call: (v) => t.verifyHotp(SECRET, '123456', { counter: v, window: 0 }),
    expect: (v) => (RULES.counter(v) === 'ok' ? 'mismatch-or-ok' : RULES.counter(v)),
  },
  {
    name: 'verifyHotp({ window })',
    call: (v) => t.verifyHotp(SECRET, '123456', { counter: 0, window: v }),
    expect: (v) => (RULES.integer(0, 100)(v) === 'ok' ? 'mismatch-or-ok' : RULES.integer(0, 100)(v)),
  },
  { name: 'createOtpKey(secret)', call: (v) => t.createOtpKey(v), expect: RULES.secret },
  {
    name: 'createOtpKey({ algorithm })',
    call: (v) => t.createOtpKey(SECRET, { algorithm: v }),
    expect: (v) => (v === undefined ? 'ok' : typeof v === 'string' ? 'ERR_OUT_OF_RANGE' : 'ERR_INVALID_ARG_TYPE'),
  },
  { name: 'generateSecret(options)', call: (v) => t.generateSecret(v), expect: RULES.options },
  { name: 'generateSecret({ bytes })', call: (v) => t.generateSecret({ bytes: v }), expect: RULES.integer(16, 64) },
  {
    name: 'encodeBase32(bytes)',
    call: (v) => t.encodeBase32(v),
    expect: (v) => (v instanceof Uint8Array ? 'ok' : 'ERR_INVALID_ARG_TYPE'),
  },
  { name: 'decodeBase32(text)', call: (v) => t.decodeBase32(v), expect: RULES.text('ERR_OUT_OF_RANGE') },
  { name: 'parseOtpauthUri(uri)', call: (v) => t.parseOtpauthUri(v), expect: RULES.text('ERR_URI_TOO_LONG') },
  {
    name: 'parseOtpauthUri(uri, options)',
    call: (v) => t.parseOtpauthUri(`otpauth://totp/a?secret=${'A'.repeat(32)}`, v),
    expect: RULES.options,
  },
  // Not an object: the params are of the wrong type; an object without a `type`: `type` is.
  { name: 'buildOtpauthUri(params)', call: (v) => t.buildOtpauthUri(v), expect: () => 'ERR_INVALID_ARG_TYPE' },
  {
    name: 'buildOtpauthUri({ account })',
    call: (v) => t.buildOtpauthUri({ type: 'totp', secret: SECRET, account: v }),
    expect: (v) => {
      if (typeof v !== 'string') return 'ERR_INVALID_ARG_TYPE';
      return v.length >= 1 && v.length <= 256 && !v.startsWith(' ') ? 'ok' : 'ERR_URI_LABEL';
    },
  },
  {
    name: 'buildOtpauthUri({ counter })',
    call: (v) => t.buildOtpauthUri({ type: 'hotp', secret: SECRET, account: 'a', counter: v }),
    expect: RULES.counter,
  },
  { name: 'manualEntry(params)', call: (v) => t.manualEntry(v), expect: () => 'ERR_INVALID_ARG_TYPE' },
  {
    name: 'manualEntry({ account })',
    call: (v) => t.manualEntry({ type: 'totp', account: v as string, secret: SECRET }),
    expect: (v) => {
      if (typeof v !== 'string') return 'ERR_INVALID_ARG_TYPE';
      // The URI label rules: 1..256 characters, no leading space, no ":" or control characters.
      return v.length >= 1 && v.length <= 256 && !v.startsWith(' ') ? 'ok' : 'ERR_URI_LABEL';
    },
  },
  {
    name: 'manualEntry({ secret })',
    call: (v) => t.manualEntry({ type: 'totp', account: 'a', secret: v }),
    expect: RULES.secret,
  },
  { name: 'toMatrix(text)', call: (v) => q.toMatrix(v), expect: qrText },
  { name: 'toSvg(text)', call: (v) => q.toSvg(v), expect: qrText },
  { name: 'toPng(text)', call: (v) => q.toPng(v), expect: qrText },
  { name: 'toDataUrl(text)', call: (v) => q.toDataUrl(v), expect: qrText },
  { name: 'toTerminal(text)', call: (v) => q.toTerminal(v), expect: qrText },
  { name: 'toSvg(options)', call: (v) => q.toSvg('x', v), expect: RULES.options },
  { name: 'toSvg({ foreground })', call: (v) => q.toSvg('x', { foreground: v }), expect: color },
  { name: 'toPng({ moduleSize })', call: (v) => q.toPng('x', { moduleSize: v }), expect: RULES.integer(1, 32) },
  { name: 'toSvg({ quietZone })', call: (v) => q.toSvg('x', { quietZone: v }), expect: RULES.integer(4, 64) },
  {
    name: 'toSvg({ title })',
    call: (v) => q.toSvg('x', { title: v }),
    expect: (v) => {
      if (v === undefined) return 'ok';
      if (typeof v !== 'string') return 'ERR_INVALID_ARG_TYPE';
      // At most 256 characters, each one XML can hold (no NUL, other C0 controls, U+FFFE/U+FFFF, lone surrogates).
      const forbidden = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
      const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
      return v.length <= 256 && !forbidden.test(v) && !loneSurrogate.test(v) ? 'ok' : 'ERR_OUT_OF_RANGE';
    },
  },
  {
    name: 'contrastRatio(a)',
    call: (v) => q.contrastRatio(v, '#fff'),
    expect: (v) => (typeof v === 'string' ? 'ERR_OUT_OF_RANGE' : 'ERR_INVALID_ARG_TYPE'),
  },
  {
    name: 'resyncHotp(first)',
    call: (v) => t.resyncHotp(SECRET, v, '123456', { counter: 0, window: 3 }),
    expect: (v) => (RULES.code(v) === 'ok' ? 'mismatch-or-ok' : 'malformed'),
  },
  {
    name: 'resyncHotp({ window })',
    call: (v) => t.resyncHotp(SECRET, '123456', '123456', { counter: 0, window: v }),
    expect: (v) =>
      v === undefined
        ? 'mismatch-or-ok'
        : RULES.integer(1, 1000)(v) === 'ok'
          ? 'mismatch-or-ok'
          : RULES.integer(1, 1000)(v),
  },
  {
    name: 'startEnrollment({ account })',
    call: (v) => t.startEnrollment({ account: v, issuer: 'I', keyring: KEYRING }),
    expect: (v) => {
      if (typeof v !== 'string') return 'ERR_INVALID_ARG_TYPE';
      // One label rule: the URI's.
      return v.length >= 1 && v.length <= 256 && !v.startsWith(' ') ? 'ok' : 'ERR_URI_LABEL';
    },
  },
  {
    name: 'startEnrollment({ credentialId })',
    call: (v) => t.startEnrollment({ account: 'a', issuer: 'I', keyring: KEYRING, credentialId: v as string }),
    expect: (v) => {
      if (v === undefined) return 'ok';
      if (typeof v !== 'string') return 'ERR_INVALID_ARG_TYPE';
      return v.length >= 1 && v.length <= 256 ? 'ok' : 'ERR_OUT_OF_RANGE'; // lone surrogates: see hardening.test.ts
    },
  },
  {
    name: 'startEnrollment({ ttlSeconds })',
    call: (v) => t.startEnrollment({ account: 'a', issuer: 'I', keyring: KEYRING, ttlSeconds: v }),
    expect: RULES.integer(60, 3600),
  },
  // `now` of the stateful APIs also takes a clock function (the hostile one returns 1: a valid time).
  {
    name: 'startEnrollment({ now })',
    call: (v) => t.startEnrollment({ account: 'a', issuer: 'I', keyring: KEYRING, now: v }),
    expect: (v) => (typeof v === 'function' ? 'ok' : RULES.time(v)),
  },
  {
    name: 'confirmEnrollment({ code })',
    call: (v) =>
      t.confirmEnrollment(ENROLLMENT.enrollment, { token: ENROLLMENT.token, code: v, keyring: KEYRING, now: 0 }),
    expect: (v) => (RULES.code(v) === 'ok' ? 'code_mismatch-or-ok' : 'malformed'),
  },
  {
    name: 'confirmEnrollment({ token })',
    call: (v) => t.confirmEnrollment(ENROLLMENT.enrollment, { token: v, code: '123456', keyring: KEYRING, now: 0 }),
    expect: () => 'token_mismatch',
  },
  {
    name: 'inspectEnrollmentUri(uri)',
    call: (v) => {
      if (typeof t.inspectEnrollmentUri(v as string, { expectedIssuer: 'ACME' }).ok !== 'boolean')
        throw new Error('no verdict');
    },
    expect: (v) => (typeof v === 'string' ? 'ok' : 'ERR_INVALID_ARG_TYPE'),
  },
  {
    name: 'parseMigrationUri(uri)',
    call: (v) => t.parseMigrationUri(v as string, { mode: 'lenient' }),
    expect: (v) => (typeof v === 'string' ? 'ERR_MIGRATION_URI' : 'ERR_INVALID_ARG_TYPE'),
  },
  {
    name: 'parseMigrationUri(data)',
    call: (v) =>
      t.parseMigrationUri(
        `otpauth-migration://offline?data=${typeof v === 'string' ? encodeURIComponent(v) : String(v)}`,
      ),
    expect: (v) => (v === '' ? 'ERR_MIGRATION_URI' : 'ok-or-data-error'),
  },
  {
    name: 'buildMigrationUris(accounts)',
    call: (v) => t.buildMigrationUris(v as never),
    expect: () => 'ERR_INVALID_ARG_TYPE',
  },
  {
    name: 'showEnrollment({ token })',
    call: (v) => {
      const r = t.showEnrollment(ENROLLMENT.enrollment, { token: v as string, keyring: KEYRING, now: 0 });
      if (r.ok) throw new Error('shown to a stranger');
    },
    expect: () => 'ok',
  },
  {
    name: 'showEnrollment(enrollment)',
    call: (v) => t.showEnrollment(v as never, { token: 't', keyring: KEYRING }),
    expect: (v) => (plainObject(v) ? 'ERR_OUT_OF_RANGE' : 'ERR_INVALID_ARG_TYPE'),
  },
  {
    name: 'confirmEnrollment(enrollment)',
    call: (v) => t.confirmEnrollment(v, { token: 't', code: '123456', keyring: KEYRING }),
    expect: (v) => (plainObject(v) ? 'ERR_OUT_OF_RANGE' : 'ERR_INVALID_ARG_TYPE'),
  },
  { name: 'consumeRecoveryCode(input)', call: (v) => t.consumeRecoveryCode(RECOVERY, v), expect: () => 'malformed' },
  {
    name: 'generateRecoveryCodes({ count })',
    call: (v) => t.generateRecoveryCodes({ count: v }),
    expect: RULES.integer(1, 50),
  },
  { name: 'sealSecret(secret)', call: (v) => t.sealSecret(v, { keyring: KEYRING, aad: 'x' }), expect: RULES.secret },
  {
    name: 'openSecret(envelope)',
    call: (v) => t.openSecret(v, { keyring: KEYRING, aad: 'x' }),
    expect: (v) => (typeof v === 'string' ? 'ERR_SEAL_FORMAT' : 'ERR_INVALID_ARG_TYPE'),
  },
  {
    name: 'sealSecret({ keyring })',
    call: (v) => t.sealSecret(SECRET, { keyring: v, aad: 'x' }),
    expect: (v) => (plainObject(v) ? 'ERR_OUT_OF_RANGE' : 'ERR_INVALID_ARG_TYPE'),
  },
  // Not an object: the options are of the wrong type; an object without a store: "store" is. Same code,
  // different labels (checked by name in guard.test.ts).
  {
    name: 'createVerifier(options)',
    call: (v) => guard.createVerifier(v as never),
    expect: () => 'ERR_INVALID_ARG_TYPE',
  },
  {
    name: 'createVerifier({ maxFailures })',
    call: (v) => guard.createVerifier({ store: guard.memoryStore(), keyring: KEYRING, maxFailures: v as number }),
    expect: RULES.integer(1, 100),
  },
  {
    name: 'createVerifier({ lockSeconds })',
    call: (v) => guard.createVerifier({ store: guard.memoryStore(), keyring: KEYRING, lockSeconds: v as number }),
    expect: RULES.integer(1, 86_400),
  },
  {
    name: 'createVerifier({ timeoutMs })',
    call: (v) => guard.createVerifier({ store: guard.memoryStore(), keyring: KEYRING, timeoutMs: v as number }),
    expect: RULES.integer(10, 60_000),
  },
  {
    name: 'memoryStore({ maxEntries })',
    call: (v) => guard.memoryStore({ maxEntries: v as number }),
    expect: RULES.integer(1, 100_000_000),
  },
  {
    name: 'verifyCredential(credential)',
    call: (v) => t.verifyCredential(v, '123456', { keyring: KEYRING }),
    expect: (v) => (plainObject(v) ? 'ERR_OUT_OF_RANGE' : 'ERR_INVALID_ARG_TYPE'),
  },
  {
    name: 'verifyCredential(code)',
    call: (v) => t.verifyCredential(CREDENTIAL, v, { keyring: KEYRING, now: 0 }),
    expect: (v) => (RULES.code(v) === 'ok' ? 'mismatch-or-ok' : 'malformed'),
  },
  {
    name: 'revokeEnrollment(enrollment)',
    call: (v) => t.revokeEnrollment(v),
    expect: (v) => (plainObject(v) ? 'ERR_OUT_OF_RANGE' : 'ERR_INVALID_ARG_TYPE'),
  },
  {
    name: 'resealSecret(envelope)',
    call: (v) => t.resealSecret(v, { keyring: KEYRING, aad: 'x' }),
    expect: (v) => (typeof v === 'string' ? 'ERR_SEAL_FORMAT' : 'ERR_INVALID_ARG_TYPE'),
  },
  {
    name: 'envelopeKeyId(envelope)',
    call: (v) => {
      if (t.envelopeKeyId(v) !== undefined) throw new Error('claimed a key id');
    },
    expect: () => 'ok',
  },
  {
    name: 'loadSecret(stored)',
    call: (v) => t.loadSecret(v, 'id', { keyring: KEYRING }),
    expect: (v) => (typeof v === 'string' ? 'ERR_SEAL_FORMAT' : 'ERR_INVALID_ARG_TYPE'),
  },
  {
    name: 'timeStep({ t0 })',
    call: (v) => t.timeStep({ time: 1e12, t0: v }),
    expect: (v) => {
      if (v === undefined) return 'ok';
      if (typeof v !== 'number') return 'ERR_INVALID_ARG_TYPE';
      return Number.isSafeInteger(v) && v >= 0 && v * 1000 <= 1e12 ? 'ok' : 'ERR_OUT_OF_RANGE';
    },
  },
  { name: 'redisStore(options)', call: (v) => redis.redisStore(v as never), expect: () => 'ERR_INVALID_ARG_TYPE' },
  {
    name: 'postgresStore(options)',
    call: (v) => postgres.postgresStore(v as never),
    expect: () => 'ERR_INVALID_ARG_TYPE',
  },
  {
    name: 'postgresStore({ prepared })',
    call: (v) => postgres.postgresStore({ client: { query: async () => ({ rows: [] }) }, prepared: v as boolean }),
    expect: (v) => (v === undefined || typeof v === 'boolean' ? 'ok' : 'ERR_INVALID_ARG_TYPE'),
  },
  {
    name: 'schemaSql(prefix)',
    call: (v) => postgres.schemaSql(v as string),
    expect: (v) => (v === undefined ? 'ok' : typeof v === 'string' ? 'ERR_OUT_OF_RANGE' : 'ERR_INVALID_ARG_TYPE'),
  },
  { name: 'createFakeClock(start)', call: (v) => testing.createFakeClock(v as number), expect: RULES.time },
  {
    name: 'simulateAuthenticator(source)',
    call: (v) => testing.simulateAuthenticator(v as string),
    expect: (v) =>
      typeof v === 'string' ? 'ok-or-data-error' : Array.isArray(v) ? 'ERR_QR_UNREADABLE' : 'ERR_INVALID_ARG_TYPE',
  },
  {
    name: 'deterministicRandom(seed)',
    call: (v) => testing.deterministicRandom(v as string),
    expect: (v) => (typeof v === 'string' ? 'ok' : 'ERR_INVALID_ARG_TYPE'),
  },
  {
    name: 'decodeQrMatrix(modules)',
    call: (v) => testing.decodeQrMatrix(v as boolean[][]),
    expect: () => 'ERR_QR_UNREADABLE',
  },
  {
    name: 'createAccount({ id })',
    call: (v) => account.createAccount({ id: v as string }),
    expect: (v) =>
      typeof v !== 'string' ? 'ERR_INVALID_ARG_TYPE' : v.length >= 1 && v.length <= 256 ? 'ok' : 'ERR_OUT_OF_RANGE',
  },
  {
    name: 'bumpGeneration(account)',
    call: (v) => account.bumpGeneration(v as never),
    expect: (v) =>
      Object.prototype.toString.call(v) === '[object Object]' ? 'ERR_OUT_OF_RANGE' : 'ERR_INVALID_ARG_TYPE',
  },
  {
    name: 'renameAuthenticator(label)',
    call: (v) => account.renameAuthenticator(ACCOUNT, CREDENTIAL.id, v as string),
    expect: (v) => {
      if (typeof v !== 'string') return 'ERR_INVALID_ARG_TYPE';
      return v.length >= 1 && v.length <= 64 && !/[:\u0000-\u001f\u007f-\u009f]/.test(v) ? 'ok' : 'ERR_URI_LABEL';
    },
  },
  {
    name: 'removeAuthenticator(id)',
    call: (v) => account.removeAuthenticator(ACCOUNT, v as string),
    expect: (v) => (typeof v !== 'string' ? 'ERR_INVALID_ARG_TYPE' : 'ERR_ACCOUNT_AUTHENTICATOR_UNKNOWN'),
  },
  {
    name: 'rememberDevice({ days })',
    call: (v) => account.rememberDevice(ACCOUNT, { keyring: KEYRING, now: 0, days: v as number }),
    expect: RULES.integer(1, 400),
  },
  {
    name: 'checkRememberedDevice(token)',
    call: (v) => {
      // Never throws for a bad token: a refusal with a reason.
      const r = account.checkRememberedDevice(ACCOUNT, v as string, { keyring: KEYRING, now: 0 });
      if (r.ok || r.reason !== 'invalid') throw new Error('accepted a hostile token');
    },
    expect: () => 'ok',
  },
  {
    name: 'isTotpkitError(value)',
    call: (v) => {
      if (t.isTotpkitError(v) !== false) throw new Error('claimed a non-error');
    },
    expect: () => 'ok',
  },
];

const KEYRING = { current: 'k', keys: { k: new Uint8Array(32) } };
const ENROLLMENT = totpkit.startEnrollment({ account: 'a', issuer: 'I', keyring: KEYRING, now: 0 });
const RECOVERY = totpkit.generateRecoveryCodes({ count: 2 }).set;
const CREDENTIAL = (() => {
  const r = totpkit.confirmEnrollment(ENROLLMENT.enrollment, {
    token: ENROLLMENT.token,
    code: totpkit.totp(totpkit.parseOtpauthUri(ENROLLMENT.uri).secret, { time: 0 }),
    keyring: KEYRING,
    now: 0,
  });
  if (!r.ok) throw new Error('fixture enrollment failed');
  return r.credential;
})();

const ACCOUNT = account.addAuthenticator(account.createAccount({ id: 'acct' }), {
  credential: CREDENTIAL,
  now: 0,
}).account;

const DATA_ERRORS = new Set<string>([...totpkit.TOTPKIT_ERROR_CODES]);

describe('hostile input', () => {
  for (const slot of SLOTS) {
    it.each(HOSTILE)(`${slot.name} ← %s`, (_, value) => {
      const { outcome, ms, error } = run(() => slot.call(value));
      const expected = slot.expect(value);
      if (expected === 'mismatch-or-ok') expect(['mismatch', 'ok']).toContain(outcome);
      else if (expected === 'code_mismatch-or-ok') expect(['code_mismatch', 'ok']).toContain(outcome);
      else if (expected === 'ok-or-data-error')
        expect(outcome === 'ok' || DATA_ERRORS.has(outcome), outcome).toBe(true);
      else expect(outcome).toBe(expected);
      if (error !== undefined) {
        // The right class for the code, and a labelled, value-free message.
        const e = error as Error & { code: string };
        if (e.code === 'ERR_INVALID_ARG_TYPE') expect(e).toBeInstanceOf(TypeError);
        else if (e.code === 'ERR_OUT_OF_RANGE') expect(e).toBeInstanceOf(RangeError);
        else expect(e.name).toBe('TotpkitError');
        // Numbers may be echoed in range errors ("digits" must be 6..10, got 11); strings and
        // wrongly typed values never are, since they may be codes or secrets.
        if (typeof value === 'string' || e.code === 'ERR_INVALID_ARG_TYPE') expect(e.message).not.toContain('123456');
        expect(e.message).not.toContain(FULL_WIDTH);
        expect(e.message.length).toBeLessThan(300);
      }
      // Bounded work: anything quadratic in the 1 MB inputs would take seconds, not milliseconds.
      expect(ms, 'returns quickly').toBeLessThan(250);
    });
  }
});

describe('one rule: a wrong type is a TypeError, a wrong value of the right type a RangeError', () => {
  const uri = `otpauth://totp/a?secret=${'A'.repeat(32)}`;
  const cases: [string, (v: unknown) => unknown, unknown, unknown][] = [
    // [option, call, a value of the wrong type, a string or boolean that is not allowed]
    ['decodeBase32 mode', (v) => t.decodeBase32('AAAA', { mode: v as never }), 1, 'loose'],
    ['parseOtpauthUri mode', (v) => t.parseOtpauthUri(uri, { mode: v as never }), true, 'loose'],
    ['buildOtpauthUri type', (v) => t.buildOtpauthUri({ type: v as never, secret: SECRET, account: 'a' }), 0, 'steam'],
    ['manualEntry type', (v) => t.manualEntry({ type: v as never, secret: SECRET, account: 'a' }), null, 'steam'],
    ['toTerminal charset', (v) => q.toTerminal('x', { charset: v as never }), 8, 'ebcdic'],
    ['toSvg colorCheck', (v) => q.toSvg('x', { colorCheck: v as never }), 1, 'off'],
    ['toMatrix ecLevel', (v) => q.toMatrix('x', { ecLevel: v as never }), 3, 'X'],
  ];
  for (const [name, call, wrongType, wrongValue] of cases) {
    it(name, () => {
      expect(errorOf(() => call(wrongType))).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE', name: 'TypeError' });
      expect(errorOf(() => call(wrongValue))).toMatchObject({ code: 'ERR_OUT_OF_RANGE', name: 'RangeError' });
    });
  }
  it('boolean options: anything but a boolean is the wrong type', () => {
    for (const v of ['yes', 1, null]) {
      expect(errorOf(() => q.toTerminal('x', { invert: v as never }))).toMatchObject({
        code: 'ERR_INVALID_ARG_TYPE',
        name: 'TypeError',
      });
      expect(errorOf(() => q.toSvg('x', { allowNarrowQuietZone: v as never }))).toMatchObject({
        code: 'ERR_INVALID_ARG_TYPE',
        name: 'TypeError',
      });
    }
  });
  it(
    'records: a non-object is the wrong type, a malformed record a wrong value, in the core ' + 'and the guard alike',
    async () => {
      const verifier = guard.createVerifier({ store: guard.memoryStore(), keyring: KEYRING });
      expect(errorOf(() => t.verifyCredential(5 as never, '123456', { keyring: KEYRING }))).toMatchObject({
        name: 'TypeError',
      });
      await expect(verifier.verify({ credential: 5 as never, code: '123456' })).rejects.toMatchObject({
        name: 'TypeError',
      });
      expect(errorOf(() => t.verifyCredential({ v: 2 } as never, '123456', { keyring: KEYRING }))).toMatchObject({
        code: 'ERR_OUT_OF_RANGE',
        name: 'RangeError',
      });
      await expect(verifier.verify({ credential: { v: 2 } as never, code: '123456' })).rejects.toMatchObject({
        code: 'ERR_OUT_OF_RANGE',
        name: 'RangeError',
      });
      await expect(
        verifier.confirmEnrollment({ enrollment: { v: 2 } as never, token: 'x', code: '123456' }),
      ).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE', name: 'RangeError' });
    },
  );
});
