/**
 * `otpauth://` URIs: the Key Uri Format that authenticator apps scan from enrollment QR codes.
 *
 * ```
 * otpauth://TYPE/ISSUER:ACCOUNT?secret=BASE32&issuer=ISSUER&algorithm=SHA1&digits=6&period=30
 * ```
 *
 * Building always gives the most compatible form: issuer both as label prefix and `issuer=`
 * parameter, RFC 3986 percent-encoding (`%20`, never `+`), unpadded upper-case base32, and the
 * `algorithm`/`digits`/`period` parameters only when they differ from the defaults every app
 * assumes (a shorter URI is a less dense QR code).
 *
 * Parsing is strict by default and lenient on request; every tolerance of the lenient mode, and
 * every property of a URI that some apps ignore, is reported as a warning with a stable code.
 * The parser is a few named steps in URI order (characters, scheme and type, label, parameters,
 * secret, issuer, algorithm, then the decimal parameters through one bounded reader). Input is
 * capped at 4096 characters and every step is linear in it: the few regular expressions are fixed
 * patterns without nested or adjacent quantifiers, so none can backtrack.
 *
 * @module
 * @see https://github.com/google/google-authenticator/wiki/Key-Uri-Format
 */
import { decodeBase32, encodeBase32 } from './base32.js';
import {
  ALGORITHMS,
  DEFAULT_ALGORITHM,
  DEFAULT_DIGITS,
  DEFAULT_PERIOD_SECONDS,
  MAX_COUNTER,
  MAX_DIGITS,
  MAX_PERIOD_SECONDS,
  MAX_SECRET_BYTES,
  MAX_URI_LENGTH,
  MIN_DIGITS,
  MIN_PERIOD_SECONDS,
  MIN_SECRET_BYTES_STRICT,
} from './constants.js';
import { TotpkitError, type TotpkitErrorCode } from './errors.js';
import { optionsObject, rangeError, checkSecretBytes, typeError } from './internal/assert.js';
import { algorithmOption } from './internal/options.js';
import { checkLabel, hasInvisible, labelProblem, percentEncode } from './internal/text.js';
import { digitsOption, enumOption, MODES, OTP_TYPES, periodOption, splitCounter } from './internal/options.js';
import type { Algorithm } from './types.js';

/** Fields shared by both kinds of `otpauth://` URI. */
export interface OtpauthCommon {
  /** Raw key bytes. */
  secret: Uint8Array;
  /** Account name shown in the app (e.g. an e-mail address). No `:` allowed. */
  account: string;
  /** Provider or service. No `:` allowed. Strongly recommended: apps group and label by it. */
  issuer?: string | undefined;
  /** HMAC hash; `'SHA1'` when omitted. Many apps ignore anything else. */
  algorithm?: Algorithm;
  /** Code length 6..10; 6 when omitted. Many apps support only 6 and 8. */
  digits?: number;
}

/** What {@link buildOtpauthUri} takes. */
export type OtpauthParams =
  | (OtpauthCommon & { type: 'totp' /** Seconds, 30 when omitted. */; period?: number; counter?: undefined })
  | (OtpauthCommon & { type: 'hotp' /** Initial counter, required. */; counter: number | bigint; period?: undefined });

