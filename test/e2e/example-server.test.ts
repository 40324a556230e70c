/**
 * End to end, as a person would: the example server (examples/server) driven by Debian's Chromium
 * through playwright-core. The server's clock is a file (EXAMPLE_CLOCK_FILE) that the tests move, so
 * a new TOTP step, an idle timeout or a 12-hour session cap takes no waiting.
 *
 * Covered: set-up that survives a wrong code and a refresh, recovery codes (post/redirect/get,
 * download, copy, regenerate), login, replay, recovery login, lockout with attempts-left hints and a
 * last-attempt message, several authenticators (add after a current code, rename, remove, log in
 * with either), "remember this browser" (skip, forget, revoked by a 2FA change), security notices,
 * no favicon 404, a security log that fits 1100 px,
 * session rotation and "log out everywhere else", idle/absolute/half-login timeouts, no state change
 * on GET, Secure `__Host-` cookies and HSTS behind TLS and over HTTPS, a dead Redis answered with a
 * 503 page in under 5 s, one clear line for each start-up error, accessibility checks and no
 * sideways scrolling at 375 px, with desktop and phone screenshots saved under .artifacts/e2e/.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOtpauthUri, totp } from '../../src/index.js';
import { startRedis } from '../fixtures/servers.mjs';
import { browserToolsReady, haveTool, launchChromium, root } from '../helpers.js';

const ready = browserToolsReady();
const ARTIFACTS = join(root, '.artifacts', 'e2e');
const PASSWORD = 'correct horse battery staple';

/** The example server as a child process, with its log lines kept. */
interface Example {
  base: string;
  stderr: string[];
  child: ChildProcess;
  stop(): Promise<void>;
}

/** The example server as a child process on a free port, data in `work`, no outside storage unless `env` says so. */
const spawnExample = (env: Record<string, string>, work: string): ChildProcess =>
  spawn(process.execPath, [join(root, 'examples/server/server.mjs')], {
    env: { ...process.env, PORT: '0', DATA_DIR: work, DATABASE_URL: '', REDIS_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

/** Starts the example with `env`; resolves when it listens, rejects with its log when it exits first. */
function startExample(env: Record<string, string>, work: string): Promise<Example> {
  const child = spawnExample(env, work);
  const stderr: string[] = [];
  child.stderr!.on('data', (d: Buffer) => stderr.push(...String(d).split('\n').filter(Boolean)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('example server did not start')), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      const m = /listening on (https?:\/\/[^ ]+\/)/.exec(String(d));
      if (!m) return;
      clearTimeout(timer);
      resolve({
        base: m[1]!,
        stderr,
        child,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`example exited with ${code}: ${stderr.join(' | ')}`));
    });
  });
}

/** Runs the example expecting it to refuse to start: its exit code and log lines. */
function failedStart(
  env: Record<string, string>,
  work: string,
): Promise<{ code: number | null; lines: string[]; ms: number }> {
  const started = Date.now();
  const child = spawnExample(env, work);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += String(d)));
  child.stderr!.on('data', (d: Buffer) => (out += String(d)));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, lines: out.split('\n').filter(Boolean), ms: Date.now() - started });
    });
  });
}

