/**
 * Google Authenticator's account transfer: `otpauth-migration://offline?data=…`, the URI behind the
 * "Transfer accounts" QR codes (one or several, a batch). `data` is standard base64 of a protobuf
 * `MigrationPayload`:
 *
 * ```
 * MigrationPayload { repeated OtpParameters otp_parameters = 1; int32 version = 2;
 *                    int32 batch_size = 3; int32 batch_index = 4; int32 batch_id = 5; }
 * OtpParameters    { bytes secret = 1; string name = 2; string issuer = 3;
 *                    Algorithm algorithm = 4;  // 0 unspecified (SHA1), 1 SHA1, 2 SHA256, 3 SHA512, 4 MD5
 *                    DigitCount digits = 5;    // 0 unspecified (6), 1 SIX, 2 EIGHT
 *                    OtpType type = 6;         // 0 unspecified, 1 HOTP, 2 TOTP
 *                    int64 counter = 7; }
 * ```
 *
 * The format has no period: every TOTP account is 30 s. We read and write these few fields with a
 * small protobuf reader of our own instead of a protobuf library: about a hundred bounded lines
 * against a dependency (and a code generator) in a package whose core has none; the tests check it
 * against protobufjs, an independent implementation.
 *
 * Each account becomes exactly what {@link parseOtpauthUri} returns for the equivalent
 * `otpauth://` URI, under the same strict or lenient rules (issuer agreement, label characters,
 * secret length), because it is parsed as that URI.
 *
 * @module totpkit/migration
 */
import { encodeBase32 } from './base32.js';
import { MAX_MIGRATION_ACCOUNTS, MAX_MIGRATION_URI_LENGTH, MIGRATION_ACCOUNTS_PER_URI } from './constants.js';
import { TotpkitError } from './errors.js';
import { integerOption, optionsObject, rangeError, typeError } from './internal/assert.js';
import { fromBase64url, randomBytes, toBase64, utf8, type RandomSource } from './internal/bytes.js';
import { enumOption, MODES, splitCounter } from './internal/options.js';
import type { Algorithm } from './types.js';
import { int32, Reader, Writer } from './internal/protobuf.js';
import { percentEncode } from './internal/text.js';
import { buildOtpauthUri, type OtpauthParams, type ParsedOtpauthUri, parseOtpauthUri } from './uri.js';

/** The transfer format's limits (also in `totpkit/limits`). */
export { MAX_MIGRATION_ACCOUNTS, MAX_MIGRATION_URI_LENGTH } from './constants.js';

const SCHEME = 'otpauth-migration://offline?';
const ALGORITHMS_BY_NUMBER: Record<number, Algorithm | undefined> = { 0: 'SHA1', 1: 'SHA1', 2: 'SHA256', 3: 'SHA512' };
const NUMBER_OF_ALGORITHM: Record<Algorithm, number> = { SHA1: 1, SHA256: 2, SHA512: 3 };
const DIGITS_BY_NUMBER: Record<number, number | undefined> = { 0: 6, 1: 6, 2: 8 };

/** Why an account of a transfer was left out. */
export type MigrationWarningCode =
  /** The account's type is unspecified or unknown (neither HOTP nor TOTP). */
  | 'UNSUPPORTED_TYPE'
  /** The account uses MD5 or an unknown algorithm. */
  | 'UNSUPPORTED_ALGORITHM'
  /** The account's digit count is unknown. */
  | 'UNSUPPORTED_DIGITS';

/** An account of the transfer that was left out, by its position in the batch. Never contains secret or label text. */
export interface MigrationWarning {
  readonly code: MigrationWarningCode;
  /** Position of the account in this URI's payload, from 0. */
  readonly index: number;
  readonly message: string;
}

/** What {@link parseMigrationUri} returns. */
export interface ParsedMigration {
  /** The accounts, each as {@link parseOtpauthUri} returns it (with its own warnings). */
  readonly accounts: ParsedOtpauthUri[];
  /** Accounts left out, with the reason. */
  readonly warnings: MigrationWarning[];
  /** This URI's place in a transfer of several QR codes: `index` from 0 of `size`, all sharing `id`. */
  readonly batch: { readonly index: number; readonly size: number; readonly id: number };
  /** The payload's format version (1 in every export seen). */
  readonly version: number;
}

