/**
 * Checks of an enrollment QR code's URI before a person trusts it ("quishing").
 *
 * An enrollment QR code should only ever come from the service's own page, behind its login.
 * Attackers send look-alikes, by mail or on paper: a QR code that opens a web page instead, an
 * issuer spelled with a Cyrillic `а` or a zero for an `O`, a label that names one service while
 * `issuer=` names another, a remote `image` that tracks the scan, or parameters that make the
 * account easier to attack. {@link inspectEnrollmentUri} finds those; it never throws for a bad
 * URI, because a hostile URI is exactly what it is for.
 *
 * What it cannot catch: a look-alike that is not a look-alike (an attacker's own, honestly named
 * service), a URI that copies the real issuer and account exactly (only where the QR code came from
 * tells that apart), confusables outside the small table below, and anything the app does after
 * the scan. It is a second opinion, not a proof of origin.
 *
 * @module totpkit/inspect
 */
import { optionsObject, typeError } from './internal/assert.js';
import { DEFAULT_PERIOD_SECONDS, MIN_SECRET_BYTES_STRICT } from './constants.js';
import { parseOtpauthUri, type ParsedOtpauthUri } from './uri.js';

/** What {@link inspectEnrollmentUri} flags. */
export type EnrollmentRiskCode =
  /** Not an `otpauth://` URI at all (a web page, a Google Authenticator transfer, …). */
  | 'NOT_OTPAUTH'
  /** An `otpauth://` URI that not even lenient parsing reads. */
  | 'UNREADABLE'
  /** The label's issuer prefix and `issuer=` name different services. */
  | 'LABEL_ISSUER_MISMATCH'
  /** An issuer was expected, and the URI names none. */
  | 'ISSUER_MISSING'
  /** The issuer differs from the expected one. */
  | 'ISSUER_DIFFERENT'
  /** The issuer is not the expected one but looks like it (confusable letters, case, `0`/`O`, spacing). */
  | 'ISSUER_LOOKALIKE'
  /** The account differs from the expected one. */
  | 'ACCOUNT_DIFFERENT'
  /** The account is not the expected one but looks like it. */
  | 'ACCOUNT_LOOKALIKE'
  /** The issuer or account mixes scripts (say Latin and Cyrillic), a look-alike's usual trick. */
  | 'MIXED_SCRIPTS'
  /** The issuer or account holds invisible characters (zero-width, bidirectional controls). */
  | 'INVISIBLE_CHARACTERS'
  /** An `image` parameter points at a remote address: the app fetches it, which tells the sender about the scan. */
  | 'REMOTE_IMAGE'
  /** The secret is shorter than 128 bits. */
  | 'WEAK_SECRET'
  /** The period is not 30 s: a longer one gives a phished code more time; many apps ignore it anyway. */
  | 'NON_DEFAULT_PERIOD';

/** One finding. `danger`: do not enroll; `warning`: look closer. Never contains secret or URI text. */
export interface EnrollmentRisk {
  readonly code: EnrollmentRiskCode;
  readonly severity: 'danger' | 'warning';
  readonly message: string;
}

/** What {@link inspectEnrollmentUri} returns. */
export interface EnrollmentInspection {
  /** No `danger` finding. */
  readonly ok: boolean;
  readonly risks: EnrollmentRisk[];
  /** The URI as lenient {@link parseOtpauthUri} reads it, when it does. Holds the secret. */
  readonly parsed: ParsedOtpauthUri | undefined;
}

/** Options of {@link inspectEnrollmentUri}. */
export interface InspectEnrollmentUriOptions {
  /** The issuer the service really uses, exactly. */
  expectedIssuer?: string;
  /** The account the person expects to enroll, exactly. */
  expectedAccount?: string;
}

