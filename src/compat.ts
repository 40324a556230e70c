/**
 * What widely used authenticator apps do with the `otpauth://` parameters beyond the defaults
 * (SHA-1, 6 digits, 30 s), from published sources: the vendor's documentation, the app's code, or a
 * public issue in which users or maintainers tested it. Every cell names its sources; where none
 * was found the cell says `unknown` rather than guess. Apps change: a cell describes what its
 * sources saw, and `varies` means they saw different versions behave differently.
 *
 * An app that does not support a parameter usually still accepts the QR code and then shows
 * codes computed with the default, which the server refuses: the failure the user meets is "the
 * codes don't work", not an error. {@link authenticatorConcerns} lists those risks for given
 * parameters; `startEnrollment` returns them, and the CLI prints them.
 *
 * @module totpkit/compat
 */
import { DEFAULT_DIGITS, DEFAULT_PERIOD_SECONDS } from './constants.js';
import type { Algorithm } from './types.js';

/** A non-default setting an app may not honour. */
export type AppParameter = 'SHA256' | 'SHA512' | 'digits' | 'period';

/** What the sources say an app does with a parameter. */
export type AppSupport =
  /** Honoured. */
  | 'supported'
  /** Ignored (the app computes with the default) or refused: the codes will not match. */
  | 'unsupported'
  /** Depends on the version, the platform or the value (the cell's note says which). */
  | 'varies'
  /** No published source found. */
  | 'unknown';

/** One cell of the table. */
export interface AppSupportCell {
  readonly support: AppSupport;
  /** What the sources add (a version, a platform, a condition). */
  readonly note?: string;
  /** Where this comes from: public URLs. Empty only for `unknown`. */
  readonly sources: readonly string[];
}

/** An app's row. */
export interface AuthenticatorApp {
  readonly name: string;
  readonly support: Readonly<Record<AppParameter, AppSupportCell>>;
}

const GA_WIKI = 'https://github.com/google/google-authenticator/wiki/Key-Uri-Format';
const AUTHELIA =
  'https://github.com/authelia/authelia/blob/master/docs/content/reference/integrations/' +
  'time-based-one-time-password-apps.md';
const gh = (path: string): string => `https://github.com/${path}`;
const unknown: AppSupportCell = { support: 'unknown', sources: [] };
const cell = (support: AppSupport, sources: string[], note?: string): AppSupportCell =>
  note === undefined ? { support, sources } : { support, note, sources };

/**
 * The compatibility table: Google Authenticator, Microsoft Authenticator, Authy (Twilio),
 * 1Password, Bitwarden, FreeOTP, Aegis, Apple Passwords and KeePassXC.
 */