/** Options of {@link parseMigrationUri}. */
export interface ParseMigrationUriOptions {
  /** As in {@link parseOtpauthUri}: lenient reads legacy short secrets and a label-only issuer, with warnings. */
  mode?: 'strict' | 'lenient';
}

/** Options of {@link buildMigrationUris}. */
export interface BuildMigrationUrisOptions {
  /** Accounts per URI (per QR code), 1..100; 10 by default, which keeps each QR code easy to scan. */
  perUri?: number;
  /** The batch id shared by the URIs; random by default. */
  batchId?: number;
  /** Randomness for the batch id (tests only). */
  random?: RandomSource;
}

const dataError = (message: string): TotpkitError => new TotpkitError('ERR_MIGRATION_DATA', message);

/** One account's fields as stored; numbers are the enum values. */
interface RawAccount {
  secret: Uint8Array;
  name: string;
  issuer: string;
  algorithm: number;
  digits: number;
  type: number;
  counter: bigint;
}

function readAccount(bytes: Uint8Array): RawAccount {
  const r = new Reader(bytes, dataError);
  // ignoreBOM keeps a leading byte-order mark: a name is read exactly, never silently changed (the
  // account then carries an INVISIBLE_CHARACTERS warning).
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const a: RawAccount = {
    secret: new Uint8Array(0),
    name: '',
    issuer: '',
    algorithm: 0,
    digits: 0,
    type: 0,
    counter: 0n,
  };
  const text = (chunk: Uint8Array, what: string): string => {
    try {
      return decoder.decode(chunk);
    } catch {
      throw dataError(`an account's ${what} is not UTF-8`);
    }
  };
  for (const { field, wire } of r.fields()) {
    const expected = field <= 3 ? 2 : field <= 7 ? 0 : -1;
    if (expected === -1) {
      r.skip(wire);
      continue;
    }
    if (wire !== expected) throw dataError(`an account's field ${field} has the wrong type`);
    if (field === 1) a.secret = r.chunk().slice();
    else if (field === 2) a.name = text(r.chunk(), 'name');
    else if (field === 3) a.issuer = text(r.chunk(), 'issuer');
    else if (field === 7) {
      a.counter = r.varint();
      // int64 on the wire: 2^63 and above are negative numbers, which no HOTP counter is. Refused,
      // rather than read as a huge unsigned counter.
      if (a.counter >= 1n << 63n) throw dataError("an account's counter is negative");
    } else {
      const v = int32(r.varint());
      if (field === 4) a.algorithm = v;
      else if (field === 5) a.digits = v;
      else a.type = v;
    }
  }
  return a;
}

/** The `data` parameter, decoded: standard base64 (lenient: also base64url, with or without padding). */
function payloadBytes(uri: string, lenient: boolean): Uint8Array {
  const query = uri.slice(SCHEME.length);
  let raw: string | undefined;
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    if (name !== 'data') continue;
    if (raw !== undefined) throw new TotpkitError('ERR_MIGRATION_URI', 'the URI has more than one data parameter');
    raw = part.slice(eq + 1);
  }
  if (raw === undefined || raw.length === 0)
    throw new TotpkitError('ERR_MIGRATION_URI', 'the URI has no data parameter');
  let text: string;
  try {
    text = decodeURIComponent(raw);
  } catch {
    throw new TotpkitError('ERR_MIGRATION_URI', 'the data parameter has invalid percent-encoding');
  }
  // Some tools forget to percent-encode `+`, which a URL parser then reads as a space.
  if (lenient) text = text.replaceAll(' ', '+');
  const unpadded = text.replace(/={1,2}$/, '');
  const padded = text.length !== unpadded.length;
  if (padded && text.length % 4 !== 0) throw dataError('data is not valid base64 (padding)');
  if (!lenient && (/[-_]/.test(unpadded) || (!padded && unpadded.length % 4 !== 0))) {
    throw dataError('data is not standard padded base64');
  }
  const bytes = fromBase64url(unpadded.replaceAll('+', '-').replaceAll('/', '_'));
  if (bytes === undefined) throw dataError('data is not valid base64');
  return bytes;
}