/** Codes of the warnings {@link parseOtpauthUri} reports. */
export type UriWarningCode =
  /** Neither a label prefix nor an `issuer=` names the provider; apps show a bare account. */
  | 'NO_ISSUER'
  /** (lenient) The issuer appears only as label prefix, not as `issuer=`. */
  | 'ISSUER_ONLY_IN_LABEL'
  /**
   * (lenient) `issuer=` used `+` for spaces (form encoding): read as spaces, whether or not the label
   * names the issuer too (strict mode reads `+` literally, and refuses it where the label disagrees).
   */
  | 'ISSUER_PLUS_AS_SPACE'
  /**
   * (lenient) The label had an empty issuer prefix (`otpauth://totp/:alice`); the issuer comes from `issuer=`, if any.
   */
  | 'EMPTY_LABEL_ISSUER'
  /** (lenient) A parameter name was not in lower case (`SECRET=`, `Issuer=`); it was read as the lower-case one. */
  | 'PARAMETER_CASE'
  /** (lenient) The secret was lower case. */
  | 'SECRET_LOWERCASE'
  /** (lenient) The secret had `=` padding. */
  | 'SECRET_PADDED'
  /** (lenient) The secret had spaces or dashes. */
  | 'SECRET_SEPARATORS'
  /** (lenient) The secret's last character had non-zero unused bits. */
  | 'SECRET_NONCANONICAL'
  /** (lenient) The secret is shorter than 128 bits (legacy keys: 80-bit ones are common, shorter ones exist). */
  | 'SECRET_SHORT'
  /** (lenient) `algorithm` was not spelled exactly `SHA1`/`SHA256`/`SHA512`. */
  | 'ALGORITHM_SPELLING'
  /** The URI uses a non-default algorithm, which many apps silently ignore. */
  | 'NON_DEFAULT_ALGORITHM'
  /** The URI uses a code length other than 6, which many apps silently ignore. */
  | 'NON_DEFAULT_DIGITS'
  /** The URI uses a period other than 30 s, which many apps silently ignore. */
  | 'NON_DEFAULT_PERIOD'
  /** A parameter this format does not define (`image`, `color`, …) was ignored. */
  | 'UNKNOWN_PARAMETER'
  /** A parameter that does not apply to this type (`period` on HOTP, `counter` on TOTP) was ignored. */
  | 'IGNORED_PARAMETER'
  /** (lenient) An empty parameter or one without `=` was ignored. */
  | 'EMPTY_PARAMETER'
  /** (lenient) Characters that RFC 3986 requires to be percent-encoded appeared raw. */
  | 'UNENCODED_CHARACTERS'
  /** (lenient) A `#fragment` was ignored. */
  | 'FRAGMENT'
  /**
   * The issuer or account holds invisible characters (a byte-order mark, zero-width or bidirectional
   * characters, fillers, unusual spaces). They are kept as they are: show such a name with care.
   */
  | 'INVISIBLE_CHARACTERS';

/** A tolerance or compatibility concern found while parsing. Never contains secret or URI text. */
export interface UriWarning {
  readonly code: UriWarningCode;
  readonly message: string;
}

/** What {@link parseOtpauthUri} returns: every field filled in, plus the warnings. */
export type ParsedOtpauthUri = (
  | { type: 'totp'; period: number; counter?: undefined }
  | { type: 'hotp' /** A `number` up to 2^53−1, a `bigint` above. */; counter: number | bigint; period?: undefined }
) & {
  secret: Uint8Array;
  account: string;
  issuer: string | undefined;
  algorithm: Algorithm;
  digits: number;
  warnings: UriWarning[];
};

/** Options of {@link parseOtpauthUri}. */
export interface ParseOtpauthUriOptions {
  /** `'strict'` (default) or `'lenient'`: accept what real apps emit, with a warning for each tolerance. */
  mode?: 'strict' | 'lenient';
}

// ---------------------------------------------------------------------------------------------
// Building

/** RFC 3986 percent-encoding: everything but the unreserved set `A–Z a–z 0–9 - . _ ~`. */
/**
 * Build an `otpauth://` URI for enrollment.
 *
 * @param params - `type`, `secret` (≥ 16 bytes), `account`, `issuer`, and optionally `algorithm`,
 *   `digits`, `period` (TOTP) or `counter` (HOTP, required)
 * @returns the URI, ASCII only
 * @throws TypeError `ERR_INVALID_ARG_TYPE` for wrongly typed fields
 * @throws RangeError `ERR_OUT_OF_RANGE` for a secret under 16 bytes, bad digits/period/counter/algorithm/type
 * @throws TotpkitError `ERR_URI_LABEL` for an empty, over-long or control-character label, or one with `:`
 * @example
 * ```ts
 * buildOtpauthUri({ type: 'totp', secret, account: 'alice@example.com', issuer: 'ACME Co' })
 * // 'otpauth://totp/ACME%20Co:alice%40example.com?secret=…&issuer=ACME%20Co'
 * ```
 * @see https://github.com/google/google-authenticator/wiki/Key-Uri-Format
 */