/** Browser helpers bound to one server. */
function helpers(base: string) {
  const submit = async (page: Page, fields: Record<string, string>, action?: string) => {
    // `action` is a form's action, or a whole selector starting with `form`.
    const formSel = !action ? 'main form' : action.startsWith('form') ? action : `form[action="${action}"]`;
    for (const [name, value] of Object.entries(fields)) await page.fill(`${formSel} input[name="${name}"]`, value);
    await Promise.all([page.waitForLoadState('load'), page.click(`${formSel} button[type="submit"]`)]);
  };
  const h1 = (page: Page) => page.locator('h1').textContent();
  const flash = async (page: Page) =>
    (await page.locator('#flash').count()) > 0 ? page.locator('#flash').textContent() : null;
  const signUp = async (page: Page, username: string) => {
    await page.goto(`${base}signup`);
    await submit(page, { username, password: PASSWORD });
    expect(await h1(page)).toBe(`Hello, ${username}`);
  };
  const logIn = async (page: Page, username: string, password = PASSWORD) => {
    await page.goto(`${base}login`);
    await submit(page, { username, password });
  };
  const logOut = async (page: Page) => {
    await page.goto(base);
    await submit(page, {}, '/logout');
  };
  /** The otpauth URI the set-up page shows, read by a real QR decoder from a screenshot. */
  const scanQr = async (page: Page, file: string) => {
    writeFileSync(file, await page.locator('#qr svg').screenshot());
    return execFileSync('zbarimg', ['--quiet', '--raw', file], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  };
  return { submit, h1, flash, signUp, logIn, logOut, scanQr };
}

describe.runIf(ready)('example server, end to end in Chromium (PGlite, a moving clock)', () => {
  const work = mkdtempSync(join(tmpdir(), 'totpkit-e2e-'));
  const clockFile = join(work, 'clock');
  let now = Date.UTC(2026, 10, 23, 12, 0, 0);
  /** Moves the server's clock forward. */
  const advance = (ms: number) => {
    now += ms;
    writeFileSync(clockFile, String(now));
  };
  const code = (secret: Uint8Array) => totp(secret, { time: now });
  let example: Example;
  let browser: Browser;
  let h: ReturnType<typeof helpers>;
  let base = '';

  beforeAll(async () => {
    advance(0);
    mkdirSync(ARTIFACTS, { recursive: true });
    example = await startExample(
      { EXAMPLE_CLOCK_FILE: clockFile, MAX_FAILURES: '5', PASSWORD_MAX_FAILURES: '3' },
      work,
    );
    base = example.base;
    h = helpers(base);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await example?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  /** Signs up `username` and turns 2FA on through the pages; returns the phone's secret. */
  async function enrolledUser(page: Page, username: string): Promise<Uint8Array> {
    await h.signUp(page, username);
    await h.submit(page, {}, '/2fa/enroll/start');
    const secret = parseOtpauthUri(await h.scanQr(page, join(work, `${username}.png`))).secret;
    await h.submit(page, { code: code(secret) }, '/2fa/enroll');
    expect(new URL(page.url()).pathname).toBe('/2fa/recovery-codes');
    await h.submit(page, {}, '/2fa/recovery-codes/done');
    advance(30_000); // the confirming code's step is spent
    return secret;
  }

  it('set-up keeps one QR code through a wrong code and a refresh; recovery codes are shown by ' +
    'GET, downloaded and copied', async () => {
    const context = await browser.newContext({ viewport: { width: 1000, height: 1100 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base.slice(0, -1) });
    const page = await context.newPage();
    await h.signUp(page, 'alice');
    expect(await h.flash(page)).toContain('Welcome');

    // Starting set-up is a POST; the page that shows it is a GET.
    await h.submit(page, {}, '/2fa/enroll/start');
    expect(new URL(page.url()).pathname).toBe('/2fa/enroll');
    const uri = await h.scanQr(page, join(work, 'enroll-1.png'));
    const scanned = parseOtpauthUri(uri);
    expect(scanned).toMatchObject({ account: 'alice', issuer: 'totpkit example' });
    expect(await page.locator('#open-in-app').getAttribute('href')).toBe(uri);
    const manual = await page.locator('#manual').textContent();
    expect(manual).toContain('Account: alice');
    expect(await page.locator('#expiry').textContent()).toContain('This QR code works for 10 more minutes');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('code');

    // A wrong code: the same QR code and key, one attempt fewer.
    const right = code(scanned.secret);
    await h.submit(page, { code: right === '000000' ? '000001' : '000000' }, '/2fa/enroll');
    expect(await h.flash(page)).toContain('That code is not right');
    // The message points at the account name below it.
    expect(await page.locator('#account-name').textContent()).toBe('totpkit example (alice)');
    expect(await page.locator('#f-code-hint').textContent()).toBe('4 attempts left.');
    expect(await h.scanQr(page, join(work, 'enroll-2.png'))).toBe(uri);
    // A refresh, and a plain navigation to the page: still the same secret.
    await page.reload();
    expect(await h.scanQr(page, join(work, 'enroll-3.png'))).toBe(uri);
    await page.goto(`${base}2fa/enroll`);
    expect(await page.locator('#manual').textContent()).toBe(manual);

    // The code from the first scan turns 2FA on; recovery codes come by a redirect to a GET.
    await h.submit(page, { code: right }, '/2fa/enroll');
    expect(new URL(page.url()).pathname).toBe('/2fa/recovery-codes');
    expect(await h.flash(page)).toContain('Two-factor login is on');
    const codes = await page.locator('#recovery-codes li').allTextContents();
    expect(codes).toHaveLength(10);
    await page.reload(); // no resubmission: the same codes
    expect(await page.locator('#recovery-codes li').allTextContents()).toEqual(codes);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    expect(download.suggestedFilename()).toBe('recovery-codes.txt');
    const downloaded = readFileSync((await download.path())!, 'utf8');
    for (const c of codes) expect(downloaded).toContain(c);
    await page.click('button[data-copy]');
    await expect.poll(() => page.locator('button[data-copy]').textContent()).toBe('Copied');
    expect((await page.evaluate(() => navigator.clipboard.readText())).trim().split('\n')).toEqual(codes);
    await h.submit(page, {}, '/2fa/recovery-codes/done');
    expect(await page.locator('#codes-left').textContent()).toBe('10 of 10 recovery codes left.');
    // Once saved, they are gone from the server.
    await page.goto(`${base}2fa/recovery-codes`);
    expect(new URL(page.url()).pathname).toBe('/');

    // Log in with password and code; the same code again is a replay.
    await h.logOut(page);
    await h.logIn(page, 'alice');
    expect(new URL(page.url()).pathname).toBe('/login/2fa');
    advance(30_000);
    const login = code(scanned.secret);
    await h.submit(page, { code: login });
    expect(await h.h1(page)).toBe('Hello, alice');
    await h.logOut(page);
    await h.logIn(page, 'alice');
    await h.submit(page, { code: login });
    expect(await h.flash(page)).toContain('already used');
    expect(await page.locator('#f-code-hint').textContent()).toBe('4 attempts left before a 15-minute lock.');

    // A recovery code, typed in lower case without dashes.
    await page.click('a[href="/login/recovery"]');
    await h.submit(page, { code: codes[3]!.toLowerCase().replaceAll('-', '') });
    expect(await h.flash(page)).toContain('Logged in with a recovery code');
    expect(await page.locator('#codes-left').textContent()).toBe('9 of 10 recovery codes left.');

    // The audit log: every security event, each with the IP address and the browser.
    await page.goto(`${base}audit`);
    const rows = await page.locator('#audit tbody tr').allTextContents();
    for (const event of [
      'Account created',
      'Password login',
      'Two-factor set-up',
      'Authenticator code',
      'Recovery code login',
    ]) {
      expect(
        rows.some((r) => r.includes(event)),
        event,
      ).toBe(true);
    }
    expect(rows.some((r) => r.includes('replayed'))).toBe(true);
    const cells = await page
      .locator('#audit tbody tr')
      .evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent)));
    for (const row of cells) {
      expect(row[4]).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
      expect(row[5]).toContain('Chrome');
    }

    // Wrong codes until locked out, with the hint counting down; then even the right code is refused.
    await h.logOut(page);
    await h.logIn(page, 'alice');
    advance(30_000);
    const wrong = code(scanned.secret) === '000000' ? '000001' : '000000';
    const hints = [];
    for (let i = 0; i < 4; i++) {
      await h.submit(page, { code: wrong });
      hints.push(await page.locator('#f-code-hint').textContent());
    }
    expect(hints).toEqual(
      [4, 3, 2, 1].map((n) => `${n} ${n === 1 ? 'attempt' : 'attempts'} left before a 15-minute lock.`),
    );
    await h.submit(page, { code: wrong });
    expect(await h.flash(page)).toBe(
      'That code is not right, and that was the last attempt: code login is locked for 15 minutes.',
    );
    expect(await page.locator('#f-code-hint').count()).toBe(0); // no "0 attempts left" under it
    await h.submit(page, { code: code(scanned.secret) });
    expect(await h.flash(page)).toBe('Too many wrong codes. Code login is locked; try again in 15 minutes.');
    await context.close();
  }, 120_000);

  it('rotates the session id at each privilege change and logs other sessions out when 2FA is ' +
    'turned on, codes are renewed, or 2FA is turned off', async () => {
    const a = await browser.newContext();
    const b = await browser.newContext();
    const pa = await a.newPage();
    const pb = await b.newPage();
    const sid = async (context: BrowserContext) => (await context.cookies()).find((c) => c.name === 'sid')?.value;
    await pa.goto(base);
    const anonymous = await sid(a);
    await h.signUp(pa, 'bob');
    const afterSignUp = await sid(a);
    expect(afterSignUp).not.toBe(anonymous);
    await h.logIn(pb, 'bob');
    expect(await h.h1(pb)).toBe('Hello, bob');

    // A turns 2FA on: B is logged out, A keeps going with a new id.
    await h.submit(pa, {}, '/2fa/enroll/start');
    const secret = parseOtpauthUri(await h.scanQr(pa, join(work, 'bob.png'))).secret;
    await h.submit(pa, { code: code(secret) }, '/2fa/enroll');
    expect(await sid(a)).not.toBe(afterSignUp);
    await pb.goto(base);
    expect(await h.h1(pb)).toBe('Two-factor login, done right');
    await pa.goto(base);
    expect(await h.h1(pa)).toBe('Hello, bob');

    // B logs in with password and code (two rotations); A renews the recovery codes: B is out again.
    await h.logIn(pb, 'bob');
    const halfway = await sid(b);
    advance(30_000);
    await h.submit(pb, { code: code(secret) });
    expect(await h.h1(pb)).toBe('Hello, bob');
    expect(await sid(b)).not.toBe(halfway);
    advance(30_000);
    await h.submit(pa, { code: code(secret) }, '/2fa/recovery/regenerate');
    expect(new URL(pa.url()).pathname).toBe('/2fa/recovery-codes');
    await pb.goto(base);
    expect(await h.h1(pb)).toBe('Two-factor login, done right');
    await h.submit(pa, {}, '/2fa/recovery-codes/done');

    // And when A turns 2FA off.
    await h.logIn(pb, 'bob');
    advance(30_000);
    await h.submit(pb, { code: code(secret) });
    expect(await h.h1(pb)).toBe('Hello, bob');
    advance(30_000);
    await h.submit(pa, { code: code(secret) }, '/2fa/off');
    expect(await h.flash(pa)).toContain('Two-factor login is off');
    await pb.goto(base);
    expect(await h.h1(pb)).toBe('Two-factor login, done right');

    await pa.goto(`${base}audit`);
    const rows = await pa.locator('#audit tbody tr').allTextContents();
    expect(rows.some((r) => r.includes('Security notice') && r.includes('recovery_codes_replaced'))).toBe(true);
    expect(rows.some((r) => r.includes('Security notice') && r.includes('two_factor_off'))).toBe(true);
    await a.close();
    await b.close();
  }, 120_000);

  it('several authenticators: add one after a current code, log in with either, rename, remove; ' +
    'notices for each change; no favicon 404; the security log fits 1100 px', async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    const page = await context.newPage();
    const missing: string[] = [];
    page.on('response', (r) => {
      if (r.status() === 404) missing.push(r.url());
    });
    const first = await enrolledUser(page, 'dave');
    await page.goto(base);
    expect(await page.locator('#authenticators li').count()).toBe(1);

    // Adding another needs a current code from an existing one (ASVS 7.5.1): a wrong one is refused.
    await page.click('#add summary');
    const wrong = code(first) === '000000' ? '000001' : '000000';
    await h.submit(page, { label: 'Work phone', code: wrong }, '/2fa/add');
    expect(await h.flash(page)).toContain('That code is not right');
    await page.click('#add summary');
    await h.submit(page, { label: 'Work phone', code: code(first) }, '/2fa/add');
    expect(await h.h1(page)).toBe('Add “Work phone”');
    const second = parseOtpauthUri(await h.scanQr(page, join(work, 'dave-2.png'))).secret;
    advance(30_000);
    await h.submit(page, { code: code(second) }, '/2fa/enroll');
    expect(await h.flash(page)).toContain('Authenticator added');
    const labels = await page.locator('#authenticators li strong').allTextContents();
    expect(labels).toEqual(['Authenticator app', 'Work phone']);

    // A code from either logs in.
    for (const secret of [second, first]) {
      await h.logOut(page);
      await h.logIn(page, 'dave');
      advance(30_000);
      await h.submit(page, { code: code(secret) });
      expect(await h.h1(page)).toBe('Hello, dave');
    }

    // Rename the first; a name already taken is refused.
    const ids = await page.locator('#authenticators li').evaluateAll((lis) => lis.map((li) => li.dataset.id!));
    await page.locator(`li[data-id="${ids[0]}"] summary`).click();
    await h.submit(page, { label: 'Work phone' }, `form[action="/2fa/rename"]:has(input[value="${ids[0]}"])`);
    expect(await h.flash(page)).toBe('You already have an authenticator with that name.');
    await page.locator(`li[data-id="${ids[0]}"] summary`).click();
    await h.submit(page, { label: 'Old\u200bphone' }, `form[action="/2fa/rename"]:has(input[value="${ids[0]}"])`);
    expect(await h.flash(page)).toBe('Names are 1..64 visible characters, without a colon.');
    await page.locator(`li[data-id="${ids[0]}"] summary`).click();
    await h.submit(page, { label: 'Old phone' }, `form[action="/2fa/rename"]:has(input[value="${ids[0]}"])`);
    expect(await page.locator('#authenticators li strong').allTextContents()).toEqual(['Old phone', 'Work phone']);

    // Remove the second with a code from the first; then the last one, which turns 2FA off.
    advance(30_000);
    await page.locator(`li[data-id="${ids[1]}"] summary`).click();
    await h.submit(page, { code: code(first) }, `form[action="/2fa/remove"]:has(input[value="${ids[1]}"])`);
    expect(await h.flash(page)).toContain('Authenticator removed');
    advance(30_000);
    await page.locator(`li[data-id="${ids[0]}"] summary`).click();
    expect(await page.locator(`#f-remove-${ids[0]}-hint`).textContent()).toContain('turns two-factor login off');
    await h.submit(page, { code: code(first) }, `form[action="/2fa/remove"]:has(input[value="${ids[0]}"])`);
    expect(await h.flash(page)).toContain('Two-factor login is off');
    await h.logOut(page);
    await h.logIn(page, 'dave');
    expect(await h.h1(page)).toBe('Hello, dave'); // a password is enough again

    // The notices page: the outbox a real server would mail, newest first.
    await page.goto(`${base}notices`);
    const kinds = await page.locator('#notices li').evaluateAll((lis) => lis.map((li) => li.dataset.kind));
    expect(kinds).toEqual([
      'two_factor_off',
      'authenticator_removed',
      'authenticator_removed',
      'authenticator_added',
      'recovery_codes_replaced',
      'authenticator_added',
    ]);
    expect(await page.locator('#notices li').first().textContent()).toContain('Two-factor login was turned off.');

    // The security log at 1100 px: no sideways scrolling, the browser cut to one line, whole on hover.
    await page.goto(`${base}audit`);
    const fits = await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    expect(fits).toBe(true);
    const agent = page.locator('#audit .agent').first();
    expect(await agent.getAttribute('title')).toContain('Chrome');
    // One line high (the height of a one-character line), and cut (wider than what shows).
    const shown = await agent.evaluate((span) => {
      const probe = document.createElement('span');
      probe.className = 'agent';
      probe.textContent = 'x';
      span.parentElement!.append(probe);
      const line = probe.getBoundingClientRect().height;
      probe.remove();
      return {
        lines: Math.round(span.getBoundingClientRect().height / line),
        cut: span.scrollWidth > span.clientWidth,
      };
    });
    expect(shown).toEqual({ lines: 1, cut: true });
    expect(missing).toEqual([]);
    await context.close();
  }, 120_000);

  it('"remember this browser": the next login skips the code until the browser is forgotten or ' +
    'the second factor changes; the cookie is HttpOnly with a Max-Age of 30 days', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const secret = await enrolledUser(page, 'gina');
    const codeLogin = async (remember: boolean) => {
      await h.logIn(page, 'gina');
      expect(await h.h1(page)).toBe('Enter your code');
      advance(30_000);
      if (remember) await page.check('#f-remember');
      await h.submit(page, { code: code(secret) });
      expect(await h.h1(page)).toBe('Hello, gina');
    };
    await h.logOut(page);
    await codeLogin(true);
    const cookie = (await context.cookies()).find((c) => c.name === 'device')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    // Max-Age counts from the browser's own clock, not the server's test clock.
    expect((cookie.expires - Date.now() / 1000) / 86_400).toBeCloseTo(30, 1);
    expect(await page.locator('#devices li strong').allTextContents()).toEqual(['Chrome on Linux']);

    // Password only, from this browser: no code asked.
    await h.logOut(page);
    await h.logIn(page, 'gina');
    expect(await h.flash(page)).toBe('Logged in. This browser is remembered, so no code was needed.');

    // Forget it: the code is asked again.
    await page.click('#devices button');
    expect(await h.flash(page)).toBe('That browser will be asked for a code again.');
    await h.logOut(page);
    await codeLogin(true);

    // A change of the second factor (new recovery codes) forgets every remembered browser.
    advance(30_000);
    await h.submit(page, { code: code(secret) }, '/2fa/recovery/regenerate');
    await h.submit(page, {}, '/2fa/recovery-codes/done');
    expect(await page.locator('#devices').count()).toBe(0);
    await h.logOut(page);
    await codeLogin(false);
    await page.goto(`${base}notices`);
    const kinds = await page.locator('#notices li').evaluateAll((lis) => lis.map((li) => li.dataset.kind));
    expect(kinds.filter((k) => k === 'device_remembered')).toHaveLength(2);
    await context.close();
  }, 120_000);

  it('ends sessions after 30 idle minutes, 12 hours in all, and 5 minutes between password and code', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await h.signUp(page, 'carol');
    advance(31 * 60_000);
    await page.goto(base);
    expect(await h.h1(page)).toBe('Two-factor login, done right');
    expect(await h.flash(page)).toContain('without activity');

    // Active every 29 minutes, the session still ends 12 hours after the login.
    await h.logIn(page, 'carol');
    let minutes = 0;
    for (; minutes < 13 * 60; minutes += 29) {
      advance(29 * 60_000);
      await page.goto(base);
      if ((await h.h1(page)) !== 'Hello, carol') break;
    }
    // Logged in for `minutes`; the next request, 29 minutes later, was past the 12 hours.
    expect(minutes).toBeGreaterThan(12 * 60 - 29);
    expect(minutes).toBeLessThanOrEqual(12 * 60);
    expect(await h.flash(page)).toContain('Your session ended');

    // Half logged in: the code must come within 5 minutes of the password.
    const secret = await enrolledUser(page, 'dora');
    await h.logOut(page);
    await h.logIn(page, 'dora');
    expect(new URL(page.url()).pathname).toBe('/login/2fa');
    advance(6 * 60_000);
    await h.submit(page, { code: code(secret) });
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(await h.flash(page)).toContain('not entered in time');
    await context.close();
  }, 120_000);

  it(
    'changes no state on GET: a navigation to the set-up page cannot replace a pending ' +
      'set-up, and forms need the CSRF token',
    async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await h.signUp(page, 'erin');
      await page.goto(`${base}2fa/enroll`); // as a link from another site would
      expect(await page.locator('#qr').count()).toBe(0);
      await h.submit(page, {}, '/2fa/enroll/start');
      const href = await page.locator('#open-in-app').getAttribute('href');
      for (let i = 0; i < 3; i++) {
        await page.goto(`${base}2fa/enroll`);
        expect(await page.locator('#open-in-app').getAttribute('href')).toBe(href);
      }
      expect((await page.goto(`${base}2fa/enroll/start`))!.status()).toBe(404);
      // "Show a new QR code" is an explicit POST.
      await page.goto(`${base}2fa/enroll`);
      await h.submit(page, {}, '/2fa/enroll/start');
      expect(await page.locator('#open-in-app').getAttribute('href')).not.toBe(href);
      expect(await h.flash(page)).toContain('new QR code');
      // A cross-site POST has no token.
      const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
      const forged = await fetch(`${base}2fa/enroll/start`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: '',
        redirect: 'manual',
      });
      expect(forged.status).toBe(403);
      await context.close();
    },
  );

  it('password lockout: 3 wrong passwords lock a username, known or unknown alike, even for ' +
    'the right password', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await h.signUp(page, 'frank');
    await h.logOut(page);
    for (const username of ['frank', 'nobody-by-this-name']) {
      const flashes = [];
      const hints = [];
      for (let i = 0; i < 4; i++) {
        await h.logIn(page, username, 'wrong password!');
        flashes.push(await h.flash(page));
        const hint = page.locator('#f-password-hint');
        hints.push((await hint.count()) > 0 ? await hint.textContent() : null);
      }
      expect(flashes.slice(0, 2), username).toEqual(Array(2).fill('Wrong username or password.'));
      // The last wrong one says what happens next; the hint counts down the same for everyone.
      expect(flashes[2], username).toBe(
        'Wrong username or password, and that was the last attempt: this username is locked for 15 minutes.',
      );
      expect(hints, username).toEqual([
        '2 attempts left before a 15-minute lock.',
        '1 attempt left before a 15-minute lock.',
        null,
        null,
      ]);
      expect(flashes[3], username).toContain('Too many failed logins');
    }
    await h.logIn(page, 'frank');
    expect(await h.flash(page)).toContain('Too many failed logins');
    advance(16 * 60_000);
    await h.logIn(page, 'frank');
    expect(await h.h1(page)).toBe('Hello, frank');
    await page.goto(`${base}audit`);
    const rows = await page.locator('#audit tbody tr').allTextContents();
    // 3 wrong passwords, then 2 refusals while locked (one of them with the right password).
    expect(rows.filter((r) => r.includes('Password login') && r.includes('failure'))).toHaveLength(5);
    await context.close();
  }, 60_000);

  it('is usable: landmarks, labels, autocomplete, autofocus, no sideways scrolling at 375 px; ' +
    'screenshots saved', async () => {
    const context = await browser.newContext({ viewport: { width: 375, height: 800 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    const desktop = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    const shots: string[] = [];
    const check = async (
      name: string,
      expectations: { autocomplete?: Record<string, string>; focused?: string } = {},
    ) => {
      // Autofocus applies once the page has loaded; on a busy machine that can trail the navigation.
      if (expectations.focused)
        await page
          .waitForFunction((name) => document.activeElement?.getAttribute('name') === name, expectations.focused, {
            timeout: 5000,
          })
          .catch(() => undefined); // the assertion below reports what was focused instead
      const report = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        landmarks: ['header', 'main', 'nav', 'footer'].filter((tag) => document.querySelector(tag) !== null),
        unlabelled: Array.from(document.querySelectorAll('input:not([type=hidden])'))
          .filter((i) => (i as HTMLInputElement).labels?.length === 0)
          .map((i) => i.getAttribute('name')),
        autocomplete: Object.fromEntries(
          Array.from(document.querySelectorAll('main input:not([type=hidden])'), (i) => [
            i.getAttribute('name'),
            i.getAttribute('autocomplete'),
          ]),
        ),
        focused: document.activeElement?.getAttribute('name') ?? null,
      }));
      expect(report.scrollWidth, `${name}: page width at 375 px`).toBeLessThanOrEqual(375);
      expect(report.landmarks, name).toEqual(['header', 'main', 'nav', 'footer']);
      expect(report.unlabelled, name).toEqual([]);
      if (expectations.autocomplete) expect(report.autocomplete, name).toMatchObject(expectations.autocomplete);
      if (expectations.focused) expect(report.focused, name).toBe(expectations.focused);
      const file = join(ARTIFACTS, `${name}-375.png`);
      writeFileSync(file, await page.screenshot({ fullPage: true }));
      await desktop.context().clearCookies();
      await desktop.context().addCookies(await context.cookies());
      await desktop.goto(page.url());
      writeFileSync(join(ARTIFACTS, `${name}-desktop.png`), await desktop.screenshot({ fullPage: true }));
      shots.push(file);
    };
    await page.goto(base);
    await check('home');
    await page.goto(`${base}signup`);
    await check('signup', { autocomplete: { username: 'username', password: 'new-password' }, focused: 'username' });
    await h.submit(page, { username: 'grace', password: PASSWORD });
    await check('account-2fa-off');
    await h.submit(page, {}, '/2fa/enroll/start');
    const secret = parseOtpauthUri(await h.scanQr(page, join(work, 'grace.png'))).secret;
    await check('enroll', { autocomplete: { code: 'one-time-code' }, focused: 'code' });
    await h.submit(page, { code: code(secret) }, '/2fa/enroll');
    await check('recovery-codes');
    // A recovery code never breaks across lines, even at 375 px.
    const codeLines = await page.locator('#recovery-codes li').evaluateAll((lis) =>
      lis.map((li) => {
        const range = document.createRange();
        range.selectNodeContents(li.firstChild!);
        return `${getComputedStyle(li).whiteSpace}:${range.getClientRects().length}`;
      }),
    );
    expect(new Set(codeLines)).toEqual(new Set(['nowrap:1']));
    await h.submit(page, {}, '/2fa/recovery-codes/done');
    await check('account-2fa-on');
    await page.goto(`${base}audit`);
    await check('audit');
    await page.goto(`${base}notices`);
    await check('notices');
    await h.logOut(page);
    await page.goto(`${base}login`);
    await check('login', { autocomplete: { username: 'username', password: 'current-password' }, focused: 'username' });
    await h.submit(page, { username: 'grace', password: PASSWORD });
    await check('login-code', { autocomplete: { code: 'one-time-code' }, focused: 'code' });
    await page.click('a[href="/login/recovery"]');
    await check('login-recovery', { focused: 'code' });
    expect(shots).toHaveLength(11);
    await context.close();
    await desktop.context().close();
  }, 120_000);
});

