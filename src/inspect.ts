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
 * tells that apart), a whole name spelled in another script that happens to look Latin ("АСМЕ" in
 * Cyrillic) when no issuer is expected, look-alikes newer than the Unicode data it carries (UTS #39
 * confusables, Unicode 10.0, in `internal/confusables.ts`), and anything the app does after the scan.
 * It is a second opinion, not a proof of origin.
 *
 * @module totpkit/inspect
 */
import { optionsObject, typeError } from './internal/assert.js';
import { CONFUSABLE_WITH_ASCII } from './internal/confusables.js';
import { hasInvisible } from './internal/text.js';
import { DEFAULT_PERIOD_SECONDS, MAX_URI_LENGTH, MIN_SECRET_BYTES_STRICT } from './constants.js';
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
  /**
   * A word of the issuer or account mixes Latin letters with characters that pass for them (Cyrillic,
   * Greek, Lisu, mathematical or full-width letters, …), a look-alike's usual trick.
   */
  | 'MIXED_SCRIPTS'
  /**
   * The issuer or account holds invisible characters (zero-width, bidirectional controls, fillers,
   * variation selectors, blank symbols) or a space other than the ordinary one.
   */
  | 'INVISIBLE_CHARACTERS'
  /**
   * An `image` parameter that is not an embedded `data:` image: the app fetches it, which tells the
   * sender about the scan.
   */
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

// Letters that render like Latin ones, and digits or pairs that pass for letters, beyond Unicode's
// confusables (UTS #39, which maps to prototypes such as `l` for `I`): folded to one "skeleton"
// before comparing. Capitals first, before lower-casing, because they look like different letters
// (Greek Η is an H, η an n).
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

/** Unicode's confusables that look like ASCII letters and digits (UTS #39), as a map. */
const TR39 = /* @__PURE__ */ new Map(
  CONFUSABLE_WITH_ASCII.split(' ')
    .filter((entry) => entry !== '')
    .map((entry) => {
      const ch = String.fromCodePoint(entry.codePointAt(0)!);
      return [ch, entry.slice(ch.length)] as const;
    }),
);

/**
 * A string folded so that look-alikes collide: NFKC (full-width and mathematical letters), our
 * capitals, Unicode's confusables, lower case, our lower-case and digit folds, then no spacing,
 * punctuation or invisible characters.
 */
function skeleton(text: string): string {
  // Unicode's table before NFKC as well as after: NFKC takes some look-alikes apart (the ogonek
  // U+02DB, an `i` to the eye, becomes a space and a combining mark).
  const fold = (t: string): string => {
    let out = '';
    for (const ch of t) out += CONFUSABLE_CAPITALS[ch] ?? TR39.get(ch) ?? ch;
    return out;
  };
  let s = '';
  for (const ch of fold(fold(text).normalize('NFKC')).toLowerCase()) s += CONFUSABLE[ch] ?? ch;
  // Spacing, punctuation and invisible characters go before the pairs: `c\u200Bl` must fold like `cl`.
  s = s.replace(/[\s\p{P}\p{Cf}\p{Default_Ignorable_Code_Point}\u2800]/gu, '').replace(/i/g, 'l'); // I, l, 1 alike
  for (const [pattern, single] of PAIRS) s = s.replace(pattern, single);
  return s;
}

/** Scripts whose letters are mistaken for Latin ones, beyond the characters of the tables. */
const LOOKALIKE_SCRIPTS =
  /\p{Script=Cyrillic}|\p{Script=Greek}|\p{Script=Armenian}|\p{Script=Cherokee}|\p{Script=Georgian}/u;
const LATIN_LETTER = /^\p{Script=Latin}$/u;
const ASCII_ALNUM = /^[A-Za-z0-9]+$/;

/**
 * Whether a character passes for an ASCII letter or digit without being one of the Latin script's
 * own letters: a Cyrillic or Greek look-alike, a Lisu or Cherokee letter, a mathematical or
 * full-width letter (which NFKC turns into ASCII), and every other entry of Unicode's confusables
 * outside the Latin script. (Latin's own variants, such as `ɑ` or `ı`, are ordinary letters in
 * many languages; they count only against an expected issuer, through the skeleton.)
 */
function passesForAscii(ch: string): boolean {
  if (ch.charCodeAt(0) < 0x80) return false;
  const nfkc = ch.normalize('NFKC');
  if (nfkc !== ch && ASCII_ALNUM.test(nfkc)) return true;
  if (LATIN_LETTER.test(ch)) return false;
  return (
    TR39.has(ch) ||
    CONFUSABLE_CAPITALS[ch] !== undefined ||
    CONFUSABLE[ch] !== undefined ||
    (/\p{L}/u.test(ch) && LOOKALIKE_SCRIPTS.test(ch))
  );
}

/**
 * Whether one word mixes Latin letters with characters that pass for them. Words are split only on
 * the ordinary space and punctuation: "ACME Россия" is a bilingual name, while "АCME" (a Cyrillic
 * А) is a trick, and so is "А\u200ACME", whose hair space only pretends to end a word.
 */
function mixesScripts(text: string): boolean {
  for (const word of text.split(/[ \p{P}]+/u)) {
    let latin = false;
    let lookalike = false;
    for (const ch of word) {
      if (passesForAscii(ch)) lookalike = true;
      else if (LATIN_LETTER.test(ch)) latin = true;
      if (latin && lookalike) return true;
    }
  }
  return false;
}

/**
 * Every value of the `image` parameter, read as apps read it: each occurrence, its name
 * percent-decoded (`im%61ge`) and matched without regard to case (`IMAGE`), its value
 * percent-decoded (left as it is when that fails).
 */
function imageValues(uri: string): string[] {
  const values: string[] = [];
  const decode = (text: string): string => {
    try {
      return decodeURIComponent(text.replaceAll('+', ' '));
    } catch {
      return text;
    }
  };
  const query = uri.slice(uri.indexOf('?') + 1).split('#')[0]!;
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    if (eq > 0 && decode(part.slice(0, eq)).toLowerCase() === 'image') values.push(decode(part.slice(eq + 1)));
  }
  return values;
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
 * @see https://www.unicode.org/reports/tr39/ (confusable detection: its data is the base of the skeleton)
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

  // Only an embedded data: image is safe to show; anything else is fetched from somewhere (apps
  // resolve `https:evil`, `//evil`, `\\evil` and relative names alike).
  if (imageValues(uri).some((value) => !/^data:/i.test(value.trim())))
    risk('REMOTE_IMAGE', 'warning', 'the image parameter is not an embedded data: image, so the app may fetch it');

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
    // A label holds at most MAX_LABEL_LENGTH characters; an expectation many times longer cannot be
    // what it imitates, and folding it would only cost time.
    else if (expected.length <= MAX_URI_LENGTH && skeleton(actual) === skeleton(expected))
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
