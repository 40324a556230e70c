/**
 * The CLI's options: one strict `parseArgs` table (unknown options are errors), the typed values
 * it gives, and how each value is read (whole numbers, times, standard input, the URI or secret).
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { decodeBase32 } from '../base32.js';
import { ALGORITHMS, DEFAULT_ALGORITHM, DEFAULT_DIGITS, DEFAULT_PERIOD_SECONDS } from '../constants.js';
import type { Algorithm } from '../types.js';
import { type ParsedOtpauthUri, parseOtpauthUri } from '../uri.js';

/** A mistake on the command line: exit status 2 with code `usage`. */
export class UsageError extends Error {}

/** The command line, parsed strictly (unknown options are errors). */
export function parseCommandLine(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
      json: { type: 'boolean' },
      issuer: { type: 'string' },
      account: { type: 'string' },
      algorithm: { type: 'string' },
      digits: { type: 'string' },
      period: { type: 'string' },
      window: { type: 'string' },
      'per-qr': { type: 'string' },
      'expect-issuer': { type: 'string' },
      'expect-account': { type: 'string' },
      time: { type: 'string' },
      watch: { type: 'boolean' },
      lenient: { type: 'boolean' },
      'show-secret': { type: 'boolean' },
      svg: { type: 'string' },
      png: { type: 'string' },
      force: { type: 'boolean' },
      ascii: { type: 'boolean' },
      invert: { type: 'boolean' },
    },
  });
}

/** node:util's parseArgs errors, in our words (its own suggest quoting tricks that do not apply). */
export function parseArgsError(error: unknown): unknown {
  const e = error as { code?: string; message?: string };
  const found = /'(-{1,2}[^'\s]{1,40})/.exec(e.message ?? '')?.[1];
  const option = found === undefined ? 'option' : `option ${found}`;
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new UsageError(`unknown ${option} (see --help)`);
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE')
    return new UsageError(`${option} ${/argument missing/.test(e.message ?? '') ? 'needs a value' : 'takes no value'}`);
  if (e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return new UsageError('unexpected argument (see --help)');
  return error;
}

/** The typed option values of a command line. */
export type Flags = ReturnType<typeof parseCommandLine>['values'];

export function readStdin(): string {
  try {
    return readFileSync(0, 'utf8').trim();
  } catch {
    throw new UsageError('could not read standard input');
  }
}

/** The arguments, or the non-empty lines of standard input for "-" or none. */
export function inputs(args: string[], what: string): string[] {
  const list = args.length === 0 || (args.length === 1 && args[0] === '-') ? readStdin().split(/\r?\n/) : args;
  const found = list.map((l) => l.trim()).filter((l) => l !== '');
  if (found.length === 0) throw new UsageError(`${what} needs at least one URI, as arguments or on standard input`);
  return found;
}

/** A URI, a base32 secret, or '-' for standard input, into parsed parameters. */
export function source(arg: string | undefined, flags: Flags): ParsedOtpauthUri {
  if (arg === undefined) throw new UsageError('missing <uri|secret> (or "-" to read it from standard input)');
  const text = arg === '-' ? readStdin() : arg;
  if (/^otpauth:/i.test(text)) return parseOtpauthUri(text, { mode: 'lenient' });
  // A base32 secret never holds a colon: anything with a scheme is some other kind of URI.
  const scheme = /^([a-z][a-z0-9+.-]{0,19}):/i.exec(text);
  if (scheme !== null)
    throw new UsageError(`the input is a ${scheme[1]!.toLowerCase()}: URI, not an otpauth:// URI or a base32 secret`);
  const secret = decodeBase32(text, { mode: 'lenient' });
  return {
    type: 'totp',
    secret,
    account: '',
    issuer: undefined,
    algorithm: algorithmFlag(flags.algorithm),
    digits: integerFlag('digits', flags.digits) ?? DEFAULT_DIGITS,
    period: integerFlag('period', flags.period) ?? DEFAULT_PERIOD_SECONDS,
    warnings: [],
  };
}

/**
 * Largest bare number `--time` takes as epoch seconds (10^11 s is the year 5138). A larger one is
 * almost certainly milliseconds, which as seconds would silently give a code for the year 55 841.
 */
export const MAX_TIME_SECONDS = 1e11;
/** The last moment a JavaScript `Date` can hold, epoch ms (ECMA-262 §21.4.1.22). */
const MAX_DATE_MS = 8.64e15;

/**
 * `--time` as epoch ms: epoch seconds (`1700000000`, or `1700000000s`), epoch milliseconds only
 * with an explicit suffix (`1700000000000ms`), or an ISO 8601 date; now when absent.
 */
export function timeFlag(value: string | undefined): number {
  if (value === undefined) return Date.now();
  const number = /^(\d{1,16})(s|ms)?$/.exec(value);
  if (number !== null) {
    const n = Number(number[1]);
    if (number[2] === undefined && n > MAX_TIME_SECONDS)
      throw new UsageError(
        `--time ${value} is too large for epoch seconds; for milliseconds write ${value}ms (or give an ISO date)`,
      );
    const ms = number[2] === 'ms' ? n : n * 1000;
    // The range of a JavaScript Date (±8.64e15 ms), so every accepted time has a calendar date.
    if (ms > MAX_DATE_MS) throw new UsageError(`--time ${value} is beyond the last date JavaScript can represent`);
    return ms;
  }
  // An ISO date: Date.parse also reads other forms, so insist on the ISO shape (YYYY-MM-DD…).
  const ms = /^\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms) || ms < 0)
    throw new UsageError(
      '--time must be epoch seconds, epoch milliseconds with "ms" (1700000000000ms), or an ISO date',
    );
  return ms;
}

export function integerFlag(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(String(value))) throw new UsageError(`--${name} must be a whole number`);
  return Number(value);
}

/** `--ascii` and `--invert` as terminal QR options. */
export function terminalOptions(flags: Flags): { charset: 'ascii' | 'unicode'; invert: boolean } {
  return { charset: flags.ascii === true ? 'ascii' : 'unicode', invert: flags.invert === true };
}

/** `--algorithm`: SHA1 (the default), SHA256 or SHA512. */
export function algorithmFlag(value: string | undefined): Algorithm {
  const algorithm = value ?? DEFAULT_ALGORITHM;
  if (!(ALGORITHMS as readonly string[]).includes(algorithm))
    throw new UsageError(`--algorithm must be one of ${ALGORITHMS.join(', ')}`);
  return algorithm as Algorithm;
}