const haveRedisServer = haveTool('redis-server', '--version', 'apt-get install redis-server');
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

describe.runIf(ready && haveRedisServer)('example server on PostgreSQL + Redis: outages and start-up errors', () => {
  const work = mkdtempSync(join(tmpdir(), 'totpkit-e2e-faults-'));
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let example: Example;
  let browser: Browser;

  beforeAll(async () => {
    redis = await startRedis();
    example = await startExample({ DATABASE_URL: databaseUrl, REDIS_URL: redis.url, GUARD_TIMEOUT_MS: '1000' }, work);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await example?.stop();
    await redis?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('a dead Redis gives the "try again shortly" page (503) in under 5 s, one log line per ' +
    'failure, no unhandled client errors; logins work again after', async () => {
    const h = helpers(example.base);
    const page = await (await browser.newContext()).newPage();
    const username = `outage-${Date.now()}`;
    await h.signUp(page, username);
    await h.logOut(page);
    await redis.kill();
    const before = example.stderr.length;
    for (let i = 0; i < 2; i++) {
      const started = Date.now();
      await page.goto(`${example.base}login`);
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/login') && r.request().method() === 'POST'),
        h.submit(page, { username, password: PASSWORD }),
      ]);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(response.status()).toBe(503);
      expect(await h.h1(page)).toBe('Try again shortly');
    }
    const lines = example.stderr.slice(before);
    expect(lines.filter((l) => l.includes('login: store unavailable'))).toHaveLength(2);
    expect(lines.filter((l) => l.startsWith('[example] redis: unavailable'))).toHaveLength(1);
    expect(
      lines.every((l) => l.startsWith('[example] ')),
      lines.join('\n'),
    ).toBe(true);
    expect(lines.join('\n')).not.toMatch(/Unhandled error event|\n\s+at /);

    await redis.start();
    const deadline = Date.now() + 15_000;
    for (;;) {
      await h.logIn(page, username);
      if ((await h.h1(page)) === `Hello, ${username}`) break;
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(example.stderr.slice(before).some((l) => l.includes('redis: available again'))).toBe(true);
  }, 60_000);

  it('a browser without a cookie stores no session by browsing; its first form post does', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const rows = async () => {
        const sid = (await context.cookies()).find((c) => c.name === 'sid')!.value;
        const hash = createHash('sha256').update(sid).digest('base64url');
        const r = await client.query('SELECT count(*) FROM example_sessions WHERE id_hash = $1', [hash]);
        return Number(r.rows[0].count);
      };
      for (const path of ['', 'login', 'signup', 'login']) await page.goto(`${example.base}${path}`);
      expect(await rows()).toBe(0);
      await helpers(example.base).submit(page, { username: 'nobody-here', password: 'not the password' });
      expect(await page.locator('#flash').textContent()).toBe('Wrong username or password.');
      expect(await rows()).toBe(1);
    } finally {
      await client.end();
      await context.close();
    }
  });

  it('an account with no events yet shows an empty security log', async () => {
    const h = helpers(example.base);
    const page = await (await browser.newContext()).newPage();
    const username = `quiet-${Date.now()}`;
    await h.signUp(page, username);
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      await client.query(
        'DELETE FROM example_audit WHERE user_id = (SELECT id FROM example_users WHERE username = $1)',
        [username],
      );
    } finally {
      await client.end();
    }
    await page.goto(`${example.base}audit`);
    expect(await page.locator('#audit-empty').textContent()).toBe('No security events yet.');
    expect(await page.locator('#audit').count()).toBe(0);
  });

  it('start-up errors print one clear line (no stack, no password) and exit non-zero', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const port = (busy.address() as { port: number }).port;
    try {
      const cases: [Record<string, string>, RegExp][] = [
        [{ PORT: String(port) }, /^\[example\] cannot listen on 127\.0\.0\.1:\d+: the port is in use$/],
        [
          { DATABASE_URL: 'postgres://app:hunter2@127.0.0.1:1/app' },
          /^\[example\] cannot open the database at 127\.0\.0\.1:1\/app: connection refused \(ECONNREFUSED\)$/,
        ],
        [
          { DATABASE_URL: databaseUrl.replace(/\/[^/]*$/, '/no_such_database_here') },
          /^\[example\] cannot open the database at .*\/no_such_database_here: no such database \(3D000\)$/,
        ],
        [{ DATABASE_URL: 'not a url' }, /^\[example\] DATABASE_URL is not a valid URL$/],
        [
          { REDIS_URL: 'redis://:hunter2@127.0.0.1:1' },
          /^\[example\] cannot reach Redis at 127\.0\.0\.1:1: connection refused \(ECONNREFUSED\)$/,
        ],
        [{ SESSION_IDLE_MINUTES: 'soon' }, /^\[example\] SESSION_IDLE_MINUTES must be a number in 1\.\.1440$/],
      ];
      for (const [env, expected] of cases) {
        const r = await failedStart(env, work);
        expect(r.code, JSON.stringify(env)).toBe(1);
        expect(r.lines, JSON.stringify(env)).toHaveLength(1);
        expect(r.lines[0]).toMatch(expected);
        expect(r.lines[0]).not.toContain('hunter2');
        expect(r.ms).toBeLessThan(10_000);
      }
    } finally {
      busy.close();
    }
  }, 90_000);
});