export function buildOtpauthUri(params: OtpauthParams): string {
  optionsObject('params', params, true);
  const type = enumOption('type', params.type, OTP_TYPES);
  const secret = checkSecretBytes(params.secret);
  if (secret.length < MIN_SECRET_BYTES_STRICT) {
    throw rangeError(
      `"secret" must be at least ${MIN_SECRET_BYTES_STRICT} bytes for a new enrollment, got ${secret.length}`,
    );
  }
  const account = checkLabel('account', params.account);
  const issuer = params.issuer === undefined ? undefined : checkLabel('issuer', params.issuer);
  const algorithm = algorithmOption(params.algorithm, DEFAULT_ALGORITHM);
  const digits = digitsOption(params.digits);
  if (type === 'totp') {
    if (params.counter !== undefined) throw rangeError(`"counter" applies only to type 'hotp'`);
    return formatOtpauthUri({ type, secret, account, issuer, algorithm, digits, period: periodOption(params.period) });
  }
  if (params.period !== undefined) throw rangeError(`"period" applies only to type 'totp'`);
  splitCounter('counter', params.counter); // validates
  return formatOtpauthUri({ type, secret, account, issuer, algorithm, digits, counter: params.counter });
}

/**
 * The URI text of checked parameters: the one place the format is written. `buildOtpauthUri`
 * checks a new enrollment's rules first; the CLI's `import` writes accounts `parseOtpauthUri`
 * already read (legacy short secrets included). @internal
 */
export function formatOtpauthUri(p: Omit<ParsedOtpauthUri, 'warnings'>): string {
  let label = percentEncode(p.account);
  let query = `secret=${encodeBase32(p.secret)}`;
  if (p.issuer !== undefined) {
    label = `${percentEncode(p.issuer)}:${label}`;
    query += `&issuer=${percentEncode(p.issuer)}`;
  }
  if (p.algorithm !== DEFAULT_ALGORITHM) query += `&algorithm=${p.algorithm}`;
  if (p.digits !== DEFAULT_DIGITS) query += `&digits=${p.digits}`;
  if (p.type === 'totp') {
    if (p.period !== DEFAULT_PERIOD_SECONDS) query += `&period=${p.period}`;
  } else {
    query += `&counter=${p.counter}`;
  }
  return `otpauth://${p.type}/${label}?${query}`;
}

// ---------------------------------------------------------------------------------------------
// Parsing

/** Characters RFC 3986 allows unescaped in a URI besides letters and digits (delimiters and `%`). */
const URI_PUNCTUATION = "-._~:/?#[]@!$&'()*+,;=%";

/** Characters RFC 3986 allows unescaped in a URI (unreserved, gen-delims, sub-delims) and `%`. */
function isUriChar(c: number): boolean {
  if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39)) return true;
  return c < 0x80 && URI_PUNCTUATION.indexOf(String.fromCharCode(c)) >= 0;
}

function percentDecode(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch (cause) {
    throw new TotpkitError('ERR_URI_ENCODING', `${what} has invalid percent-encoding`, { cause });
  }
}

/** A canonical non-negative decimal (no sign, no leading zeros), or `undefined`. */
function decimal(text: string): bigint | undefined {
  if (text.length === 0 || text.length > 20 || (text.length > 1 && text.charCodeAt(0) === 48)) return undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  return BigInt(text);
}

const KNOWN_PARAMETERS = /* @__PURE__ */ Object.freeze([
  'secret',
  'issuer',
  'algorithm',
  'digits',
  'period',
  'counter',
]);

/**
 * What every parsing step shares: the mode, and the warnings so far (one per code, in the order
 * they arose). The steps below run in URI order, so the rules for one part stay side by side.
 */
interface Reading {
  readonly lenient: boolean;
  readonly warnings: UriWarning[];
  warn(code: UriWarningCode, message: string): void;
}

function reading(lenient: boolean): Reading {
  const warnings: UriWarning[] = [];
  return {
    lenient,
    warnings,
    warn(code, message) {
      if (!warnings.some((w) => w.code === code)) warnings.push({ code, message });
    },
  };
}

/** Characters: controls never; anything outside RFC 3986 only in lenient mode. */
function checkCharacters(uri: string, r: Reading): void {
  for (let i = 0; i < uri.length; i++) {
    const c = uri.charCodeAt(i);
    if (c < 0x20 || c === 0x7f)
      throw new TotpkitError('ERR_URI_ENCODING', `URI contains a control character at index ${i}`);
    if (!isUriChar(c)) {
      if (!r.lenient)
        throw new TotpkitError(
          'ERR_URI_ENCODING',
          `URI contains a character that must be percent-encoded at index ${i}`,
        );
      r.warn('UNENCODED_CHARACTERS', 'characters that must be percent-encoded appeared raw');
    }
  }
}

