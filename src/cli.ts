#!/usr/bin/env node
/**
 * The `totpkit` command line: create enrollments, show and verify codes, inspect and render
 * `otpauth://` URIs. The one part of totpkit that prints.
 *
 * A secret or URI given as an argument is visible in the process list and shell history: pass `-`
 * to read it from standard input instead.
 *
 * @module
 */
import {
  closeSync,
  constants as fsConstants,
  lstatSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { decodeBase32 } from './base32.js';
import { isTotpkitError, TotpkitError, type TotpkitErrorCode } from './errors.js';
import { ALGORITHMS, DEFAULT_ALGORITHM, DEFAULT_DIGITS, DEFAULT_PERIOD_SECONDS } from './constants.js';
import { manualEntry } from './manual.js';
import { toPng, toSvg, toTerminal } from './qr/index.js';
import { generateSecret } from './secret.js';
import { timeStep, totp, verifyTotp } from './totp.js';
import type { Algorithm } from './types.js';
import { authenticatorConcerns, type AuthenticatorConcern } from './compat.js';
import { inspectEnrollmentUri, type EnrollmentRisk } from './inspect.js';
import { buildMigrationUris, parseMigrationUri } from './migration.js';
import {
  buildOtpauthUri,
  formatOtpauthUri,
  parseOtpauthUri,
  type OtpauthParams,
  type ParsedOtpauthUri,
} from './uri.js';
import { hotp, verifyHotp } from './hotp.js';

const VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
const out = process.stdout;
const colour = out.isTTY === true && process.env.NO_COLOR === undefined && process.env.TERM !== 'dumb';
const paint = (code: number, text: string): string => (colour ? `\u001b[${code}m${text}\u001b[0m` : text);
const bold = (t: string): string => paint(1, t);
const dim = (t: string): string => paint(2, t);
const yellow = (t: string): string => paint(33, t);

const HELP = `totpkit ${VERSION} — TOTP/HOTP from the command line

Usage:
  totpkit new --issuer NAME --account NAME [--algorithm SHA1|SHA256|SHA512] [--digits N] [--period S]
              [--svg FILE] [--png FILE] [--force] [--ascii] [--invert] [--json]
      Create a secret; print the QR code, the otpauth:// URI and the manual-entry key.
  totpkit code <uri|secret|-> [--time TIME] [--watch] [--digits N] [--period S] [--algorithm A] [--json]
      Print the current code and the seconds left. --watch refreshes until Ctrl-C.
  totpkit verify <uri|secret|-> <code> [--window N] [--time TIME] [--json]
      Exit 0 if the code is valid now (printing the matched delta), 1 if not.
  totpkit inspect <uri|-> [--lenient] [--show-secret] [--expect-issuer NAME] [--expect-account NAME] [--json]
      Parse a URI (strictly unless --lenient) and print its fields, every warning and every risk
      (look-alike issuer, remote image, weak secret…). With --expect-*, exit 1 on a dangerous one.
  totpkit qr [uri|-] [--svg FILE] [--png FILE] [--force] [--ascii] [--invert]
      Render a URI as a QR code; reads the URI from standard input when it is "-" or absent.
  totpkit import <migration-uri...|-> [--lenient] [--json]
      Read Google Authenticator "Transfer accounts" URIs (otpauth-migration://, one per QR code)
      and print one otpauth:// URI per account; accounts it cannot use are named on stderr.
  totpkit export <uri...|-> [--per-qr N] [--ascii] [--invert] [--json]
      Turn otpauth:// URIs into Google Authenticator transfer URIs, each with its QR code.

A secret is base32 (spaces, lower case and padding are accepted); TIME is an ISO date or epoch
seconds. Pass "-" to read the URI or secret from standard input, which keeps it out of the
process list and your shell history. Image files hold the secret: they are created readable by
you alone (0600), and an existing file or link is replaced only with --force. --help, --version.`;

class UsageError extends Error {}

function readStdin(): string {
  try {
    return readFileSync(0, 'utf8').trim();
  } catch {
    throw new UsageError('could not read standard input');
  }
}

/** A URI, a base32 secret, or '-' for standard input, into parsed parameters. */
function source(arg: string | undefined, flags: Record<string, unknown>): ParsedOtpauthUri {
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
    algorithm: (flags.algorithm as Algorithm | undefined) ?? DEFAULT_ALGORITHM,
    digits: integerFlag('digits', flags.digits) ?? DEFAULT_DIGITS,
    period: integerFlag('period', flags.period) ?? DEFAULT_PERIOD_SECONDS,
    warnings: [],
  };
}

