/**
 * The CLI's commands, one function each: `new`, `code`, `verify`, `inspect`, `qr`, `import` and
 * `export`. Each returns the exit status; mistakes throw {@link UsageError}, data errors their
 * `TotpkitError`.
 *
 * @module
 */
import { authenticatorConcerns } from '../compat.js';
import { isTotpkitError, TotpkitError, type TotpkitErrorCode } from '../errors.js';
import { hotp, verifyHotp } from '../hotp.js';
import { type EnrollmentRisk, inspectEnrollmentUri } from '../inspect.js';
import { manualEntry } from '../manual.js';
import { buildMigrationUris, parseMigrationUri } from '../migration.js';
import { toTerminal } from '../qr/index.js';
import { generateSecret } from '../secret.js';
import { timeStep, totp, verifyTotp } from '../totp.js';
import {
  buildOtpauthUri,
  formatOtpauthUri,
  type OtpauthParams,
  type ParsedOtpauthUri,
  parseOtpauthUri,
} from '../uri.js';
import {
  algorithmFlag,
  type Flags,
  inputs,
  integerFlag,
  readStdin,
  source,
  terminalOptions,
  timeFlag,
  UsageError,
} from './flags.js';
import { bold, concernLines, dim, out, print, red, shown, terminalText, writeImages, yellow } from './output.js';

export function commandNew(flags: Flags): number {
  if (typeof flags.issuer !== 'string' || typeof flags.account !== 'string')
    throw new UsageError('new needs --issuer and --account');
  const algorithm = algorithmFlag(flags.algorithm);
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
  // The labels come from the command line, but may hold characters a terminal would act on.
  const escapes: string[] = [];
  const manualLines = manual.text.split('\n').map((l) => shown('issuer or account', l, escapes));
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
      ...manualLines.map((l) => l.replace(/^([^:]+):/, (_, k: string) => bold(`${k}:`.padEnd(8)))),
      ...new Set(escapes),
      ...files.map((f) => `${dim('wrote')}   ${f}`),
      ...warnings.map((w) => `${yellow('warning')} ${w.code}: ${w.message}`),
      ...concernLines(appConcerns),
      '',
      yellow('This is the secret: store it sealed, show it once, never log it.'),
    ].join('\n'),
  );
  return 0;
}

export function codeNow(p: ParsedOtpauthUri, now: number): { code: string; remaining: number; step: number } {
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

export async function commandCode(args: string[], flags: Flags): Promise<number> {
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

export function commandVerify(args: string[], flags: Flags): number {
  const p = source(args[0], flags);
  const code = args[1];
  if (code === undefined) throw new UsageError('verify needs a <code>');
  const window = integerFlag('window', flags.window);
  if (p.type === 'hotp') {
    const r = verifyHotp(p.secret, code, {
      counter: p.counter,
      window: window,
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

export function commandInspect(args: string[], flags: Flags): number {
  if (args[0] === undefined) throw new UsageError('inspect needs a <uri> (or "-")');
  const text = args[0] === '-' ? readStdin() : args[0];
  const lenient = flags.lenient === true;
  const expectedIssuer = flags['expect-issuer'];
  const expectedAccount = flags['expect-account'];
  const expecting = expectedIssuer !== undefined || expectedAccount !== undefined;
  // Look-alike checks come first: with --expect-*, a QR code that is not even an otpauth URI is a
  // finding to report, not an error.
  const check = inspectEnrollmentUri(text, { expectedIssuer, expectedAccount });
  const riskLine = (r: EnrollmentRisk) =>
    `${r.severity === 'danger' ? red('danger ') : yellow('warning')}   ${r.code}: ${r.message}`;
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
  const showSecret = flags['show-secret'] === true;
  const secretText = showSecret ? manualEntry({ ...p, counter: p.counter }).secret : null;
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
  // The issuer and account are the URI's text: shown escaped where a terminal would act on them.
  const escapes: string[] = [];
  const lines = Object.entries(fields)
    .filter(([k]) => k !== 'warnings' && k !== 'secretBits' && k !== 'risks' && k !== 'appConcerns')
    .map(([k, v]) => {
      const value =
        k === 'secret' && !showSecret
          ? `(${fields.secretBits} bits; --show-secret to print)`
          : shown(k, String(v), escapes);
      return `${bold(k.padEnd(10))}${value}`;
    });
  lines.push(...escapes);
  for (const w of p.warnings) lines.push(`${yellow('warning')}   ${w.code}: ${w.message}`);
  for (const r of check.risks) lines.push(riskLine(r));
  lines.push(...concernLines(fields.appConcerns));
  print(flags.json === true, fields, lines.join('\n'));
  return expecting && !check.ok ? 1 : 0;
}

export function commandQr(args: string[], flags: Flags): number {
  const text = args[0] === undefined || args[0] === '-' ? readStdin() : args[0];
  if (text === '') throw new UsageError('qr needs a URI, as an argument or on standard input');
  const files = writeImages(text, flags);
  if (files.length === 0 || flags.ascii === true || flags.invert === true) {
    out.write(`${toTerminal(text, terminalOptions(flags))}\n`);
  }
  for (const f of files) process.stderr.write(`wrote ${f}\n`);
  return 0;
}

export function commandImport(args: string[], flags: Flags): number {
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
    // The URIs are percent-encoded already; escaping them anyway costs nothing and guards the terminal.
    out.write(`${accounts.map((a) => terminalText(a.uri).text).join('\n')}\n`);
    for (const s of skipped)
      process.stderr.write(`${yellow('skipped')} QR ${s.qr + 1}, account ${s.index + 1}: ${s.code}\n`);
    for (const i of incomplete)
      process.stderr.write(`${yellow('incomplete')} this transfer has more QR codes: read ${i}\n`);
    for (const a of accounts) {
      const escapes: string[] = [];
      const label = shown('issuer or account', `${a.issuer ?? ''}${a.issuer === null ? '' : ':'}${a.account}`, escapes);
      if (a.warnings.length > 0) process.stderr.write(`${yellow('warning')} ${label}: ${a.warnings.join(', ')}\n`);
      for (const e of escapes) process.stderr.write(`${e} (${label})\n`);
    }
  }
  return 0;
}

export function commandExport(args: string[], flags: Flags): number {
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