/** Scheme, fragment and type; the raw label and query behind them. */
function splitUri(uri: string, r: Reading): { type: 'totp' | 'hotp'; rawLabel: string; rawQuery: string } {
  const schemeEnd = uri.indexOf('://');
  if (schemeEnd < 0 && /^otpauth:/i.test(uri))
    throw new TotpkitError('ERR_URI_MALFORMED', 'URI is missing the two slashes after the otpauth: scheme');
  if (schemeEnd < 0 || uri.slice(0, schemeEnd).toLowerCase() !== 'otpauth')
    throw new TotpkitError('ERR_URI_SCHEME', 'URI scheme must be otpauth');
  let rest = uri.slice(schemeEnd + 3);
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    if (!r.lenient) throw new TotpkitError('ERR_URI_MALFORMED', 'URI must not have a #fragment');
    r.warn('FRAGMENT', 'the #fragment was ignored');
    rest = rest.slice(0, hash);
  }
  // The type is the authority: everything up to the path ('/') or, when the label is missing, the query.
  let typeEnd = 0;
  while (typeEnd < rest.length && rest[typeEnd] !== '/' && rest[typeEnd] !== '?') typeEnd++;
  const type = rest.slice(0, typeEnd).toLowerCase();
  if (type !== 'totp' && type !== 'hotp') throw new TotpkitError('ERR_URI_TYPE', `URI type must be totp or hotp`);
  if (rest[typeEnd] !== '/') throw new TotpkitError('ERR_URI_LABEL', 'URI has no label');
  rest = rest.slice(typeEnd + 1);
  const question = rest.indexOf('?');
  return {
    type,
    rawLabel: question < 0 ? rest : rest.slice(0, question),
    rawQuery: question < 0 ? '' : rest.slice(question + 1),
  };
}

/** Label: ISSUER ":" or "%3A" ACCOUNT, with optional spaces before the account. */
function parseLabel(rawLabel: string, r: Reading): { labelIssuer: string | undefined; account: string } {
  let rawIssuer: string | undefined;
  let rawAccount = rawLabel;
  const colon = rawLabel.indexOf(':');
  const encodedColon = rawLabel.search(/%3a/i);
  const sep = colon < 0 ? encodedColon : encodedColon < 0 ? colon : Math.min(colon, encodedColon);
  if (sep >= 0) {
    rawIssuer = rawLabel.slice(0, sep);
    rawAccount = rawLabel.slice(sep + (sep === colon ? 1 : 3));
  }
  let labelIssuer = rawIssuer === undefined ? undefined : percentDecode(rawIssuer, 'label issuer');
  if (labelIssuer === '' && r.lenient) {
    // otpauth://totp/:alice — emitted by some services; otpauth and pyotp read it as no issuer.
    r.warn('EMPTY_LABEL_ISSUER', 'the label had an empty issuer prefix');
    labelIssuer = undefined;
  }
  let account = percentDecode(rawAccount, 'label account');
  let accountStart = 0;
  while (rawIssuer !== undefined && account.charCodeAt(accountStart) === 32) accountStart++;
  account = account.slice(accountStart);
  const accountProblem = labelProblem(account);
  if (accountProblem !== undefined) throw new TotpkitError('ERR_URI_LABEL', `label account ${accountProblem}`);
  if (labelIssuer !== undefined) {
    const issuerProblem = labelProblem(labelIssuer);
    if (issuerProblem !== undefined) throw new TotpkitError('ERR_URI_LABEL', `label issuer ${issuerProblem}`);
  }
  return { labelIssuer, account };
}