/** `--time` as epoch ms: an ISO date or epoch seconds; now when absent. */
function timeFlag(value: unknown): number {
  if (value === undefined) return Date.now();
  const text = String(value);
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text);
  if (!Number.isFinite(ms) || ms < 0) throw new UsageError('--time must be an ISO date or epoch seconds');
  return ms;
}

function integerFlag(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(String(value))) throw new UsageError(`--${name} must be a whole number`);
  return Number(value);
}

/** `--ascii` and `--invert` as terminal QR options. */
function terminalOptions(flags: Record<string, unknown>): { charset: 'ascii' | 'unicode'; invert: boolean } {
  return { charset: flags.ascii === true ? 'ascii' : 'unicode', invert: flags.invert === true };
}

function print(json: boolean, data: unknown, text: string): void {
  out.write(json ? `${JSON.stringify(data, (_, v) => (typeof v === 'bigint' ? v.toString() : v))}\n` : `${text}\n`);
}

/**
 * Writes a file that carries a secret (a QR code of an otpauth URI): created new with mode 0600,
 * never through a symbolic link, never over an existing file unless `force` (which removes what is
 * there, a link itself rather than its target, and creates the file anew).
 */
function writeSecretFile(path: string, data: string | Uint8Array, force: boolean): void {
  let exists = true;
  try {
    lstatSync(path);
  } catch {
    exists = false;
  }
  if (exists) {
    if (!force) throw new UsageError(`${path} exists (a file or a link); pass --force to replace it`);
    unlinkSync(path);
  }
  // O_EXCL: fails if anything appeared at the path since, and never follows a link there.
  const fd = openSync(path, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o600);
  try {
    writeFileSync(fd, data); // with a descriptor it writes all of `data`
  } finally {
    closeSync(fd);
  }
}

function writeImages(uri: string, flags: Record<string, unknown>): string[] {
  const written: string[] = [];
  const force = flags.force === true;
  if (typeof flags.svg === 'string') {
    writeSecretFile(flags.svg, toSvg(uri, { title: 'Scan with your authenticator app' }), force);
    written.push(flags.svg);
  }
  if (typeof flags.png === 'string') {
    writeSecretFile(flags.png, toPng(uri), force);
    written.push(flags.png);
  }
  return written;
}

function commandNew(flags: Record<string, unknown>): number {
  if (typeof flags.issuer !== 'string' || typeof flags.account !== 'string')
    throw new UsageError('new needs --issuer and --account');
  const algorithm = (flags.algorithm ?? DEFAULT_ALGORITHM) as Algorithm;
  if (!(ALGORITHMS as readonly string[]).includes(algorithm))
    throw new UsageError(`--algorithm must be one of ${ALGORITHMS.join(', ')}`);
  const params = {
    type: 'totp' as const,
    secret: generateSecret(),
    account: flags.account,
    issuer: flags.issuer,
    algorithm,
    digits: integerFlag('digits', flags.digits),
    period: integerFlag('period', flags.period),
  };
  const uri = buildOtpauthUri(params);
  const manual = manualEntry(params);
  const files = writeImages(uri, flags);
  const qr = toTerminal(uri, terminalOptions(flags));
  // The same warnings inspect gives: many apps ignore a non-default algorithm, digits or period.
  const warnings = parseOtpauthUri(uri).warnings;
  const appConcerns = authenticatorConcerns(params);
  print(
    flags.json === true,
    {
      uri,
      secret: manual.secret.replaceAll(' ', ''),
      account: manual.account,
      issuer: manual.issuer,
      files,
      warnings,
      appConcerns,
    },
    [
      qr,
      '',
      `${bold('URI')}     ${uri}`,
      ...manual.text.split('\n').map((l) => l.replace(/^([^:]+):/, (_, k: string) => bold(`${k}:`.padEnd(8)))),
      ...files.map((f) => `${dim('wrote')}   ${f}`),
      ...warnings.map((w) => `${yellow('warning')} ${w.code}: ${w.message}`),
      ...concernLines(appConcerns),
      '',
      yellow('This is the secret: store it sealed, show it once, never log it.'),
    ].join('\n'),
  );
  return 0;
}