// Letters that render like Latin ones (Cyrillic, Greek, Armenian; fullwidth forms go through NFKC),
// and digits or pairs that pass for letters. Folded to one "skeleton" before comparing: a small,
// conservative subset in the spirit of Unicode TR39's confusables, not the whole table. Capitals
// first, before lower-casing, because they look like different letters (Greek Η is an H, η an n).
const CONFUSABLE_CAPITALS: Record<string, string> = {
  Α: 'A',
  Β: 'B',
  Ε: 'E',
  Ζ: 'Z',
  Η: 'H',
  Ι: 'I',
  Κ: 'K',
  Μ: 'M',
  Ν: 'N',
  Ο: 'O',
  Ρ: 'P',
  Τ: 'T',
  Υ: 'Y',
  Χ: 'X',
  А: 'A',
  В: 'B',
  Е: 'E',
  К: 'K',
  М: 'M',
  Н: 'H',
  О: 'O',
  Р: 'P',
  С: 'C',
  Т: 'T',
  Х: 'X',
  У: 'Y',
  І: 'I',
  Ј: 'J',
  Ѕ: 'S',
};
const CONFUSABLE: Record<string, string> = {
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  ѕ: 's',
  і: 'i',
  ї: 'i',
  ј: 'j',
  һ: 'h',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  ɡ: 'g',
  α: 'a',
  β: 'b',
  ε: 'e',
  η: 'n',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  ω: 'w',
  օ: 'o',
  ս: 'u',
  ց: 'g',
  հ: 'h',
  ո: 'n',
  '0': 'o',
  '1': 'l',
  '|': 'l',
  '5': 's',
  $: 's',
  '@': 'a',
};
const PAIRS: [RegExp, string][] = [
  [/rn/g, 'm'],
  [/vv/g, 'w'],
  [/cl/g, 'd'],
];

/** A string folded so that look-alikes collide: NFKC, lower case, confusables, no spacing or punctuation. */
function skeleton(text: string): string {
  let capitals = '';
  for (const ch of text.normalize('NFKC')) capitals += CONFUSABLE_CAPITALS[ch] ?? ch;
  let s = '';
  for (const ch of capitals.toLowerCase()) s += CONFUSABLE[ch] ?? ch;
  s = s.replace(/i/g, 'l'); // I, l and 1 all look alike
  for (const [pattern, single] of PAIRS) s = s.replace(pattern, single);
  return s.replace(/[\s\p{P}\p{Cf}]/gu, '');
}

const SCRIPTS = ['Latin', 'Cyrillic', 'Greek', 'Armenian', 'Cherokee', 'Georgian'] as const;
const SCRIPT_RES = SCRIPTS.map((name) => new RegExp(`\\p{Script=${name}}`, 'u'));
/**
 * Whether one word mixes letters of the scripts look-alikes are drawn from. Per word: "ACME Россия"
 * is a bilingual name, "АCME" (a Cyrillic А) is a trick.
 */
const mixesScripts = (text: string): boolean =>
  text.split(/[\s\p{P}]+/u).some((word) => SCRIPT_RES.filter((re) => re.test(word)).length > 1);
/** Zero-width characters, bidirectional controls and other invisible formatting characters. */
const hasInvisible = (text: string): boolean => /\p{Cf}/u.test(text);

/** A parameter's raw value from the query, case-insensitive on the name; undefined when absent or undecodable. */
function rawParameter(uri: string, name: string): string | undefined {
  const query = uri.slice(uri.indexOf('?') + 1).split('#')[0]!;
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).toLowerCase() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).replaceAll('+', ' '));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * Inspect an enrollment URI (what a QR code holds) for signs of a look-alike or a weakened account
 * before the user adds it to an authenticator app: the scheme, the issuer against the one expected
 * (exact, or confusable with it), the label against `issuer=`, mixed scripts and invisible
 * characters, a remote `image`, a short secret and an unusual period.
 *
 * @param uri - the text the QR code holds
 * @param options - `expectedIssuer`, `expectedAccount`
 * @returns `{ ok, risks, parsed }`; `ok` is false when any risk is a `danger`. Never throws for a
 *   bad URI.
 * @throws TypeError `ERR_INVALID_ARG_TYPE` when `uri` or an expected value is not a string
 * @example
 * ```ts
 * const check = inspectEnrollmentUri(scanned, { expectedIssuer: 'ACME' })
 * if (!check.ok) warnUser(check.risks.map((r) => r.message))
 * ```
 * @see https://www.unicode.org/reports/tr39/ (confusable detection, of which this uses a small subset)
 */