/**
 * Read a Google Authenticator transfer URI (`otpauth-migration://offline?data=…`) into the same
 * account objects as {@link parseOtpauthUri}. Accounts the format can hold but TOTP/HOTP cannot use
 * (MD5, an unspecified type) are left out with a warning; a transfer split over several QR codes
 * is one URI per code, and `batch` says which.
 *
 * @param uri - the URI a QR code holds
 * @param options - `mode`: `'strict'` (default) or `'lenient'`, with {@link parseOtpauthUri}'s rules
 * @returns `{ accounts, warnings, batch, version }`
 * @throws TypeError `ERR_INVALID_ARG_TYPE` when `uri` is not a string
 * @throws TotpkitError `ERR_MIGRATION_URI` (not such a URI, or too long), `ERR_MIGRATION_DATA` (not a
 *   valid payload), and for an account the `ERR_URI_*` code its `otpauth://` URI would give
 * @example
 * ```ts
 * const { accounts, batch } = parseMigrationUri(scanned, { mode: 'lenient' })
 * for (const a of accounts) await importAccount(a.account, a.issuer, a.secret)
 * if (batch.index + 1 < batch.size) askForTheNextQrCode()
 * ```
 * @see https://github.com/google/google-authenticator-android/issues/118 (the export format, as reverse-engineered by
 * its users)
 */
export function parseMigrationUri(uri: string, options?: ParseMigrationUriOptions): ParsedMigration {
  if (typeof uri !== 'string') throw typeError('uri', 'a string', uri);
  const mode = enumOption('mode', optionsObject('options', options).mode, MODES, 'strict');
  if (uri.length > MAX_MIGRATION_URI_LENGTH)
    throw new TotpkitError(
      'ERR_MIGRATION_URI',
      `URI must be at most ${MAX_MIGRATION_URI_LENGTH} characters, got ${uri.length}`,
    );
  if (!uri.startsWith(SCHEME)) throw new TotpkitError('ERR_MIGRATION_URI', 'not an otpauth-migration://offline URI');
  const r = new Reader(payloadBytes(uri, mode === 'lenient'), dataError);
  const raw: Uint8Array[] = [];
  const batch = { index: 0, size: 1, id: 0 };
  let version = 0;
  for (const { field, wire } of r.fields()) {
    if (field === 1 && wire === 2) {
      if (raw.length >= MAX_MIGRATION_ACCOUNTS)
        throw dataError(`payload has more than ${MAX_MIGRATION_ACCOUNTS} accounts`);
      raw.push(r.chunk());
    } else if (field >= 2 && field <= 5 && wire === 0) {
      const v = int32(r.varint());
      if (field === 2) version = v;
      else if (field === 3) batch.size = v;
      else if (field === 4) batch.index = v;
      else batch.id = v;
    } else if (field <= 5) {
      throw dataError(`payload field ${field} has the wrong type`);
    } else r.skip(wire);
  }
  if (batch.size < 1 || batch.index < 0 || batch.index >= batch.size)
    throw dataError('payload has an invalid batch position');

  const accounts: ParsedOtpauthUri[] = [];
  const warnings: MigrationWarning[] = [];
  for (const [index, bytes] of raw.entries()) {
    const a = readAccount(bytes);
    const type = a.type === 1 ? 'hotp' : a.type === 2 ? 'totp' : undefined;
    const algorithm = ALGORITHMS_BY_NUMBER[a.algorithm];
    const digits = DIGITS_BY_NUMBER[a.digits];
    const skip = (code: MigrationWarningCode, why: string) =>
      warnings.push({ code, index, message: `account ${index} ${why} and was left out` });
    if (type === undefined) skip('UNSUPPORTED_TYPE', 'is neither HOTP nor TOTP');
    else if (algorithm === undefined)
      skip('UNSUPPORTED_ALGORITHM', `uses ${a.algorithm === 4 ? 'MD5' : 'an unknown algorithm'}`);
    else if (digits === undefined) skip('UNSUPPORTED_DIGITS', 'has an unknown digit count');
    if (type === undefined || algorithm === undefined || digits === undefined) continue;
    if (a.secret.length === 0) throw new TotpkitError('ERR_URI_SECRET_INVALID', `account ${index} has an empty secret`);
    // The account as the otpauth:// URI it stands for, read by the one parser with its rules.
    let equivalent = `otpauth://${type}/${percentEncode(a.name)}?secret=${encodeBase32(a.secret)}`;
    if (a.issuer !== '') equivalent += `&issuer=${percentEncode(a.issuer)}`;
    if (algorithm !== 'SHA1') equivalent += `&algorithm=${algorithm}`;
    if (digits !== 6) equivalent += `&digits=${digits}`;
    if (type === 'hotp') equivalent += `&counter=${a.counter}`;
    a.secret.fill(0);
    accounts.push(parseOtpauthUri(equivalent, { mode }));
  }
  return { accounts, warnings, batch, version };
}