function codeNow(p: ParsedOtpauthUri, now: number): { code: string; remaining: number; step: number } {
  if (p.type === 'hotp')
    return {
      code: hotp(p.secret, p.counter, { algorithm: p.algorithm, digits: p.digits }),
      remaining: 0,
      step: Number(p.counter),
    };
  const options = { time: now, period: p.period, algorithm: p.algorithm, digits: p.digits };
  const step = timeStep(options);
  const remaining = Math.ceil(((step + 1) * p.period * 1000 - now) / 1000);
  return { code: totp(p.secret, options), remaining, step };
}

async function commandCode(args: string[], flags: Record<string, unknown>): Promise<number> {
  const p = source(args[0], flags);
  if (flags.watch !== true) {
    const c = codeNow(p, timeFlag(flags.time));
    print(flags.json === true, c, p.type === 'hotp' ? c.code : `${c.code}  ${dim(`${c.remaining}s left`)}`);
    return 0;
  }
  if (p.type === 'hotp') throw new UsageError('--watch applies to TOTP only');
  // Redraw one line until interrupted; restore the cursor and end the line cleanly on Ctrl-C.
  const width = 30;
  const draw = (): void => {
    const { code, remaining } = codeNow(p, Date.now());
    const filled = Math.round((remaining / p.period) * width);
    out.write(
      `\r${bold(code)}  [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(remaining).padStart(3)}s `,
    );
  };
  if (out.isTTY) out.write('\u001b[?25l');
  draw();
  const timer = setInterval(draw, 250);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      clearInterval(timer);
      out.write(out.isTTY ? '\u001b[?25h\n' : '\n');
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}

function commandVerify(args: string[], flags: Record<string, unknown>): number {
  const p = source(args[0], flags);
  const code = args[1];
  if (code === undefined) throw new UsageError('verify needs a <code>');
  const window = integerFlag('window', flags.window);
  if (p.type === 'hotp') {
    const r = verifyHotp(p.secret, code, {
      counter: p.counter,
      lookAhead: window,
      algorithm: p.algorithm,
      digits: p.digits,
    });
    print(flags.json === true, r, r.ok ? `valid (counter ${r.counter}, next ${r.next})` : `invalid: ${r.reason}`);
    return r.ok ? 0 : 1;
  }
  const r = verifyTotp(p.secret, code, {
    time: timeFlag(flags.time),
    period: p.period,
    algorithm: p.algorithm,
    digits: p.digits,
    window,
  });
  print(flags.json === true, r, r.ok ? `valid (delta ${r.delta})` : `invalid: ${r.reason}`);
  return r.ok ? 0 : 1;
}

