#!/usr/bin/env node
/**
 * The `totpkit` command line: create enrollments, show and verify codes, inspect and render
 * `otpauth://` URIs, read and write Google Authenticator transfers. The one part of totpkit that
 * prints. This file dispatches; the commands are in `commands.ts`, the options in `flags.ts` and
 * everything that prints or writes files in `output.ts`.
 *
 * A secret or URI given as an argument is visible in the process list and shell history: pass `-`
 * to read it from standard input instead.
 *
 * @module
 */
import { createRequire } from 'node:module';
import {
  commandCode,
  commandExport,
  commandImport,
  commandInspect,
  commandNew,
  commandQr,
  commandVerify,
} from './commands.js';
import { parseArgsError, parseCommandLine, UsageError } from './flags.js';
import { out } from './output.js';

const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

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

A secret is base32 (spaces, lower case and padding are accepted); TIME is epoch seconds
(1700000000), epoch milliseconds with an "ms" suffix (1700000000000ms) or an ISO date. Pass "-"
to read the URI or secret from standard input, which keeps it out of the process list and your
shell history. Image files hold the secret: they are created readable by
you alone (0600), and an existing file or link is replaced only with --force. --help, --version.`;

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv);
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