describe.runIf(ready)('example server behind TLS', () => {
  const work = mkdtempSync(join(tmpdir(), 'totpkit-e2e-tls-'));
  const haveOpenssl = haveTool('openssl', 'version', 'apt-get install openssl');
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('plain HTTP on 127.0.0.1: a `sid` cookie without Secure, no HSTS', async () => {
    const example = await startExample({}, work);
    try {
      const response = await fetch(example.base);
      expect(response.headers.get('set-cookie')).toMatch(/^sid=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Lax; Path=\/$/);
      expect(response.headers.get('strict-transport-security')).toBeNull();
    } finally {
      await example.stop();
    }
  });

  it('BEHIND_TLS=1: a `__Host-sid` cookie with Secure, and HSTS', async () => {
    const example = await startExample({ BEHIND_TLS: '1' }, work);
    try {
      const response = await fetch(example.base);
      expect(response.headers.get('set-cookie')).toMatch(
        /^__Host-sid=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Lax; Path=\/; Secure$/,
      );
      expect(response.headers.get('strict-transport-security')).toBe('max-age=63072000; includeSubDomains');
    } finally {
      await example.stop();
    }
  });

  it.runIf(haveOpenssl)(
    'HTTPS: Chromium gets a Secure __Host- cookie and can sign up and log in',
    async () => {
      const cert = join(work, 'cert.pem');
      const key = join(work, 'key.pem');
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=127.0.0.1',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
          '-keyout',
          key,
          '-out',
          cert,
        ],
        { stdio: 'ignore' },
      );
      const example = await startExample({ TLS_CERT_FILE: cert, TLS_KEY_FILE: key }, work);
      const browser = await launchChromium();
      try {
        expect(example.base).toMatch(/^https:\/\//);
        const context = await browser.newContext({ ignoreHTTPSErrors: true });
        const page = await context.newPage();
        const h = helpers(example.base);
        const response = await page.goto(example.base);
        expect(await response!.headerValue('strict-transport-security')).toBe('max-age=63072000; includeSubDomains');
        await h.signUp(page, `tls-${Date.now()}`);
        const cookies = await context.cookies();
        expect(cookies).toHaveLength(1);
        expect(cookies[0]).toMatchObject({
          name: '__Host-sid',
          secure: true,
          httpOnly: true,
          sameSite: 'Lax',
          path: '/',
        });
      } finally {
        await browser.close();
        await example.stop();
      }
    },
    60_000,
  );
});