function commandInspect(args: string[], flags: Record<string, unknown>): number {
  if (args[0] === undefined) throw new UsageError('inspect needs a <uri> (or "-")');
  const text = args[0] === '-' ? readStdin() : args[0];
  const lenient = flags.lenient === true;
  const expectedIssuer = flags['expect-issuer'] as string | undefined;
  const expectedAccount = flags['expect-account'] as string | undefined;
  const expecting = expectedIssuer !== undefined || expectedAccount !== undefined;
  // Look-alike checks come first: with --expect-*, a QR code that is not even an otpauth URI is a
  // finding to report, not an error.
  const check = inspectEnrollmentUri(text, { expectedIssuer, expectedAccount });
  const riskLine = (r: EnrollmentRisk) =>
    `${r.severity === 'danger' ? paint(31, 'danger ') : yellow('warning')}   ${r.code}: ${r.message}`;
  if (expecting && check.parsed === undefined) {
    print(flags.json === true, { risks: check.risks }, check.risks.map(riskLine).join('\n'));
    return 1;
  }
  let p: ParsedOtpauthUri;
  try {
    p = parseOtpauthUri(text, { mode: lenient ? 'lenient' : 'strict' });
  } catch (error) {
    // Say when lenient mode would read it (what real apps and services emit), and what it would warn.
    if (lenient || !isTotpkitError(error)) throw error;
    let relaxed: ParsedOtpauthUri | undefined;
    try {
      relaxed = parseOtpauthUri(text, { mode: 'lenient' });
    } catch {
      throw error;
    }
    const codes = relaxed.warnings.map((w) => w.code).join(', ');
    throw new TotpkitError(
      error.code as TotpkitErrorCode,
      `${error.message}; --lenient reads it${codes === '' ? '' : ` (with warnings: ${codes})`}`,
    );
  }
  const shown = flags['show-secret'] === true;
  const secretText = shown ? manualEntry({ ...p, counter: p.counter }).secret : null;
  const fields = {
    type: p.type,
    account: p.account,
    issuer: p.issuer ?? null,
    algorithm: p.algorithm,
    digits: p.digits,
    ...(p.type === 'totp' ? { period: p.period } : { counter: p.counter }),
    secret: secretText,
    secretBits: p.secret.length * 8,
    warnings: p.warnings,
    risks: check.risks,
    appConcerns: authenticatorConcerns(p),
  };
  const lines = Object.entries(fields)
    .filter(([k]) => k !== 'warnings' && k !== 'secretBits' && k !== 'risks' && k !== 'appConcerns')
    .map(
      ([k, v]) =>
        `${bold(k.padEnd(10))}${k === 'secret' && !shown ? `(${fields.secretBits} bits; --show-secret to print)` : String(v)}`,
    );
  for (const w of p.warnings) lines.push(`${yellow('warning')}   ${w.code}: ${w.message}`);
  for (const r of check.risks) lines.push(riskLine(r));
  lines.push(...concernLines(fields.appConcerns));
  print(flags.json === true, fields, lines.join('\n'));
  return expecting && !check.ok ? 1 : 0;
}

function commandQr(args: string[], flags: Record<string, unknown>): number {
  const text = args[0] === undefined || args[0] === '-' ? readStdin() : args[0];
  if (text === '') throw new UsageError('qr needs a URI, as an argument or on standard input');
  const files = writeImages(text, flags);
  if (files.length === 0 || flags.ascii === true || flags.invert === true) {
    out.write(`${toTerminal(text, terminalOptions(flags))}\n`);
  }
  for (const f of files) process.stderr.write(`wrote ${f}\n`);
  return 0;
}

/**
 * The apps that would not honour a URI's settings, one line per app that ignores or refuses one
 * (unknown and disputed cells stay in the JSON, not on screen).
 */
function concernLines(concerns: AuthenticatorConcern[]): string[] {
  const byApp = new Map<string, string[]>();
  for (const c of concerns)
    if (c.support === 'unsupported')
      byApp.set(c.app, [
        ...(byApp.get(c.app) ?? []),
        c.parameter === 'SHA256' || c.parameter === 'SHA512' ? c.parameter.replace('SHA', 'SHA-') : c.parameter,
      ]);
  return [...byApp].map(
    ([app, what]) => `${yellow('apps')}      ${app} ignores or refuses ${what.join(', ')} (docs/compatibility.md)`,
  );
}

/** The arguments, or the non-empty lines of standard input for "-" or none. */
function inputs(args: string[], what: string): string[] {
  const list = args.length === 0 || (args.length === 1 && args[0] === '-') ? readStdin().split(/\r?\n/) : args;
  const found = list.map((l) => l.trim()).filter((l) => l !== '');
  if (found.length === 0) throw new UsageError(`${what} needs at least one URI, as arguments or on standard input`);
  return found;
}

