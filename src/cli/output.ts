/**
 * The CLI's output: colour (only on a terminal, never with NO_COLOR or TERM=dumb), plain or JSON
 * printing, and the files that carry a secret (QR images), written 0600 and never through a link.
 *
 * @module
 */
import { closeSync, constants as fsConstants, lstatSync, openSync, unlinkSync, writeFileSync } from 'node:fs';
import type { AuthenticatorConcern } from '../compat.js';
import { toPng, toSvg } from '../qr/index.js';
import { type Flags, UsageError } from './flags.js';

/** Where results go (errors go to standard error, or to standard output as JSON with --json). */
export const out = process.stdout;
const colour = out.isTTY === true && process.env.NO_COLOR === undefined && process.env.TERM !== 'dumb';
const paint = (code: number, text: string): string => (colour ? `\u001b[${code}m${text}\u001b[0m` : text);
/** Bold text on a colour terminal. */
export const bold = (t: string): string => paint(1, t);
/** Dim text on a colour terminal. */
export const dim = (t: string): string => paint(2, t);
/** Red text on a colour terminal (dangers). */
export const red = (t: string): string => paint(31, t);
/** Yellow text on a colour terminal (warnings). */
export const yellow = (t: string): string => paint(33, t);

/** Prints `data` as one line of JSON (bigints as strings) with --json, else `text`. */
export function print(json: boolean, data: unknown, text: string): void {
  out.write(json ? `${JSON.stringify(data, (_, v) => (typeof v === 'bigint' ? v.toString() : v))}\n` : `${text}\n`);
}

/**
 * Writes a file that carries a secret (a QR code of an otpauth URI): created new with mode 0600,
 * never through a symbolic link, never over an existing file unless `force` (which removes what is
 * there, a link itself rather than its target, and creates the file anew).
 */
export function writeSecretFile(path: string, data: string | Uint8Array, force: boolean): void {
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

export function writeImages(uri: string, flags: Flags): string[] {
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

/**
 * The apps that would not honour a URI's settings, one line per app that ignores or refuses one
 * (unknown and disputed cells stay in the JSON, not on screen).
 */
export function concernLines(concerns: AuthenticatorConcern[]): string[] {
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

/**
 * What must not reach a terminal as it is: control characters (escape sequences could rewrite the
 * screen), bidirectional and other format characters (U+202E shows `ACME` as `EMCA`), every
 * default-ignorable code point, private-use and unpaired surrogate code units, line and paragraph
 * separators, the braille blank, every space but the ordinary one, and the backslash itself, so
 * that an escape in the output always means an escaped character.
 */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\u2800\\]|(?! )\p{Zs}/gu;

/** `\u202E`, `\u{E0041}` or `\\` for one unsafe character. */
function escapeChar(ch: string): string {
  if (ch === '\\') return '\\\\';
  const cp = ch.codePointAt(0)!;
  return cp > 0xffff ? `\\u{${cp.toString(16).toUpperCase()}}` : `\\u${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Text from a URI or a transfer, made safe to print on a terminal: every unsafe character
 * escaped. `escaped` lists the escapes used (backslashes aside), for a warning that names them.
 * JSON output does not go through here: it stays exact.
 */
export function terminalText(text: string): { text: string; escaped: string[] } {
  const escaped = new Set<string>();
  const safe = text.replace(UNSAFE, (ch) => {
    const e = escapeChar(ch);
    if (ch !== '\\') escaped.add(e);
    return e;
  });
  return { text: safe, escaped: [...escaped] };
}

/**
 * Prints-ready `value` (see {@link terminalText}), pushing onto `warnings` a line that names what
 * was escaped in `what`, when anything was.
 */
export function shown(what: string, value: string, warnings: string[]): string {
  const { text, escaped } = terminalText(value);
  if (escaped.length > 0)
    warnings.push(
      `${yellow('warning')} the ${what} holds invisible or control characters, shown escaped: ${escaped.join(' ')}`,
    );
  return text;
}