describe('example server password hashing', () => {
  it('uses scrypt at N=2^17, r=8, p=1, reads hashes of earlier versions and asks to upgrade them', async () => {
    const module = join(root, 'examples/server/passwords.mjs');
    const p = (await import(module)) as {
      hashPassword(password: string, params?: { N: number; r: number; p: number }): Promise<string>;
      checkPassword(password: string, stored: string | undefined): Promise<boolean>;
      needsRehash(stored: string): boolean;
    };
    const stored = await p.hashPassword(PASSWORD);
    expect(stored).toMatch(/^scrypt\$131072\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await p.checkPassword(PASSWORD, stored)).toBe(true);
    expect(await p.checkPassword(`${PASSWORD}!`, stored)).toBe(false);
    expect(await p.checkPassword(PASSWORD, undefined)).toBe(false);
    expect(p.needsRehash(stored)).toBe(false);
    // The format of earlier versions of the example: scrypt$salt$hash at N = 2^15.
    const legacy = (await p.hashPassword(PASSWORD, { N: 2 ** 15, r: 8, p: 1 })).replace(
      /^scrypt\$32768\$8\$1\$/,
      'scrypt$',
    );
    expect(legacy.split('$')).toHaveLength(3);
    expect(await p.checkPassword(PASSWORD, legacy)).toBe(true);
    expect(p.needsRehash(legacy)).toBe(true);
  }, 30_000);
});