function commandImport(args: string[], flags: Record<string, unknown>): number {
  const mode = flags.lenient === true ? 'lenient' : 'strict';
  const accounts: { uri: string; account: string; issuer: string | null; warnings: string[] }[] = [];
  const skipped: { qr: number; index: number; code: string }[] = [];
  // A transfer of many accounts is several QR codes of one batch: say when some are missing.
  const batches = new Map<number, { size: number; seen: Set<number> }>();
  for (const [qr, text] of inputs(args, 'import').entries()) {
    const r = parseMigrationUri(text, { mode });
    for (const a of r.accounts) {
      accounts.push({
        uri: formatOtpauthUri(a),
        account: a.account,
        issuer: a.issuer ?? null,
        warnings: a.warnings.map((w) => w.code),
      });
      a.secret.fill(0);
    }
    for (const w of r.warnings) skipped.push({ qr, index: w.index, code: w.code });
    const batch = batches.get(r.batch.id) ?? { size: r.batch.size, seen: new Set<number>() };
    batch.seen.add(r.batch.index);
    batches.set(r.batch.id, batch);
  }
  const incomplete = [...batches.values()]
    .filter((b) => b.seen.size < b.size)
    .map((b) => `${b.seen.size} of ${b.size} QR codes`);
  if (flags.json === true) {
    print(true, { accounts, skipped, incomplete }, '');
  } else {
    out.write(`${accounts.map((a) => a.uri).join('\n')}\n`);
    for (const s of skipped)
      process.stderr.write(`${yellow('skipped')} QR ${s.qr + 1}, account ${s.index + 1}: ${s.code}\n`);
    for (const i of incomplete)
      process.stderr.write(`${yellow('incomplete')} this transfer has more QR codes: read ${i}\n`);
    for (const a of accounts)
      if (a.warnings.length > 0)
        process.stderr.write(
          `${yellow('warning')} ${a.issuer ?? ''}${a.issuer === null ? '' : ':'}${a.account}: ${a.warnings.join(', ')}\n`,
        );
  }
  return 0;
}

function commandExport(args: string[], flags: Record<string, unknown>): number {
  const accounts = inputs(args, 'export').map((text): OtpauthParams => {
    const p = parseOtpauthUri(text, { mode: flags.lenient === true ? 'lenient' : 'strict' });
    return p.type === 'totp' ? { ...p, type: 'totp' } : { ...p, type: 'hotp', counter: p.counter };
  });
  const uris = buildMigrationUris(accounts, { perUri: integerFlag('per-qr', flags['per-qr']) });
  if (flags.json === true) {
    print(true, { uris }, '');
  } else {
    uris.forEach((uri, i) => {
      if (uris.length > 1) out.write(`${bold(`QR code ${i + 1} of ${uris.length}`)}\n`);
      out.write(`${toTerminal(uri, terminalOptions(flags))}\n${uri}\n`);
    });
  }
  for (const a of accounts) a.secret.fill(0);
  return 0;
}

/** The command line, parsed strictly (unknown options are errors). */
function parse(argv: string[]) {
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
function parseArgsError(error: unknown): unknown {
  const e = error as { code?: string; message?: string };
  const found = /'(-{1,2}[^'\s]{1,40})/.exec(e.message ?? '')?.[1];
  const option = found === undefined ? 'option' : `option ${found}`;
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new UsageError(`unknown ${option} (see --help)`);
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE')
    return new UsageError(`${option} ${/argument missing/.test(e.message ?? '') ? 'needs a value' : 'takes no value'}`);
  if (e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return new UsageError('unexpected argument (see --help)');
  return error;
}

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw parseArgsError(error);
  }
  const { values: flags, positionals } = parsed;
  if (flags.version === true) {
    out.write(`${VERSION}\n`);
    return 0;
  }
  const [command, ...args] = positionals;
  if (flags.help === true || command === undefined || command === 'help') {
    out.write(`${HELP}\n`);
    return command === undefined && flags.help !== true ? 2 : 0;
  }
  switch (command) {
    case 'new':
      return commandNew(flags);
    case 'code':
      return commandCode(args, flags);
    case 'verify':
      return commandVerify(args, flags);
    case 'inspect':
      return commandInspect(args, flags);
    case 'qr':
      return commandQr(args, flags);
    case 'import':
      return commandImport(args, flags);
    case 'export':
      return commandExport(args, flags);
    default:
      throw new UsageError(`unknown command "${command}" (try --help)`);
  }
}

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (error: unknown) => {
    // Our errors never contain secrets or URI text, so their messages are safe to show.
    const e = error as { code?: string; message?: string };
    const code =
      error instanceof UsageError || String(e.code).startsWith('ERR_PARSE_ARGS') ? 'usage' : (e.code ?? 'error');
    const message = e.message ?? String(error);
    // With --json, errors are JSON too (on standard output, where the caller reads the result).
    if (process.argv.includes('--json')) out.write(`${JSON.stringify({ error: { code, message } })}\n`);
    else process.stderr.write(`totpkit: ${code}: ${message}\n`);
    process.exitCode = 2;
  },
);
