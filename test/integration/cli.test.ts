/**
 * The built `totpkit` binary (dist/cli/main.js), run as a subprocess the way users run it, and in a
 * tmux pseudo-terminal for `--watch`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeBase32, parseOtpauthUri, totp } from '../../src/index.js';
import { buildMigrationUris } from '../../src/migration.js';
import { decodeQrMatrix } from '../../src/testing/index.js';
import { haveTool, readTerminalQr, root } from '../helpers.js';

const CLI = join(root, 'dist/cli/main.js');
const work = mkdtempSync(join(tmpdir(), 'totpkit-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'; // "12345678901234567890"

function run(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    input,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: undefined },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('totpkit CLI', () => {
  it('--version, --help, and usage errors', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(run(['--version'])).toMatchObject({ status: 0, stdout: `${pkg.version}\n` });
    expect(run(['--help']).stdout).toContain('Usage:');
    expect(run([])).toMatchObject({ status: 2 });
    expect(run(['frobnicate'])).toMatchObject({ status: 2, stderr: expect.stringContaining('unknown command') });
    expect(run(['code', '--bogus'])).toMatchObject({
      status: 2,
      stderr: 'totpkit: usage: unknown option --bogus (see --help)\n',
    });
    expect(run(['new', '--issuer'])).toMatchObject({
      status: 2,
      stderr: 'totpkit: usage: option --issuer needs a value\n',
    });
  });

  it(
    'papercuts: JSON errors with --json, other URIs named, broken otpauth named, --lenient ' + 'suggested, new warns',
    () => {
      // With --json, errors are JSON too.
      const jsonError = run(['code', 'not-base32!', '--json']);
      expect(jsonError.status).toBe(2);
      expect(JSON.parse(jsonError.stdout)).toEqual({
        error: { code: expect.stringMatching(/^ERR_BASE32/), message: expect.any(String) },
      });
      expect(JSON.parse(run(['code', '--bogus', '--json']).stdout)).toEqual({
        error: { code: 'usage', message: 'unknown option --bogus (see --help)' },
      });
      // A URI of another scheme is named as such, not as bad base32; its secret is not echoed.
      const http = run(['code', 'https://example.com/?secret=JBSWY3DPEHPK3PXP']);
      expect(http).toMatchObject({
        status: 2,
        stderr: 'totpkit: usage: the input is a https: URI, not an otpauth:// URI or a base32 secret\n',
      });
      // otpauth:/broken says what is broken.
      expect(run(['inspect', 'otpauth:/totp/A:b?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP']).stderr).toContain(
        'missing the two slashes after the otpauth: scheme',
      );
      // A strict refusal says that --lenient reads it, and with which warnings.
      const strict = run(['inspect', 'otpauth://totp/ACME:alice?secret=jbswy3dpehpk3pxpjbswy3dpehpk3pxp&issuer=ACME']);
      expect(strict.status).toBe(2);
      expect(strict.stderr).toContain('--lenient reads it (with warnings: SECRET_LOWERCASE)');
      expect(strict.stderr).not.toMatch(/jbswy3dp/i);
      // Truly broken input gets no such suggestion.
      expect(run(['inspect', 'otpauth://totp/A:b?issuer=A']).stderr).not.toContain('--lenient');
      // inspect --json: no placeholder text where the secret would be.
      const fields = JSON.parse(
        run(['inspect', '--json', `otpauth://totp/A:b?secret=${RFC_SECRET}&issuer=A`]).stdout,
      ) as Record<string, unknown>;
      expect(fields).toMatchObject({ secret: null, secretBits: 160 });
      expect(
        JSON.parse(
          run(['inspect', '--json', '--show-secret', `otpauth://totp/A:b?secret=${RFC_SECRET}&issuer=A`]).stdout,
        ),
      ).toMatchObject({ secret: expect.stringMatching(/^GEZD/), secretBits: 160 });
      // new warns, as inspect does, about settings many apps ignore.
      const created = run(['new', '--issuer', 'ACME', '--account', 'bob', '--algorithm', 'SHA256', '--digits', '8']);
      for (const w of ['NON_DEFAULT_ALGORITHM', 'NON_DEFAULT_DIGITS']) expect(created.stdout).toContain(w);
      const createdJson = JSON.parse(
        run(['new', '--issuer', 'ACME', '--account', 'bob', '--period', '60', '--json']).stdout,
      ) as { warnings: { code: string }[] };
      expect(createdJson.warnings.map((w) => w.code)).toEqual(['NON_DEFAULT_PERIOD']);
    },
  );

  it('new: prints a scannable terminal QR, the URI and the key; --json and image files', () => {
    const r = run(['new', '--issuer', 'ACME', '--account', 'alice@example.com']);
    expect(r.status).toBe(0);
    const uri = /URI\s+(otpauth:\S+)/.exec(r.stdout)![1]!;
    expect(parseOtpauthUri(uri)).toMatchObject({ issuer: 'ACME', account: 'alice@example.com' });
    expect(decodeQrMatrix(readTerminalQr(r.stdout))).toBe(uri);
    expect(r.stdout).not.toMatch(/\u001b\[/); // no colours when stdout is not a terminal

    const svg = join(work, 'q.svg');
    const png = join(work, 'q.png');
    const j = run([
      'new',
      '--issuer',
      'ACME',
      '--account',
      'bob',
      '--digits',
      '8',
      '--json',
      '--svg',
      svg,
      '--png',
      png,
    ]);
    const data = JSON.parse(j.stdout) as { uri: string; secret: string; files: string[] };
    expect(data.files).toEqual([svg, png]);
    expect(parseOtpauthUri(data.uri).digits).toBe(8);
    if (haveTool('zbarimg', '--version', 'apt-get install zbar-tools')) {
      expect(
        execFileSync('zbarimg', ['--quiet', '--raw', png], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        }).trim(),
      ).toBe(data.uri);
    }
  });

  it('image files hold the secret: created 0600, never over an existing file or through a link without --force', () => {
    const svg = join(work, 'secret.svg');
    expect(run(['new', '--issuer', 'ACME', '--account', 'bob', '--svg', svg]).status).toBe(0);
    expect(statSync(svg).mode & 0o777).toBe(0o600);
    // An existing file is not overwritten.
    const again = run(['new', '--issuer', 'ACME', '--account', 'bob', '--svg', svg]);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('--force');
    // A link planted at the path is not followed: its target stays untouched.
    const target = join(work, 'victim.txt');
    writeFileSync(target, 'precious', { mode: 0o644 });
    const link = join(work, 'link.png');
    symlinkSync(target, link);
    expect(run(['new', '--issuer', 'ACME', '--account', 'bob', '--png', link]).status).toBe(2);
    expect(readFileSync(target, 'utf8')).toBe('precious');
    // --force replaces the link itself with a new private file, still leaving the target alone.
    expect(run(['new', '--issuer', 'ACME', '--account', 'bob', '--png', link, '--force']).status).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(false);
    expect(statSync(link).mode & 0o777).toBe(0o600);
    expect(readFileSync(target, 'utf8')).toBe('precious');
  });

  it('--time: epoch seconds, milliseconds only with "ms", or an ISO date; a bare millisecond count is refused', () => {
    const code = (time: string) => run(['code', RFC_SECRET, `--time=${time}`, '--digits', '8']);
    // RFC 6238 Appendix B, T = 1111111109 s, SHA-1: 07081804, in each spelling of that moment.
    for (const time of ['1111111109', '1111111109s', '1111111109000ms', '2005-03-18T01:58:29Z'])
      expect(code(time).stdout, time).toMatch(/^07081804 /);
    // 1700000000000 (milliseconds, as the library takes) as seconds would be the year 55 841.
    const refused = code('1700000000000');
    expect(refused.status).toBe(2);
    expect(refused.stderr).toBe(
      'totpkit: usage: --time 1700000000000 is too large for epoch seconds; for milliseconds ' +
        'write 1700000000000ms (or give an ISO date)\n',
    );
    expect(code('100000000000').status).toBe(0); // 10^11 s: the largest bare number taken
    expect(code('100000000001').status).toBe(2);
    for (const bad of ['-5', '1.5', 'yesterday', '12/31/2020', '99999999999999999ms', '1e9'])
      expect(code(bad).stderr, bad).toMatch(/^totpkit: usage: --time /);
  });

  it('code: the RFC 6238 vector, from an argument or from stdin, with seconds left', () => {
    expect(run(['code', RFC_SECRET, '--time', '59', '--digits', '8']).stdout).toBe('94287082  1s left\n');
    expect(
      JSON.parse(run(['code', '-', '--time', '1111111111', '--digits', '8', '--json'], `${RFC_SECRET}\n`).stdout),
    ).toEqual({ code: '14050471', remaining: 29, step: 37037037 });
    const uri = `otpauth://totp/ACME:a?secret=${RFC_SECRET}&issuer=ACME&digits=8`;
    expect(run(['code', uri, '--time', '2009-02-13T23:31:30Z']).stdout).toMatch(/^89005924 {2}30s left\n$/);
    // An old account whose secret is only 50 bits: read (leniently), as oathtool and pyotp do.
    const old = run(['code', 'otpauth://totp/Old:bob?secret=MZXW6YTBOI&issuer=Old', '--time', '59']);
    expect(old.status).toBe(0);
    expect(old.stdout.slice(0, 6)).toBe(totp(decodeBase32('MZXW6YTBOI'), { time: 59_000 }));
  });

  it('verify: exit 0 with the delta for a valid code, 1 for a wrong one', () => {
    const code = totp(new TextEncoder().encode('12345678901234567890'), { time: 1_700_000_000_000 - 30_000 });
    const ok = run(['verify', RFC_SECRET, code, '--time', '1700000000']);
    expect(ok).toMatchObject({ status: 0, stdout: 'valid (delta -1)\n' });
    expect(run(['verify', RFC_SECRET, code, '--time', '1700000000', '--window', '0'])).toMatchObject({
      status: 1,
      stdout: 'invalid: mismatch\n',
    });
    expect(run(['verify', RFC_SECRET, '12 34 56'])).toMatchObject({ status: 1, stdout: 'invalid: malformed\n' });
  });

  it('inspect: strict errors name the problem, never the secret; lenient lists every warning', () => {
    const secretish = 'jbswy3dpehpk3pxp';
    const strict = run(['inspect', `otpauth://totp/ACME:alice?secret=${secretish}&issuer=ACME`]);
    expect(strict.status).toBe(2);
    expect(strict.stderr).toContain('ERR_URI_SECRET_INVALID');
    expect(strict.stderr.toLowerCase()).not.toContain(secretish);
    const lenient = run(
      ['inspect', '-', '--lenient'],
      `otpauth://totp/ACME:alice?secret=${secretish}&issuer=ACME&image=x`,
    );
    expect(lenient.status).toBe(0);
    for (const w of ['SECRET_LOWERCASE', 'SECRET_SHORT', 'UNKNOWN_PARAMETER']) expect(lenient.stdout).toContain(w);
    expect(lenient.stdout.toLowerCase()).not.toContain(secretish);
    expect(
      run(['inspect', '--lenient', '--show-secret', `otpauth://totp/A:b?secret=${secretish}&issuer=A`]).stdout,
    ).toContain('JBSW Y3DP EHPK 3PXP');
  });

  it('qr: reads the URI from stdin and renders it', () => {
    const uri = `otpauth://totp/ACME:a?secret=${RFC_SECRET}&issuer=ACME`;
    const r = run(['qr'], uri);
    expect(r.status).toBe(0);
    expect(decodeQrMatrix(readTerminalQr(r.stdout))).toBe(uri);
    expect(run(['qr', '-', '--ascii'], uri).stdout).toMatch(/^[# \n]+$/);
  });

  it(
    'inspect --expect-issuer: a look-alike issuer or a web link is a danger (exit 1), the ' +
      'real thing passes (exit 0)',
    () => {
      const real = `otpauth://totp/ACME:alice?secret=${RFC_SECRET}&issuer=ACME`;
      expect(run(['inspect', real, '--expect-issuer', 'ACME', '--expect-account', 'alice'])).toMatchObject({
        status: 0,
      });
      const fake = run(['inspect', real.replaceAll('ACME', '%D0%90CME'), '--expect-issuer', 'ACME', '--lenient']);
      expect(fake.status).toBe(1);
      expect(fake.stdout).toContain(
        'danger    ISSUER_LOOKALIKE: the issuer looks like the expected one but is not the same',
      );
      expect(fake.stdout).toContain('MIXED_SCRIPTS');
      const web = run(['inspect', 'https://acme.example/2fa', '--expect-issuer', 'ACME', '--json']);
      expect(web.status).toBe(1);
      expect(JSON.parse(web.stdout)).toEqual({
        risks: [
          { code: 'NOT_OTPAUTH', severity: 'danger', message: 'this is a https: URI, not an otpauth:// enrollment' },
        ],
      });
      // Without expectations the risks are listed and the exit status stays 0.
      const image = run(['inspect', `${real}&image=https%3A%2F%2Ft.example%2Fx.png`, '--json']);
      expect(image.status).toBe(0);
      expect((JSON.parse(image.stdout) as { risks: { code: string }[] }).risks.map((r) => r.code)).toEqual([
        'REMOTE_IMAGE',
      ]);
    },
  );

  it('new and inspect name the apps that would ignore a non-default setting', () => {
    const made = run(['new', '--issuer', 'ACME', '--account', 'a', '--algorithm', 'SHA256']);
    expect(made.stdout).toContain('Microsoft Authenticator ignores or refuses SHA-256 (docs/compatibility.md)');
    expect(made.stdout).not.toContain('Bitwarden ignores');
    const json = JSON.parse(
      run(['inspect', '--json', `otpauth://totp/A:b?secret=${RFC_SECRET}&issuer=A&period=60`]).stdout,
    ) as { appConcerns: { app: string; parameter: string; support: string }[] };
    expect(json.appConcerns).toContainEqual(
      expect.objectContaining({ app: 'Microsoft Authenticator', parameter: 'period', support: 'unsupported' }),
    );
    expect(run(['inspect', `otpauth://totp/A:b?secret=${RFC_SECRET}&issuer=A`]).stdout).not.toContain(
      'ignores or refuses',
    );
  });

  it('prints names from URIs and transfers with control, bidi and invisible characters escaped, and says so', () => {
    const RLO = '\u202E'; // right-to-left override: "ACME" would display as "EMCA"
    const [transfer] = buildMigrationUris([
      { type: 'totp', secret: decodeBase32(RFC_SECRET), issuer: `${RLO}ACME`, account: `${RLO}alice\u200B` },
    ]);
    const imported = run(['import', transfer!]);
    expect(imported.status).toBe(0);
    for (const stream of [imported.stdout, imported.stderr]) {
      expect(stream).not.toContain(RLO);
      expect(stream).not.toContain('\u200B');
    }
    expect(imported.stderr).toContain('\\u202EACME:\\u202Ealice\\u200B: INVISIBLE_CHARACTERS');
    expect(imported.stderr).toContain('shown escaped: \\u202E \\u200B');
    // --json stays exact: the names as they are.
    const json = JSON.parse(run(['import', transfer!, '--json']).stdout) as { accounts: { issuer: string }[] };
    expect(json.accounts[0]!.issuer).toBe(`${RLO}ACME`);

    const uri = `otpauth://totp/%E2%80%AEACME:bob?secret=${RFC_SECRET}&issuer=%E2%80%AEACME`;
    const inspected = run(['inspect', uri]);
    expect(inspected.stdout).not.toContain(RLO);
    expect(inspected.stdout).toMatch(/issuer +\\u202EACME\n/);
    expect(inspected.stdout).toContain('the issuer holds invisible or control characters, shown escaped: \\u202E');
    expect((JSON.parse(run(['inspect', uri, '--json']).stdout) as { issuer: string }).issuer).toBe(`${RLO}ACME`);

    const created = run(['new', '--issuer', `${RLO}ACME`, '--account', 'a\\b']);
    expect(created.stdout).not.toContain(RLO);
    expect(created.stdout).toContain('\\u202EACME');
    expect(created.stdout).toContain('a\\\\b'); // a backslash is escaped too, so every escape is unambiguous
  });

  it('export → import: Google Authenticator transfer QR codes, in batches, read back to the same otpauth URIs', () => {
    const uris = Array.from({ length: 12 }, (_, i) => `otpauth://totp/ACME:user${i}?secret=${RFC_SECRET}&issuer=ACME`);
    uris.push(`otpauth://hotp/bob?secret=${RFC_SECRET}&counter=7`);
    const exported = run(['export', '-', '--json'], uris.join('\n'));
    expect(exported.status).toBe(0);
    const migration = (JSON.parse(exported.stdout) as { uris: string[] }).uris;
    expect(migration).toHaveLength(2); // 10 accounts per QR code
    for (const m of migration) expect(m).toMatch(/^otpauth-migration:\/\/offline\?data=/);
    // Text mode: each transfer URI with its QR code, which reads back to it.
    const text = run(['export', ...uris.slice(0, 2)]);
    const lines = text.stdout.trim().split('\n');
    expect(decodeQrMatrix(readTerminalQr(text.stdout))).toBe(lines.at(-1));

    const imported = run(['import', '-'], migration.join('\n'));
    expect(imported.status).toBe(0);
    expect(imported.stdout.trim().split('\n')).toEqual(uris);
    expect(imported.stderr).toContain('bob: NO_ISSUER');
    // Half a transfer: the accounts it has, and a note that QR codes are missing.
    const half = run(['import', migration[1]!, '--json']);
    expect(JSON.parse(half.stdout)).toMatchObject({
      accounts: [{ account: 'user10' }, { account: 'user11' }, { account: 'bob' }],
      incomplete: ['1 of 2 QR codes'],
    });
    // Not a transfer URI: a coded error, no input echoed.
    const wrong = run(['import', uris[0]!]);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toBe('totpkit: ERR_MIGRATION_URI: not an otpauth-migration://offline URI\n');
    // The format has no period: refused, not changed.
    const period = run(['export', `otpauth://totp/A:b?secret=${RFC_SECRET}&issuer=A&period=60`]);
    expect(period.status).toBe(2);
    expect(period.stderr).toContain('must be 30');
    expect(period.stderr).not.toContain(RFC_SECRET);
  });

  it.runIf(haveTool('tmux', '-V', 'apt-get install tmux'))(
    'code --watch draws in a terminal and exits cleanly on Ctrl-C',
    async () => {
      const session = `totpkit-${process.pid}`;
      const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });
      tmux(
        'new-session',
        '-d',
        '-s',
        session,
        '-x',
        '100',
        '-y',
        '8',
        `${process.execPath} ${CLI} code ${RFC_SECRET} --watch; echo EXITED:$?; sleep 30`,
      );
      try {
        const screen = async (pattern: RegExp) => {
          for (let i = 0; i < 40; i++) {
            const text = tmux('capture-pane', '-p', '-t', session);
            if (pattern.test(text)) return text;
            await new Promise((r) => setTimeout(r, 150));
          }
          return tmux('capture-pane', '-p', '-t', session);
        };
        const drawn = await screen(/\d{6} {2}\[[#.]{30}\] +\d+s/);
        expect(drawn).toMatch(/\d{6} {2}\[[#.]{30}\] +\d+s/);
        tmux('send-keys', '-t', session, 'C-c');
        expect(await screen(/EXITED:0/)).toMatch(/EXITED:0/);
      } finally {
        spawnSync('tmux', ['kill-session', '-t', session]);
      }
    },
  );
});