/** Parameters, split by hand; duplicates are refused because apps disagree on which one wins. */
function parseParameters(rawQuery: string, r: Reading): Map<string, string> {
  const params = new Map<string, string>();
  if (rawQuery.length > 0) {
    for (const piece of rawQuery.split('&')) {
      const eq = piece.indexOf('=');
      if (eq <= 0 || eq === piece.length - 1) {
        if (!r.lenient)
          throw new TotpkitError('ERR_URI_MALFORMED', 'URI has an empty parameter or one without a value');
        r.warn('EMPTY_PARAMETER', 'an empty parameter was ignored');
        continue;
      }
      let name = percentDecode(piece.slice(0, eq), 'a parameter name');
      const lower = name.toLowerCase();
      if (lower !== name && KNOWN_PARAMETERS.includes(lower)) {
        // Apps read SECRET= as nothing at all; say so rather than "no secret" in strict mode.
        if (!r.lenient)
          throw new TotpkitError(
            'ERR_URI_PARAMETER_CASE',
            `parameter names are lower case ("${lower}" was spelled otherwise)`,
          );
        r.warn('PARAMETER_CASE', 'a parameter name was not in lower case');
        name = lower;
      }
      if (params.has(name))
        throw new TotpkitError(
          'ERR_URI_DUPLICATE_PARAMETER',
          `URI repeats a parameter${KNOWN_PARAMETERS.includes(name) ? ` ("${name}")` : ''}`,
        );
      params.set(name, piece.slice(eq + 1));
    }
  }
  for (const name of params.keys()) {
    if (!KNOWN_PARAMETERS.includes(name))
      r.warn('UNKNOWN_PARAMETER', 'parameters this format does not define were ignored');
  }
  return params;
}

/** The secret: canonical base32 (strict), or any base32 spelling apps emit (lenient, with warnings). */
function parseSecret(raw: string | undefined, r: Reading): Uint8Array {
  if (raw === undefined) throw new TotpkitError('ERR_URI_SECRET_MISSING', 'URI has no secret parameter');
  const text = percentDecode(raw, 'secret');
  let secret: Uint8Array;
  try {
    secret = decodeBase32(text);
  } catch (strictError) {
    if (!r.lenient)
      throw new TotpkitError('ERR_URI_SECRET_INVALID', 'secret is not canonical base32 (upper case, unpadded)', {
        cause: strictError,
      });
    try {
      secret = decodeBase32(text, { mode: 'lenient' });
    } catch (cause) {
      throw new TotpkitError('ERR_URI_SECRET_INVALID', 'secret is not valid base32', { cause });
    }
    if (/[a-z]/.test(text)) r.warn('SECRET_LOWERCASE', 'the secret was lower case');
    if (text.includes('=')) r.warn('SECRET_PADDED', 'the secret had = padding');
    if (/[ -]/.test(text)) r.warn('SECRET_SEPARATORS', 'the secret had spaces or dashes');
    if (encodeBase32(secret) !== text.replace(/[ =-]/g, '').toUpperCase())
      r.warn('SECRET_NONCANONICAL', 'the secret had non-zero unused bits');
  }
  if (secret.length > MAX_SECRET_BYTES)
    throw new TotpkitError(
      'ERR_URI_SECRET_INVALID',
      `secret must be at most ${MAX_SECRET_BYTES} bytes, got ${secret.length}`,
    );
  if (secret.length === 0) throw new TotpkitError('ERR_URI_SECRET_INVALID', 'secret is empty');
  if (secret.length < MIN_SECRET_BYTES_STRICT) {
    // Lenient reads any existing account (oathtool, pyotp and otpauth compute with short keys);
    // building a new URI still refuses fewer than 128 bits.
    if (!r.lenient)
      throw new TotpkitError(
        'ERR_URI_SECRET_TOO_SHORT',
        `secret must be at least ${MIN_SECRET_BYTES_STRICT} bytes, got ${secret.length}`,
      );
    r.warn('SECRET_SHORT', `the secret has only ${secret.length * 8} bits (at least 128 are recommended)`);
  }
  return secret;
}