/**
 * Build Google Authenticator transfer URIs (`otpauth-migration://offline?data=…`) for accounts, one
 * URI (one QR code) per `perUri` accounts, as the app's own export does. The format knows only 6 or
 * 8 digits and 30-second TOTP, so other settings are refused rather than silently changed.
 *
 * @param accounts - what {@link buildOtpauthUri} takes, one per account (secrets of 128 bits or more)
 * @param options - `perUri` (1..100, 10), `batchId` (an int32; random by default), `random`
 * @returns the URIs, in batch order
 * @throws TypeError `ERR_INVALID_ARG_TYPE` / RangeError `ERR_OUT_OF_RANGE` for an account
 *   {@link buildOtpauthUri} refuses, digits other than 6 or 8, a period other than 30, a counter
 *   above 2^63−1, or bad options; TotpkitError `ERR_URI_LABEL` for an unusable label
 * @example
 * ```ts
 * for (const uri of buildMigrationUris(accounts)) console.log(toTerminal(uri))
 * ```
 */
export function buildMigrationUris(accounts: readonly OtpauthParams[], options?: BuildMigrationUrisOptions): string[] {
  if (!Array.isArray(accounts)) throw typeError('accounts', 'an array', accounts);
  if (accounts.length === 0 || accounts.length > MAX_MIGRATION_ACCOUNTS)
    throw rangeError(`"accounts" must hold 1..${MAX_MIGRATION_ACCOUNTS} accounts, got ${accounts.length}`);
  const opts = optionsObject('options', options);
  const perUri = integerOption('perUri', opts.perUri, MIGRATION_ACCOUNTS_PER_URI, 1, 100);
  let batchId: number;
  if (opts.batchId === undefined) {
    const b = randomBytes(4, opts.random);
    batchId = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) & 0x7fff_ffff;
  } else {
    batchId = integerOption('batchId', opts.batchId, 0, -(2 ** 31), 2 ** 31 - 1);
  }

  const encoded = accounts.map((params, i) => {
    buildOtpauthUri(params); // every rule of a new enrollment: types, secret length, labels
    const digits = params.digits ?? 6;
    if (digits !== 6 && digits !== 8)
      throw rangeError(`"accounts[${i}].digits" must be 6 or 8 in a transfer, got ${digits}`);
    if (params.type === 'totp' && params.period !== undefined && params.period !== 30) {
      throw rangeError(
        `"accounts[${i}].period" must be 30 in a transfer (the format has no period), got ${params.period}`,
      );
    }
    let counter = 0n;
    if (params.type === 'hotp') {
      const [high, low] = splitCounter('counter', params.counter);
      counter = (BigInt(high) << 32n) | BigInt(low);
      if (counter >= 2n ** 63n) throw rangeError(`"accounts[${i}].counter" must be below 2^63 in a transfer (int64)`);
    }
    const name = params.issuer === undefined ? params.account : `${params.issuer}:${params.account}`;
    const w = new Writer().bytes(1, params.secret).bytes(2, utf8(name));
    if (params.issuer !== undefined) w.bytes(3, utf8(params.issuer));
    w.number(4, NUMBER_OF_ALGORITHM[(params.algorithm ?? 'SHA1') as Algorithm])
      .number(5, digits === 6 ? 1 : 2)
      .number(6, params.type === 'hotp' ? 1 : 2)
      .number(7, counter);
    return w.done();
  });

  const size = Math.ceil(encoded.length / perUri);
  const uris: string[] = [];
  for (let index = 0; index < size; index++) {
    const w = new Writer();
    for (const account of encoded.slice(index * perUri, (index + 1) * perUri)) w.bytes(1, account);
    w.number(2, 1).number(3, size).number(4, index).number(5, batchId);
    uris.push(`${SCHEME}data=${encodeURIComponent(toBase64(w.done()))}`);
  }
  for (const account of encoded) account.fill(0);
  return uris;
}