export function inspectEnrollmentUri(uri: string, options?: InspectEnrollmentUriOptions): EnrollmentInspection {
  if (typeof uri !== 'string') throw typeError('uri', 'a string', uri);
  const opts = optionsObject('options', options);
  const expectedIssuer = opts.expectedIssuer;
  const expectedAccount = opts.expectedAccount;
  if (expectedIssuer !== undefined && typeof expectedIssuer !== 'string')
    throw typeError('expectedIssuer', 'a string', expectedIssuer);
  if (expectedAccount !== undefined && typeof expectedAccount !== 'string')
    throw typeError('expectedAccount', 'a string', expectedAccount);

  const risks: EnrollmentRisk[] = [];
  const risk = (code: EnrollmentRiskCode, severity: EnrollmentRisk['severity'], message: string) =>
    risks.push({ code, severity, message });
  const done = (parsed?: ParsedOtpauthUri): EnrollmentInspection => ({
    ok: risks.every((r) => r.severity !== 'danger'),
    risks,
    parsed,
  });

  const scheme = /^([a-z][a-z0-9+.-]{0,30}):/i.exec(uri)?.[1]?.toLowerCase();
  if (scheme !== 'otpauth') {
    risk(
      'NOT_OTPAUTH',
      'danger',
      scheme === undefined ? 'this is not a URI' : `this is a ${scheme}: URI, not an otpauth:// enrollment`,
    );
    return done();
  }
  let parsed: ParsedOtpauthUri;
  try {
    parsed = parseOtpauthUri(uri, { mode: 'lenient' });
  } catch (error) {
    const found = (error as { code?: unknown }).code;
    const code = typeof found === 'string' ? found : 'error';
    if (code === 'ERR_URI_ISSUER_MISMATCH')
      risk('LABEL_ISSUER_MISMATCH', 'danger', 'the label and the issuer parameter name different services');
    else risk('UNREADABLE', 'danger', `the URI cannot be read (${code})`);
    return done();
  }

  const image = rawParameter(uri, 'image');
  if (image !== undefined && /^(https?:)?\/\//i.test(image.trim()))
    risk('REMOTE_IMAGE', 'warning', 'the image parameter points at a remote address, which the app may fetch');

  for (const [label, value] of [
    ['issuer', parsed.issuer],
    ['account', parsed.account],
  ] as const) {
    if (value === undefined) continue;
    if (hasInvisible(value)) risk('INVISIBLE_CHARACTERS', 'danger', `the ${label} holds invisible characters`);
    if (mixesScripts(value))
      risk('MIXED_SCRIPTS', 'danger', `the ${label} mixes scripts (for example Latin and Cyrillic letters)`);
  }
  const compare = (label: 'issuer' | 'account', actual: string | undefined, expected: string | undefined): void => {
    if (expected === undefined || actual === expected) return;
    const upper = label.toUpperCase() as 'ISSUER' | 'ACCOUNT';
    if (actual === undefined) risk('ISSUER_MISSING', 'danger', 'the URI names no issuer');
    else if (skeleton(actual) === skeleton(expected))
      risk(`${upper}_LOOKALIKE`, 'danger', `the ${label} looks like the expected one but is not the same`);
    else risk(`${upper}_DIFFERENT`, 'danger', `the ${label} is not the expected one`);
  };
  compare('issuer', parsed.issuer, expectedIssuer);
  compare('account', parsed.account, expectedAccount);

  if (parsed.secret.length < MIN_SECRET_BYTES_STRICT)
    risk('WEAK_SECRET', 'danger', `the secret has only ${parsed.secret.length * 8} bits`);
  if (parsed.type === 'totp' && parsed.period !== DEFAULT_PERIOD_SECONDS) {
    risk(
      'NON_DEFAULT_PERIOD',
      parsed.period > DEFAULT_PERIOD_SECONDS ? 'danger' : 'warning',
      `the period is ${parsed.period} s instead of ${DEFAULT_PERIOD_SECONDS}`,
    );
  }
  return done(parsed);
}