/** The issuer: label prefix and `issuer=` must agree; `+` as a space only in lenient mode. */
function parseIssuer(raw: string | undefined, labelIssuer: string | undefined, r: Reading): string | undefined {
  if (raw === undefined) {
    if (labelIssuer !== undefined) {
      if (!r.lenient)
        throw new TotpkitError('ERR_URI_ISSUER_MISSING', 'issuer is in the label but not in an issuer parameter');
      r.warn('ISSUER_ONLY_IN_LABEL', 'the issuer was only in the label');
    } else {
      r.warn('NO_ISSUER', 'the URI names no issuer');
    }
    return labelIssuer;
  }
  const issuer = percentDecode(raw, 'issuer');
  const problem = labelProblem(issuer);
  if (problem !== undefined) throw new TotpkitError('ERR_URI_LABEL', `issuer parameter ${problem}`);
  const plusAsSpace = r.lenient && raw.includes('+') ? percentDecode(raw.replaceAll('+', '%20'), 'issuer') : issuer;
  if (labelIssuer !== undefined && labelIssuer !== issuer) {
    if (plusAsSpace !== labelIssuer)
      throw new TotpkitError('ERR_URI_ISSUER_MISMATCH', 'issuer parameter disagrees with the label prefix');
    r.warn('ISSUER_PLUS_AS_SPACE', 'the issuer parameter used + for spaces');
    return labelIssuer;
  }
  if (labelIssuer === undefined && plusAsSpace !== issuer) {
    // issuer=My+TOTP+Code with no label prefix: form encoding, as pyotp reads it.
    r.warn('ISSUER_PLUS_AS_SPACE', 'the issuer parameter used + for spaces');
    return plusAsSpace;
  }
  return issuer;
}

/** The algorithm: exact names (strict), or loose spellings such as `sha-256` (lenient). */
function parseAlgorithm(raw: string | undefined, r: Reading): Algorithm {
  if (raw === undefined) return DEFAULT_ALGORITHM;
  const text = percentDecode(raw, 'algorithm');
  let algorithm = text as Algorithm;
  if (!(ALGORITHMS as readonly string[]).includes(text)) {
    const loose = text.toUpperCase().replace('-', '');
    if (!r.lenient || !(ALGORITHMS as readonly string[]).includes(loose))
      throw new TotpkitError('ERR_URI_ALGORITHM', `algorithm must be one of ${ALGORITHMS.join(', ')}`);
    r.warn('ALGORITHM_SPELLING', 'the algorithm name was not spelled exactly');
    algorithm = loose as Algorithm;
  }
  if (algorithm !== DEFAULT_ALGORITHM)
    r.warn('NON_DEFAULT_ALGORITHM', `${algorithm} is ignored by many authenticator apps`);
  return algorithm;
}

/**
 * The one reader of decimal parameters (digits, period, counter): ASCII digits only, as a `bigint`
 * so that no value is rounded before it is compared with its bounds, then within `min..max`.
 */
function boundedDecimal(
  raw: string,
  name: string,
  min: bigint,
  max: bigint,
  code: TotpkitErrorCode,
  message: string,
): bigint {
  const n = decimal(percentDecode(raw, name));
  if (n === undefined || n < min || n > max) throw new TotpkitError(code, message);
  return n;
}

/**
 * Parse an `otpauth://` URI.
 *
 * Strict mode (default) accepts what {@link buildOtpauthUri} emits and anything else the Key Uri
 * Format allows: case-insensitive scheme and type, `%3A` or `:` between issuer and account,
 * spaces before the account, an `issuer=` without label prefix, unknown extra parameters (with a
 * warning). Lenient mode also accepts, each with a warning: lower-case, padded, spaced or
 * non-canonical base32; any non-empty secret under 128 bits; an issuer only in the label; an empty
 * label issuer; `+` for space in `issuer=`; parameter names in another case; loosely spelled
 * algorithms (`sha-256`); raw unencoded characters; empty parameters; a fragment. Never accepted: duplicate parameters,
 * an issuer that disagrees with the label, control
 * characters, invalid percent-encoding.
 *
 * @param uri - the URI text, at most 4096 characters
 * @param options - `mode`: `'strict'` (default) or `'lenient'`
 * @returns every field with defaults filled in, and `warnings`
 * @throws TypeError `ERR_INVALID_ARG_TYPE` when `uri` is not a string
 * @throws RangeError `ERR_OUT_OF_RANGE` for an unknown `mode`
 * @throws TotpkitError `ERR_URI_TOO_LONG`, `ERR_URI_SCHEME`, `ERR_URI_TYPE`, `ERR_URI_MALFORMED`,
 *   `ERR_URI_ENCODING`, `ERR_URI_LABEL`, `ERR_URI_DUPLICATE_PARAMETER`, `ERR_URI_PARAMETER_CASE`,
 *   `ERR_URI_SECRET_MISSING`,
 *   `ERR_URI_SECRET_INVALID`, `ERR_URI_SECRET_TOO_SHORT`, `ERR_URI_ALGORITHM`, `ERR_URI_DIGITS`,
 *   `ERR_URI_PERIOD`, `ERR_URI_COUNTER`, `ERR_URI_COUNTER_MISSING`, `ERR_URI_ISSUER_MISMATCH`,
 *   `ERR_URI_ISSUER_MISSING`. Messages name the part, never its text.
 * @example
 * ```ts
 * const { secret, account, issuer, warnings } = parseOtpauthUri(scanned, { mode: 'lenient' })
 * ```
 * @see https://github.com/google/google-authenticator/wiki/Key-Uri-Format
 */
