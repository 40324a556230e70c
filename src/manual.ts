/**
 * The manual-entry fallback shown beside an enrollment QR code, for when scanning fails.
 *
 * @module
 */
import { encodeBase32 } from './base32.js';
import { DEFAULT_ALGORITHM, DEFAULT_DIGITS, DEFAULT_PERIOD_SECONDS } from './constants.js';
import { optionsObject, checkSecretBytes } from './internal/assert.js';
import { algorithmOption } from './internal/options.js';
import { digitsOption, enumOption, OTP_TYPES, periodOption } from './internal/options.js';
import type { Algorithm } from './types.js';
import { checkLabel } from './internal/text.js';
import type { OtpauthParams } from './uri.js';

/** What a person types into an authenticator app's "enter a setup key" form. */
export interface ManualEntry {
  /** The base32 secret in groups of four, e.g. `ABCD EFGH IJKL …` (apps ignore the spaces). */
  readonly secret: string;
  readonly account: string;
  readonly issuer: string | undefined;
  /** `'Time based'` or `'Counter based'`, as apps label the choice. */
  readonly kind: 'Time based' | 'Counter based';
  readonly algorithm: Algorithm;
  readonly digits: number;
  /** Seconds (TOTP only). */
  readonly period: number | undefined;
  /** Every field as `Label: value` lines, ready to show; non-default settings included. */
  readonly text: string;
}

/**
 * The manual-entry form of an enrollment: the secret grouped for reading aloud, plus the account,
 * issuer and any non-default settings. Accepts the parameters of `buildOtpauthUri` or the result of
 * `parseOtpauthUri`.
 *
 * @param params - `type`, `secret`, `account`, optional `issuer`, `algorithm`, `digits`, `period`
 * @returns the fields and a ready-made `text`
 * @throws TypeError `ERR_INVALID_ARG_TYPE` / RangeError `ERR_OUT_OF_RANGE` for invalid fields;
 *   TotpkitError `ERR_URI_LABEL` for an account or issuer with `:`, control characters or lone surrogates
 * @example
 * ```ts
 * manualEntry({ type: 'totp', secret, account: 'alice@example.com', issuer: 'ACME' }).text
 * // 'Account: alice@example.com\nIssuer: ACME\nKey: ABCD EFGH …\nType: Time based'
 * ```
 */
export function manualEntry(params: Omit<OtpauthParams, 'counter'> & { counter?: number | bigint }): ManualEntry {
  const p = optionsObject('params', params, true);
  const type = enumOption('type', p.type, OTP_TYPES);
  // The same label rules as buildOtpauthUri: an account of "bob\nKey: AAAA…" would otherwise print
  // a key line of the caller's choosing into the text shown to the user.
  const account = checkLabel('account', p.account);
  const issuer = p.issuer === undefined ? undefined : checkLabel('issuer', p.issuer);
  const secret = (encodeBase32(checkSecretBytes(p.secret)).match(/.{1,4}/g) ?? []).join(' ');
  const algorithm = algorithmOption(p.algorithm, DEFAULT_ALGORITHM);
  const digits = digitsOption(p.digits);
  const period = type === 'totp' ? periodOption(p.period) : undefined;
  const kind = type === 'totp' ? 'Time based' : 'Counter based';
  const lines = [`Account: ${account}`];
  if (issuer !== undefined) lines.push(`Issuer: ${issuer}`);
  lines.push(`Key: ${secret}`, `Type: ${kind}`);
  if (algorithm !== DEFAULT_ALGORITHM) lines.push(`Algorithm: ${algorithm}`);
  if (digits !== DEFAULT_DIGITS) lines.push(`Digits: ${digits}`);
  if (period !== undefined && period !== DEFAULT_PERIOD_SECONDS) lines.push(`Period: ${period} seconds`);
  return { secret, account, issuer, kind, algorithm, digits, period, text: lines.join('\n') };
}