export const AUTHENTICATOR_APPS: readonly AuthenticatorApp[] = /* @__PURE__ */ Object.freeze([
  {
    name: 'Google Authenticator',
    support: {
      SHA256: cell(
        'varies',
        [
          GA_WIKI,
          gh('google/google-authenticator-android/issues/29'),
          gh('keycloak/keycloak/issues/27349'),
          gh('eduMFA/eduMFA/issues/234'),
        ],
        'ignored by older versions (the Key URI wiki); honoured by current ones, but only spelled in upper case',
      ),
      SHA512: cell(
        'varies',
        [GA_WIKI, gh('google/google-authenticator-android/issues/29'), gh('keycloak/keycloak/issues/27349')],
        'ignored by older versions; honoured by current ones',
      ),
      digits: cell(
        'varies',
        [GA_WIKI, gh('keycloak/keycloak/issues/27349')],
        'ignored on Android by older versions; 8 digits in current ones',
      ),
      period: cell(
        'varies',
        [GA_WIKI, gh('RobThree/TwoFactorAuth.Net/issues/18')],
        'the Key URI wiki says ignored; a 60 s period worked in a 2021 report',
      ),
    },
  },
  {
    name: 'Microsoft Authenticator',
    support: {
      SHA256: cell(
        'unsupported',
        [
          gh('privacyidea/privacyidea/issues/3812'),
          gh('RobThree/TwoFactorAuth/issues/54'),
          gh('samdjstevens/java-totp/issues/30'),
        ],
        'shows SHA-1 codes',
      ),
      SHA512: cell('unsupported', [gh('sec51/twofactor/issues/11'), gh('samdjstevens/java-totp/issues/30')]),
      digits: cell(
        'unsupported',
        [gh('puddly/android-otp-extractor/issues/33'), gh('RobThree/TwoFactorAuth.Net/issues/1')],
        'the digits parameter is ignored',
      ),
      period: cell(
        'unsupported',
        [gh('RobThree/TwoFactorAuth.Net/issues/18'), gh('RobThree/TwoFactorAuth.Net/issues/1')],
        'a 60 s period gives wrong codes',
      ),
    },
  },
  {
    name: 'Authy (Twilio)',
    support: {
      SHA256: cell(
        'unsupported',
        [
          gh('RobThree/TwoFactorAuth/issues/54'),
          gh('google/google-authenticator-android/issues/29'),
          gh('samdjstevens/java-totp/issues/30'),
        ],
        'shows SHA-1 codes',
      ),
      SHA512: cell('unsupported', [gh('sec51/twofactor/issues/11'), gh('samdjstevens/java-totp/issues/30')]),
      digits: cell('unknown', [gh('sec51/twofactor/issues/11'), AUTHELIA], 'reports disagree'),
      period: unknown,
    },
  },
  {
    name: '1Password',
    support: {
      SHA256: cell('supported', [AUTHELIA]),
      SHA512: cell('unsupported', [AUTHELIA]),
      digits: cell('unsupported', [AUTHELIA], '8 digits not supported when tested'),
      period: unknown,
    },
  },
  {
    name: 'Bitwarden',
    support: {
      SHA256: cell('supported', [AUTHELIA, gh('eduMFA/eduMFA/issues/234')]),
      SHA512: cell('supported', [AUTHELIA]),
      digits: cell('supported', [AUTHELIA]),
      period: unknown,
    },
  },
  {
    name: 'FreeOTP',
    support: {
      SHA256: cell('supported', [
        gh('privacyidea/privacyidea/issues/3812'),
        gh('google/google-authenticator-android/issues/29'),
      ]),
      SHA512: cell('supported', [gh('samdjstevens/java-totp/issues/30')]),
      digits: cell('supported', [gh('opnsense/core/issues/1984')]),
      period: cell(
        'supported',
        [gh('keepassxreboot/keepassxc/issues/7095'), gh('RobThree/TwoFactorAuth.Net/issues/1')],
        'even a one-day period',
      ),
    },
  },
  {
    name: 'Aegis',
    support: {
      SHA256: cell('unknown', [gh('samdjstevens/java-totp/issues/30'), AUTHELIA], 'reports disagree'),
      SHA512: cell('supported', [gh('samdjstevens/java-totp/issues/30'), AUTHELIA]),
      digits: cell('supported', [AUTHELIA]),
      period: unknown,
    },
  },
  {
    name: 'Apple Passwords',
    support: { SHA256: unknown, SHA512: unknown, digits: unknown, period: unknown },
  },
  {
    name: 'KeePassXC',
    support: {
      SHA256: cell('supported', [gh('keepassxreboot/keepassxc/pull/2972')]),
      SHA512: cell('supported', [gh('keepassxreboot/keepassxc/pull/2972')]),
      digits: cell('supported', [gh('keepassxreboot/keepassxc/issues/1762')], '6 or 8 digits'),
      period: cell(
        'varies',
        [gh('keepassxreboot/keepassxc/issues/7095')],
        'up to 60 s; longer periods were not honoured in 2.6',
      ),
    },
  },
] as AuthenticatorApp[]);

/** An app that may not honour a setting, and what the sources say. */
export interface AuthenticatorConcern {
  readonly app: string;
  readonly parameter: AppParameter;
  readonly support: Exclude<AppSupport, 'supported'>;
  readonly note?: string;
  readonly sources: readonly string[];
}

/**
 * The apps that would ignore, refuse or may mishandle the non-default settings among `params`
 * (SHA-256/512, digits other than 6, a period other than 30 s), including the ones no source
 * covers. Empty for the defaults, which every app honours.
 *
 * @param params - `algorithm`, `digits`, `period` as in an `otpauth://` URI (defaults when absent)
 * @returns one concern per app and non-default setting that is not known to be supported
 * @example
 * ```ts
 * authenticatorConcerns({ algorithm: 'SHA256' }).filter((c) => c.support === 'unsupported').map((c) => c.app)
 * // ['Microsoft Authenticator', 'Authy (Twilio)']
 * ```
 */
export function authenticatorConcerns(params: {
  algorithm?: Algorithm;
  digits?: number;
  period?: number;
}): AuthenticatorConcern[] {
  const used: AppParameter[] = [];
  if (params.algorithm === 'SHA256' || params.algorithm === 'SHA512') used.push(params.algorithm);
  if (params.digits !== undefined && params.digits !== DEFAULT_DIGITS) used.push('digits');
  if (params.period !== undefined && params.period !== DEFAULT_PERIOD_SECONDS) used.push('period');
  const concerns: AuthenticatorConcern[] = [];
  for (const parameter of used) {
    for (const app of AUTHENTICATOR_APPS) {
      const c = app.support[parameter];
      if (c.support === 'supported') continue;
      concerns.push(
        c.note === undefined
          ? { app: app.name, parameter, support: c.support, sources: c.sources }
          : { app: app.name, parameter, support: c.support, note: c.note, sources: c.sources },
      );
    }
  }
  return concerns;
}