export function parseOtpauthUri(uri: string, options?: ParseOtpauthUriOptions): ParsedOtpauthUri {
  if (typeof uri !== 'string') throw typeError('uri', 'a string', uri);
  const opts = optionsObject('options', options);
  const mode = enumOption('mode', opts.mode, MODES, 'strict');
  if (uri.length > MAX_URI_LENGTH)
    throw new TotpkitError('ERR_URI_TOO_LONG', `URI must be at most ${MAX_URI_LENGTH} characters, got ${uri.length}`);
  const r = reading(mode === 'lenient');

  checkCharacters(uri, r);
  const { type, rawLabel, rawQuery } = splitUri(uri, r);
  const { labelIssuer, account } = parseLabel(rawLabel, r);
  const params = parseParameters(rawQuery, r);
  const secret = parseSecret(params.get('secret'), r);
  const issuer = parseIssuer(params.get('issuer'), labelIssuer, r);
  const algorithm = parseAlgorithm(params.get('algorithm'), r);
  if (hasInvisible(account) || (issuer !== undefined && hasInvisible(issuer)))
    r.warn('INVISIBLE_CHARACTERS', 'the issuer or account holds invisible characters, kept as they are');
  let digits = DEFAULT_DIGITS;
  const rawDigits = params.get('digits');
  if (rawDigits !== undefined) {
    digits = Number(
      boundedDecimal(
        rawDigits,
        'digits',
        BigInt(MIN_DIGITS),
        BigInt(MAX_DIGITS),
        'ERR_URI_DIGITS',
        `digits must be ${MIN_DIGITS}..${MAX_DIGITS}`,
      ),
    );
    // The Key Uri Format and draft-andesco-otpauth-uri allow 6 or 8; RFC 4226 defines more, which
    // servers of their own may use: read only leniently.
    if (!r.lenient && digits !== 6 && digits !== 8)
      throw new TotpkitError('ERR_URI_DIGITS', 'digits must be 6 or 8 (lenient mode reads 6..10)');
    if (digits !== DEFAULT_DIGITS)
      r.warn('NON_DEFAULT_DIGITS', `${digits}-digit codes are ignored by many authenticator apps`);
  }

  const rawPeriod = params.get('period');
  const rawCounter = params.get('counter');
  const common = { secret, account, issuer, algorithm, digits, warnings: r.warnings };
  if (type === 'totp') {
    let period = DEFAULT_PERIOD_SECONDS;
    if (rawPeriod !== undefined) {
      period = Number(
        boundedDecimal(
          rawPeriod,
          'period',
          BigInt(MIN_PERIOD_SECONDS),
          BigInt(MAX_PERIOD_SECONDS),
          'ERR_URI_PERIOD',
          `period must be ${MIN_PERIOD_SECONDS}..${MAX_PERIOD_SECONDS} seconds`,
        ),
      );
      if (period !== DEFAULT_PERIOD_SECONDS)
        r.warn('NON_DEFAULT_PERIOD', `a ${period} s period is ignored by many authenticator apps`);
    }
    if (rawCounter !== undefined) r.warn('IGNORED_PARAMETER', 'counter does not apply to TOTP and was ignored');
    return { type, period, ...common };
  }
  if (rawCounter === undefined)
    throw new TotpkitError('ERR_URI_COUNTER_MISSING', 'an HOTP URI needs a counter parameter');
  const n = boundedDecimal(
    rawCounter,
    'counter',
    0n,
    MAX_COUNTER,
    'ERR_URI_COUNTER',
    'counter must be an integer in 0..2^64-1',
  );
  if (rawPeriod !== undefined) r.warn('IGNORED_PARAMETER', 'period does not apply to HOTP and was ignored');
  const counter = n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
  return { type, counter, ...common };
}
